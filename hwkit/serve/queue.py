"""The live service's graders: worker threads that take submissions from the database queue,
grade each once, and record it in the course's gradebook (so the leaderboard sees it).

Exactly once, across crashes: a worker records the run in the gradebook under the submission's
name (``<student>/s<id>_<UTC stamp>.ipynb``) and then marks the row ``graded``. A service killed
between the two finds, on the requeued row, a run under that exact name newer than the row's
last one, and finishes the row from it instead of grading again. A service killed before the
record grades it again from scratch (nothing of the first try was kept).

A failure of the grader itself (``grader error``) ends the row as ``error``: it does not count
toward the student's quota and a TA may regrade it.
"""

import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hwkit.gradebook import Gradebook
from hwkit.reports import status_explanation
from hwkit.results import SubmissionResult
from hwkit.serve.store import QueuedSubmission, Store, gradebook_name
from hwkit.textsafe import terminal_text

IDLE_WAIT_S = 0.5  # a worker with nothing to do looks again this often (uploads wake it at once)


@dataclass(frozen=True)
class GradeRequest:
    """One claimed submission: ``path`` holds its bytes; ``name`` is its gradebook name."""

    submission: QueuedSubmission
    path: Path
    name: str

    @property
    def assignment(self) -> str:
        return self.submission.assignment


Grader = Callable[[GradeRequest], SubmissionResult]


def upload_path(service_dir: Path, sha256: str) -> Path:
    """Where an upload's bytes are kept: content-addressed, outside anything served."""
    return service_dir / "uploads" / sha256[:2] / f"{sha256}.ipynb"


def student_result(result: SubmissionResult) -> dict:
    """What the student may see of a run: never ``detail`` nor a private-part figure."""
    return {
        "status_kind": result.status.kind,
        "status_text": result.status.text,
        "explanation": status_explanation(result.status) or "",
        "duration_s": result.duration_s,
        "device": result.device,
        "data": result.data,
        "tests": [{"name": t.name, "question": t.question, "hidden": t.hidden,
                   "passed": t.passed, "score": t.score, "max_score": t.max_score,
                   "message": "" if t.passed else t.message}
                  for t in result.tests],
        "accuracies": [{"name": a.name, "public": a.public, "n_public": a.n_public}
                       for a in result.accuracies],
        "curves": bool(result.curves_png),
    }


class GradingQueue:
    """``workers`` threads grading from ``store`` with ``grader`` into ``gradebook_path``."""

    def __init__(self, store: Store, grader: Grader, gradebook_path: Path, service_dir: Path,
                 workers: int, prepare: Callable[[], None] | None = None):
        """``prepare``: run by the first worker before it takes anything (the grader's
        processes must start in a thread that lives as long as the service: they are killed
        when the thread that started them ends, ``PR_SET_PDEATHSIG``)."""
        self.store = store
        self.grader = grader
        self.gradebook_path = gradebook_path
        self.service_dir = service_dir
        self.busy: list[int | None] = [None] * max(1, workers)
        self.graded = 0
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._prepare = prepare

    def start(self) -> int:
        """Queue again what a stopped service left running, start the workers; returns how
        many were requeued."""
        requeued = self.store.requeue_running()
        for index in range(len(self.busy)):
            thread = threading.Thread(target=self._work, args=(index,), daemon=True,
                                      name=f"hwkit-serve-grader-{index}")
            thread.start()
            self._threads.append(thread)
        return requeued

    def wake(self) -> None:
        """Something was queued: an idle worker looks now."""
        self._wake.set()

    def stop(self, timeout_s: float | None = None) -> None:
        """Take nothing new; wait for the submissions being graded to finish (drain)."""
        self._stopping.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout_s)

    def _work(self, index: int) -> None:
        if index == 0 and self._prepare is not None:
            self._prepare()
        while not self._stopping.is_set():
            row = self.store.claim()
            if row is None:
                self._wake.wait(IDLE_WAIT_S)
                self._wake.clear()
                continue
            self.busy[index] = row.id
            try:
                self._grade(row)
            except Exception as error:  # noqa: BLE001 - one submission never stops the service
                why = terminal_text(f"{type(error).__name__}: {error}", 300)
                print(f"hwkit serve: submission {row.id} not graded: {why}", file=sys.stderr)
                self.store.finish(row.id, "error", 0.0, 0.0, None, json.dumps(
                    {"status_kind": "grader_error", "status_text": "grader error",
                     "explanation": "评分器出错，不计入次数，助教可重新评分 / the grader failed; "
                                    "not counted toward your quota, a TA can regrade it",
                     "tests": [], "accuracies": [], "curves": False}))
            finally:
                self.busy[index] = None

    def _recorded_before(self, row: QueuedSubmission, name: str) -> SubmissionResult | None:
        """A run recorded under this exact name after the row's last finished one: the service
        died between recording it and finishing the row."""
        with Gradebook(self.gradebook_path) as gradebook:
            found = gradebook.find_graded(row.assignment, row.sha256, None, name)
            if found is not None and found.submission == name and found.run_id > (row.run_id or 0):
                found.curves_png = gradebook.curves_png(found.run_id)
                return found
        return None

    def _grade(self, row: QueuedSubmission) -> None:
        name = gradebook_name(row)
        result = self._recorded_before(row, name)
        if result is None:
            request = GradeRequest(row, upload_path(self.service_dir, row.sha256), name)
            result = self.grader(request)
            with Gradebook(self.gradebook_path) as gradebook:
                gradebook.record(result)
        status = "error" if result.status.kind == "grader_error" else "graded"
        self.store.finish(row.id, status, result.score, result.max_score, result.run_id,
                          json.dumps(student_result(result), ensure_ascii=False))
        self.graded += 1

    def wait_idle(self, timeout_s: float) -> bool:
        """True once nothing is queued or running (tests and benchmarks)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            counts = self.store.phase_counts()
            if not any(n for (_, phase), n in counts.items() if phase in ("queued", "running")):
                return True
            time.sleep(0.05)
        return False
