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
