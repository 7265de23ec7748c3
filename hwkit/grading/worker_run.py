"""One run of ``hwkit.grading.worker`` for one submission: its scratch folder, its sandbox spec, its
limits, the probes it is handed once the judges have made them (a pipe, while the notebook
runs), and what it sends back (bounded).

Scratch layout (``stage``), in the grader's hidden scratch root:

- ``<scratch>/`` (root only): ``spec.json``, the kernel spec, Jupyter's
  runtime folder (connection files), the worker's log, and ``root/`` where the kernel's new
  root is mounted; the kernel never sees any of it.
- ``<scratch>/home/`` (owned by the kernel's user): the kernel's only writable folder:
  ``submission/<id>.ipynb`` with the assignment's data files, its caches, matplotlib's.
"""

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from hwkit.datapaths import DataView
from hwkit.grading.env import kernel_env, seed_font_cache, worker_env
from hwkit.grading.worker_summary import WorkerSummary
from hwkit.sandbox import Cgroup, SandboxSpec
from hwkit.sandbox.spec import NOBODY, gpu_devices, python_paths

LOG_TAIL_BYTES = 4000
MAX_RESULT_BYTES = 256 * 1024 * 1024
HOME_FOLDERS = ("submission", "tmp", "cache", "keras", "data", "matplotlib")


@dataclass
class WorkerRun:
    """What one worker run left: its summary (None if it sent none or too much), the log's
    tail, its return code, whether it ran past the timeout or out of the memory group's
    limit, and whether its reply was past ``MAX_RESULT_BYTES``."""

    summary: WorkerSummary | None
    log_tail: str
    returncode: int | None
    timed_out: bool
    out_of_memory: bool = False
    too_large: bool = False


def _give_to_kernel(home: Path) -> None:
    """Make ``home`` and everything in it the kernel user's (when the grader is root)."""
    if os.getuid() != 0:
        return
    for folder, dirs, files in os.walk(home):
        os.chown(folder, NOBODY, NOBODY)
        for name in [*dirs, *files]:
            os.chown(os.path.join(folder, name), NOBODY, NOBODY, follow_symlinks=False)
    os.chmod(home, 0o700)


def stage(scratch: Path, notebook: bytes, name: str, support: dict[str, bytes],
          view: DataView, limits: dict, cgroup: Cgroup | None) -> Path:
    """Lay out the scratch folder (module docstring) and write the sandbox spec; returns the
    spec's path. limits: cpu_threads, memory_mb (0 on a GPU), cpu_seconds, on_gpu."""
    home = scratch / "home"
    for folder in HOME_FOLDERS:
        (home / folder).mkdir(parents=True, exist_ok=True)
    (home / "submission" / name).write_bytes(notebook)
    for file_name, data in support.items():
        (home / "submission" / file_name).write_bytes(data)
    seed_font_cache(home / "matplotlib")
    _give_to_kernel(home)
    for folder in ("root", "runtime", "jupyter"):
        (scratch / folder).mkdir()
    spec = SandboxSpec(
        root=str(scratch / "root"),
        home=str(home),
        cwd=str(home / "submission"),
        env=kernel_env(home, view.root, limits["cpu_threads"]),
        read_only=(*python_paths(), *view.read_only),
        masks=view.masks,
        devices=tuple(gpu_devices()) if limits["on_gpu"] else (),
        memory_mb=limits["memory_mb"],
        cpu_seconds=limits["cpu_seconds"],
        cgroup_procs=tuple(cgroup.procs_files()) if cgroup else (),
    )
    return spec.write(scratch / "spec.json")


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


def result_bound(max_reply_bytes: int) -> int:
    """The most a worker may send back: three replies at the largest size, base64 encoded,
    and room for the rest of the summary, at least ``MAX_RESULT_BYTES``."""
    return max(MAX_RESULT_BYTES, 4 * max_reply_bytes + (16 << 20))


class _Reader(threading.Thread):
    """Reads the worker's result pipe, keeping at most ``bound`` bytes (the rest is read and
    dropped, so the worker never blocks on a full pipe)."""

    def __init__(self, fd: int, bound: int):
        super().__init__(daemon=True)
        self.fd, self.bound, self.chunks, self.size, self.too_large = fd, bound, [], 0, False

    def run(self) -> None:
        while chunk := os.read(self.fd, 1 << 20):
            self.size += len(chunk)
            if self.size > self.bound:
                self.too_large, self.chunks = True, []
            elif not self.too_large:
                self.chunks.append(chunk)


class _ProbesWriter(threading.Thread):
    """Writes the probes to the worker's pipe as soon as ``probes()`` has them (the judges'
    setups overlap the kernel's start and the notebook), then closes it. ``error``: what
    ``probes()`` raised (the grader's problem, raised again once the worker is done);
    ``waited_s()``: how long the worker has had to wait for them, at most."""

    def __init__(self, fd: int, probes: Callable[[], list[dict]]):
        super().__init__(daemon=True)
        self.fd, self.probes, self.error = fd, probes, None
        self.started_at, self.ready_at = time.monotonic(), None

    def run(self) -> None:
        try:
            data = json.dumps(self.probes()).encode()
        except BaseException as error:  # noqa: BLE001 - raised again in the grading thread
            self.error, data = error, b""
        self.ready_at = time.monotonic()
        try:
            with os.fdopen(self.fd, "wb") as pipe:
                pipe.write(data)
        except OSError:  # the worker ended before it read them
            pass

    def waited_s(self) -> float:
        return (self.ready_at or time.monotonic()) - self.started_at


def run_worker(scratch: Path, spec_path: Path, probes: Callable[[], list[dict]], options: dict,
               cgroup: Cgroup | None) -> WorkerRun:
    """Start the worker on the staged scratch folder and wait for it, at most
    ``options["timeout_s"]`` plus the time it waited for ``probes()`` (called once, in a
    thread, while the notebook runs; what it raises is raised here once the worker is done);
    the whole process family (and the control group) is killed at the end. options:
    timeout_s, probe_timeout_s, max_reply_bytes, zygote."""
    notebook = next((scratch / "home" / "submission").glob("*.ipynb"))
    read_fd, write_fd = os.pipe()
    probes_in, probes_out = os.pipe()
    log_path = scratch / "worker.log"
    command = [
        sys.executable, "-m", "hwkit.grading.worker",
        "--spec", str(spec_path),
        "--notebook", str(notebook),
        "--probes-fd", str(probes_in),
        "--result-fd", str(write_fd),
        "--grader-pid", str(os.getpid()),
        "--probe-timeout", str(options["probe_timeout_s"]),
        "--time-budget", str(max(10.0, options["timeout_s"] - 10)),
        "--max-reply-bytes", str(options["max_reply_bytes"]),
    ]
    if options.get("zygote"):
        command += ["--zygote", options["zygote"]]
    try:
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, cwd=scratch,
                                       env=worker_env(scratch), pass_fds=(write_fd, probes_in),
                                       start_new_session=True)
    except BaseException:
        os.close(probes_out)
        raise
    finally:
        os.close(write_fd)
        os.close(probes_in)
    writer = _ProbesWriter(probes_out, probes)
    writer.start()
    reader = _Reader(read_fd, result_bound(options["max_reply_bytes"]))
    reader.start()
    family = {process.pid: psutil.Process(process.pid)}
    started = time.monotonic()
    timed_out = False
    while True:
        deadline = started + options["timeout_s"] + writer.waited_s()
        try:
            process.wait(timeout=min(1.0, max(0.0, deadline - time.monotonic())))
            break
        except subprocess.TimeoutExpired:
            if time.monotonic() >= started + options["timeout_s"] + writer.waited_s():
                timed_out = True
                break
        try:
            family.update({p.pid: p for p in family[process.pid].children(recursive=True)})
        except psutil.Error:
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
    writer.join()  # ends once probes() returns: its write fails on the worker's closed pipe
    if writer.error is not None:
        raise writer.error
    summary = None
    if not reader.too_large and reader.chunks:
        try:
            summary = WorkerSummary.from_json(b"".join(reader.chunks).decode("utf-8"))
        except ValueError:  # not UTF-8, not JSON, or a field of the wrong type
            summary = None
    log_tail = log_path.read_bytes()[-LOG_TAIL_BYTES:].decode("utf-8", "replace")
    return WorkerRun(summary, log_tail,
                     process.returncode, timed_out, out_of_memory, reader.too_large)
