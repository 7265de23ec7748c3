"""The notebook's own training under grading: one short epoch, not the student's full run.

Under ``hwkit grade`` every kernel has ``HWKIT_GRADING=1`` (``hwkit.grading.env``). The hidden
tests never use the models a notebook trained for itself: they retrain the student's code under
their own fixed budget (and A1's public accuracy checks do the same). So the notebook's given
training loop asks ``notebook_epochs(epochs)`` how many epochs to run and
``notebook_digits(X, y)`` on which digits: all of them on a student's machine (and under bare
``otter run``), ``GRADING_EPOCHS`` epochs on the first ``GRADING_DIGITS`` under grading —
except inside ``exact_epochs()``, where the tests' own retraining runs the budget it names.
"""

import os
from contextlib import contextmanager

GRADING_EPOCHS = 1
GRADING_DIGITS = 5000  # 50 steps at the notebook's batch size of 100
_exact = [0]  # > 0: inside a test's own retraining


def _shrunk() -> bool:
    return os.environ.get("HWKIT_GRADING") == "1" and not _exact[0]


def notebook_epochs(epochs: int) -> int:
    """``epochs``, or ``GRADING_EPOCHS`` (when fewer) under grading outside ``exact_epochs``."""
    return min(int(epochs), GRADING_EPOCHS) if _shrunk() else epochs


def notebook_digits(X, y):
    """``(X, y)``, or their first ``GRADING_DIGITS`` rows under grading outside
    ``exact_epochs``. X: (m, ...) array; y: (m, ...) array."""
    return (X[:GRADING_DIGITS], y[:GRADING_DIGITS]) if _shrunk() else (X, y)


@contextmanager
def exact_epochs():
    """The retraining a test runs: its epochs are exact, under grading too."""
    _exact[0] += 1
    try:
        yield
    finally:
        _exact[0] -= 1
