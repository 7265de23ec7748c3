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


@dataclass(frozen=True)
class HeldOutAccuracy:
    """A model's accuracy on the two parts of a held-out set, measured by the grader process
    from the predictions the hidden test recorded (``hwkit.metrics``).

    - name: which model, e.g. "nn" (A1) or "dnn" (A3)
    - public, private: accuracy in [0, 1] on the public / private part (mean over the test's
      seeds); the private one is for the TA until the assignment is revealed
    - n_public, n_private: images or digits in each part
    """

    name: str
    public: float
    private: float
    n_public: int
    n_private: int


@dataclass
class SubmissionResult:
    """One grading run of one submission file.

    - status: "ok", "timeout (N s)", or "error: <reason>" (the score is still what the tests gave)
    - detail: grader-side notes for TAs (log tail, exception); never shown to students
    - started_at: ISO 8601 UTC; duration_s: wall-clock seconds; device: where it ran, e.g. "cpu"
    - submitted_at: when the student submitted (ISO 8601 UTC, from the file name's timestamp
      or the file's modification time); student_field: the notebook's ``STUDENT_ID`` ("" if none)
    - file_time: the file's own modification time (ISO 8601 UTC, seconds; "" unknown), to flag a
      name that claims an earlier time than the file has (``submission_time.name_time_flag``)
    - accuracies: held-out accuracies the hidden tests recorded (A1, A3)
    - curves_png: the training-curve figure the notebook drew under grading (PNG bytes), or b"";
      stored by the gradebook, read back only on request (``Gradebook.curves_png``)
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
    submitted_at: str = ""
    student_field: str = ""
    file_time: str = ""
    accuracies: list[HeldOutAccuracy] = field(default_factory=list)
    curves_png: bytes = field(default=b"", compare=False, repr=False)
    run_id: int = field(default=0, compare=False)  # the gradebook's id once recorded
