"""Which kit checkout a command works on: its masters, releases, autograders, course.toml.

In order: ``$HWKIT_PROJECT`` (``hwkit --project DIR`` sets it), else the working folder or
the nearest folder above it that is a kit checkout (``solutions/`` and ``setup.cfg``), else
the checkout the package itself lives in (an editable install). So ``hwkit build`` run in a
copy of the kit writes into that copy, never into the installed package's folder.
"""

import os
from pathlib import Path

PROJECT_ENV_VAR = "HWKIT_PROJECT"
PACKAGE_CHECKOUT = Path(__file__).resolve().parents[1]


def is_kit_checkout(folder: Path) -> bool:
    return (folder / "solutions").is_dir() and (folder / "setup.cfg").is_file()


def project_root() -> Path:
    """The kit checkout commands act on (see the module docstring)."""
    explicit = os.environ.get(PROJECT_ENV_VAR)
    if explicit:
        folder = Path(explicit).resolve()
        if not is_kit_checkout(folder):
            raise NotADirectoryError(f"{folder} is not a kit checkout (no solutions/ and "
                                     f"setup.cfg): fix --project or ${PROJECT_ENV_VAR}")
        return folder
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if is_kit_checkout(folder):
            return folder
    return PACKAGE_CHECKOUT
