"""Limits and namespaces set up around one submission's worker and kernel processes.

- ``die_with_parent``: a worker's (or judge's, or zygote's) first act: it dies with the
  grader (``PR_SET_PDEATHSIG``), so a grader killed with ``kill -9`` leaves none behind.
- ``limit_process``: address space, CPU seconds, largest file written, no core dumps;
  inherited by the kernel and everything the submission starts.
- ``isolate_network``: a new network namespace with only loopback up (the worker and its
  kernel talk over it), so nothing the submission opens reaches beyond this grading.
- ``enter_pid_namespace``: the kernel becomes PID 1 of a new PID namespace, sees no other
  process, and when it ends everything it started ends with it.
- ``scratch_root``: the grader's folder of scratch folders (never visible to a kernel).
"""

import ctypes
import fcntl
import os
import resource
import signal
import socket
import struct
import tempfile
from pathlib import Path

MAX_FILE_BYTES = 512 * 1024 * 1024
CLONE_NEWNET, CLONE_NEWPID = 0x40000000, 0x20000000
PR_SET_PDEATHSIG = 1
SCRATCH_PREFIX = "hwkit-scratch-"
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def libc():
    return ctypes.CDLL(None, use_errno=True)


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


# A process that forks children (the zygote, the judge forker) imports with one BLAS thread:
# fork is only safe while it has a single thread (``thread_count``).
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def thread_count() -> int:
    """Threads of this process now."""
    return len(os.listdir("/proc/self/task"))


def die_with_parent(parent_pid: int) -> None:
    """SIGKILL this process when its parent (the grader) dies; exit now if it already has."""
    libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the grader died before the line above
        os._exit(1)


def isolate_network() -> str:
    """Enter a new network namespace with loopback up; returns "" or why it could not."""
    lib = libc()
    if lib.unshare(CLONE_NEWNET) != 0:
        return f"network not isolated ({os.strerror(ctypes.get_errno())})"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14s", b"lo", 0, b"\0" * 14)
        flags = struct.unpack("16sH14s", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | IFF_UP, b"\0" * 14))
    return ""


def scratch_root() -> Path:
    """The folder under which the grader keeps every submission's scratch folder and its
    judges' unpacked tests; a kernel sees only its own home in it (``hwkit.sandbox.root``)."""
    root = Path(tempfile.gettempdir()) / f"{SCRATCH_PREFIX}{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    return root


def enter_pid_namespace() -> str:
    """Continue as PID 1 of a new PID namespace; returns "" or why not (then this process
    simply goes on). The process that called it stays outside as the kernel manager's child:
    it passes signals on, waits, and exits with the kernel's status. Must be called while
    single-threaded (a process that unshared its PID namespace can start no thread)."""
    if libc().unshare(CLONE_NEWPID) != 0:
        return f"processes not isolated ({os.strerror(ctypes.get_errno())})"
    child = os.fork()
    if child == 0:
        return ""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(number, lambda received, _frame: os.kill(child, received))
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except ChildProcessError:
            os._exit(1)
        except InterruptedError:
            continue
    os._exit(os.waitstatus_to_exitcode(status) % 256)
