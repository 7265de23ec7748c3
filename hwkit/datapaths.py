"""Where datasets live.

Every dataset is looked up under one folder, ``$HWKIT_DATA`` (default: a per-user cache
folder), one subfolder per dataset (``mnist/``, ``imagenet_dog/``, ...). Data that the kit
itself ships (the 小哥哥 CSV) lives in the project's ``data/`` folder.

What a grading kernel may read of an assignment's data is a *grading view* (``DataView``):
the grader loads the data itself and hands the kernel a folder to use as ``$HWKIT_DATA`` with
the training part only, the files of the grader's caches that folder points at (bound
read-only, nothing else of them), and files elsewhere in the allowed paths that it must not
read (``masks``). The held-out part never enters a kernel: only the grader measures accuracy.
Each dataset module writes its own view (``write_grading_view``); an assignment names the
function that makes its view (``Assignment.grading_view``), called with ``views_home()`` and
the device.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

DATA_ENV_VAR = "HWKIT_DATA"
SHIPPED_DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def data_home() -> Path:
    """The folder that holds one subfolder per dataset: ``$HWKIT_DATA`` or the user cache."""
    configured = os.environ.get(DATA_ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_cache_dir("hwkit")) / "data"


def dataset_dir(name: str) -> Path:
    """The folder of one dataset, e.g. ``dataset_dir("mnist")``; it may not exist yet."""
    return data_home() / name


CACHE_ENV_VAR = "HWKIT_CACHE"


def cache_home() -> Path:
    """Where derived files go when a dataset's own folder is read-only: ``$HWKIT_CACHE`` or
    the user cache (e.g. ``~/.cache/hwkit/cache``)."""
    configured = os.environ.get(CACHE_ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_cache_dir("hwkit")) / "cache"


def writable_dir(path: Path) -> bool:
    """Whether ``path`` exists as a writable folder or could be created as one. A folder
    without write bits counts as read-only even for root (shared data must stay untouched)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            writable_bits = candidate.stat().st_mode & 0o222
            return candidate.is_dir() and bool(writable_bits) and os.access(candidate, os.W_OK)
    return False


@dataclass(frozen=True)
class DataView:
    """- root: the kernel's ``$HWKIT_DATA`` ("" when the assignment reads no dataset)
    - read_only: paths the kernel may read (the root and the cache files it points at)
    - masks: paths inside the kernel's other allowed folders that it must not read
    - description: one line for the TA (which data, which part the kernel sees)
    """

    root: str = ""
    read_only: tuple[str, ...] = ()
    masks: tuple[str, ...] = ()
    description: str = ""


NO_DATA = DataView()


def views_home() -> Path:
    """Where the grader keeps grading views (beside its other derived files)."""
    return cache_home() / "grading-views"
