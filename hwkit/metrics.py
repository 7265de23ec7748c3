"""Held-out predictions: recorded by a hidden test in the kernel, scored by the grader process.

A hidden accuracy test calls ``record(name, predictions)``; when the grader set
``$HWKIT_METRICS_DIR`` the labels go to ``<dir>/<name>.npy`` (elsewhere, e.g. a student's own
``otter run``, it does nothing). The grader then reads them back with ``read_predictions``,
which trusts nothing about the file (shape, dtype, values are checked), and splits the accuracy
into the course's public and private parts with ``split_accuracy``: the split and the labels
live in the grader process, so the kernel never computes a private-part figure.
"""

import os
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from hwkit.splits import stratified_test_mask

METRICS_DIR_ENV = "HWKIT_METRICS_DIR"
MAX_SEEDS = 16


_collected: dict | None = None


@contextmanager
def collecting():
    """Collect what ``record`` is given while the block runs (a judge process, around one
    verdict); yields the dict name → (n_seeds, n_test) int16 labels."""
    global _collected
    previous, _collected = _collected, {}
    try:
        yield _collected
    finally:
        _collected = previous


def record(name: str, predictions) -> None:
    """Save one model's held-out predictions for the grader.

    - name: the accuracy's name, e.g. "nn" (letters, digits, "_")
    - predictions: (n_test,) or (n_seeds, n_test) int class labels, one row per training seed
    In a judge process (``collecting``) they go to the verdict's result; under ``otter run``
    with ``$HWKIT_METRICS_DIR`` set (Gradescope) to ``<dir>/<name>.npy``; else nowhere.
    """
    labels = np.atleast_2d(np.asarray(predictions)).astype(np.int16)
    if _collected is not None:
        _collected[name] = labels
        return
    folder = os.environ.get(METRICS_DIR_ENV)
    if folder:
        np.save(Path(folder) / f"{name}.npy", labels, allow_pickle=False)


def read_predictions(folder: Path, name: str, n_test: int) -> np.ndarray | None:
    """The (n_seeds, n_test) int labels recorded as ``name`` in ``folder``, or None when the
    file is missing or is not what ``record`` writes (wrong shape, dtype, too many seeds, a
    pickle)."""
    path = Path(folder) / f"{name}.npy"
    if not path.is_file() or path.is_symlink():
        return None
    try:
        labels = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return checked_predictions(labels, n_test)


def checked_predictions(labels, n_test: int) -> np.ndarray | None:
    """``labels`` if they are what ``record`` makes for ``n_test`` held-out items, else None."""
    if not isinstance(labels, np.ndarray) or labels.dtype != np.int16 or labels.ndim != 2:
        return None
    if not 1 <= labels.shape[0] <= MAX_SEEDS or labels.shape[1] != n_test:
        return None
    return labels


def public_mask(y_test: np.ndarray, public_fraction: float, seed: int) -> np.ndarray:
    """Which held-out samples are public: a class-stratified ``public_fraction`` share, cut with
    the course's ``seed``. y_test: (n,) int labels. Returns (n,) bool."""
    return stratified_test_mask(y_test, round(public_fraction * len(y_test)), seed)


def split_accuracy(
    predictions: np.ndarray, y_test: np.ndarray, public: np.ndarray
) -> tuple[float, float]:
    """(public, private) accuracy, each the mean over the prediction rows (seeds).

    - predictions: (n_seeds, n) int; y_test: (n,) int; public: (n,) bool from ``public_mask``
    """
    correct = predictions == y_test[None, :]
    return float(correct[:, public].mean()), float(correct[:, ~public].mean())
