"""Where datasets live.

Every dataset is looked up under one folder, ``$HWKIT_DATA`` (default: a per-user cache
folder), one subfolder per dataset (``mnist/``, ``imagenet_dog/``, ...). Data that the kit
itself ships (the 小哥哥 CSV) lives in the project's ``data/`` folder.
"""

import os
from pathlib import Path

import platformdirs

DATA_ENV_VAR = "HWKIT_DATA"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHIPPED_DATA_DIR = PROJECT_ROOT / "data"


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
