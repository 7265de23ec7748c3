"""The kernel's file system, built from nothing, and the drop to an unprivileged user.

``confine(spec)`` runs in the kernel's process just before the kernel starts (PID 1 of its own
PID namespace, still root, single-threaded). In new mount, IPC and UTS namespaces it mounts
an empty tmpfs as the new root and puts into it only what the spec allows:

- read-only: ``/usr`` (with the ``/bin`` → ``usr/bin``-style links), a few files of ``/etc``
  (the loader cache, time zone, fonts; ``passwd`` and ``group`` are written anew with only
  root and the kernel's user), Python's installation and virtual environment, the ``hwkit``
  package folder, and the assignment's training data; ``/sys/devices/system/cpu`` (all of
  ``/sys`` and the NVIDIA devices on a GPU);
- its own: ``home`` read-write, a fresh ``/tmp``, a ``/dev`` with only null, zero, full,
  random and urandom, its own ``/dev/shm`` (size-capped, gone with the namespace, as are SysV
  segments with the IPC namespace), and a ``/proc`` of its PID namespace whose ``sys``,
  ``sysrq-trigger``, ``irq``, ``bus`` and ``fs`` are read-only;
- ``masks``: files inside allowed folders covered by an empty one.

Then ``pivot_root`` into it (the old root is detached: nothing of the project, its ``.git``,
the course, the board, ``/root``, other submissions or the host's ``/tmp`` exists any more),
the new root is made read-only, and the process gives up root: an empty capability bounding
set, the spec's uid and gid with no supplementary groups, ``no_new_privs``.
"""

import ctypes
import errno
import os
import platform
import signal
from pathlib import Path

from hwkit.sandbox.process import libc
from hwkit.sandbox.spec import ETC_FILES, SYSTEM_PATHS, SandboxSpec

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUTS = 0x00020000, 0x08000000, 0x04000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
MNT_DETACH = 0x2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 4, 24, 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "arm64": 41}
DEVICES = ("null", "zero", "full", "random", "urandom")
DEV_LINKS = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1",
             "stderr": "/proc/self/fd/2"}
PROC_READ_ONLY = ("sys", "sysrq-trigger", "irq", "bus", "fs")
PROC_MASKS = ("kcore", "keys", "timer_list", "sched_debug", "kallsyms", "kmsg")
TOP_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
CPU_INFO = "/sys/devices/system/cpu"


class SandboxError(OSError):
    """The allowlist root could not be built; the kernel must not start without it."""


def _mount(source: str | None, target: str, fstype: str | None, flags: int,
           data: str = "") -> None:
    result = libc().mount(source.encode() if source else None, target.encode(),
                          fstype.encode() if fstype else None, flags,
                          data.encode() if data else None)
    if result != 0:
        error = ctypes.get_errno()
        raise SandboxError(error, f"mount {target}: {os.strerror(error)}")


def _tmpfs(target: Path, options: str, flags: int = MS_NOSUID | MS_NODEV) -> None:
    target.mkdir(parents=True, exist_ok=True)
    _mount("tmpfs", str(target), "tmpfs", flags, options)


def _bind(root: Path, source: str, writable: bool = False, device: bool = False) -> None:
    """Bind ``source`` at the same path inside ``root`` (read-only unless ``writable``)."""
    target = root / source.lstrip("/")
    if os.path.isdir(source):
        target.mkdir(parents=True, exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch(exist_ok=True)
    _mount(source, str(target), None, MS_BIND)
    flags = MS_REMOUNT | MS_BIND | MS_NOSUID | (0 if device else MS_NODEV)
    _mount(None, str(target), None, flags | (0 if writable else MS_RDONLY))


def _mask(root: Path, path: str) -> None:
    target = root / path.lstrip("/")
    if target.is_dir():
        _mount("tmpfs", str(target), "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "size=4k,mode=000")
    elif target.exists():
        _mount("/dev/null", str(target), None, MS_BIND)
        _mount(None, str(target), None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID)


def _etc(root: Path, spec: SandboxSpec) -> None:
    etc = root / "etc"
    etc.mkdir()
    for name in ETC_FILES:
        path = Path("/etc") / name
        if path.is_symlink():
            (etc / name).symlink_to(os.readlink(path))
        elif path.exists():
            _bind(root, str(path))
    (etc / "passwd").write_text(f"root:x:0:0:root:/root:/usr/sbin/nologin\n"
                                f"student:x:{spec.uid}:{spec.gid}:student:{spec.home}:"
                                "/usr/sbin/nologin\n")
    (etc / "group").write_text(f"root:x:0:\nstudent:x:{spec.gid}:\n")
    (etc / "hostname").write_text(f"{spec.hostname}\n")


def _dev(root: Path, spec: SandboxSpec) -> None:
    dev = root / "dev"
    _tmpfs(dev, "size=64k,mode=755", MS_NOSUID)
    for name in DEVICES:
        _bind(root, f"/dev/{name}", writable=True, device=True)
    for name, target in DEV_LINKS.items():
        (dev / name).symlink_to(target)
    _tmpfs(dev / "shm", f"size={spec.shm_mb}m,mode=1777")
    for device in spec.devices:
        _bind(root, device, writable=True, device=True)


def _proc(root: Path) -> None:
    proc = root / "proc"
    proc.mkdir()
    _mount("proc", str(proc), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for name in PROC_READ_ONLY:
        path = proc / name
        if path.exists():
            _mount(str(path), str(path), None, MS_BIND | MS_REC)
            _mount(None, str(path), None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    for name in PROC_MASKS:
        if (proc / name).exists():
            _mount("/dev/null", str(proc / name), None, MS_BIND)


def _pivot(root: Path) -> None:
    number = SYS_PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise SandboxError(errno.ENOSYS, f"pivot_root: unknown machine {platform.machine()}")
    os.chdir(root)
    (root / ".old-root").mkdir()
    if libc().syscall(number, b".", b".old-root") != 0:
        error = ctypes.get_errno()
        raise SandboxError(error, f"pivot_root: {os.strerror(error)}")
    os.chdir("/")
    if libc().umount2(b"/.old-root", MNT_DETACH) != 0:
        error = ctypes.get_errno()
        raise SandboxError(error, f"detach the old root: {os.strerror(error)}")
    os.rmdir("/.old-root")


def build_root(spec: SandboxSpec) -> None:
    """Mount the allowlist file system (module docstring) and pivot into it."""
    root = Path(spec.root)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _tmpfs(root, "size=16m,mode=755")
    _tmpfs(root / "tmp", f"size={spec.tmp_mb}m,mode=1777")
    _dev(root, spec)
    for name in TOP_LINKS:
        path = Path("/") / name
        if path.is_symlink():
            (root / name).symlink_to(os.readlink(path))
        elif path.is_dir():
            _bind(root, str(path))
    for path in SYSTEM_PATHS:
        _bind(root, path)
    _etc(root, spec)
    sys_paths = ["/sys"] if spec.devices else [CPU_INFO]
    allowed = [p for p in [*sys_paths, *spec.read_only] if os.path.exists(p)]
    for path in sorted(allowed, key=lambda p: p.count("/")):  # folders before what is in them
        _bind(root, path)
    for path in spec.masks:
        _mask(root, path)
    _bind(root, spec.home, writable=True)
    _proc(root)
    _pivot(root)
    _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def drop_privileges(uid: int | None = None, gid: int | None = None) -> list[str]:
    """Empty the capability bounding set (an ``exec`` can never regain a capability), become
    ``uid``/``gid`` with no supplementary groups (when root), clear every capability and
    forbid new privileges. Returns notes on what could not be done."""
    lib = libc()
    notes = []
    for capability in range(64):
        if lib.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            if ctypes.get_errno() == errno.EINVAL:  # past the last capability
                break
            notes.append(f"capabilities kept ({os.strerror(ctypes.get_errno())})")
            break
    lib.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    if uid is not None and os.getuid() == 0:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    header = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0)
    if lib.capset(ctypes.byref(header), (_CapData * 2)()) != 0:
        notes.append(f"capabilities not dropped ({os.strerror(ctypes.get_errno())})")
    lib.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    lib.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # a change of uid clears it
    # A change of uid also makes the process undumpable: its /proc/self files become root's.
    # A cold kernel's exec undoes that; a warm (forked) one must say so itself, so both see
    # the same /proc (no other process of its user is visible to it: its own PID namespace).
    lib.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    return notes


def confine(spec: SandboxSpec) -> list[str]:
    """The allowlist root, new IPC and UTS namespaces, the spec's environment and user.
    Returns notes on protections this host does not allow (then the kernel runs without
    them: the batch said so at its start); raises ``SandboxError`` when namespaces work but
    the root cannot be built (the kernel must not start half-confined)."""
    notes = []
    lib = libc()
    lib.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if lib.unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS) != 0:
        notes.append(f"file system not confined ({os.strerror(ctypes.get_errno())})")
    else:
        build_root(spec)
        name = spec.hostname.encode()
        lib.sethostname(name, len(name))
    os.chdir(spec.cwd)
    os.environ.clear()
    os.environ.update(spec.env)
    return notes + drop_privileges(spec.uid, spec.gid)
