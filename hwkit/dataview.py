"""What a grading kernel may read of an assignment's data: a grading view.

The grader loads an assignment's data itself and hands the kernel a *view* of it: a folder to
use as ``$HWKIT_DATA`` holding the training part only, the files of the grader's caches that
folder points at (bound read-only, nothing else of them), and files elsewhere in the allowed
paths that the kernel must not read (``masks``). The held-out part never enters a kernel: only
the grader measures accuracy. Each dataset module writes its own view
(``hwkit.datasets.mnist.write_grading_view`` …); an assignment names the function that makes
its view (``Assignment.grading_view``).
"""

import importlib
from dataclasses import dataclass
from pathlib import Path

from .datapaths import cache_home


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


def make_view(function: str, device: str) -> DataView:
    """Call an assignment's ``module:function`` view maker with the views folder and the
    grading device ("cpu" or "gpu: <name>"); "" means the assignment has no data view."""
    if not function:
        return NO_DATA
    module, name = function.split(":")
    return getattr(importlib.import_module(module), name)(views_home(), device)
