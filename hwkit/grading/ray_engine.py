"""The Ray engine: the local engine's ``grade_submission``, run as Ray tasks on a cluster.

``grade_batch_ray`` has the contract of ``hwkit.grading.engine.grade_batch``: every job is graded
once, and ``on_result`` runs in the calling thread as each result comes back (``ray.wait``,
one at a time), so the gradebook keeps a single writer. A task may run on a machine that
cannot read the TA's paths, so it carries the submission's bytes (and its file's time), and
the autograder zip goes into the object store once per batch; the task writes both into a
scratch folder on its node, grades that copy with ``hwkit.grading.engine.grade_submission`` and
returns the result under the submission's own name: the same result the local engine gives.

Each task asks Ray for what one submission needs (its assignment's ``resources``: CPUs, memory, a
GPU
fraction when the job's device is a GPU) and is retried when its worker or node is lost
(``max_retries``); an exception raised by the task is not retried (``retry_exceptions=False``:
``grade_submission`` raises only when the grading machinery itself is broken).

Ray is an optional extra (``pip install ".[cluster]"``): it is imported inside functions only,
so importing this module, ``hwkit.grading`` or ``hwkit.cli`` never imports Ray.
"""

import dataclasses
import fcntl
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from hwkit.assignments import TaskResources, get_assignment
from hwkit.gradebook.submission_time import file_time, submission_time
from hwkit.grading.engine import GradingJob, grade_submission
from hwkit.grading.notebook_file import read_submission, sha256_of
from hwkit.results import SubmissionResult
from hwkit.sandbox import scratch_root

INSTALL_HINT = 'pip install ".[cluster]"'
TASK_NAME = "hwkit_grade"  # worker processes show it as ``ray::hwkit_grade`` while grading
MAX_RETRIES = 3
GIB = 1024**3


class RayEngineError(RuntimeError):
    """The Ray engine cannot run or could not grade every job; the message says why."""


class RayUnavailableError(RayEngineError):
    """Ray is not installed."""


def import_ray():
    """The ``ray`` module, or ``RayUnavailableError`` naming the fix."""
    try:
        import ray
    except ImportError as error:
        raise RayUnavailableError(
            f"the Ray engine needs Ray, which is not installed: {INSTALL_HINT} "
            f"(or use the local engine: --engine local)"
        ) from error
    return ray


def task_options(job: GradingJob, resources: dict[str, TaskResources] | None = None) -> dict:
    """Ray's resource options for one job: ``num_cpus``, ``num_gpus``, ``memory`` (bytes),
    from the job's assignment's ``resources`` (or ``resources``, by assignment id)."""
    spec = (resources or {}).get(job.assignment_id) or get_assignment(job.assignment_id).resources
    on_gpu = job.on_gpu and spec.gpu_fraction > 0
    cpus = max(1, job.cpu_threads) if spec.cpus_from_threads and not on_gpu else 1
    return {
        "num_cpus": cpus,
        "num_gpus": spec.gpu_fraction if on_gpu else 0,
        "memory": int(spec.memory_gib * GIB),
    }


def _check_feasible(ray, options: list[dict]) -> None:
    """Fail now, not hang, when no node of the cluster could ever run some job."""
    nodes = [node.get("Resources", {}) for node in ray.nodes() if node.get("Alive")]
    for option in {tuple(sorted(o.items())): o for o in options}.values():
        need = {"CPU": option["num_cpus"], "GPU": option["num_gpus"], "memory": option["memory"]}
        if not any(all(node.get(k, 0) >= v for k, v in need.items() if v) for node in nodes):
            largest = max(nodes, key=lambda n: n.get("CPU", 0), default={})
            raise RayEngineError(
                f"no node of the Ray cluster has what one submission needs: "
                f"{need['CPU']} CPU, {need['GPU']} GPU, {need['memory'] / GIB:.1f} GiB memory "
                f"(largest node: {largest.get('CPU', 0):g} CPU, {largest.get('GPU', 0):g} GPU, "
                f"{largest.get('memory', 0) / GIB:.1f} GiB); more --workers means fewer CPUs "
                f"per submission"
            )


def _write_once(path: Path, data: bytes) -> Path:
    """``path`` holding ``data``, written atomically unless already there (tasks share it)."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        with os.fdopen(handle, "wb") as f:
            f.write(data)
        os.replace(temporary, path)
    return path


def _prepare_node(job: GradingJob, autograder_zip: Path, batch_id: str) -> None:
    """Run the assignment's prepare step once per batch on this node (the driver ran it on
    its own node); tasks on the same node wait for the first one."""
    from hwkit.grading.engine import PREPARE_TIMEOUT_S, run_prepare

    module = get_assignment(job.assignment_id).prepare_module
    if not module:
        return
    done = scratch_root() / f"ray-prepared-{batch_id}"
    with open(scratch_root() / f"ray-prepare-{batch_id}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            run_prepare(module, autograder_zip, job.device, timeout_s=PREPARE_TIMEOUT_S)
            done.touch()


def grade_on_node(
    job: GradingJob,
    notebook: bytes,
    mtime_ns: int,
    times: tuple[str, str],
    autograder: bytes,
    autograder_sha256: str,
    batch_id: str,
    driver_node: str,
    warm: bool = True,
) -> SubmissionResult:
    """The Ray task: grade ``job`` from the bytes it carries, on whatever node runs it, with
    a kernel forked from this worker process's zygote for the batch when ``warm``."""
    import ray

    from hwkit.grading.warm import process_zygote

    # One copy of each autograder zip per node, at a path of its content: the judge of the
    # zip (its unpacked tests, its setups) is then built once per worker process.
    zip_path = _write_once(
        scratch_root() / f"ray-autograder-{autograder_sha256[:16]}" / job.autograder_zip.name,
        autograder,
    )
    if ray.get_runtime_context().get_node_id() != driver_node:
        _prepare_node(job, zip_path, batch_id)
    with tempfile.TemporaryDirectory(prefix="hwkit-ray-", dir=scratch_root()) as folder:
        copy = Path(folder) / job.submission.name  # the name: e.g. a time stamp in it
        copy.write_bytes(notebook)
        os.utime(copy, ns=(mtime_ns, mtime_ns))
        zygote = process_zygote(get_assignment(job.assignment_id), job, batch_id) if warm else ""
        result = grade_submission(
            dataclasses.replace(job, submission=copy, autograder_zip=zip_path, zygote=zygote)
        )
    submitted_at, modified = times  # the driver's: the copy here has other times
    return dataclasses.replace(result, submission=job.label, submitted_at=submitted_at,
                               file_time=modified)


def connect_ray(ray, address: str | None) -> bool:
    """Connect to the cluster at ``address`` (None: the one started on this machine by
    ``ray start``, else a new local instance); True when this call started Ray."""
    if ray.is_initialized():
        return False
    # Worker output (TensorFlow's warnings) stays in the nodes' logs: the terminal keeps
    # the progress bar; a failed task's error comes back with its result.
    ray.init(address=address or None, include_dashboard=False, log_to_driver=False)
    return True


def grade_batch_ray(
    jobs: Iterable[GradingJob],
    on_result: Callable[[SubmissionResult], None],
    address: str | None = None,
    max_retries: int = MAX_RETRIES,
    resources: dict[str, TaskResources] | None = None,
    warm: bool = True,
    batch_id: str | None = None,
) -> list[SubmissionResult]:
    """Grade ``jobs`` as Ray tasks; ``on_result`` runs in this thread as each finishes.

    Uses the Ray instance this process is already connected to, else connects to
    ``address`` (e.g. ``"HEAD:6379"``; None: a local instance) and disconnects at the end.
    ``resources`` (by assignment id) replaces what each assignment's task asks for; ``warm``
    forks kernels from a zygote per Ray worker process (``hwkit.grading.warm``), kept for
    later calls with the same ``batch_id`` (the live service's: one per assignment; default:
    a new id, so a new batch starts new zygotes).
    Returns the results in the order they finished. Jobs whose tasks failed (lost more than
    ``max_retries`` times, or the grading machinery raised) are not handed to ``on_result``:
    once every other job is in, ``RayEngineError`` names them, so running the same batch
    again grades only those.
    """
    ray = import_ray()
    jobs = list(jobs)
    if not jobs:
        return []
    started = connect_ray(ray, address)
    results: list[SubmissionResult] = []
    failures: list[str] = []
    pending: dict = {}
    try:
        options = [task_options(job, resources) for job in jobs]
        _check_feasible(ray, options)
        task = ray.remote(grade_on_node)
        zips: dict[Path, tuple] = {}
        driver_node = ray.get_runtime_context().get_node_id()
        batch_id = batch_id or uuid.uuid4().hex
        for job, option in zip(jobs, options, strict=True):
            notebook, problem = read_submission(job.submission)  # never follows a symlink
            if problem or not notebook:  # a link, unreadable, empty or too large: graded here
                result = grade_submission(job)  # as an error, nothing runs
                on_result(result)
                results.append(result)
                continue
            if job.autograder_zip not in zips:
                zips[job.autograder_zip] = (ray.put(job.autograder_zip.read_bytes()),
                                            sha256_of(job.autograder_zip))
            zip_ref, zip_sha256 = zips[job.autograder_zip]
            mtime_ns = job.submission.lstat().st_mtime_ns
            times = (submission_time(job.submission, job.name), file_time(job.submission))
            ref = task.options(name=TASK_NAME, max_retries=max_retries, retry_exceptions=False,
                               **option).remote(
                job, notebook, mtime_ns, times, zip_ref, zip_sha256, batch_id, driver_node, warm,
            )
            pending[ref] = job
        while pending:
            (ref,), _ = ray.wait(list(pending), num_returns=1)
            job = pending.pop(ref)
            try:
                result = ray.get(ref)
            except ray.exceptions.RayError as error:
                lines = [line for line in str(error).splitlines() if line.strip()]
                failures.append(f"{job.label} ({lines[-1] if lines else error!r})")
                continue
            on_result(result)
            results.append(result)
    finally:
        for ref in pending:  # interrupted: stop what is still queued or running
            try:
                ray.cancel(ref, force=True)
            except Exception:  # already finished, or its node is gone
                pass
        if started:
            ray.shutdown()
    if failures:
        raise RayEngineError(
            f"{len(failures)} submission(s) not graded by the Ray cluster (run the same "
            f"command again to grade them): " + "; ".join(failures[:5])
        )
    return results
