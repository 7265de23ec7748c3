"""The notebook's own training under grading: a couple of epochs, not the student's full run.

Under ``hwkit grade`` every kernel has ``HWKIT_GRADING=1`` (``hwkit.grading.env``). The hidden
tests never use the models a notebook trained for itself: they retrain the student's code under
their own fixed budget (and A1's public accuracy checks do the same). So the notebook's given
training loop asks ``notebook_epochs(epochs)`` how many epochs to run: all of them on a
student's machine (and under bare ``otter run``), ``GRADING_EPOCHS`` under grading — except
inside ``exact_epochs()``, where the tests' own retraining runs the budget it names.
"""

import os
from contextlib import contextmanager

GRADING_EPOCHS = 1
_exact = [0]  # > 0: inside a test's own retraining


def notebook_epochs(epochs: int) -> int:
    """``epochs``, or ``GRADING_EPOCHS`` (when fewer) under grading outside ``exact_epochs``."""
    if os.environ.get("HWKIT_GRADING") == "1" and not _exact[0]:
        return min(int(epochs), GRADING_EPOCHS)
    return epochs


@contextmanager
def exact_epochs():
    """The retraining a test runs: its epochs are exact, under grading too."""
    _exact[0] += 1
    try:
        yield
    finally:
        _exact[0] -= 1
