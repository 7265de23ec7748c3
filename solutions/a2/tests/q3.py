"""a2 q3: its test cases (hwkit.testkit)."""

import numpy as np

from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    Xp = np.linspace(-1, 1, 14).reshape(7, 2)
    with probe():
        c = student.forward(Xp, student.init_weights())
        J = student.cross_entropy(np.array([[0.5], [0.5]]), np.array([[1.0], [0.0]]))
    assert isinstance(c, dict), (
        "forward 必须返回一个 dict 作为 cache / forward must return a dict cache"
    )
    assert {k: np.shape(v) for k, v in c.items()} == {
        "a1": (7, 2),
        "z2": (7, 5),
        "a2": (7, 5),
        "z3": (7, 3),
        "a3": (7, 3),
        "z4": (7, 1),
        "a4": (7, 1),
    }, (
        "cache 的形状应为：a1 (m,2)；z2、a2 (m,5)；z3、a3 (m,3)；z4、a4 (m,1) / "
        "cache shapes: a1 (m,2); z2, a2 (m,5); z3, a3 (m,3); z4, a4 (m,1)"
    )
    assert np.isclose(J, np.log(2)), (
        "输出都为 0.5 时 J 应为 log 2 / J for outputs 0.5 should be log 2"
    )
    assert np.allclose(c["z2"][0], [1.511164, -2.291995, -0.319548, 1.079957, 1.25899],
                       atol=1e-5), (
        "第一个样本的 z2 不对：z(2) = add_bias_column(a(1)) @ w1.T（偏置列加上了吗？） / "
        "z2 of the first sample is off: z(2) = add_bias_column(a(1)) @ w1.T "
        "(did you keep the bias column?)"
    )
    assert np.allclose(c["a4"][:3, 0], [0.555593, 0.555987, 0.556414], atol=1e-5), (
        "z2 可能是对的，但 a4 不对：每一层都是 a(l+1) = sigmoid(z(l+1))，并且要重新加上偏置列 / "
        "a4 is off although z2 may be right: each layer is a(l+1) = sigmoid(z(l+1)) "
        "with the bias added again"
    )


@case(
    points=2,
    hidden=True,
    message="forward：在新的随机输入和权重上，某个 z 或 a 与参考不同（检查偏置列、w(l).T 以及 sigmoid 用在哪里） / forward: some z or a differs from the reference on fresh random inputs and weights (check the bias column, w(l).T and where sigmoid is applied).",
)
def hidden_2():
    import a2_reference as ref

    rng = np.random.default_rng(1301)
    X = rng.normal(size=(7, 2))
    W = ref.init_weights((2, 5, 3, 1), seed=1302, scale=2.0)
    with probe():
        got = student.forward(X.copy(), [w.copy() for w in W])
    exp = ref.forward(X, W)
    assert all(np.allclose(got[k], exp[k], rtol=1e-10, atol=1e-12) for k in exp)


@case(
    points=1,
    hidden=True,
    message="cross_entropy：在随机输出上，值与 -mean(y log a + (1 - y) log(1 - a)) 不同 / cross_entropy: value differs from -mean(y log a + (1 - y) log(1 - a)) on random outputs.",
)
def hidden_3():
    import a2_reference as ref

    rng = np.random.default_rng(1303)
    a = rng.uniform(0.01, 0.99, size=(9, 1))
    yy = (rng.uniform(size=(9, 1)) > 0.5).astype(float)
    with probe():
        got = student.cross_entropy(a.copy(), yy.copy())
    assert np.isclose(got, ref.cross_entropy(a, yy), rtol=1e-10)
