"""A SQLite gradebook: grading runs (one row per run, one per test, one per held-out accuracy),
the course's roster, which assignments were revealed, and a log of the TA's course actions
(reveals, roster changes: who and when).

Runs are never updated or deleted here: regrading adds a new run, and "latest" means the highest
run id (the one recorded last). Older files are upgraded in place when opened: schema 1
(before submission times and accuracies), schema 2 (before the files' own modification
times, ``file_time``) and schema 3 (before ``data``, what a run was graded on).
"""

import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hwkit.results import HeldOutAccuracy, Status, SubmissionResult, TestOutcome

SCHEMA_VERSION = 4

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    assignment TEXT NOT NULL,
    submission TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    autograder_sha256 TEXT NOT NULL,
    status TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    started_at TEXT NOT NULL,
    duration_s REAL NOT NULL,
    device TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    submitted_at TEXT NOT NULL DEFAULT '',
    student_field TEXT NOT NULL DEFAULT '',
    file_time TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS runs_by_content ON runs (assignment, sha256, autograder_sha256);
CREATE TABLE IF NOT EXISTS test_results (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    question TEXT,
    name TEXT,
    score REAL,
    max_score REAL,
    hidden INTEGER,
    passed INTEGER,
    message TEXT
);
CREATE INDEX IF NOT EXISTS test_results_by_run ON test_results (run_id);
CREATE TABLE IF NOT EXISTS accuracies (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    public REAL NOT NULL,
    private REAL NOT NULL,
    n_public INTEGER NOT NULL,
    n_private INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS accuracies_by_run ON accuracies (run_id);
CREATE TABLE IF NOT EXISTS artifacts (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS roster (
    student_id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    nickname TEXT NOT NULL DEFAULT '',
    grp TEXT NOT NULL DEFAULT '',
    show_name INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS reveals (
    assignment TEXT PRIMARY KEY,
    revealed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS written_scores (
    assignment TEXT NOT NULL,
    student_id TEXT NOT NULL,
    question TEXT NOT NULL,
    score REAL NOT NULL,
    submission TEXT NOT NULL DEFAULT '',
    scored_at TEXT NOT NULL,
    scored_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (assignment, student_id, question)
);
CREATE TABLE IF NOT EXISTS withdrawn (
    assignment TEXT NOT NULL,
    submission TEXT NOT NULL,
    withdrawn_at TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (assignment, submission)
);
CREATE TABLE IF NOT EXISTS course_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    assignment TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
"""
# Columns added to `runs` by schema 2 (ALTER TABLE on a schema 1 file).
_RUN_COLUMNS_V2 = (
    "submitted_at TEXT NOT NULL DEFAULT ''",
    "student_field TEXT NOT NULL DEFAULT ''",
)
# Columns added to `runs` by schema 3 (on a schema 1 or 2 file).
_RUN_COLUMNS_V3 = ("file_time TEXT NOT NULL DEFAULT ''",)
# Column added by schema 4: the data a run was graded on (``SubmissionResult.data``).
_RUN_COLUMNS_V4 = ("data TEXT NOT NULL DEFAULT ''",)

_RUN_FIELDS = (
    "assignment",
    "submission",
    "sha256",
    "autograder_sha256",
    "status",
    "score",
    "max_score",
    "started_at",
    "duration_s",
    "device",
    "detail",
    "submitted_at",
    "student_field",
    "file_time",
    "data",
)
_TEST_FIELDS = ("question", "name", "score", "max_score", "hidden", "passed", "message")
_ACCURACY_FIELDS = ("name", "public", "private", "n_public", "n_private")
_SELECT_RUNS = f"SELECT id, {', '.join(_RUN_FIELDS)} FROM runs"
_CURVES = "curves.png"


@dataclass(frozen=True)
class Student:
    """One roster line. show_name: the student allows their real name on the public board."""

    student_id: str
    name: str = ""
    nickname: str = ""
    group: str = ""
    show_name: bool = False


class Gradebook:
    """One SQLite file of grading runs; use as a context manager or call `close()`."""

    def __init__(self, path: Path):
        """Open (or create, with parent folders and schema) the gradebook at `path`."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._create_schema()

    def _create_schema(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            self._conn.close()
            raise RuntimeError(
                f"{self.path} has gradebook schema {version}; this hwkit knows {SCHEMA_VERSION}"
            )
        with self._conn:
            added = ((_RUN_COLUMNS_V2 if version == 1 else ())
                     + (_RUN_COLUMNS_V3 if version in (1, 2) else ())
                     + (_RUN_COLUMNS_V4 if version in (1, 2, 3) else ()))
            for column in added:
                self._conn.execute(f"ALTER TABLE runs ADD COLUMN {column}")
            self._conn.executescript(_SCHEMA)
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def __enter__(self) -> "Gradebook":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._conn.close()

    def record(self, result: SubmissionResult) -> int:
        """Store one run and all its tests atomically; returns the new run id."""
        run_row = tuple(str(result.status) if name == "status" else getattr(result, name)
                        for name in _RUN_FIELDS)
        placeholders = ", ".join("?" * len(_RUN_FIELDS))
        test_placeholders = ", ".join("?" * (len(_TEST_FIELDS) + 1))
        with self._conn:  # one transaction: commits both inserts or rolls both back
            cursor = self._conn.execute(
                f"INSERT INTO runs ({', '.join(_RUN_FIELDS)}) VALUES ({placeholders})", run_row
            )
            run_id = cursor.lastrowid
            self._conn.executemany(
                f"INSERT INTO test_results (run_id, {', '.join(_TEST_FIELDS)}) "
                f"VALUES ({test_placeholders})",
                [(run_id, *_test_row(test)) for test in result.tests],
            )
            self._conn.executemany(
                f"INSERT INTO accuracies (run_id, {', '.join(_ACCURACY_FIELDS)}) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(run_id, *(getattr(a, f) for f in _ACCURACY_FIELDS)) for a in result.accuracies],
            )
            if result.curves_png:
                self._conn.execute(
                    "INSERT INTO artifacts (run_id, name, data) VALUES (?, ?, ?)",
                    (run_id, _CURVES, result.curves_png),
                )
        result.run_id = run_id
        return run_id

    def curves_png(self, run_id: int) -> bytes:
        """The training-curve PNG recorded with run ``run_id`` (b"" when there is none)."""
        row = self._conn.execute(
            "SELECT data FROM artifacts WHERE run_id = ? AND name = ?", (run_id, _CURVES)
        ).fetchone()
        return bytes(row[0]) if row else b""

    def import_roster(self, students: Iterable[Student]) -> int:
        """Add or update roster lines (keyed by student id) in one transaction; returns how many."""
        rows = [(s.student_id, s.name, s.nickname, s.group, int(s.show_name)) for s in students]
        with self._conn:
            self._conn.executemany(
                "INSERT INTO roster (student_id, name, nickname, grp, show_name) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(student_id) DO UPDATE SET "
                "name = excluded.name, nickname = excluded.nickname, grp = excluded.grp, "
                "show_name = excluded.show_name",
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
        rows = self._conn.execute(
            "SELECT student_id, name, nickname, grp, show_name FROM roster ORDER BY student_id"
        )
        return [Student(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]

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

    def find_graded(
        self, assignment: str, sha256: str, autograder_sha256: str | None, submission: str = ""
    ) -> SubmissionResult | None:
        """The latest run of this exact file content under this exact autograder (under any,
        when ``autograder_sha256`` is None; one under the file name ``submission`` first, when
        there is one), or None — also when that run ended in a ``grader error``: the file is
        graded again."""
        same_autograder = "AND autograder_sha256 = ? " if autograder_sha256 is not None else ""
        keys = (autograder_sha256,) if autograder_sha256 is not None else ()
        row = self._conn.execute(
            f"{_SELECT_RUNS} WHERE assignment = ? AND sha256 = ? {same_autograder}"
            "ORDER BY submission = ? DESC, id DESC LIMIT 1",
            (assignment, sha256, *keys, submission),
        ).fetchone()
        if row is None or Status.parse(row["status"]).kind == "grader_error":
            return None
        return self._results([row])[0]

    def runs(self, assignment: str | None = None) -> list[SubmissionResult]:
        """Every run (of `assignment`, or of all assignments when None), with tests, by run id."""
        if assignment is None:
            rows = self._conn.execute(f"{_SELECT_RUNS} ORDER BY id")
        else:
            rows = self._conn.execute(
                f"{_SELECT_RUNS} WHERE assignment = ? ORDER BY id", (assignment,)
            )
        return self._results(rows)

    def latest_by_submission(self, assignment: str) -> list[SubmissionResult]:
        """The latest run of each submission file name of `assignment`, ordered by that name."""
        rows = self._conn.execute(
            f"{_SELECT_RUNS} WHERE id IN "
            "(SELECT MAX(id) FROM runs WHERE assignment = ? GROUP BY submission) "
            "ORDER BY submission",
            (assignment,),
        )
        return self._results(rows)

    def _results(self, rows: sqlite3.Cursor | list[sqlite3.Row]) -> list[SubmissionResult]:
        runs = rows.fetchall() if isinstance(rows, sqlite3.Cursor) else rows
        ids = [row["id"] for row in runs]
        tests = self._children("test_results", _TEST_FIELDS, ids, _test_outcome)
        accuracies = self._children("accuracies", _ACCURACY_FIELDS, ids, _accuracy)
        return [
            SubmissionResult(
                **{name: row[name] for name in _RUN_FIELDS if name != "status"},
                status=Status.parse(row["status"]),
                tests=tests.get(row["id"], []),
                accuracies=accuracies.get(row["id"], []),
                run_id=row["id"],
            )
            for row in runs
        ]

    def _children(self, table: str, fields: tuple[str, ...], run_ids: list[int], make) -> dict:
        """run id -> [make(row), ...] for the rows of ``table`` belonging to ``run_ids``, in
        insertion order; one query per 500 runs rather than one per run."""
        children: dict[int, list] = {}
        for start in range(0, len(run_ids), 500):
            chunk = run_ids[start : start + 500]
            rows = self._conn.execute(
                f"SELECT run_id, {', '.join(fields)} FROM {table} "
                f"WHERE run_id IN ({', '.join('?' * len(chunk))}) ORDER BY rowid",
                chunk,
            )
            for row in rows:
                children.setdefault(row["run_id"], []).append(make(row))
        return children


def _test_row(test: TestOutcome) -> tuple:
    """The `test_results` values of one test, without run_id (bools stored as 0/1)."""
    return (
        test.question,
        test.name,
        test.score,
        test.max_score,
        int(test.hidden),
        int(test.passed),
        test.message,
    )


def _test_outcome(row: sqlite3.Row) -> TestOutcome:
    return TestOutcome(
        question=row["question"],
        name=row["name"],
        score=row["score"],
        max_score=row["max_score"],
        hidden=bool(row["hidden"]),
        passed=bool(row["passed"]),
        message=row["message"] or "",
    )


def _accuracy(row: sqlite3.Row) -> HeldOutAccuracy:
    return HeldOutAccuracy(*(row[name] for name in _ACCURACY_FIELDS))
