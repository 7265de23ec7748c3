"""The grading engine: one function grades one submission; a pool maps it over a batch.

``grade_submission`` checks the file, then runs ``hwkit.worker`` in its own process and
session with a wall-clock timeout, the limits of ``hwkit.sandbox``, ``job.cpu_threads``
BLAS/TensorFlow threads, no network, and a scratch folder that is removed afterwards. The
worker runs the notebook and the probes of the tests in a sandboxed kernel and sends back
only values; the verdicts, points and result are made here, by the assignment's ``Judge``
(``hwkit.verdicts``), from the tests in the autograder zip, which the kernel never sees.
``grade_batch`` runs several submissions at once and hands each result to a callback as soon
as it is done, so a later engine (a cluster) only has to replace the pool.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import platformdirs
import psutil

from .attempts import function_states, question_note
from .build import sha256_of
from .datapaths import cache_home, data_home
from .datasets.mnist import keras_cache_file
from .heldout import HeldOutSplit
from .metrics import METRICS_DIR_ENV
from .results import HeldOutAccuracy, SubmissionResult, TestOutcome
from .roster import student_field
from .sandbox import Cgroup, scratch_root
from .submission_time import submission_time
from .verdicts import Judge, judge_for
from .worker import MAX_OUTPUT_BYTES

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
LOG_TAIL_BYTES = 4000


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
    - hide: folders and files of the grader that the kernel must not see (submissions,
      gradebook, tests, solutions); the autograder's folder is always hidden
    - zygote: socket of the batch's warm-kernel process (``hwkit.zygote``), or "" for a cold
      kernel per submission
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
    hide: tuple[str, ...] = ()
    zygote: str = ""

    @property
    def on_gpu(self) -> bool:
        return self.device.startswith("gpu")


def load_manifest(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `hwkit build` first")
    return json.loads(path.read_text(encoding="utf-8"))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def check_notebook_file(path: Path) -> tuple[nbformat.NotebookNode | None, str]:
    """Read a submission as a notebook, or say in one line why it is not gradable."""
    try:
        size = path.stat().st_size
    except OSError as error:
        return None, f"cannot read the file ({error.strerror})"
    if size == 0:
        return None, "empty file"
    if size > MAX_NOTEBOOK_BYTES:
        return None, f"file too large ({size / 2**20:.0f} MiB > {MAX_NOTEBOOK_BYTES >> 20} MiB)"
    try:
        notebook = nbformat.read(path, as_version=4)
    except UnicodeDecodeError:
        return None, "not a notebook (the file is not UTF-8 text)"
    except Exception as error:  # nbformat raises several kinds for non-notebooks
        return None, f"not a notebook ({type(error).__name__}: {str(error)[:120]})"
    if not isinstance(notebook.get("cells"), list):
        return None, "not a notebook (no cells)"
    return notebook, ""


def _worker_env(scratch: Path, cpu_threads: int) -> dict[str, str]:
    env = dict(os.environ)
    threads = str(max(1, cpu_threads))
    env.update(
        # Resolved before HOME moves: the data and Keras caches stay the TA's.
        HWKIT_DATA=str(data_home()),
        HWKIT_CACHE=str(cache_home()),
        KERAS_HOME=str(keras_cache_file().parents[1]),
        HWKIT_OFFLINE="1",
        TMPDIR=str(scratch),
        HOME=str(scratch),
        **{METRICS_DIR_ENV: str(scratch / "metrics")},
        OPENBLAS_NUM_THREADS=threads,
        OMP_NUM_THREADS=threads,
        MKL_NUM_THREADS=threads,
        TF_NUM_INTRAOP_THREADS=threads,
        TF_NUM_INTEROP_THREADS="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        TF_FORCE_GPU_ALLOW_GROWTH="true",  # several kernels can share one GPU
        # Inline, as in Jupyter: figures become PNG outputs (the report keeps the training curves).
        MPLBACKEND="module://matplotlib_inline.backend_inline",
        PYTHONHASHSEED="0",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    # Keep the kernel spec the same as this interpreter's, whatever HOME says.
    env.setdefault("JUPYTER_PATH", str(Path(sys.prefix) / "share" / "jupyter"))
    # The kernel writes only in its scratch folder: matplotlib's cache goes there, seeded with
    # the shared font list (a fresh one per submission costs a font scan each time).
    env["MPLCONFIGDIR"] = str(scratch / "matplotlib")
    return env


def zygote_env(cpu_threads: int) -> dict[str, str]:
    """The environment a batch's zygote imports under (each kernel then gets its own)."""
    env = _worker_env(scratch_root(), cpu_threads)
    shared = Path(platformdirs.user_cache_dir("hwkit")) / "matplotlib"
    seed_font_cache(shared)
    env["MPLCONFIGDIR"] = str(shared)
    return env


_FONT_CACHE_LOCK = threading.Lock()


def seed_font_cache(folder: Path) -> None:
    """Copy matplotlib's font list into ``folder``, building the shared one once if needed."""
    shared = Path(platformdirs.user_cache_dir("hwkit")) / "matplotlib"
    with _FONT_CACHE_LOCK:
        if not list(shared.glob("fontlist-*.json")):
            shared.mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"],
                           env={**os.environ, "MPLCONFIGDIR": str(shared)},
                           capture_output=True, timeout=300, check=False)  # fmt: skip
    folder.mkdir(exist_ok=True)
    if folder == shared:
        return
    for path in shared.glob("fontlist-*.json"):
        shutil.copyfile(path, folder / path.name)


class PrepareError(RuntimeError):
    """The step before a batch failed (no data, no reference); the message says why."""


def run_prepare(module: str, autograder_zip: Path, device: str, timeout_s: float) -> None:
    """Run ``python -m module autograder_zip device`` once before a batch, with the grading
    environment (all cores; downloads allowed if the TA's environment allows them). Its
    output goes to the TA's terminal; a non-zero exit raises ``PrepareError``."""
    with tempfile.TemporaryDirectory(prefix="hwkit-prepare-") as scratch:
        env = _worker_env(Path(scratch), os.cpu_count() or 1)
        if not os.environ.get("HWKIT_OFFLINE"):
            env.pop("HWKIT_OFFLINE")
        try:
            done = subprocess.run([sys.executable, "-m", module, str(autograder_zip), device],
                                  env=env, stderr=subprocess.PIPE, text=True,
                                  timeout=timeout_s)  # fmt: skip
        except subprocess.TimeoutExpired as error:
            raise PrepareError(f"{module} took longer than {timeout_s:.0f} s") from error
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        raise PrepareError(f"preparing the batch failed: {lines[-1] if lines else done.returncode}")


def _kill_all(processes: dict[int, psutil.Process]) -> None:
    """SIGKILL what is still running and wait for it; a zombie counts as gone (its parent, or
    init for an orphan, reaps it: waiting for that here cost seconds per submission)."""
    alive = []
    for process in processes.values():
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                process.kill()
                alive.append(process)
        except psutil.Error:
            pass
    deadline = time.monotonic() + 5
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _running(p)]
        if alive:
            time.sleep(0.02)


def _running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


@dataclass
class WorkerRun:
    """What one worker run left: its summary (None if it sent none), the log's tail, its
    return code, whether it ran past the timeout or out of the memory group's limit."""

    summary: dict | None
    log_tail: str
    returncode: int | None
    timed_out: bool
    out_of_memory: bool = False


def _cpu_seconds(job: GradingJob) -> int:
    """CPU time allowed per process: the wall timeout on every thread, with room to spare."""
    return int(job.timeout_s * max(1, job.cpu_threads) * 1.5) + 30


def hidden_paths(job: GradingJob) -> list[str]:
    """What the kernel must not see: the job's list, the autograder's folder, the folder of
    submissions, the project's solutions and builds, and every other scratch folder."""
    project = Path(__file__).resolve().parents[1]
    paths = [*job.hide, str(job.autograder_zip.resolve().parent),
             str(job.submission.resolve().parent), str(project / "solutions"),
             str(project / "autograder"), str(scratch_root())]  # fmt: skip
    return list(dict.fromkeys(paths))


def _run_worker(job: GradingJob, scratch: Path, judge: Judge) -> WorkerRun:
    # The copy graded carries the release's name, as under otter.
    staged = scratch / "submission" / f"{job.assignment_id}.ipynb"
    staged.parent.mkdir()
    (scratch / "metrics").mkdir()
    shutil.copyfile(job.submission, staged)
    judge.stage_support_files(staged.parent)
    seed_font_cache(scratch / "matplotlib")
    probes_path = scratch / "probes.json"
    probes_path.write_text(json.dumps(judge.probes()), encoding="utf-8")
    cgroup = Cgroup.create(scratch.name, 0 if job.on_gpu else job.memory_mb)
    read_fd, write_fd = os.pipe()
    log_path = scratch / "worker.log"
    command = [
        sys.executable, "-m", "hwkit.worker",
        "--notebook", str(staged),
        "--probes", str(probes_path),
        "--result-fd", str(write_fd),
        "--memory-mb", str(0 if job.on_gpu else job.memory_mb),
        "--cpu-seconds", str(_cpu_seconds(job)),
        "--grader-pid", str(os.getpid()),
    ]  # fmt: skip
    for procs in cgroup.procs_files() if cgroup else []:
        command += ["--cgroup-procs", procs]
    for path in hidden_paths(job):
        command += ["--hide", path]
    if job.zygote:
        command += ["--zygote", job.zygote]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=scratch,
            env=_worker_env(scratch, job.cpu_threads),
            pass_fds=(write_fd,),
            start_new_session=True,
        )
    os.close(write_fd)
    chunks: list[bytes] = []
    reader = threading.Thread(
        target=lambda: chunks.extend(iter(lambda: os.read(read_fd, 65536), b""))
    )
    reader.start()

    family = {process.pid: psutil.Process(process.pid)}
    deadline = time.monotonic() + job.timeout_s
    timed_out = False
    while process.poll() is None:
        if time.monotonic() > deadline:
            timed_out = True
            break
        try:
            family.update({p.pid: p for p in family[process.pid].children(recursive=True)})
        except psutil.Error:
            pass
        try:
            process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            pass
    _kill_all(family)  # the kernel and anything the submission started
    process.wait()
    out_of_memory = False
    if cgroup is not None:
        cgroup.kill_all()  # and whatever left the process tree (double forks, setsid)
        out_of_memory = cgroup.out_of_memory()
        cgroup.remove()
    reader.join(timeout=5)
    os.close(read_fd)
    raw = b"".join(chunks)
    try:
        summary = json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:
        summary = None
    log_tail = log_path.read_bytes()[-LOG_TAIL_BYTES:].decode("utf-8", "replace")
    return WorkerRun(summary, log_tail, process.returncode, timed_out, out_of_memory)


def _case_message(case: dict, passed: bool, error_line: str, note: str) -> str:
    if passed:
        return ""
    if note:
        return note
    # A hidden test's error line is only ever its own REPORT line (the worker drops the rest).
    message = case["failure_message"]
    if error_line:
        message = f"{message} {error_line}".strip()
    return message or "测试未通过 / test failed"


def _outcomes(manifest: dict, summary: dict | None, notebook, judge: Judge) -> list[TestOutcome]:
    """Score every test case in the manifest: the judge's verdict on the probe's values."""
    payloads = (summary or {}).get("probes", {})
    payloads = payloads if isinstance(payloads, dict) else {}
    verdicts = {}
    for split in judge.cases:
        payload = payloads.get(split.key)
        verdicts[(split.question, split.index)] = judge.verdict(
            split, payload if isinstance(payload, str) else None
        )
    states = function_states(notebook) if notebook is not None else None
    notes = {
        question: question_note(states, functions)
        for question, functions in manifest.get("question_functions", {}).items()
    }
    outcomes = []
    for case in manifest["test_cases"]:
        verdict = verdicts.get((case["question"], case["index"]))
        passed = verdict is not None and verdict.passed
        error_line = verdict.error_line if verdict is not None else ""
        note = notes.get(case["question"], "")
        outcomes.append(
            TestOutcome(
                question=case["question"],
                name=case["name"],
                score=case["points"] if passed else 0.0,
                max_score=case["points"],
                hidden=case["hidden"],
                passed=passed,
                message=_case_message(case, passed, error_line, note),
            )
        )
    return outcomes


def _status(run: WorkerRun, job: GradingJob) -> str:
    summary = run.summary
    if run.timed_out:
        return f"timeout ({job.timeout_s:g} s)"
    if run.out_of_memory:
        return f"error: out of memory (limit {job.memory_mb} MiB for the whole submission)"
    if summary is None:
        returncode = run.returncode
        if returncode is not None and returncode < 0:
            return f"error: grading process killed by signal {-returncode} (memory limit?)"
        return "error: the grader produced no result"
    if summary.get("error"):
        error = summary["error"]
        if "DeadKernel" in error or "Kernel died" in error or "kernel died" in error:
            return "error: the notebook's kernel died (os._exit, a crash, or out of memory)"
        return f"error: {error}"
    errors = summary.get("cell_errors", [])
    if errors:
        first = errors[0]
        more = f" (+{len(errors) - 1} more cells)" if len(errors) > 1 else ""
        memory = f" (memory limit {job.memory_mb} MiB)" if first["ename"] == "MemoryError" else ""
        return (
            f"error: {first['ename']}: {first['evalue']}{memory} "
            f"in the cell starting `{first['first_line']}`{more}"
        )
    printed = summary.get("printed_bytes", 0)
    if isinstance(printed, int) and printed > MAX_OUTPUT_BYTES:
        kept = MAX_OUTPUT_BYTES >> 20
        return f"ok (printed {printed / 2**20:.0f} MiB; output past {kept} MiB dropped)"
    return "ok"


def _assignment_of(notebook: nbformat.NotebookNode | None) -> str:
    """The assignment a release notebook says it is (otter's metadata), or ""."""
    otter = (notebook or {}).get("metadata", {}).get("otter", {})
    name = otter.get("assignment_name", "") if isinstance(otter, dict) else ""
    return name if isinstance(name, str) else ""


def _curves_png(summary: dict | None) -> bytes:
    try:
        return base64.b64decode((summary or {}).get("curves_png", ""), validate=True)
    except (ValueError, TypeError):
        return b""


def grade_submission(job: GradingJob) -> SubmissionResult:
    """Grade one submission file; never raises for anything the submission does."""
    started_at, clock = _now(), time.monotonic()
    notebook, problem = check_notebook_file(job.submission)
    claimed = _assignment_of(notebook)
    if claimed and claimed != job.assignment_id:
        notebook, problem = None, f"this notebook is for {claimed}, not {job.assignment_id}"
    sha256 = sha256_of(job.submission) if job.submission.is_file() else ""
    run = WorkerRun(None, problem, None, False)
    accuracies: list[HeldOutAccuracy] = []
    notes: list[str] = []
    judge = judge_for(job.autograder_zip, scratch_root(), job.manifest["autograder_sha256"])
    if notebook is not None:
        with tempfile.TemporaryDirectory(prefix="hwkit-grade-", dir=scratch_root()) as scratch:
            run = _run_worker(job, Path(scratch), judge)
            if job.heldout is not None and not run.timed_out:
                accuracies, notes = job.heldout.score(Path(scratch) / "metrics")
    status = f"error: {problem}" if problem else _status(run, job)
    summary = None if run.timed_out else run.summary  # a run cut short is not trusted
    notes += (run.summary or {}).get("notes", [])
    timings = (run.summary or {}).get("timings")
    if isinstance(timings, dict) and timings:
        notes.append("worker: " + ", ".join(f"{k} {v}" for k, v in timings.items()))
    detail = "\n".join([*notes, run.log_tail]) if notes else run.log_tail
    outcomes = _outcomes(job.manifest, summary, notebook, judge)
    return SubmissionResult(
        assignment=job.assignment_id,
        submission=job.submission.name,
        sha256=sha256,
        autograder_sha256=job.manifest["autograder_sha256"],
        status=status,
        score=sum(o.score for o in outcomes),
        max_score=float(job.manifest["max_score"]),
        started_at=started_at,
        duration_s=round(time.monotonic() - clock, 3),
        device=job.device,
        tests=outcomes,
        detail=detail,
        submitted_at=submission_time(job.submission),
        student_field=student_field(notebook),
        accuracies=accuracies,
        curves_png=_curves_png(summary),
    )


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
