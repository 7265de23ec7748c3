"""Limits around one submission's grading process tree, set up by the engine and the worker.

- ``Cgroup``: a per-submission control group (Linux cgroup v1 ``pids`` and ``memory``, where
  the grader may create them, e.g. as root): at most ``PIDS_MAX`` processes (a fork bomb
  stops there) and ``memory_mb`` of RAM for the whole tree, and afterwards every process in
  it is killed, including ones that double-forked out of the process tree.
- ``die_with_parent``: the worker's first act: it dies with the grader
  (``PR_SET_PDEATHSIG``), so a grader killed with ``kill -9`` leaves no worker behind; its
  kernels, if any, are reaped from their groups by the next batch (``reap_orphans``).
- ``limit_process``: in the worker, before it starts a kernel: address space, CPU seconds,
  largest file written, no core dumps.
- ``isolate_network``: in the worker, a new network namespace with only loopback up (the
  worker and its kernel talk over it), so nothing the submission opens reaches beyond this
  grading; where namespaces are not allowed it says so and grading goes on without.
"""

import ctypes
import fcntl
import os
import resource
import signal
import socket
import struct
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PIDS_MAX = 256
MAX_FILE_BYTES = 512 * 1024 * 1024
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


@dataclass(frozen=True)
class Cgroup:
    """The control group folders of one submission (``pids`` and, when present, ``memory``)."""

    folders: tuple[Path, ...]

    @classmethod
    def create(cls, name: str, memory_mb: int) -> "Cgroup | None":
        """Make ``hwkit/<grader pid>-<name>`` under each controller, or None where that is not
        allowed. The grader's pid in the name lets a later batch find groups whose grader
        died (``reap_orphans``)."""
        name = f"{os.getpid()}-{name}"
        pids = CGROUP_ROOT / "pids"
        if not (pids / "cgroup.procs").is_file() or not os.access(pids, os.W_OK):
            return None
        folders = []
        try:
            folder = pids / "hwkit" / name
            folder.mkdir(parents=True)
            (folder / "pids.max").write_text(str(PIDS_MAX))
            folders.append(folder)
            memory = _own_memory_cgroup()
            if memory is not None and memory_mb > 0:
                folder = memory / "hwkit" / name
                folder.mkdir(parents=True)
                (folder / "memory.limit_in_bytes").write_text(str(memory_mb * 1024 * 1024))
                folders.append(folder)
        except OSError:
            Cgroup(tuple(folders)).remove()
            return None
        return cls(tuple(folders))

    def procs_files(self) -> list[str]:
        return [str(folder / "cgroup.procs") for folder in self.folders]

    def pids(self) -> set[int]:
        found = set()
        for folder in self.folders:
            try:
                found |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
            except (OSError, ValueError):
                pass
        return found

    def out_of_memory(self) -> bool:
        """Whether the memory limit was hit (the kernel OOM-killed something in the group)."""
        for folder in self.folders:
            failures = folder / "memory.failcnt"
            if failures.is_file() and int(failures.read_text() or 0) > 0:
                return True
        return False

    def kill_all(self, seconds: float = 10.0) -> None:
        """SIGKILL every process in the group until it is empty (forks race the kill)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)

    def remove(self, seconds: float = 5.0) -> None:
        """Remove the groups (retried while killed processes are still being reaped)."""
        deadline = time.monotonic() + seconds
        for folder in self.folders:
            while folder.exists():
                try:
                    folder.rmdir()
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.05)


def reap_orphans() -> int:
    """Kill what is left in the groups of graders that are gone (a grader killed with
    ``kill -9`` cannot clean up: its kernels may still run) and remove the groups; returns
    how many groups were reaped. Called before each batch."""
    reaped = 0
    for folder in [f for root in group_roots() for f in root.glob("*-*")]:
        pid = folder.name.split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        group = Cgroup((folder,))
        group.kill_all()
        group.remove()
        reaped += 1
    return reaped


def group_roots() -> list[Path]:
    """The folders that hold the submissions' groups (``hwkit/`` under each controller)."""
    roots = [CGROUP_ROOT / "pids" / "hwkit", (_own_memory_cgroup() or CGROUP_ROOT) / "hwkit"]
    return [root for root in roots if root.is_dir()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _own_memory_cgroup() -> Path | None:
    """The memory controller folder this process is in (children go below it)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            folder = CGROUP_ROOT / "memory" / path.lstrip("/")
            return folder if os.access(folder, os.W_OK) else None
    return None


def join_cgroups(procs_files: list[str]) -> None:
    """Move this process into the given groups (its children are born there)."""
    for path in procs_files:
        Path(path).write_text(str(os.getpid()))


def limit_process(memory_mb: int, cpu_seconds: int) -> None:
    """Limits inherited by the kernel and everything the submission starts.

    - memory_mb: address space per process (0: none, as on a GPU where CUDA reserves more
      address space than it uses); cpu_seconds: CPU time per process (SIGXCPU, then SIGKILL)
    """
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
    # Ignored (and so across exec): an oversized write fails with EFBIG instead of killing.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    if cpu_seconds > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def die_with_parent(parent_pid: int) -> None:
    """SIGKILL this process when its parent (the grader) dies; exit now if it already has."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the grader died before the line above
        os._exit(1)


def isolate_network() -> str:
    """Enter a new network namespace with loopback up; returns "" or why it could not."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        return f"network not isolated ({os.strerror(ctypes.get_errno())})"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14s", b"lo", 0, b"\0" * 14)
        flags = struct.unpack("16sH14s", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | IFF_UP, b"\0" * 14))
    return ""
