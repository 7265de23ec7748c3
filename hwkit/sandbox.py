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
- ``enter_pid_namespace``: in ``hwkit.kernel_launcher``, a new PID namespace: the kernel is
  its PID 1, sees no other process, and when it ends everything it started ends with it (the
  launcher stays outside, waits for it and passes signals on).
- ``confine_kernel``: in ``hwkit.kernel_launcher``, just before the kernel starts: a mount
  namespace of its own where the grader's folders (tests, reference, other submissions,
  gradebook, other scratch folders) are covered by empty ones, a ``/proc`` of its PID
  namespace, and no capabilities at all (bounding set emptied, no new privileges), so even as
  root it can neither remount them nor look into the grader's processes.
"""

import ctypes
import errno
import fcntl
import os
import resource
import signal
import socket
import struct
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PIDS_MAX = 256
MAX_FILE_BYTES = 512 * 1024 * 1024
CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID = 0x40000000, 0x00020000, 0x20000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_RDONLY = 0x2, 0x4, 0x8, 0x1
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
WRITABLE_MOUNTS = ("/proc", "/dev", "/dev/pts", "/dev/shm")
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 1, 24, 38, 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522
SCRATCH_PREFIX = "hwkit-scratch-"
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


def scratch_root() -> Path:
    """The folder under which the grader keeps every submission's scratch folder and its
    judges' unpacked tests; a kernel sees only its own folder in it (``confine_kernel``)."""
    root = Path(tempfile.gettempdir()) / f"{SCRATCH_PREFIX}{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    return root


def enter_pid_namespace() -> str:
    """Continue as PID 1 of a new PID namespace; returns "" or why not (then this process
    simply goes on). The process that called it stays outside as the kernel manager's child:
    it passes signals on, waits, and exits with the kernel's status. Must be called while
    single-threaded (a process that unshared its PID namespace can start no thread)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWPID) != 0:
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
    os._exit(os.waitstatus_to_exitcode(status) % 256)


def _mount(libc, source: str, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    if libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None,
                  flags, data.encode() if data else None) != 0:  # fmt: skip
        error = ctypes.get_errno()
        raise OSError(error, f"mount {target}: {os.strerror(error)}")


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def confine_kernel(hide: list[str], scratch: str) -> list[str]:
    """Hide ``hide`` (folders or files), keep ``scratch``, mount this PID namespace's /proc,
    drop all capabilities. Returns notes on what could not be done (grading goes on)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    notes = []
    if libc.unshare(CLONE_NEWNS) != 0:
        notes.append(f"grader files not hidden ({os.strerror(ctypes.get_errno())})")
    else:
        try:
            _mount(libc, "none", "/", None, MS_REC | MS_PRIVATE)
            notes += _hide_paths(libc, [Path(p).resolve() for p in hide], Path(scratch).resolve())
            os.chdir(os.getcwd())  # the working folder again, through the new mounts
            if os.getpid() == 1:
                _mount(libc, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
            notes += _read_only_except(libc, [Path(scratch).resolve()])
        except OSError as error:
            notes.append(f"grader files not fully hidden ({error})")
    notes += drop_privileges(libc)
    return notes


def _hide_paths(libc, hide: list[Path], scratch: Path) -> list[str]:
    needed = [Path(sys.prefix).resolve(), Path(__file__).resolve().parent]
    notes = []
    for path in hide:
        if not path.exists():
            continue
        if any(_is_within(need, path) for need in needed):
            notes.append(f"{path} not hidden: the kernel needs Python and hwkit from it")
            continue
        if _is_within(scratch, path):  # the scratch root: keep this submission's own folder
            own = os.open(scratch, os.O_PATH | os.O_DIRECTORY)
            _mount(libc, "tmpfs", str(path), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
            keep = path / scratch.relative_to(path)
            keep.mkdir(parents=True)
            _mount(libc, f"/proc/self/fd/{own}", str(keep), None, MS_BIND)
            os.close(own)
        elif path.is_dir():
            _mount(libc, "tmpfs", str(path), "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY,
                   "size=4k,mode=000")  # fmt: skip
        else:
            _mount(libc, "/dev/null", str(path), None, MS_BIND)
    return notes


def _mount_points() -> list[tuple[str, str]]:
    """``(mount point, options)`` of every mount this process sees, parents first."""
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        point = fields[4].replace("\\040", " ").replace("\\011", "\t")
        points.append((point, fields[5]))
    return points


def _read_only_except(libc, writable: list[Path]) -> list[str]:
    """Remount every mount read-only (in this mount namespace only) except the scratch
    folder and the kernel's /proc and /dev: a submission writes nowhere else."""
    keep = {str(path) for path in writable}
    flag_of = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC}
    failed = []
    for point, options in _mount_points():
        kept = point in keep or any(_is_within(Path(point), Path(w)) for w in WRITABLE_MOUNTS)
        if kept or "ro" in options.split(","):
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        flags |= sum(flag_of.get(option, 0) for option in options.split(","))
        if libc.mount(None, point.encode(), None, flags, None) != 0:
            failed.append(point)
    return [f"left writable: {', '.join(failed[:5])}"] if failed else []


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]  # fmt: skip


def drop_privileges(libc=None) -> list[str]:
    """Empty the capability bounding set (an ``exec`` can never regain a capability, even as
    root), clear ambient and current capabilities, forbid new privileges."""
    libc = libc or ctypes.CDLL(None, use_errno=True)
    notes = []
    for capability in range(64):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            if ctypes.get_errno() == errno.EINVAL:  # past the last capability
                break
            notes.append(f"capabilities kept ({os.strerror(ctypes.get_errno())})")
            break
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    header = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    if libc.capset(ctypes.byref(header), data) != 0:
        notes.append(f"capabilities not dropped ({os.strerror(ctypes.get_errno())})")
    return notes
