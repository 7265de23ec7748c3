"""a1 q5: its test cases (hwkit.testkit)."""

import numpy as np

from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    with probe():
        acc = student.per_digit_binary_accuracy(np.full((4, 10), 0.1), np.array([0, 1, 2, 3]))
    assert np.shape(acc) == (10,), (
        "per_digit_binary_accuracy 必须返回 10 个值 / "
        "per_digit_binary_accuracy must return 10 values"
    )
    assert np.allclose(acc, [0.75, 0.75, 0.75, 0.75, 1, 1, 1, 1, 1, 1]), (
        "总是回答“不是”的分类器，在所有不是它那个数字的样本上都是对的 / "
        "a classifier that always says 'no' is right on every sample that is not its digit"
    )


@case(
    points=2,
    hidden=True,
    message="per_digit_binary_accuracy：对每一列 k，比较 (H[:, k] > 0.5) 与 (y == k)，再对样本求平均 / per_digit_binary_accuracy: for each column k, compare (H[:, k] > 0.5) with (y == k) and average over the samples.",
)
def hidden_2():
    import a1_reference as ref

    rng = np.random.default_rng(3501)
    H = rng.uniform(0, 1, size=(50, 10))
    y = rng.integers(0, 10, size=50)
    with probe():
        got = student.per_digit_binary_accuracy(H, y)
    assert np.allclose(got, ref.per_digit_binary_accuracy(H, y), atol=1e-12)
