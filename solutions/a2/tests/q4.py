"""a2 q4: its test cases (hwkit.testkit)."""

import numpy as np

from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    Xp = np.linspace(-1, 1, 14).reshape(7, 2)
    yp = np.array([[0.0], [1.0], [0.0], [1.0], [1.0], [0.0], [1.0]])
    # a fixed cache (each z = logit(a)), so this check does not depend on your forward
    a = {"a1": Xp, "a2": np.linspace(0.1, 0.9, 35).reshape(7, 5),
         "a3": np.linspace(0.2, 0.8, 21).reshape(7, 3), "a4": np.linspace(0.3, 0.7, 7).reshape(7, 1)}
    cache = dict(a, **{f"z{l}": np.log(a[f"a{l}"] / (1 - a[f"a{l}"])) for l in (2, 3, 4)})
    with probe():
        g = student.backward(cache, yp, student.init_weights())
        shapes = [np.shape(g[k]) for k in ("D1", "D2", "D3", "delta4", "delta3", "delta2")]
        D1_row, D3_row = np.asarray(g["D1"])[0], np.asarray(g["D3"])[0]
    assert shapes[:3] == [(5, 3), (3, 6), (1, 4)], (
        "D(l) 的形状必须与 w(l) 相同：(5, 3)、(3, 6)、(1, 4) / "
        "D(l) must have the shape of w(l): (5, 3), (3, 6), (1, 4)"
    )
    assert shapes[3:] == [(7, 1), (7, 3), (7, 5)], (
        "delta(l) 每个样本占一行：(m, 1)、(m, 3)、(m, 5) / "
        "delta(l) has one row per sample: (m, 1), (m, 3), (m, 5)"
    )
    assert np.allclose(D3_row, [-0.07142857, -0.03528571, -0.03742857, -0.03957143], rtol=1e-4, atol=1e-9), (
        "D3 不对：delta4 = a4 - y，D3 = delta4.T @ add_bias_column(a3) / m / "
        "D3 is off: delta4 = a4 - y, D3 = delta4.T @ add_bias_column(a3) / m"
    )
    assert np.allclose(D1_row, [0.0004555829, -0.0001164754, -4.638569e-05], rtol=1e-4, atol=1e-9), (
        "D3 对了，但 D1 不对：delta(l) = (delta(l+1) @ w(l)[:, 1:]) * a(l) * (1 - a(l))——"
        "乘上 g'(z) = a(1 - a) 了吗？偏置那一列去掉了吗？/ "
        "D3 is right but D1 is off: delta(l) = (delta(l+1) @ w(l)[:, 1:]) * a(l) * (1 - a(l)) — "
        "did you multiply by g'(z) = a(1 - a), and drop the bias column of w(l)?"
    )


@case(
    points=2,
    hidden=True,
    message="backward：在新的随机输入上，某个 delta 或 D 与参考不同（检查去掉的偏置行、各处的转置以及除以 m） / backward: some delta or D differs from the reference on fresh random inputs (check the bias row you drop, the transposes, and the division by m).",
)
def hidden_2():
    import a2_reference as ref

    rng = np.random.default_rng(1401)
    X = rng.normal(size=(8, 2))
    yy = (rng.uniform(size=(8, 1)) > 0.5).astype(float)
    W = ref.init_weights((2, 5, 3, 1), seed=1402, scale=1.5)
    cache = ref.forward(X, W)
    with probe():
        got = student.backward(cache, yy.copy(), [w.copy() for w in W])
    exp = ref.backward(ref.forward(X, W), yy, W)
    assert all(np.allclose(got[k], exp[k], rtol=1e-09, atol=1e-12) for k in exp)


@case(
    points=1,
    hidden=True,
    message="backward_loop：在新的随机输入上，逐个样本累加得到的 D 与参考不同 / backward_loop: the per-sample accumulation differs from the reference D's on fresh random inputs.",
)
def hidden_3():
    import a2_reference as ref

    rng = np.random.default_rng(1403)
    X = rng.normal(size=(6, 2))
    yy = (rng.uniform(size=(6, 1)) > 0.5).astype(float)
    W = ref.init_weights((2, 5, 3, 1), seed=1404)
    with probe():
        got = student.backward_loop(X.copy(), yy.copy(), [w.copy() for w in W])
    exp = ref.backward(ref.forward(X, W), yy, W)
    assert all(np.allclose(got[k], exp[k], rtol=1e-09, atol=1e-12) for k in ("D1", "D2", "D3"))


@case(
    points=1,
    hidden=True,
    message="backward 与 backward_loop 的结果必须一致（循环版 == 向量化版） / backward and backward_loop must agree with each other (loop == vectorised).",
)
def hidden_4():
    import a2_reference as ref

    rng = np.random.default_rng(1405)
    X = rng.normal(size=(10, 2))
    yy = (rng.uniform(size=(10, 1)) > 0.5).astype(float)
    W = [rng.uniform(-1, 1, size=s) for s in ((5, 3), (3, 6), (1, 4))]
    cache = ref.forward(X, W)  # the reference's: q4 does not depend on q3's forward
    with probe():
        v = student.backward(cache, yy, W)
        l = student.backward_loop(X, yy, W)
    assert all(np.allclose(v[k], l[k], rtol=1e-09, atol=1e-12) for k in ("D1", "D2", "D3"))
