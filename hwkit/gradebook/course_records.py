"""The course's own records in the gradebook, beside the grading runs: the roster, reveals,
withdrawn submissions, the TA's scores of written answers, the course log (who did what,
when) and the course's secret. ``Gradebook`` (``store``) holds the connection and the schema.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Student:
    """One roster line. show_name: the student allows their real name on the public board;
    lms_id: the student's id on the LMS whose exports name files by it (Canvas user id, Moodle
    participant id, Open edX username), "" when exports use the student id."""

    student_id: str
    name: str = ""
    nickname: str = ""
    group: str = ""
    show_name: bool = False
    lms_id: str = ""


class CourseRecords:
    """Methods on ``self._conn`` (an open sqlite3 connection with ``store``'s schema)."""

    def import_roster(self, students: Iterable[Student]) -> int:
        """Add or update roster lines (keyed by student id) in one transaction; returns how many."""
        rows = [(s.student_id, s.name, s.nickname, s.group, int(s.show_name), s.lms_id)
                for s in students]
        with self._conn:
            self._conn.executemany(
                "INSERT INTO roster (student_id, name, nickname, grp, show_name, lms_id) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(student_id) DO UPDATE SET "
                "name = excluded.name, nickname = excluded.nickname, grp = excluded.grp, "
                "show_name = excluded.show_name, lms_id = excluded.lms_id",
                rows,
            )
        return len(rows)

    def replace_roster(self, students: Iterable[Student], who: str = "") -> list[str]:
        """Make the roster exactly ``students`` (one transaction); returns the ids it removed,
        which are logged. Their runs stay; the board no longer files them under anyone."""
        students = list(students)
        keep = {s.student_id for s in students}
        removed = [s.student_id for s in self.roster() if s.student_id not in keep]
        with self._conn:
            self._conn.executemany("DELETE FROM roster WHERE student_id = ?",
                                   [(sid,) for sid in removed])
        self.import_roster(students)
        if removed:
            self.log("roster: removed", "", ", ".join(removed), who)
        return removed

    def roster(self) -> list[Student]:
        """The roster, by student id."""
        rows = self._conn.execute("SELECT student_id, name, nickname, grp, show_name, lms_id "
                                  "FROM roster ORDER BY student_id")
        return [Student(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]

    def reveal(self, assignment: str, who: str = "", detail: str = "") -> str:
        """Mark ``assignment``'s private part as revealed (idempotent; a first reveal is
        logged with ``who`` and ``detail``); returns when it was revealed."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._conn:
            added = self._conn.execute(
                "INSERT OR IGNORE INTO reveals (assignment, revealed_at) VALUES (?, ?)",
                (assignment, now),
            ).rowcount
        if added:
            self.log("reveal", assignment, detail, who)
        return self.revealed()[assignment]

    def unreveal(self, assignment: str, who: str = "") -> bool:
        """Hide ``assignment``'s private part again; returns whether it was revealed (logged)."""
        with self._conn:
            removed = self._conn.execute("DELETE FROM reveals WHERE assignment = ?",
                                         (assignment,)).rowcount
        if removed:
            self.log("unreveal", assignment, "", who)
        return bool(removed)

    def withdraw(self, assignment: str, submission: str, reason: str = "",
                 who: str = "") -> bool:
        """Keep ``submission`` off the board and the LMS file (its runs stay); returns whether
        it has runs to withdraw. Logged; ``restore`` undoes it."""
        known = self._conn.execute("SELECT 1 FROM runs WHERE assignment = ? AND submission = ?",
                                   (assignment, submission)).fetchone()
        if not known:
            return False
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._conn:
            self._conn.execute("INSERT OR REPLACE INTO withdrawn (assignment, submission, "
                               "withdrawn_at, reason) VALUES (?, ?, ?, ?)",
                               (assignment, submission, now, reason))
        self.log("withdraw", assignment, f"{submission}: {reason}" if reason else submission, who)
        return True

    def restore(self, assignment: str, submission: str, who: str = "") -> bool:
        """Put a withdrawn submission back; returns whether it was withdrawn (logged)."""
        with self._conn:
            removed = self._conn.execute(
                "DELETE FROM withdrawn WHERE assignment = ? AND submission = ?",
                (assignment, submission)).rowcount
        if removed:
            self.log("restore", assignment, submission, who)
        return bool(removed)

    def withdrawn(self, assignment: str) -> set[str]:
        """The submission names of ``assignment`` kept off the board."""
        return {r[0] for r in self._conn.execute(
            "SELECT submission FROM withdrawn WHERE assignment = ?", (assignment,))}

    def set_written_scores(self, assignment: str,
                           scores: Iterable[tuple[str, str, float, str]], who: str = "") -> int:
        """Store TA scores of written answers, (student id, question, score, submission)
        each, replacing earlier ones of the same question (one transaction; logged)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        rows = [(assignment, sid, q, float(score), sub, now, who) for sid, q, score, sub in scores]
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO written_scores (assignment, student_id, question, score, "
                "submission, scored_at, scored_by) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        if rows:
            self.log("written scores imported", assignment, f"{len(rows)} scores", who)
        return len(rows)

    def written_scores(self, assignment: str) -> dict[str, dict[str, float]]:
        """Student id -> question -> the TA's score of that written answer."""
        found: dict[str, dict[str, float]] = {}
        for sid, question, score in self._conn.execute(
                "SELECT student_id, question, score FROM written_scores WHERE assignment = ?",
                (assignment,)):
            found.setdefault(sid, {})[question] = score
        return found

    def log(self, action: str, assignment: str = "", detail: str = "", who: str = "") -> None:
        """Record a course action (reveal, roster change …) with who did it and when (UTC)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._conn:
            self._conn.execute(
                "INSERT INTO course_log (at, who, action, assignment, detail) "
                "VALUES (?, ?, ?, ?, ?)", (now, who, action, assignment, detail))

    def course_log(self) -> list[tuple[str, str, str, str, str]]:
        """Every logged action, oldest first: (at, who, action, assignment, detail)."""
        return [tuple(r) for r in self._conn.execute(
            "SELECT at, who, action, assignment, detail FROM course_log ORDER BY id")]

    def revealed(self) -> dict[str, str]:
        """Revealed assignment id -> when (ISO 8601 UTC)."""
        return dict(self._conn.execute("SELECT assignment, revealed_at FROM reveals").fetchall())

    def course_secret(self) -> str:
        """A random key made once per gradebook (for anonymous handles nobody can recompute)."""
        with self._conn:
            self._conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('secret', ?)",
                (secrets.token_hex(16),),
            )
        return self._conn.execute("SELECT value FROM meta WHERE key = 'secret'").fetchone()[0]
