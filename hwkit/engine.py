"""The grading engine: one function grades one submission; a pool maps it over a batch.

``grade_submission`` reads the file once (refusing symlinks and non-notebooks), stages it in
a scratch folder with its sandbox spec (``hwkit.worker_run``), runs ``hwkit.worker`` (the
notebook and the tests' probes in a sandboxed kernel, which sends back only values), then
has a judge process (``hwkit.judges``) judge every case from those values and scores the
held-out predictions the verdicts recorded. The kernel never sees the tests, the reference,
the held-out data or anything of the grader's. Whatever happens, it returns a result: a
failure of the submission is its status (``error: …``), a failure of the grader is retried
once with a cold kernel and then recorded as ``grader error: …``, which the next run
grades again. ``grade_batch`` runs several submissions at once and hands each result to a
callback as soon as it is done (a cluster engine only has to replace the pool).
"""

import base64
import functools
import json
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from .dataview import NO_DATA, DataView, make_view
from .grading_env import judge_env, prepare_env
from .heldout import HeldOutSplit
from .judges import JudgeConfig, JudgeSetupError, judge_pool
from .notebook_file import SubmittedFile, check_submission
from .outcomes import GRADER_ERROR, is_grader_error, judge_cases, run_status
from .results import HeldOutAccuracy, SubmissionResult, TestOutcome
from .roster import student_field
from .sandbox import Cgroup, scratch_root
from .submission_time import file_time, submission_time
from .textsafe import terminal_text
from .verdicts import REFERENCE_SUFFIX
from .worker_run import WorkerRun, run_worker, stage

MIB = 1024 * 1024


@dataclass(frozen=True)
class GradingJob:
    """One submission to grade.

    - manifest: the build manifest (``autograder/dist/<id>/manifest.json``) as a dict
    - timeout_s: wall-clock limit, seconds; memory_mb: address-space limit per process, MiB
      (not applied on a GPU: CUDA reserves far more address space than it uses)
    - device: where the kernel's TensorFlow runs, "cpu" or "gpu: <name>" (recorded as is)
    - cpu_threads: threads for BLAS and TensorFlow's thread pools in this submission's kernel
    - heldout: the held-out labels and public/private cut that recorded predictions are scored
      on (None: the assignment records none, or its data is missing)
    - zygote: socket of the batch's warm-kernel process (``hwkit.zygote``), or "" for a cold
      kernel per submission
    - grading_view: the ``module:function`` that makes the kernel's data view ("" none)
    - probe_timeout_s: limit of each test's probe; verdict_timeout_s: of each verdict
    - max_reply_mb: the largest reply one probe may send back
    - judges: judge processes of this process's pool (the local engine: one per thread)
    """

    assignment_id: str
    submission: Path
    autograder_zip: Path
    manifest: dict
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

    @property
    def on_gpu(self) -> bool:
        return self.device.startswith("gpu")

    @property
    def max_reply_bytes(self) -> int:
        return self.max_reply_mb * MIB


def load_manifest(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `hwkit build` first")
    return json.loads(path.read_text(encoding="utf-8"))


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
                                  timeout=timeout_s, cwd=scratch)  # fmt: skip
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
                and not name.endswith(REFERENCE_SUFFIX)}  # fmt: skip


@functools.lru_cache(maxsize=8)
def kernel_data_view(function: str, device: str) -> DataView:
    """The data view of this process's kernels for one assignment (made once per process:
    the grader makes it before its batch; a Ray node, before its first task)."""
    return make_view(function, device) if function else NO_DATA


def pool_for(job: GradingJob):
    config = JudgeConfig(job.autograder_zip.resolve(), scratch_root(),
                         judge_env(job.cpu_threads, job.device),
                         0 if job.on_gpu else max(job.memory_mb, 4096),
                         job.verdict_timeout_s)  # fmt: skip
    return judge_pool(config, job.judges, job.manifest["autograder_sha256"])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _cpu_seconds(job: GradingJob) -> int:
    """CPU time allowed per process: the wall timeout on every thread, with room to spare."""
    return int(job.timeout_s * max(1, job.cpu_threads) * 1.5) + 30


def _run(job: GradingJob, submitted: SubmittedFile, zygote: str) -> tuple[WorkerRun, dict]:
    """One sandboxed run of the notebook and its probes, and its judged outcomes."""
    pool = pool_for(job)
    probes = pool.probes()
    view = kernel_data_view(job.grading_view, job.device)
    memory_mb = 0 if job.on_gpu else job.memory_mb
    with tempfile.TemporaryDirectory(prefix="hwkit-grade-", dir=scratch_root()) as folder:
        scratch = Path(folder)
        cgroup = Cgroup.create(scratch.name, memory_mb)
        limits = {"cpu_threads": job.cpu_threads, "memory_mb": memory_mb,
                  "cpu_seconds": _cpu_seconds(job), "on_gpu": job.on_gpu}  # fmt: skip
        spec = stage(scratch, submitted.content, f"{job.assignment_id}.ipynb",
                     support_files(job.autograder_zip, job.manifest["autograder_sha256"]),
                     view, limits, cgroup)  # fmt: skip
        options = {"timeout_s": job.timeout_s, "probe_timeout_s": job.probe_timeout_s,
                   "max_reply_bytes": job.max_reply_bytes, "zygote": zygote}  # fmt: skip
        run = run_worker(scratch, spec, probes, options, cgroup)
    summary = None if run.timed_out else run.summary  # a run cut short is not trusted
    with pool.session() as session:
        outcomes, recorded = judge_cases(job.manifest, summary, submitted.notebook, session,
                                         job.max_reply_bytes)  # fmt: skip
    return run, {"outcomes": outcomes, "recorded": recorded}


def _detail(run: WorkerRun, notes: list[str]) -> str:
    summary = run.summary or {}
    notes = [*notes, *[str(n) for n in summary.get("notes", [])]]
    timings = summary.get("timings")
    if isinstance(timings, dict) and timings:
        notes.append("worker: " + ", ".join(f"{k} {v}" for k, v in timings.items()))
    if summary.get("restarts"):
        notes.append(f"kernel restarted {summary['restarts']} times (a probe hung or crashed)")
    return "\n".join([*notes, terminal_text(run.log_tail)])


def _curves_png(summary: dict | None) -> bytes:
    try:
        return base64.b64decode((summary or {}).get("curves_png", ""), validate=True)
    except (ValueError, TypeError):
        return b""


def _zero_outcomes(manifest: dict, message: str = "") -> list[TestOutcome]:
    return [TestOutcome(question=c["question"], name=c["name"], score=0.0,
                        max_score=c["points"], hidden=c["hidden"], passed=False,
                        message=message or c["failure_message"] or "测试未通过 / test failed")
            for c in manifest["test_cases"]]  # fmt: skip


def _result(job: GradingJob, submitted: SubmittedFile, status: str, outcomes, started_at: str,
            clock: float, **extra) -> SubmissionResult:  # fmt: skip
    return SubmissionResult(
        assignment=job.assignment_id,
        submission=job.submission.name,
        sha256=submitted.sha256,
        autograder_sha256=job.manifest["autograder_sha256"],
        status=status,
        score=sum(o.score for o in outcomes),
        max_score=float(job.manifest["max_score"]),
        started_at=started_at,
        duration_s=round(time.monotonic() - clock, 3),
        device=job.device,
        tests=outcomes,
        submitted_at=submission_time(job.submission),
        file_time=file_time(job.submission),
        student_field=student_field(submitted.notebook),
        **extra,
    )


def _grade(job: GradingJob, started_at: str, clock: float) -> SubmissionResult:
    submitted = check_submission(job.submission, job.assignment_id)
    if submitted.problem:
        return _result(job, submitted, f"error: {submitted.problem}",
                       _zero_outcomes(job.manifest), started_at, clock)  # fmt: skip
    attempts = [job.zygote, ""] if job.zygote else ["", ""]
    for attempt, zygote in enumerate(attempts, start=1):
        run, judged = _run(job, submitted, zygote)
        status = run_status(run, job.timeout_s, job.memory_mb)
        if not is_grader_error(status) or attempt == len(attempts):
            break
    accuracies: list[HeldOutAccuracy] = []
    notes: list[str] = []
    if job.heldout is not None and not run.timed_out:
        accuracies, notes = job.heldout.score(judged["recorded"])
    summary = None if run.timed_out else run.summary
    return _result(job, submitted, status, judged["outcomes"], started_at, clock,
                   detail=_detail(run, notes), accuracies=accuracies,
                   curves_png=_curves_png(summary))  # fmt: skip


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
        return _result(job, replace(submitted, notebook=None), f"{GRADER_ERROR}{reason}",
                       _zero_outcomes(job.manifest, "评分器出错，将重新评分 / the grader failed; "
                                                    "this file will be graded again"),
                       started_at, clock, detail=traceback.format_exc()[-4000:])  # fmt: skip


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

