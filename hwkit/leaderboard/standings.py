"""Who stands where: the gradebook's runs, matched to students, one counted submission each,
ranked per assignment and overall.

Ranking, per assignment: score (hidden tests) high to low, then the ranked held-out accuracy
(the public part's, or the private part's once the assignment is revealed), then the earlier
counted submission first. Overall: total score, then the earlier last counted submission.
Which submission counts is the course's rule (``course.toml``): "latest" — the last one
before the deadline, or the last late one when there is none in time — or "best" — the
highest score, then public accuracy, on-time submissions before late ones, earlier first.

Whose a file is comes from its name only (``hwkit.gradebook.roster.identify``); a notebook's
``STUDENT_ID`` that disagrees, or a name whose time stamp is on time for a file modified after
the deadline (``hwkit.gradebook.submission_time.name_time_flag``), is flagged for the TA
(``Board.flagged``,
``Unmatched.flag``) and changes nothing on the board.

Everything here is the TA's view (student ids included); ``hwkit.leaderboard.view`` makes the
students' view from it.
"""

import dataclasses
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime

from hwkit.assignments import Assignment
from hwkit.course import CourseConfig, LatePolicy
from hwkit.gradebook import Student
from hwkit.gradebook.roster import identify, lms_aliases
from hwkit.gradebook.submission_time import name_time_flag, stamp_in_name
from hwkit.results import HeldOutAccuracy, SubmissionResult


@dataclass(frozen=True)
class Submission:
    """One graded submission file filed under a student.

    - late: after the assignment's deadline and the late policy's grace period
    - days_late: started days late; penalty: the fraction of its score the policy takes off
    """

    student_id: str
    result: SubmissionResult
    late: bool
    days_late: int = 0
    penalty: float = 0.0

    @property
    def score(self) -> float:
        """The score after the late policy (the tests' own score is ``result.score``)."""
        return round(self.result.score * (1.0 - self.penalty), 4)

    @property
    def submitted_at(self) -> str:
        return self.result.submitted_at or self.result.started_at


@dataclass(frozen=True)
class Unmatched:
    """A graded file no roster student could be found for, and why; flag: what else a TA
    should check about it ("" if nothing)."""

    assignment: str
    submission: str
    student_field: str
    reason: str
    flag: str = ""


@dataclass(frozen=True)
class Flagged:
    """A graded file filed under a student (by its name) that a TA should check, and why.
    Shown to the TA only: never on the page nor in the student's report."""

    assignment: str
    submission: str
    student_id: str
    student_field: str
    flag: str


@dataclass(frozen=True)
class Standing:
    """One student's place on one assignment's board.

    - counted: the submission that counts; submissions: how many they made
    - accuracy: the counted submission's ranked held-out accuracy (None: none recorded)
    - last_submitted_at: their latest submission time (ISO 8601 UTC)
    """

    rank: int
    student_id: str
    display_name: str
    counted: Submission
    submissions: int
    last_submitted_at: str
    accuracy: HeldOutAccuracy | None

    @property
    def score(self) -> float:
        return self.counted.score


@dataclass(frozen=True)
class AssignmentBoard:
    assignment: Assignment
    revealed: bool
    deadline: datetime | None
    max_score: float
    standings: list[Standing]
    late_policy: str = ""  # the course's late rule for students ("" when nothing is taken off)


@dataclass(frozen=True)
class TotalStanding:
    """rank, the student, their counted score per assignment id (None: no submission), total."""

    rank: int
    student_id: str
    display_name: str
    scores: dict[str, float | None]
    total: float
    late: int


@dataclass(frozen=True)
class Board:
    course: CourseConfig
    generated_at: str
    boards: list[AssignmentBoard]
    totals: list[TotalStanding]
    unmatched: list[Unmatched] = field(default_factory=list)
    roster: dict[str, Student] = field(default_factory=dict)
    flagged: list[Flagged] = field(default_factory=list)
    time_unknown: list[Submission] = field(default_factory=list)
    written: dict[str, dict[str, float]] = field(default_factory=dict)  # id -> student -> pts

    @staticmethod
    def untimed(boards: list[AssignmentBoard]) -> list[Submission]:
        """Counted submissions of an assignment with a deadline whose name holds no time
        stamp: their time is the file's modification time (a copy's, maybe), so the TA
        should check it before trusting "late" or "on time" and the tie-breaks."""
        return [s.counted for b in boards if b.deadline is not None for s in b.standings
                if stamp_in_name(s.counted.result.submission) is None]


def anonymous_handle(student_id: str, secret: str) -> str:
    """A stable name for a student without a nickname, which nobody without the gradebook's
    secret can link back to the id (student ids are easy to enumerate)."""
    digest = hmac.new(secret.encode(), student_id.encode(), hashlib.sha256).hexdigest()
    return f"匿名 anon-{digest[:6]}"


def display_names(ids: set[str], roster: dict[str, Student], course: CourseConfig,
                  secret: str) -> dict[str, str]:
    """Student id -> what the public page shows: the nickname, the real name only where the
    roster allows it and the course does not require nicknames, else an anonymous handle;
    a nickname two students share gets the handle beside it."""
    names = {}
    for sid in ids:
        student = roster.get(sid, Student(sid))
        if student.show_name and student.name and not course.require_nicknames:
            shown = f"{student.name} ({student.nickname})" if student.nickname else student.name
        else:
            shown = student.nickname or anonymous_handle(sid, secret)
        names[sid] = shown
    counts: dict[str, int] = {}
    for shown in names.values():
        counts[shown] = counts.get(shown, 0) + 1
    return {
        sid: f"{shown} ({anonymous_handle(sid, secret)})" if counts[shown] > 1 else shown
        for sid, shown in names.items()
    }


def ranked_accuracy(result: SubmissionResult, name: str | None) -> HeldOutAccuracy | None:
    return next((a for a in result.accuracies if a.name == name), None)


def _filed(student_id: str, result: SubmissionResult, deadline: datetime | None,
           late: LatePolicy) -> Submission:
    if deadline is None or not result.submitted_at:
        return Submission(student_id, result, False)
    days = late.days_late(datetime.fromisoformat(result.submitted_at), deadline)
    return Submission(student_id, result, days > 0, days, late.penalty(days))


def file_submissions(
    assignment: Assignment, runs: list[SubmissionResult], roster: dict[str, Student] | None,
    deadline: datetime | None, late: LatePolicy | None = None,
) -> tuple[dict[str, list[Submission]], list[Unmatched], list[Flagged]]:
    """Each run (the latest of each file) filed under its student by its name (see
    ``hwkit.gradebook.roster.identify``); the files no one could be found for; the filed ones a TA
    should check."""
    ids = set(roster) if roster is not None else None
    aliases = lms_aliases(roster.values()) if roster else None
    by_student: dict[str, list[Submission]] = {}
    unmatched, flagged = [], []
    for result in runs:
        if result.status.kind == "wrong_assignment":  # never on this board: said to the TA
            unmatched.append(Unmatched(assignment.id, result.submission, result.student_field,
                                       result.status.text))
            continue
        identity = identify(result.submission, result.student_field, ids, aliases)
        flags = [identity.flag, name_time_flag(result.submission, result.file_time, deadline)]
        flag = "; ".join(f for f in flags if f)
        if identity.student_id is None:
            unmatched.append(Unmatched(assignment.id, result.submission, result.student_field,
                                       identity.how, flag))
            continue
        if flag:
            flagged.append(Flagged(assignment.id, result.submission, identity.student_id,
                                   result.student_field, flag))
        by_student.setdefault(identity.student_id, []).append(
            _filed(identity.student_id, result, deadline, late or LatePolicy())
        )
    return by_student, unmatched, flagged


def counted_submission(submissions: list[Submission], rule: str, metric: str | None) -> Submission:
    """The one submission of a student that counts under ``rule`` ("latest" or "best")."""
    on_time = [s for s in submissions if not s.late] or submissions
    if rule == "latest":
        return max(on_time, key=lambda s: (s.submitted_at, s.result.submission))

    def merit(s: Submission):
        accuracy = ranked_accuracy(s.result, metric)
        public = accuracy.public if accuracy else -1.0
        return (-s.score, -public, s.submitted_at, s.result.submission)

    return min(on_time, key=merit)


def _rank_key(standing: Standing, revealed: bool):
    accuracy = standing.accuracy
    value = -1.0 if accuracy is None else (accuracy.private if revealed else accuracy.public)
    return (-standing.score, -value, standing.counted.submitted_at, standing.display_name)


def assignment_board(
    assignment: Assignment, by_student: dict[str, list[Submission]], course: CourseConfig,
    revealed: bool, names: dict[str, str], max_score: float,
    picks: dict[str, set[str]] | None = None,
) -> AssignmentBoard:
    """One assignment's ranked board from its submissions filed by student; ``picks``:
    student → the submission names they picked (the counted one is chosen among those)."""
    unranked = []
    for student_id, submissions in by_student.items():
        picked = (picks or {}).get(student_id, set())
        candidates = [s for s in submissions if s.result.submission in picked] or submissions
        counted = counted_submission(candidates, course.counted, assignment.ranked_accuracy)
        unranked.append(
            Standing(0, student_id, names[student_id], counted, len(submissions),
                     max(s.submitted_at for s in submissions),
                     ranked_accuracy(counted.result, assignment.ranked_accuracy))
        )
    unranked.sort(key=lambda s: _rank_key(s, revealed))
    standings = [dataclasses.replace(s, rank=rank) for rank, s in enumerate(unranked, start=1)]
    deadline = course.deadline(assignment.id)
    return AssignmentBoard(assignment, revealed, deadline, max_score, standings,
                           course.late.text)


def total_standings(boards: list[AssignmentBoard],
                    written: dict[str, dict[str, float]] | None = None) -> list[TotalStanding]:
    """Everyone on at least one board, ranked by total score (with the TA's scores of written
    answers, ``written``: assignment id -> student -> points), then the earlier last counted
    submission."""
    rows: dict[str, dict] = {}
    for board in boards:
        extra = (written or {}).get(board.assignment.id, {})
        for s in board.standings:
            row = rows.setdefault(s.student_id, {"name": s.display_name, "scores": {}, "late": 0,
                                                 "last": ""})
            row["scores"][board.assignment.id] = s.score + extra.get(s.student_id, 0.0)
            row["late"] += int(s.counted.late)
            row["last"] = max(row["last"], s.counted.submitted_at)
    ordered = sorted(rows.items(),
                     key=lambda kv: (-sum(kv[1]["scores"].values()), kv[1]["last"], kv[1]["name"]))
    ids = [b.assignment.id for b in boards]
    return [
        TotalStanding(rank, sid, row["name"], {a: row["scores"].get(a) for a in ids},
                      sum(row["scores"].values()), row["late"])
        for rank, (sid, row) in enumerate(ordered, start=1)
    ]


def build_board(
    assignments: list[Assignment], runs_by_assignment: dict[str, list[SubmissionResult]],
    roster: list[Student], course: CourseConfig, revealed: set[str], secret: str,
    generated_at: str, max_scores: dict[str, float] | None = None,
    written: dict[str, dict[str, float]] | None = None,
    picks: dict[str, dict[str, set[str]]] | None = None,
) -> Board:
    """The whole cohort's board. ``runs_by_assignment``: the latest run of each submission file
    (``Gradebook.latest_by_submission``); an empty roster means "no roster" (see
    ``hwkit.gradebook.roster.identify``); ``max_scores``: from the build manifests, for assignments
    nobody submitted yet; ``picks``: assignment → student → picked submission names."""
    by_id = {s.student_id: s for s in roster}
    filed, unmatched, flagged = {}, [], []
    for assignment in assignments:
        runs = runs_by_assignment.get(assignment.id, [])
        filed[assignment.id], lost, doubtful = file_submissions(
            assignment, runs, by_id or None, course.deadline(assignment.id), course.late)
        unmatched += lost
        flagged += doubtful
    names = display_names(set().union(*filed.values()), by_id, course, secret)
    boards = []
    for assignment in assignments:
        runs = runs_by_assignment.get(assignment.id, [])
        planned = (max_scores or {}).get(assignment.id, 0.0)
        max_score = max((r.max_score for r in runs), default=planned)
        boards.append(assignment_board(assignment, filed[assignment.id], course,
                                       assignment.id in revealed, names, max_score,
                                       (picks or {}).get(assignment.id)))
    written = written or {}
    return Board(course, generated_at, boards, total_standings(boards, written), unmatched,
                 by_id, flagged, Board.untimed(boards), written)
