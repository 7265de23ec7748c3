"""The cohort leaderboard: roster, counted submissions, public/private held-out accuracy,
the page, the terminal board, grades.csv and per-student reports.

A course folder is what ``hwkit grade <id> <submissions> --out <folder>`` writes into: its
``gradebook.sqlite`` holds every run of every assignment, the roster
(``hwkit roster import``) and which assignments were revealed (``--reveal``); its optional
``course.toml`` overrides the project's settings.

- ``standings``: runs → students → counted submission → ranks (the TA's view)
- ``view``: the students' view (no ids, no unrevealed private figures)
- ``page``: the self-contained HTML page; ``exports``: terminal board, CSVs, reports, and the
  TA-only list of files to check (``unmatched.csv``, ``ta-report.md``, ``checks``)
- ``gradescope``: the same ranking's entries in Gradescope's results.json
"""

import getpass
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hwkit.assignments import ASSIGNMENTS, Assignment
from hwkit.course import FILE_NAME, CourseConfig, load_config
from hwkit.gradebook import Gradebook
from hwkit.gradebook.roster import read_roster_csv
from hwkit.leaderboard.exports import (
    TA_REPORT_NAME,
    terminal_board,
    terminal_checks,
    write_grades_csv,
    write_student_reports,
    write_ta_report,
    write_unmatched_csv,
)
from hwkit.leaderboard.page import write_page
from hwkit.leaderboard.standings import Board, build_board
from hwkit.leaderboard.view import public_view
from hwkit.project import project_root

GRADEBOOK_NAME = "gradebook.sqlite"


@dataclass(frozen=True)
class LeaderboardOutput:
    """What ``write_leaderboard`` wrote. terminal: the boards as the page shows them (no ids);
    checks: the TA-only lines of files to check ("" when none), also in ``unmatched_csv`` and
    ``ta_report``."""

    board: Board
    page: Path
    grades_csv: Path
    unmatched_csv: Path
    reports: list[Path]
    terminal: str
    ta_report: Path
    checks: str


class RevealRefused(ValueError):
    """A reveal that would publish a private ranking too early or that has none."""


def open_course(course_dir: Path, create: bool = False) -> Gradebook:
    """The course folder's gradebook (created empty in an existing folder; ``create``: the
    folder too — commands that write into the course make it, readers say it is missing)."""
    course_dir = Path(course_dir)
    if create:
        course_dir.mkdir(parents=True, exist_ok=True)
    if not course_dir.is_dir():
        raise NotADirectoryError(
            f"course folder not found: {course_dir} (the --course folder of `hwkit grade` and "
            "`hwkit roster import`)"
        )
    return Gradebook(course_dir / GRADEBOOK_NAME)


def who_am_i() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a container)
        return f"uid {os.getuid()}"


def ensure_course_settings(course_dir: Path) -> Path | None:
    """Write ``<course>/course.toml`` (the project's, to edit) when the course has none;
    returns its path when it was written."""
    target = Path(course_dir) / FILE_NAME
    if target.exists():
        return None
    source = project_root() / FILE_NAME
    text = source.read_text(encoding="utf-8") if source.is_file() else "[course]\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("# 本课程的设置（从项目的 course.toml 复制）/ This course's settings, copied "
                      "from the project's: edit the deadlines and [late].\n" + text,
                      encoding="utf-8")
    return target


def import_roster(course_dir: Path, roster_csv: Path,
                  replace: bool = True) -> tuple[int, list[str]]:
    """Read the roster CSV (all or nothing) into the course's gradebook: it becomes the
    roster (``replace``; else lines are added or updated). Returns (students, removed ids)."""
    students = read_roster_csv(roster_csv)
    with open_course(course_dir, create=True) as gradebook:
        if replace:
            return len(students), gradebook.replace_roster(students, who_am_i())
        return gradebook.import_roster(students), []


def _refusal(assignment: Assignment, course: CourseConfig, now: datetime) -> str:
    """Why revealing ``assignment`` now is refused ("" when it is not)."""
    if assignment.ranked_accuracy is None:
        return (f"{assignment.id} has no held-out accuracy, so no private part to reveal "
                f"/ {assignment.id} 没有私有榜")
    deadline = course.deadline(assignment.id)
    if deadline is None:
        return (f"{assignment.id} has no deadline in course.toml ([assignments.{assignment.id}] "
                "deadline = …), so it cannot be told that the deadline has passed "
                "/ 未设置截止时间")
    if now < deadline:
        return (f"{assignment.id}'s deadline is {deadline.isoformat()}: revealing now would "
                "publish the final ranking while students still submit / 截止时间未到")
    return ""


def reveal(course_dir: Path, assignment_id: str, course: CourseConfig | None = None,
           force: bool = False, now: datetime | None = None) -> str:
    """Show ``assignment_id``'s private part from now on; returns when it was revealed.

    Refused (``RevealRefused``) before the deadline in ``course`` (default: the course's
    course.toml) and for an assignment without held-out accuracy, unless ``force``. The
    reveal is logged in the gradebook with who and when (and that it was forced)."""
    assignment = _known(assignment_id)
    course = course or load_config(course_dir)
    why = _refusal(assignment, course, now or datetime.now(UTC))
    if why and not force:
        raise RevealRefused(f"not revealed: {why}; add --force to reveal anyway")
    with open_course(course_dir, create=True) as gradebook:
        return gradebook.reveal(assignment_id, who_am_i(), f"forced: {why}" if why else "")


def unreveal(course_dir: Path, assignment_id: str) -> bool:
    """Hide ``assignment_id``'s private part again (logged); returns whether it was shown."""
    _known(assignment_id)
    with open_course(course_dir) as gradebook:
        return gradebook.unreveal(assignment_id, who_am_i())


def _known(assignment_id: str) -> Assignment:
    if assignment_id not in ASSIGNMENTS:
        raise KeyError(f"unknown assignment '{assignment_id}'; available: "
                       f"{', '.join(sorted(ASSIGNMENTS))}")
    return ASSIGNMENTS[assignment_id]


def _on_the_board(gradebook: Gradebook, assignment_id: str) -> list:
    """The latest run of each submission, withdrawn ones left out."""
    withdrawn = gradebook.withdrawn(assignment_id)
    return [r for r in gradebook.latest_by_submission(assignment_id)
            if r.submission not in withdrawn]


def withdraw(course_dir: Path, assignment_id: str, submission: str, reason: str = "",
             restore: bool = False) -> bool:
    """Withdraw a submission from the board and grades.csv (or ``restore`` it); returns
    whether anything changed. Raises KeyError for a name the gradebook has never graded."""
    _known(assignment_id)
    with open_course(course_dir) as gradebook:
        if restore:
            return gradebook.restore(assignment_id, submission, who_am_i())
        if not gradebook.withdraw(assignment_id, submission, reason, who_am_i()):
            raise KeyError(f"no graded submission {submission!r} of {assignment_id} in "
                           f"{course_dir}: names are as in `hwkit grade`'s table")
        return True


def _planned_max_score(assignment: Assignment) -> float:
    try:
        return float(json.loads(assignment.manifest_path.read_text(encoding="utf-8"))["max_score"])
    except (OSError, KeyError, ValueError):  # not built yet: 0 until someone submits
        return 0.0


def load_board(course_dir: Path, course: CourseConfig | None = None,
               assignments: list[Assignment] | None = None,
               picks: dict[str, dict[str, set[str]]] | None = None) -> tuple[Board, Gradebook]:
    """The cohort's board from the course folder, and its open gradebook (close it).
    ``picks``: assignment → student → the submission names they picked for the ranking
    (``hwkit serve``'s picks); the counted rule chooses among those when a student has any."""
    course = course or load_config(course_dir)
    assignments = assignments or [ASSIGNMENTS[a] for a in sorted(ASSIGNMENTS)]
    gradebook = open_course(course_dir)
    board = build_board(
        assignments,
        {a.id: _on_the_board(gradebook, a.id) for a in assignments},
        gradebook.roster(),
        course,
        set(gradebook.revealed()),
        gradebook.course_secret(),
        datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        {a.id: _planned_max_score(a) for a in assignments},
        {a.id: {sid: sum(q.values()) for sid, q in gradebook.written_scores(a.id).items()}
         for a in assignments},
        picks,
    )
    return board, gradebook


def write_leaderboard(
    course_dir: Path,
    out_dir: Path | None = None,
    course: CourseConfig | None = None,
    assignments: list[Assignment] | None = None,
    picks: dict[str, dict[str, set[str]]] | None = None,
) -> LeaderboardOutput:
    """Write ``<out>/leaderboard.html`` (for students), ``grades.csv``, ``reports/`` (for the TA
    to hand out), ``unmatched.csv`` and ``ta-report.md`` (for the TA only); ``out_dir``
    defaults to ``<course>/leaderboard``; ``picks``: as ``load_board``'s."""
    out_dir = Path(out_dir) if out_dir else Path(course_dir) / "leaderboard"
    board, gradebook = load_board(course_dir, course, assignments, picks)
    with gradebook:
        reports = write_student_reports(board, out_dir / "reports", gradebook.curves_png)
    page = write_page(public_view(board), out_dir)
    terminal = "\n".join(terminal_board(b, limit=20) for b in board.boards)
    return LeaderboardOutput(
        board,
        page,
        write_grades_csv(board, out_dir / "grades.csv"),
        write_unmatched_csv(board, out_dir / "unmatched.csv"),
        reports,
        terminal,
        write_ta_report(board, out_dir / TA_REPORT_NAME),
        terminal_checks(board),
    )
