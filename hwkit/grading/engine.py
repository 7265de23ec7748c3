"""The grading engine: one function grades one submission; a pool maps it over a batch.

``grade_submission`` reads the file once (refusing symlinks and non-notebooks), stages it in
a scratch folder with its sandbox spec (``hwkit.grading.worker_run``), runs
``hwkit.grading.worker`` (the
notebook and the tests' probes in a sandboxed kernel, which sends back only values), then
has a judge process (``hwkit.grading.judge.pool``) judge every case from those values and scores the
held-out predictions the verdicts recorded. The kernel never sees the tests, the reference,
the held-out data or anything of the grader's. Whatever happens, it returns a result: a
failure of the submission is its status (``error: …``), a failure of the grader is retried
once with a cold kernel and then recorded as ``grader error: …``, which the next run
grades again. ``grade_batch`` runs several submissions at once and hands each result to a
callback as soon as it is done (a cluster engine only has to replace the pool).
"""

import base64
import functools
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from hwkit.assignments.spec import load_function
from hwkit.autograder.manifest import Manifest
from hwkit.datapaths import NO_DATA, DataView, views_home
from hwkit.gradebook.roster import student_field
from hwkit.gradebook.submission_time import file_time, submission_time
from hwkit.grading.env import judge_env, prepare_env
from hwkit.grading.heldout import HeldOutSplit
from hwkit.grading.judge.pool import JudgeConfig, JudgeSetupError, judge_pool
from hwkit.grading.judge.verdicts import REFERENCE_SUFFIX
from hwkit.grading.notebook_file import SubmittedFile, check_submission
from hwkit.grading.outcomes import judge_cases, run_status
from hwkit.grading.worker_run import WorkerRun, run_worker, stage
from hwkit.grading.worker_summary import WorkerSummary
from hwkit.results import HeldOutAccuracy, Status, SubmissionResult, TestOutcome
from hwkit.sandbox import Cgroup, scratch_root
from hwkit.textsafe import terminal_text

MIB = 1024 * 1024
PREPARE_TIMEOUT_S = 3600.0  # data decoding and reference training, once per data set


@dataclass(frozen=True)
class GradingJob:
    """One submission to grade.

    - manifest: the build's manifest (``hwkit.autograder.manifest``)
    - timeout_s: wall-clock limit, seconds; memory_mb: address-space limit per process, MiB
      (not applied on a GPU: CUDA reserves far more address space than it uses)
    - device: where the kernel's TensorFlow runs, "cpu" or "gpu: <name>" (recorded as is)
    - cpu_threads: threads for BLAS and TensorFlow's thread pools in this submission's kernel
    - heldout: the held-out labels and public/private cut that recorded predictions are scored
      on (None: the assignment records none, or its data is missing)
    - zygote: socket of the batch's warm-kernel process (``hwkit.sandbox.zygote``), or "" for a cold
      kernel per submission
    - grading_view: the ``module:function`` that makes the kernel's data view ("" none)
    - probe_timeout_s: limit of each test's probe; verdict_timeout_s: of each verdict
    - max_reply_mb: the largest reply one probe may send back
    - judges: judge processes of this process's pool (the local engine: one per thread)
    - judge_preload: what the pool's forker imports once for all its judges (TensorFlow for
      the assignments that use it: ``Assignment.preload``)
    - name: the submission's name when it is not the file's (a path inside an LMS export,
      ``hwkit.intake``); see ``label``
    - data: the batch's data view, described (recorded with every result)
    """

    assignment_id: str
    submission: Path
    autograder_zip: Path
    manifest: Manifest
    timeout_s: float
    memory_mb: int
    device: str = "cpu"
    cpu_threads: int = 1
    heldout: HeldOutSplit | None = None
    zygote: str = ""
    grading_view: str = ""
    probe_timeout_s: float = 60.0
    verdict_timeout_s: float = 60.0
    max_reply_mb: int = 64
    judges: int = 1
    judge_preload: tuple[str, ...] = ()
    name: str = ""
    data: str = ""

    @property
    def label(self) -> str:
        """The submission's name in the gradebook, the feedback and the board."""
        return self.name or self.submission.name

    @property
    def on_gpu(self) -> bool:
        return self.device.startswith("gpu")

    @property
    def max_reply_bytes(self) -> int:
        return self.max_reply_mb * MIB


class PrepareError(RuntimeError):
    """The step before a batch failed (no data, no reference); the message says why."""


def run_prepare(module: str, autograder_zip: Path, device: str, timeout_s: float) -> None:
    """Run ``python -m module autograder_zip device`` once before a batch, with the grading
    environment (all cores; downloads allowed if the TA's environment allows them). Its
    output goes to the TA's terminal; a non-zero exit raises ``PrepareError``."""
    import subprocess
    import sys

    with tempfile.TemporaryDirectory(prefix="hwkit-prepare-") as scratch:
        try:
            done = subprocess.run([sys.executable, "-m", module, str(autograder_zip), device],
                                  env=prepare_env(device), stderr=subprocess.PIPE, text=True,
                                  timeout=timeout_s, cwd=scratch)
        except subprocess.TimeoutExpired as error:
            raise PrepareError(f"{module} took longer than {timeout_s:.0f} s") from error
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        raise PrepareError(f"preparing the batch failed: {lines[-1] if lines else done.returncode}")


@functools.lru_cache(maxsize=8)
def support_files(autograder_zip: Path, fingerprint: str) -> dict[str, bytes]:
    """The zip's data files a submission may see (``files/*``, never the reference)."""
    with zipfile.ZipFile(autograder_zip) as archive:
        return {Path(name).name: archive.read(name) for name in archive.namelist()
                if name.startswith("files/") and not name.endswith("/")
                and not name.endswith(REFERENCE_SUFFIX)}


@functools.lru_cache(maxsize=8)
def kernel_data_view(function: str, device: str) -> DataView:
    """The data view of this process's kernels for one assignment (made once per process:
    the grader makes it before its batch; a Ray node, before its first task)."""
    return load_function(function)(views_home(), device) if function else NO_DATA


def pool_for(job: GradingJob):
    config = JudgeConfig(job.autograder_zip.resolve(), scratch_root(),
                         judge_env(job.cpu_threads, job.device),
                         0 if job.on_gpu else max(job.memory_mb, 4096),
                         job.verdict_timeout_s, job.judge_preload)
    return judge_pool(config, job.judges, job.manifest.autograder_sha256)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _cpu_seconds(job: GradingJob) -> int:
    """CPU time allowed per process: the wall timeout on every thread, with room to spare."""
    return int(job.timeout_s * max(1, job.cpu_threads) * 1.5) + 30


def _run(job: GradingJob, submitted: SubmittedFile, zygote: str) -> tuple[WorkerRun, dict]:
    """One sandboxed run of the notebook and its probes, and its judged outcomes."""
    pool = pool_for(job)
    view = kernel_data_view(job.grading_view, job.device)
    memory_mb = 0 if job.on_gpu else job.memory_mb
    with tempfile.TemporaryDirectory(prefix="hwkit-grade-", dir=scratch_root()) as folder:
        scratch = Path(folder)
        cgroup = Cgroup.create(scratch.name, memory_mb)
        limits = {"cpu_threads": job.cpu_threads, "memory_mb": memory_mb,
                  "cpu_seconds": _cpu_seconds(job), "on_gpu": job.on_gpu}
        spec = stage(scratch, submitted.content, f"{job.assignment_id}.ipynb",
                     support_files(job.autograder_zip, job.manifest.autograder_sha256),
                     view, limits, cgroup)
        options = {"timeout_s": job.timeout_s, "probe_timeout_s": job.probe_timeout_s,
                   "max_reply_bytes": job.max_reply_bytes, "zygote": zygote}
        run = run_worker(scratch, spec, pool.probes, options, cgroup)
    summary = None if run.timed_out else run.summary  # a run cut short is not trusted
    with pool.session() as session:
        outcomes, recorded = judge_cases(job.manifest, summary, submitted.notebook, session,
                                         job.max_reply_bytes)
    return run, {"outcomes": outcomes, "recorded": recorded}


def _detail(run: WorkerRun, notes: list[str]) -> str:
    summary = run.summary or WorkerSummary()
    notes = [*notes, *summary.notes]
    if summary.timings:
        notes.append("worker: " + ", ".join(f"{k} {v}" for k, v in summary.timings.items()))
    if summary.restarts:
        notes.append(f"kernel restarted {summary.restarts} times (a probe hung or crashed)")
    return "\n".join([*notes, terminal_text(run.log_tail)])


def _curves_png(summary: WorkerSummary | None) -> bytes:
    try:
        return base64.b64decode(summary.curves_png if summary else "", validate=True)
    except ValueError:
        return b""


def _zero_outcomes(manifest: Manifest, message: str = "") -> list[TestOutcome]:
    return [TestOutcome(question=c.question, name=c.name, score=0.0, max_score=c.points,
                        hidden=c.hidden, passed=False,
                        message=message or c.failure_message or "测试未通过 / test failed")
            for c in manifest.test_cases]


def _result(job: GradingJob, submitted: SubmittedFile, status: Status, outcomes, started_at: str,
            clock: float, **extra) -> SubmissionResult:
    return SubmissionResult(
        assignment=job.assignment_id,
        submission=job.label,
        sha256=submitted.sha256,
        autograder_sha256=job.manifest.autograder_sha256,
        status=status,
        score=sum(o.score for o in outcomes),
        max_score=float(job.manifest.max_score),
        started_at=started_at,
        duration_s=round(time.monotonic() - clock, 3),
        device=job.device,
        tests=outcomes,
        submitted_at=submission_time(job.submission, job.name),
        file_time=file_time(job.submission),
        student_field=student_field(submitted.notebook),
        data=job.data,
        **extra,
    )


def _grade(job: GradingJob, started_at: str, clock: float) -> SubmissionResult:
    submitted = check_submission(job.submission, job.assignment_id)
    if submitted.problem:
        kind = "wrong_assignment" if submitted.other_assignment else "error"
        return _result(job, submitted, Status(kind, submitted.problem),
                       _zero_outcomes(job.manifest), started_at, clock)
    attempts = [job.zygote, ""] if job.zygote else ["", ""]
    for attempt, zygote in enumerate(attempts, start=1):
        run, judged = _run(job, submitted, zygote)
        status = run_status(run, job.timeout_s, job.memory_mb)
        if status.kind != "grader_error" or attempt == len(attempts):
            break
    accuracies: list[HeldOutAccuracy] = []
    notes: list[str] = []
    if job.heldout is not None and not run.timed_out:
        accuracies, notes = job.heldout.score(judged["recorded"])
    summary = None if run.timed_out else run.summary
    return _result(job, submitted, status, judged["outcomes"], started_at, clock,
                   detail=_detail(run, notes), accuracies=accuracies,
                   curves_png=_curves_png(summary))


def grade_submission(job: GradingJob) -> SubmissionResult:
    """Grade one submission file; never raises for anything the submission does, and
    records any failure of the grader itself as a ``grader error`` result."""
    started_at, clock = _now(), time.monotonic()
    try:
        return _grade(job, started_at, clock)
    except JudgeSetupError:
        raise  # the tests themselves are broken: the batch must stop and say so
    except Exception as error:  # noqa: BLE001 - a batch always finishes (see the docstring)
        reason = terminal_text(f"{type(error).__name__}: {error}", 200)
        submitted = SubmittedFile(b"", "", None, "")
        try:
            submitted = check_submission(job.submission, job.assignment_id)
        except Exception:  # noqa: BLE001 - the file itself may be what broke
            pass
        return _result(job, replace(submitted, notebook=None), Status("grader_error", reason),
                       _zero_outcomes(job.manifest, "评分器出错，将重新评分 / the grader failed; "
                                                    "this file will be graded again"),
                       started_at, clock, detail=traceback.format_exc()[-4000:])


def grade_batch(
    jobs: Iterable[GradingJob],
    workers: int,
    on_result: Callable[[SubmissionResult], None],
    grade_one: Callable[[GradingJob], SubmissionResult] = grade_submission,
) -> list[SubmissionResult]:
    """Grade jobs ``workers`` at a time; ``on_result`` runs in this thread as each finishes."""
    results = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(grade_one, job) for job in jobs]
        for future in as_completed(futures):
            result = future.result()
            on_result(result)
            results.append(result)
    return results

