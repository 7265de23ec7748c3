"""a2 q4: its test cases (hwkit.testkit)."""

import numpy as np

from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    Xp = np.linspace(-1, 1, 14).reshape(7, 2)
    yp = np.array([[0.0], [1.0], [0.0], [1.0], [1.0], [0.0], [1.0]])
    with probe():
        g = student.backward(
            student.forward(Xp, student.init_weights()), yp, student.init_weights()
        )
        shapes = [np.shape(g[k]) for k in ("D1", "D2", "D3", "delta4", "delta3", "delta2")]
    assert shapes[:3] == [(5, 3), (3, 6), (1, 4)], (
        "D(l) must have the shape of w(l): (5, 3), (3, 6), (1, 4)"
    )
    assert shapes[3:] == [(7, 1), (7, 3), (7, 5)], (
        "delta(l) has one row per sample: (m, 1), (m, 3), (m, 5)"
    )


@case(
    points=2,
    hidden=True,
    message="backward: some delta or D differs from the reference on fresh random inputs (check the bias row you drop, the transposes, and the division by m).",
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
    message="backward_loop: the per-sample accumulation differs from the reference D's on fresh random inputs.",
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
    message="backward and backward_loop must agree with each other (loop == vectorised).",
)
def hidden_4():
    rng = np.random.default_rng(1405)
    X = rng.normal(size=(10, 2))
    yy = (rng.uniform(size=(10, 1)) > 0.5).astype(float)
    W = [rng.uniform(-1, 1, size=s) for s in ((5, 3), (3, 6), (1, 4))]
    with probe():
        v = student.backward(student.forward(X, W), yy, W)
        l = student.backward_loop(X, yy, W)
    assert all(np.allclose(v[k], l[k], rtol=1e-09, atol=1e-12) for k in ("D1", "D2", "D3"))
