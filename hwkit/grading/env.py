"""The environment of every process of a grading batch, each built from what it needs.

- ``kernel_env``: the student's kernel gets nothing of the grader's shell, only its own
  folders (home, caches, Keras's home, its data view), threads and the plotting backend.
- ``zygote_env``: the warm-kernel process, whose start-up environment every forked kernel can
  read in ``/proc/self/environ``, so it is a kernel environment too.
- ``worker_env``, ``judge_env``, ``prepare_env``: the grader's own processes (trusted): the
  TA's environment with Jupyter's folders, threads, the device and the data paths resolved.
Paths are resolved here, once, in the grader, and handed over.
"""

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import platformdirs

from hwkit.datapaths import cache_home, data_home

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def thread_vars(threads: int) -> dict[str, str]:
    """BLAS and TensorFlow thread counts for one process."""
    count = str(max(1, threads))
    return {"OPENBLAS_NUM_THREADS": count, "OMP_NUM_THREADS": count, "MKL_NUM_THREADS": count,
            "TF_NUM_INTRAOP_THREADS": count, "TF_NUM_INTEROP_THREADS": "1"}


def _passed_through() -> dict[str, str]:
    """The few variables of the grader's that a kernel must share (which GPU it may use)."""
    names = ("CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES")
    return {name: os.environ[name] for name in names if name in os.environ}


def kernel_env(home: Path, data_root: str, cpu_threads: int) -> dict[str, str]:
    """A kernel's whole environment. home: its only writable folder; data_root: its data view
    ("" for none: an empty folder of its own)."""
    import hwkit

    env = {
        "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(home / "tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "HWKIT_DATA": data_root or str(home / "data"),
        "HWKIT_CACHE": str(home / "cache"),
        "KERAS_HOME": str(home / "keras"),
        "HWKIT_OFFLINE": "1",
        "HWKIT_GRADING": "1",  # the notebook's own training loops shrink (hwkit.notebook_budget)
        "MPLBACKEND": INLINE_BACKEND,  # figures become PNG outputs, as in Jupyter
        "MPLCONFIGDIR": str(home / "matplotlib"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_FORCE_GPU_ALLOW_GROWTH": "true",  # several kernels can share one GPU
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        **thread_vars(cpu_threads),
        **_passed_through(),
    }
    if "PYTHONPATH" in os.environ:  # the kit is found through it, not installed
        env["PYTHONPATH"] = str(Path(hwkit.__file__).resolve().parents[1])
    return env


def zygote_env(home: Path, data_root: str) -> dict[str, str]:
    """The zygote's start-up environment: a kernel's (one thread while it imports), with the
    shared font list so matplotlib imports without scanning fonts."""
    env = kernel_env(home, data_root, 1)
    env["MPLCONFIGDIR"] = str(shared_font_cache())
    return env


def worker_env(scratch: Path) -> dict[str, str]:
    """A worker's environment: the grader's, with Jupyter's files kept in its scratch folder
    (never the TA's ``~/.jupyter``) and the kernel spec found beside this Python."""
    env = dict(os.environ)
    jupyter = str(scratch / "jupyter")
    env.update(HOME=str(scratch), TMPDIR=str(scratch), JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
               JUPYTER_CONFIG_DIR=jupyter, JUPYTER_DATA_DIR=jupyter,
               JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"),
               PYTHONHASHSEED="0", **thread_vars(1))
    return env


def judge_env(cpu_threads: int, device: str) -> dict[str, str]:
    """A judge process's environment: the grader's data paths (it reads the held-out part),
    no GPU (the kernels train there), offline, the batch's device for the budgets."""
    env = dict(os.environ)
    env.update(HWKIT_DATA=str(data_home()), HWKIT_CACHE=str(cache_home()), HWKIT_OFFLINE="1",
               HWKIT_GRADING_DEVICE=device, CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="2",
               MPLBACKEND="Agg", PYTHONHASHSEED="0", **thread_vars(cpu_threads))
    return env


def prepare_env(device: str) -> dict[str, str]:
    """The step before a batch (data caches, the measured bar): all cores, the grader's
    paths; downloads only if the TA's environment allows them."""
    env = dict(os.environ)
    env.update(HWKIT_DATA=str(data_home()), HWKIT_CACHE=str(cache_home()),
               HWKIT_GRADING_DEVICE=device, PYTHONHASHSEED="0",
               TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg",
               **thread_vars(os.cpu_count() or 1))
    return env


_FONT_CACHE_LOCK = threading.Lock()


def shared_font_cache() -> Path:
    """matplotlib's font list, built once per user (a fresh one costs a font scan)."""
    shared = Path(platformdirs.user_cache_dir("hwkit")) / "matplotlib"
    with _FONT_CACHE_LOCK:
        if not list(shared.glob("fontlist-*.json")):
            shared.mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"],
                           env={**os.environ, "MPLCONFIGDIR": str(shared)},
                           capture_output=True, timeout=300, check=False)
    return shared


def seed_font_cache(folder: Path) -> None:
    """Copy the shared font list into a kernel's matplotlib folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in shared_font_cache().glob("fontlist-*.json"):
        shutil.copyfile(path, folder / path.name)
