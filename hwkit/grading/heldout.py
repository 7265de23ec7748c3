"""The held-out labels of an assignment, cut into the course's public and private parts, and the
accuracies of a submission's recorded predictions on each part.

Loaded once per batch in the grader process, from the grader's data (``$HWKIT_DATA``, no
download), whose held-out part never enters a kernel; the predictions come from the verdicts,
which the judge processes compute from the trained model the kernel hands back, so both parts'
accuracies are computed where the submission cannot touch them.
"""

from dataclasses import dataclass

import numpy as np

from hwkit.assignments.spec import Assignment, load_function
from hwkit.metrics import checked_predictions, public_mask, split_accuracy
from hwkit.results import HeldOutAccuracy


@dataclass(frozen=True)
class HeldOutSplit:
    """- names: the accuracies the hidden tests record (e.g. ("ova", "nn"))
    - y_test: (n,) int held-out labels; public: (n,) bool, True for the public part
    """

    names: tuple[str, ...]
    y_test: np.ndarray
    public: np.ndarray

    def score(self, recorded: dict) -> tuple[list[HeldOutAccuracy], list[str]]:
        """Accuracies of the predictions the verdicts recorded (name → (n_seeds, n_test) int16
        labels, ``hwkit.metrics.record`` in the judge), and a note per missing one."""
        accuracies, notes = [], []
        n_public = int(self.public.sum())
        for name in self.names:
            predictions = checked_predictions(recorded.get(name), len(self.y_test))
            if predictions is None:
                notes.append(f"no valid held-out predictions recorded for {name!r}")
                continue
            public, private = split_accuracy(predictions, self.y_test, self.public)
            accuracies.append(HeldOutAccuracy(name, round(public, 6), round(private, 6),
                                              n_public, len(self.y_test) - n_public))
        return accuracies, notes


def heldout_split(
    assignment: Assignment, names: tuple[str, ...], device: str, seed: int, public_fraction: float
) -> HeldOutSplit:
    """The split for one batch: the assignment's held-out labels on ``device``'s data
    (``Assignment.heldout_labels``; its data module's error when the data is not there), cut
    with the course's ``seed`` into a ``public_fraction`` public part (class-stratified)."""
    y_test = np.asarray(load_function(assignment.heldout_labels)(device))
    return HeldOutSplit(names, y_test, public_mask(y_test, public_fraction, seed))
