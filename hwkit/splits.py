"""Seeded, stratified train/test cuts shared by the datasets."""

import numpy as np


def stratified_test_mask(y: np.ndarray, test_count: int, seed: int) -> np.ndarray:
    """Which samples go to the test part: exactly ``test_count`` of them, each class keeping
    its share (largest-remainder rounding over the classes); the same seed gives the same cut.

    - y: (m,) int class labels
    Returns (m,) bool, True for the test samples.
    """
    y = np.asarray(y)
    if not 0 <= test_count <= len(y):
        raise ValueError(f"test_count must be in 0..{len(y)}, got {test_count}")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    quotas = counts * (test_count / max(len(y), 1))
    take = np.floor(quotas).astype(int)
    shortfall = test_count - take.sum()
    take[np.argsort(-(quotas - take), kind="stable")[:shortfall]] += 1
    is_test = np.zeros(len(y), dtype=bool)
    for label, quota in zip(classes, take, strict=True):
        members = rng.permutation(np.flatnonzero(y == label))
        is_test[members[:quota]] = True
    return is_test
