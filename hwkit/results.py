"""What grading one submission produces: plain data shared by the engine, gradebook and reports."""

from dataclasses import dataclass, field
from typing import Literal

StatusKind = Literal["ok", "output_dropped", "timeout", "error", "grader_error",
                     "wrong_assignment"]

# kind → (text before the reason, text after it); "ok" has no reason.
_STATUS_TEXT: dict[str, tuple[str, str]] = {
    "output_dropped": ("ok (", ")"),
    "timeout": ("timeout (", ")"),
    "grader_error": ("grader error: ", ""),
    "wrong_assignment": ("wrong assignment: ", ""),
    "error": ("error: ", ""),
}


@dataclass(frozen=True)
class Status:
    """How one grading run ended.

    - kind: "ok"; "output_dropped" (ran to the end, printed past the cap); "timeout" (past the
      wall-clock limit); "error" (the submission's doing: it raised, was not a notebook, ran
      out of memory); "grader_error" (the grader's failure: not the student's fault, graded
      again by the next run); "wrong_assignment" (another assignment's notebook: not graded,
      kept off this assignment's board)
    - reason: why, in words ("" for "ok"), e.g. "60 s", "NameError: x in the cell …"

    ``text`` is the one line shown to people and stored (``ok``, ``timeout (60 s)``,
    ``error: <reason>``, ``grader error: <reason>``); ``parse`` reads it back.
    """

    kind: StatusKind
    reason: str = ""

    @property
    def text(self) -> str:
        if self.kind == "ok":
            return "ok"
        before, after = _STATUS_TEXT[self.kind]
        return f"{before}{self.reason}{after}"

    @property
    def ran_to_the_end(self) -> bool:
        return self.kind in ("ok", "output_dropped")

    def __str__(self) -> str:
        return self.text

    @classmethod
    def parse(cls, text: str) -> "Status":
        """The status a stored line says; a line in no known form is an "error" with that
        line as its reason (so nothing read back is ever taken for "ok")."""
        if text == "ok":
            return cls("ok")
        for kind, (before, after) in _STATUS_TEXT.items():
            if text.startswith(before) and text.endswith(after):
                return cls(kind, text[len(before):len(text) - len(after)])
        return cls("error", text)


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

    - status: how the run ended (``Status``; the score is still what the tests gave); a
      status line given as text is read with ``Status.parse``
    - detail: grader-side notes for TAs (log tail, exception); never shown to students
    - started_at: ISO 8601 UTC; duration_s: wall-clock seconds; device: where it ran, e.g. "cpu"
    - submitted_at: when the student submitted (ISO 8601 UTC, from the file name's timestamp
      or the file's modification time); student_field: the notebook's ``STUDENT_ID`` ("" if none)
    - file_time: the file's own modification time (ISO 8601 UTC, seconds; "" unknown), to flag a
      name that claims an earlier time than the file has (``submission_time.name_time_flag``)
    - accuracies: held-out accuracies the hidden tests recorded (A1, A3)
    - data: what data the held-out checks and the kernel's view came from, as the grader
      described it ("" for an assignment without data), e.g. a fallback's caveat
    - curves_png: the training-curve figure the notebook drew under grading (PNG bytes), or b"";
      stored by the gradebook, read back only on request (``Gradebook.curves_png``)
    """

    assignment: str
    submission: str
    sha256: str
    autograder_sha256: str
    status: Status
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
    data: str = ""
    curves_png: bytes = field(default=b"", compare=False, repr=False)
    run_id: int = field(default=0, compare=False)  # the gradebook's id once recorded

    def __post_init__(self):
        if isinstance(self.status, str):
            self.status = Status.parse(self.status)
