"""Per-submission control groups, on cgroup v1 or v2, where the grader may create them.

A submission's group caps its processes (``PIDS_MAX``: a fork bomb stops there) and the
memory of its whole process tree, and afterwards everything in it is killed, including
processes that double-forked out of the tree. Groups are named ``<grader pid>-<name>`` under
an ``hwkit`` folder, so a later batch can reap the groups of a grader that was killed
(``reap_orphans``).

- cgroup v1 (``/sys/fs/cgroup/pids``, ``/sys/fs/cgroup/memory``): ``pids.max`` and
  ``memory.limit_in_bytes`` under the grader's own groups.
- cgroup v2 (``/sys/fs/cgroup/cgroup.controllers``): one group with ``pids.max``,
  ``memory.max`` and ``memory.swap.max``, killed with ``cgroup.kill``, below the grader's own
  group. v2 allows processes only in leaves, so the grader's group must have the ``pids`` and
  ``memory`` controllers delegated (the root group of a container, or ``systemd-run --scope
  -p Delegate=yes``); if the grader is alone in its group it moves itself into a leaf
  (``hwkit-grader``) and enables them.
``available()`` says which one works here, or why none does.
"""

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PIDS_MAX = 256
GROUP_FOLDER = "hwkit"
V2_LEAF = "hwkit-grader"


@dataclass(frozen=True)
class Cgroup:
    """The control group folders of one submission (v1: ``pids`` and, when present,
    ``memory``; v2: one folder)."""

    folders: tuple[Path, ...]
    version: int = 1

    @classmethod
    def create(cls, name: str, memory_mb: int, root: Path | None = None) -> "Cgroup | None":
        """Make ``hwkit/<grader pid>-<name>`` with the limits, or None where that is not
        allowed (``available()`` says why). ``root``: the cgroup mount (tests)."""
        root = root or CGROUP_ROOT
        name = f"{os.getpid()}-{name}"
        if _is_v2(root):
            return _create_v2(root, name, memory_mb)
        return _create_v1(root, name, memory_mb)

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
            if self.version == 2:
                events = _key_values(folder / "memory.events")
                if events.get("oom_kill", 0) > 0 or events.get("max", 0) > 0:
                    return True
                continue
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
            for folder in self.folders:
                kill_file = folder / "cgroup.kill"
                if self.version == 2 and kill_file.exists():
                    try:
                        kill_file.write_text("1")
                        continue
                    except OSError:
                        pass
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


def _key_values(path: Path) -> dict[str, int]:
    try:
        pairs = [line.split() for line in path.read_text().splitlines()]
        return {p[0]: int(p[1]) for p in pairs if len(p) == 2 and p[1].isdigit()}
    except OSError:
        return {}


def _is_v2(root: Path) -> bool:
    return (root / "cgroup.controllers").is_file() and not (root / "pids").is_dir()


def _own_group(root: Path, controller: str | None) -> Path | None:
    """This process's group folder for ``controller`` (v1) or on the v2 tree (None)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        number, controllers, path = line.split(":", 2)
        if controller is None and number == "0" and controllers == "":
            return root / path.lstrip("/")
        if controller is not None and controller in controllers.split(","):
            return root / controller / path.lstrip("/")
    return None


def _create_v1(root: Path, name: str, memory_mb: int) -> Cgroup | None:
    pids = _own_group(root, "pids") or root / "pids"
    if not (pids / "cgroup.procs").is_file() or not os.access(pids, os.W_OK):
        return None
    folders: list[Path] = []
    try:
        folder = pids / GROUP_FOLDER / name
        folder.mkdir(parents=True)
        (folder / "pids.max").write_text(str(PIDS_MAX))
        folders.append(folder)
        memory = _own_group(root, "memory")
        if memory is not None and os.access(memory, os.W_OK) and memory_mb > 0:
            folder = memory / GROUP_FOLDER / name
            folder.mkdir(parents=True)
            (folder / "memory.limit_in_bytes").write_text(str(memory_mb * 1024 * 1024))
            folders.append(folder)
    except OSError:
        Cgroup(tuple(folders)).remove()
        return None
    return Cgroup(tuple(folders))


def delegate_v2(root: Path) -> tuple[Path | None, str]:
    """The v2 folder to put submission groups in, with ``pids`` and ``memory`` enabled for
    them, or (None, why not)."""
    own = _own_group(root, None)
    if own is None or not (own / "cgroup.controllers").is_file():
        return None, "this process is in no cgroup v2 group"
    available = set((own / "cgroup.controllers").read_text().split())
    missing = {"pids", "memory"} - available
    if missing:
        return None, (f"the controllers {', '.join(sorted(missing))} are not delegated to "
                      f"{own} (run the grader with `systemd-run --scope -p Delegate=yes` or in a "
                      "container with its own writable cgroup)")
    hwkit = own / GROUP_FOLDER
    try:
        hwkit.mkdir(exist_ok=True)
        enabled = set((own / "cgroup.subtree_control").read_text().split())
        if not {"pids", "memory"} <= enabled:
            _enable(own, root)
        (hwkit / "cgroup.subtree_control").write_text("+pids +memory")
    except OSError as error:
        return None, f"cannot enable pids and memory below {own} ({error.strerror})"
    return hwkit, ""


def _enable(own: Path, root: Path) -> None:
    """Enable pids and memory below ``own``; v2 forbids that while ``own`` holds processes
    (unless it is the root), so a grader alone in its group first moves into a leaf."""
    try:
        (own / "cgroup.subtree_control").write_text("+pids +memory")
        return
    except OSError:
        members = {int(p) for p in (own / "cgroup.procs").read_text().split()}
        if members - {os.getpid()}:
            raise
    leaf = own / V2_LEAF
    leaf.mkdir(exist_ok=True)
    (leaf / "cgroup.procs").write_text(str(os.getpid()))
    (own / "cgroup.subtree_control").write_text("+pids +memory")


def _create_v2(root: Path, name: str, memory_mb: int) -> Cgroup | None:
    parent, _ = delegate_v2(root)
    if parent is None:
        return None
    folder = parent / name
    try:
        folder.mkdir()
        (folder / "pids.max").write_text(str(PIDS_MAX))
        if memory_mb > 0:
            (folder / "memory.max").write_text(str(memory_mb * 1024 * 1024))
            if (folder / "memory.swap.max").exists():
                (folder / "memory.swap.max").write_text("0")
    except OSError:
        Cgroup((folder,), 2).remove()
        return None
    return Cgroup((folder,), 2)


def available(root: Path | None = None) -> str:
    """"" when submission groups can be made here, else what is missing and why."""
    group = Cgroup.create(f"probe-{time.monotonic_ns()}", 64, root)
    if group is not None:
        group.remove()
        return ""
    root = root or CGROUP_ROOT
    if _is_v2(root):
        return f"cgroup v2: {delegate_v2(root)[1] or 'groups could not be created'}"
    if not (root / "pids").is_dir():
        return "no cgroup v1 pids controller and no cgroup v2 tree at /sys/fs/cgroup"
    return "cgroup v1: no permission to create groups (run the grader as root)"


def group_roots(root: Path | None = None) -> list[Path]:
    """The folders that hold the submissions' groups (``hwkit/`` under each controller)."""
    root = root or CGROUP_ROOT
    if _is_v2(root):
        own = _own_group(root, None)
        candidates = [own / GROUP_FOLDER, own.parent / GROUP_FOLDER] if own else []
    else:
        candidates = [(_own_group(root, c) or root / c) / GROUP_FOLDER for c in ("pids", "memory")]
        candidates.append(root / "pids" / GROUP_FOLDER)
    return list(dict.fromkeys(c for c in candidates if c.is_dir()))


def reap_orphans(root: Path | None = None) -> int:
    """Kill what is left in the groups of graders that are gone (a grader killed with
    ``kill -9`` cannot clean up: its kernels may still run) and remove the groups; returns
    how many groups were reaped. Called before each batch."""
    reaped = 0
    version = 2 if _is_v2(root or CGROUP_ROOT) else 1
    for folder in [f for hwkit in group_roots(root) for f in hwkit.glob("*-*")]:
        pid = folder.name.split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        group = Cgroup((folder,), version)
        group.kill_all()
        group.remove()
        reaped += 1
    return reaped


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def join_cgroups(procs_files: list[str]) -> None:
    """Move this process into the given groups (its children are born there)."""
    for path in procs_files:
        Path(path).write_text(str(os.getpid()))
