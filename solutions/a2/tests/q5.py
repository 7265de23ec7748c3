"""a2 q5: its test cases (hwkit.testkit)."""

import numpy as np

from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    with probe():
        same = student.relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
        half = student.relative_error(np.array([1.0]), np.array([3.0]))
        shape = np.shape(
            student.numerical_gradient(lambda v: float(np.sum(v**2)), np.ones((2, 3)))
        )
    assert np.isclose(same, 0.0), (
        "两个相同数组的相对误差为 0 / identical arrays have relative error 0"
    )
    assert np.isclose(half, 0.5), (
        "relative_error([1], [3]) 应为 |1-3|/(1+3) = 0.5 / "
        "relative_error([1], [3]) = |1-3|/(1+3) = 0.5"
    )
    assert shape == (2, 3), (
        "numerical_gradient 返回的数组应与 x 形状相同 / "
        "numerical_gradient returns an array shaped like x"
    )


@case(
    points=1,
    hidden=True,
    message="numerical_gradient：在 f(x) = sum(x^3) + x0*x1 上结果不对，或调用后没有把 x 恢复原值 / numerical_gradient: wrong values on f(x) = sum(x^3) + x0*x1, or x was not restored after the call.",
)
def hidden_2():
    x = np.random.default_rng(1501).normal(size=(3, 2))
    with probe():
        f = lambda v: float(np.sum(v**3) + v[0, 0] * v[0, 1])
        arg = x.copy()
        got = student.numerical_gradient(f, arg)
    exp = 3 * x**2
    exp[0, 0] += x[0, 1]
    exp[0, 1] += x[0, 0]
    assert np.allclose(got, exp, rtol=1e-06, atol=1e-08) and np.array_equal(arg, x)


@case(
    points=1,
    hidden=True,
    message="relative_error：应为 max(|a - b| / max(1e-8, |a| + |b|))，包括 |a| + |b| < 1e-8 的元素 / relative_error: must be max(|a - b| / max(1e-8, |a| + |b|)), including entries where |a| + |b| < 1e-8.",
)
def hidden_3():
    import a2_reference as ref

    rng = np.random.default_rng(1502)
    a = rng.normal(size=(4, 5))
    b = a + rng.normal(scale=0.001, size=(4, 5))
    b[0, 0], a[0, 0] = (3e-09, 1e-09)
    with probe():
        got = student.relative_error(a.copy(), b.copy())
        tiny = student.relative_error(np.array([1e-09]), np.array([3e-09]))
    assert np.isclose(got, ref.relative_error(a, b), rtol=1e-09)
    assert np.isclose(tiny, 0.2)


@case(
    points=1,
    hidden=True,
    message="gradient_check：在新的权重上，backward_fn 正确时每个误差都必须 <= 1e-7；backward_fn 错误（梯度大了 1.5 倍）时误差必须 > 1e-2 / gradient_check: with a correct backward_fn on fresh weights every error must be <= 1e-7, and a wrong backward_fn (gradients 1.5x too large) must give errors > 1e-2.",
)
def hidden_4():
    import a2_reference as ref

    rng = np.random.default_rng(1523)
    X = rng.normal(size=(12, 2))
    yy = (rng.uniform(size=(12, 1)) > 0.5).astype(float)
    W = ref.init_weights((2, 5, 3, 1), seed=1504)
    D = {k: v for k, v in ref.backward(ref.forward(X, W), yy, W).items() if k.startswith("D")}
    with probe():
        good = student.gradient_check(X, yy, [w.copy() for w in W], backward_fn=lambda c, t, w: D)
        bad = student.gradient_check(
            X,
            yy,
            [w.copy() for w in W],
            backward_fn=lambda c, t, w: {k: 1.5 * v for k, v in D.items()},
        )
    assert len(good) == 3 and max(good) <= 1e-07 and (min(bad) > 0.01)
