"""Warm kernels for a batch: the zygote (``hwkit.sandbox.zygote``) that forks every kernel.

- ``warm_kernels``: the local engine's, one per batch, around the pool of grading threads.
- ``process_zygote``: the Ray engine's, one per Ray worker process and batch, started by that
  process's first task of the batch and used by its later ones (a Ray worker grades its tasks
  one after another); a new batch closes the previous batch's.

Either way a zygote that cannot start is said once and the kernels start cold: warm kernels
are a speed-up, never a condition of grading.
"""

import os
import shutil
import sys
from contextlib import contextmanager

from hwkit.assignments import Assignment
from hwkit.grading.engine import GradingJob, kernel_data_view
from hwkit.grading.env import zygote_env
from hwkit.sandbox import scratch_root
from hwkit.sandbox.zygote import BASE_PRELOAD, Zygote


class _Started:
    """A zygote, its home folder, and its socket ("" when it did not come up)."""

    def __init__(self, assignment: Assignment, job: GradingJob, tag: str):
        self.home = scratch_root() / f"zygote-home-{tag}"
        self.home.mkdir(exist_ok=True)
        view = kernel_data_view(job.grading_view, job.device)
        self.zygote = Zygote(zygote_env(self.home, view.root), BASE_PRELOAD + assignment.preload,
                             scratch_root())
        ready = self.zygote.ready()
        if not ready:
            print("hwkit: warm kernels unavailable, starting each kernel cold "
                  f"(see {self.zygote.log})", file=sys.stderr)
        self.socket = self.zygote.socket_path if ready else ""

    def close(self) -> None:
        self.zygote.close()
        shutil.rmtree(self.home, ignore_errors=True)


@contextmanager
def warm_kernels(assignment: Assignment, jobs: list[GradingJob], warm: bool = True):
    """The socket of a zygote for this batch, or "" (cold kernels) when warm kernels are off,
    there is nothing to grade, or it could not start."""
    if not (warm and jobs):
        yield ""
        return
    started = _Started(assignment, jobs[0], str(os.getpid()))
    try:
        yield started.socket
    finally:
        started.close()


_process: dict[str, _Started] = {}  # batch id -> this process's zygote (at most one)


def process_zygote(assignment: Assignment, job: GradingJob, batch_id: str) -> str:
    """This process's zygote socket for ``batch_id`` (started on first use), or ""."""
    if batch_id not in _process:
        for old in list(_process):
            _process.pop(old).close()
        _process[batch_id] = _Started(assignment, job, f"{os.getpid()}-{batch_id[:12]}")
    return _process[batch_id].socket


def close_process_zygote() -> None:
    for batch_id in list(_process):
        _process.pop(batch_id).close()
