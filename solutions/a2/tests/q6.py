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
        W0 = student.init_weights(seed=0)
        cache0 = student.forward(Xp, W0)
        J0 = student.cross_entropy(cache0["a4"], yp)
        D = student.backward(cache0, yp, W0)
        w1, l1 = student.train(Xp, yp, alpha=0.5, iterations=1, seed=0)
    assert np.shape(losses) == (5,), "losses 必须每次迭代记录一个 J / losses must hold one J per iteration"
    assert pshape == (7, 1), "predict 返回 (m, 1) 的 0/1 标签数组 / predict returns an (m, 1) array of 0/1 labels"
    assert np.isclose(l1[0], J0), (
        "losses[0] 应是第一次更新之前的 J（先 forward、算 J，再 backward 和更新）/ "
        "losses[0] must be J before the first update (forward and J first, then backward and the update)"
    )
    assert all(np.allclose(g, w - 0.5 * D[f"D{i}"]) for i, (g, w) in enumerate(zip(w1, W0, strict=True), start=1)), (
        "一次更新应恰好是 w := w - alpha * D（检查符号、alpha，以及 D1/D2/D3 与 w1/w2/w3 的对应）/ "
        "one update must be exactly w := w - alpha * D (check the sign, alpha and which D goes with which w)"
    )


@case(
    points=1,
    hidden=True,
    message="train：从 init_weights(seed) 出发的一次更新必须恰好是 w := w - alpha * D，losses[0] 是更新前的 J（本测试用正确的 forward、cross_entropy 和 backward 代替你的，只检查 train 本身：符号、alpha、哪个 D 对应哪个 w）/ train: one update from init_weights(seed) must be exactly w := w - alpha * D, with losses[0] the J before it (this test runs your train with correct forward, cross_entropy and backward in place of yours: it checks train alone — the sign, alpha and which D goes with which w).",
)
def hidden_2():
    import a2_reference as ref

    Xd = ref.mean_normalize(ref.load_xiaogege()[0])
    yd = ref.load_xiaogege()[1]
    W0 = ref.init_weights((2, 5, 3, 1), seed=7)
    J0 = ref.cross_entropy(ref.forward(Xd, W0)["a4"], yd)
    D = ref.backward(ref.forward(Xd, W0), yd, W0)
    with probe():
        # q6 judges train and predict alone: the notebook's forward, cross_entropy and
        # backward (q2-q4, graded there) are replaced by correct ones while they run.
        def net_forward(X, weights):
            cache = {"a1": np.asarray(X, dtype=np.float64)}
            for l, w in enumerate(weights, start=1):
                a = cache[f"a{l}"]
                cache[f"z{l + 1}"] = np.hstack([np.ones((len(a), 1)), a]) @ w.T
                cache[f"a{l + 1}"] = 1 / (1 + np.exp(-cache[f"z{l + 1}"]))
            return cache

        def net_cross_entropy(a_out, y):
            return float(-np.mean(y * np.log(a_out) + (1 - y) * np.log(1 - a_out)))

        def net_backward(cache, y, weights):
            L = len(weights) + 1
            grads = {f"delta{L}": cache[f"a{L}"] - y}
            for l in range(L - 1, 0, -1):
                a = cache[f"a{l}"]
                grads[f"D{l}"] = grads[f"delta{l + 1}"].T @ np.hstack([np.ones((len(a), 1)), a]) / len(y)
                if l > 1:
                    grads[f"delta{l}"] = (grads[f"delta{l + 1}"] @ weights[l - 1][:, 1:]) * a * (1 - a)
            return grads

        notebook = student.train.__globals__
        own = {name: notebook.get(name) for name in ("forward", "cross_entropy", "backward")}
        notebook.update(forward=net_forward, cross_entropy=net_cross_entropy, backward=net_backward)
        try:
            got, l = student.train(Xd.copy(), yd.copy(), alpha=0.3, iterations=1, seed=7)
        finally:
            notebook.update(own)
    assert all(
        (
            np.allclose(g, w - 0.3 * D[f"D{i}"], rtol=1e-10, atol=1e-12)
            for i, (g, w) in enumerate(zip(got, W0, strict=True), start=1)
        )
    )
    assert np.isclose(l[0], J0)


@case(
    points=1,
    hidden=True,
    message="train/predict：在小哥哥数据上（α = 1.0、5,000 次迭代、seed 0）训练后的训练集准确率比参考解低 4 个百分点以上（本测试用正确的 forward、cross_entropy 和 backward 代替你的）/ train/predict: training accuracy on the 小哥哥 data (α = 1.0, 5,000 iterations, seed 0) is more than 4 points below the reference's (this test runs your train and predict with correct forward, cross_entropy and backward in place of yours).",
)
def hidden_3():
    import a2_reference as ref

    Xd = ref.mean_normalize(ref.load_xiaogege()[0])
    yd = ref.load_xiaogege()[1]
    ref_acc = np.mean(ref.predict(Xd, ref.train(Xd, yd, iterations=5000)[0]) == yd)  # 0.94
    with probe():
        # q6 judges train and predict alone: the notebook's forward, cross_entropy and
        # backward (q2-q4, graded there) are replaced by correct ones while they run.
        def net_forward(X, weights):
            cache = {"a1": np.asarray(X, dtype=np.float64)}
            for l, w in enumerate(weights, start=1):
                a = cache[f"a{l}"]
                cache[f"z{l + 1}"] = np.hstack([np.ones((len(a), 1)), a]) @ w.T
                cache[f"a{l + 1}"] = 1 / (1 + np.exp(-cache[f"z{l + 1}"]))
            return cache

        def net_cross_entropy(a_out, y):
            return float(-np.mean(y * np.log(a_out) + (1 - y) * np.log(1 - a_out)))

        def net_backward(cache, y, weights):
            L = len(weights) + 1
            grads = {f"delta{L}": cache[f"a{L}"] - y}
            for l in range(L - 1, 0, -1):
                a = cache[f"a{l}"]
                grads[f"D{l}"] = grads[f"delta{l + 1}"].T @ np.hstack([np.ones((len(a), 1)), a]) / len(y)
                if l > 1:
                    grads[f"delta{l}"] = (grads[f"delta{l + 1}"] @ weights[l - 1][:, 1:]) * a * (1 - a)
            return grads

        notebook = student.train.__globals__
        own = {name: notebook.get(name) for name in ("forward", "cross_entropy", "backward")}
        notebook.update(forward=net_forward, cross_entropy=net_cross_entropy, backward=net_backward)
        try:
            pred = student.predict(Xd, student.train(Xd.copy(), yd.copy(), iterations=5000)[0])
        finally:
            notebook.update(own)
    assert np.shape(pred) == np.shape(yd) and np.mean(pred == yd) >= ref_acc - 0.04


@case(
    points=1,
    hidden=True,
    message="train：损失必须下降——2,000 次迭代后 J 应明显低于起点，并低于第 1,000 次时的值（本测试用正确的 forward、cross_entropy 和 backward 代替你的）/ train: the loss must fall — after 2,000 iterations J should be well below its start and below its value at iteration 1,000 (this test runs your train with correct forward, cross_entropy and backward in place of yours).",
)
def hidden_4():
    import a2_reference as ref

    Xd = ref.mean_normalize(ref.load_xiaogege()[0])
    yd = ref.load_xiaogege()[1]
    with probe():
        # q6 judges train and predict alone: the notebook's forward, cross_entropy and
        # backward (q2-q4, graded there) are replaced by correct ones while they run.
        def net_forward(X, weights):
            cache = {"a1": np.asarray(X, dtype=np.float64)}
            for l, w in enumerate(weights, start=1):
                a = cache[f"a{l}"]
                cache[f"z{l + 1}"] = np.hstack([np.ones((len(a), 1)), a]) @ w.T
                cache[f"a{l + 1}"] = 1 / (1 + np.exp(-cache[f"z{l + 1}"]))
            return cache

        def net_cross_entropy(a_out, y):
            return float(-np.mean(y * np.log(a_out) + (1 - y) * np.log(1 - a_out)))

        def net_backward(cache, y, weights):
            L = len(weights) + 1
            grads = {f"delta{L}": cache[f"a{L}"] - y}
            for l in range(L - 1, 0, -1):
                a = cache[f"a{l}"]
                grads[f"D{l}"] = grads[f"delta{l + 1}"].T @ np.hstack([np.ones((len(a), 1)), a]) / len(y)
                if l > 1:
                    grads[f"delta{l}"] = (grads[f"delta{l + 1}"] @ weights[l - 1][:, 1:]) * a * (1 - a)
            return grads

        notebook = student.train.__globals__
        own = {name: notebook.get(name) for name in ("forward", "cross_entropy", "backward")}
        notebook.update(forward=net_forward, cross_entropy=net_cross_entropy, backward=net_backward)
        try:
            w, l = student.train(Xd.copy(), yd.copy(), iterations=2000, seed=3)
        finally:
            notebook.update(own)
    assert np.shape(l) == (2000,) and l[-1] < 0.8 * l[0] and (l[-1] <= l[1000])
