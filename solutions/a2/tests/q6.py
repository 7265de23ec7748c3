"""a2 q6: its test cases (hwkit.testkit)."""

import numpy as np

from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    Xp = np.linspace(-1, 1, 14).reshape(7, 2)
    yp = np.array([[0.0], [1.0], [0.0], [1.0], [1.0], [0.0], [1.0]])
    with probe():
        w, losses = student.train(Xp, yp, iterations=5)
        pshape = np.shape(student.predict(Xp, w))
    assert np.shape(losses) == (5,), "losses must hold one J per iteration"
    assert pshape == (7, 1), "predict returns an (m, 1) array of 0/1 labels"


@case(
    points=1,
    hidden=True,
    message="train: one update from init_weights(seed) must be exactly w := w - alpha * D (check the sign, alpha and which D goes with which w).",
)
def hidden_2():
    import a2_reference as ref

    Xd = ref.mean_normalize(ref.load_xiaogege()[0])
    yd = ref.load_xiaogege()[1]
    with probe():
        got, l = student.train(Xd.copy(), yd.copy(), alpha=0.3, iterations=1, seed=7)
    W0 = ref.init_weights((2, 5, 3, 1), seed=7)
    D = ref.backward(ref.forward(Xd, W0), yd, W0)
    assert all(
        (
            np.allclose(g, w - 0.3 * D[f"D{i}"], rtol=1e-10, atol=1e-12)
            for i, (g, w) in enumerate(zip(got, W0, strict=True), start=1)
        )
    )
    assert np.isclose(l[0], ref.cross_entropy(ref.forward(Xd, W0)["a4"], yd))


@case(
    points=1,
    hidden=True,
    message="train/predict: training accuracy on the 小哥哥 data (defaults, seed 0) is more than 4 points below the reference's.",
)
def hidden_3():
    import a2_reference as ref

    Xd = ref.mean_normalize(ref.load_xiaogege()[0])
    yd = ref.load_xiaogege()[1]
    ref_acc = np.mean(ref.predict(Xd, ref.train(Xd, yd)[0]) == yd)
    with probe():
        pred = student.predict(Xd, student.train(Xd.copy(), yd.copy())[0])
    assert np.shape(pred) == np.shape(yd) and np.mean(pred == yd) >= ref_acc - 0.04


@case(
    points=1,
    hidden=True,
    message="train: the loss must fall — after 2,000 iterations J should be well below its start and below its value at iteration 1,000.",
)
def hidden_4():
    import a2_reference as ref

    Xd = ref.mean_normalize(ref.load_xiaogege()[0])
    yd = ref.load_xiaogege()[1]
    with probe():
        w, l = student.train(Xd.copy(), yd.copy(), iterations=2000, seed=3)
    assert np.shape(l) == (2000,) and l[-1] < 0.8 * l[0] and (l[-1] <= l[1000])
