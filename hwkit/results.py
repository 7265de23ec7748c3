"""What grading one submission produces: plain data shared by the engine, gradebook and reports."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TestOutcome:
    """One test case of one submission.

    - question: otter question name, e.g. "q3"
    - name: test case name, e.g. "q3 - 2"
    - score, max_score: points earned / possible
    - hidden: whether students saw this test before submitting
    - passed: whether it passed
    - message: student-safe text: the author's failure message (hidden tests) or the public
      test's assertion message; never a hidden test's source or expected values
    """

    question: str
    name: str
    score: float
    max_score: float
    hidden: bool
    passed: bool
    message: str = ""


@dataclass
class SubmissionResult:
    """One grading run of one submission file.

    - status: "ok", "timeout (N s)", or "error: <reason>" (the score is still what the tests gave)
    - detail: grader-side notes for TAs (log tail, exception); never shown to students
    - started_at: ISO 8601 UTC; duration_s: wall-clock seconds; device: where it ran, e.g. "cpu"
    """

    assignment: str
    submission: str
    sha256: str
    autograder_sha256: str
    status: str
    score: float
    max_score: float
    started_at: str
    duration_s: float
    device: str
    tests: list[TestOutcome] = field(default_factory=list)
    detail: str = ""
