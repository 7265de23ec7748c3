"""a2 q1: its test cases (hwkit.testkit)."""

import numpy as np

from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    with probe():
        Xn = student.mean_normalize(student.X_raw)
        shapes = (
            np.shape(student.z_score_normalize(student.X_raw)),
            np.shape(student.min_max_normalize(student.X_raw)),
        )
    assert np.shape(Xn) == (50, 2), (
        "mean_normalize 必须返回与 X 形状相同的数组 (50, 2) / "
        "mean_normalize must return an array shaped like X (50, 2)"
    )
    assert shapes == ((50, 2), (50, 2)), (
        "每种归一化都不改变形状 (m, n) / every normalisation keeps the shape (m, n)"
    )
    assert np.allclose(Xn[0], [0.427262, 0.264914], atol=1e-06), (
        "第 1 行应变为 (0.427262, 0.264914)，与课件一致 / "
        "row 1 should become (0.427262, 0.264914) as on the slide"
    )


@case(
    points=1,
    hidden=True,
    message="z_score_normalize：每一列都应为 (X - mean) / std，std 用总体标准差（ddof=0），按列（axis 0）计算 / z_score_normalize: each column must be (X - mean) / std with the population std (ddof=0), computed per column (axis 0).",
)
def hidden_2():
    import a2_reference as ref

    rng = np.random.default_rng(1101)
    A = rng.normal(3.0, 2.0, size=(13, 4)) * np.array([1.0, 10.0, 1000.0, 0.01])
    with probe():
        got = student.z_score_normalize(A.copy())
    assert np.allclose(got, ref.z_score_normalize(A), rtol=1e-10, atol=1e-12)


@case(
    points=1,
    hidden=True,
    message="mean_normalize：每一列都应为 (X - mean) / (max - min)，统计量按列（axis 0）计算 / mean_normalize: each column must be (X - mean) / (max - min), statistics per column (axis 0).",
)
def hidden_3():
    import a2_reference as ref

    rng = np.random.default_rng(1102)
    A = rng.uniform(-5.0, 9.0, size=(11, 3)) * np.array([1.0, 100.0, 0.1])
    with probe():
        got = student.mean_normalize(A.copy())
    assert np.allclose(got, ref.mean_normalize(A), rtol=1e-10, atol=1e-12)


@case(
    points=1,
    hidden=True,
    message="min_max_normalize：每一列都应按 2 (X - min) / (max - min) - 1 把最小值映射到 -1、最大值映射到 +1 / min_max_normalize: each column must map its min to -1 and its max to +1: 2 (X - min) / (max - min) - 1.",
)
def hidden_4():
    import a2_reference as ref

    rng = np.random.default_rng(1103)
    A = rng.exponential(2.0, size=(9, 5))
    with probe():
        got = student.min_max_normalize(A.copy())
    assert np.allclose(got, ref.min_max_normalize(A), rtol=1e-10, atol=1e-12)
    assert np.allclose(got.min(axis=0), -1) and np.allclose(got.max(axis=0), 1)


@case(
    points=1,
    hidden=True,
    message="mean_normalize：在小哥哥数据上，必须复现课件中归一化后的前五行，精确到课件印出的位数 / mean_normalize on the 小哥哥 data must reproduce the slide's five normalised rows to the digits printed on the slide.",
)
def hidden_5():
    import a2_reference as ref

    Xs = ref.load_xiaogege()[0]
    with probe():
        got = student.mean_normalize(Xs.copy())
    slide = np.array(
        [
            [0.427262, 0.264914],
            [0.022738, 0.073273],
            [0.24508, 0.470257],
            [0.020626, 0.332822],
            [-0.05909, 0.316562],
        ]
    )
    half_unit = 0.5 * 10.0 ** (-np.array([[6, 6], [6, 6], [5, 6], [6, 6], [5, 6]]))
    assert np.all(np.abs(got[:5] - slide) <= half_unit)
