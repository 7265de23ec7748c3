"""a2 q7: its test cases (hwkit.testkit)."""

import numpy as np

from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    with probe():
        r = student.vanishing_gradient_experiment()
    assert len(r) == 5, "每行输入一条记录：共 5 次迭代 / one record per row: 5 iterations"
    assert abs(r[0]["a6"] - 0.865990147) < 5e-10 and abs(r[0]["delta6"] + 0.134009853) < 5e-10, (
        "第一次迭代：a6 应为 0.865990147，delta6 应为 -0.134009853 / "
        "first iteration: a6 = 0.865990147, delta6 = -0.134009853"
    )
    assert abs(r[0]["D5"] + 0.1160472) < 5e-08, (
        "第一次迭代：D5 应为 -0.1160472 / first iteration: D5 = -0.1160472"
    )


@case(
    points=2,
    hidden=True,
    message="vanishing_gradient_experiment：第一次迭代之后，表格（五次迭代的 a、w、b、delta、D）与课件不同（检查每个 w 和 b 的更新，以及你记录的是哪些值） / vanishing_gradient_experiment: the table (a, w, b, delta, D over all five iterations) differs from the slide's after the first iteration (check the updates of every w and b, and which values you record).",
)
def hidden_2():
    import a2_reference as ref

    with probe():
        got = student.vanishing_gradient_experiment()
    exp = ref.vanishing_gradient_experiment()
    assert len(got) == len(exp) and all(
        (
            np.allclose(
                np.asarray(g[k], dtype=float), np.asarray(e[k], dtype=float), rtol=1e-09, atol=1e-13
            )
            for g, e in zip(got, exp, strict=True)
            for k in e
        )
    )


@case(
    points=1,
    hidden=True,
    message="vanishing_gradient_experiment：换一组输入和学习率 lr 后，每个 |D(l)| 都必须小于 |D(l+1)|，并且与参考一致 / vanishing_gradient_experiment: on other inputs and lr, every |D(l)| must be smaller than |D(l+1)| and match the reference.",
)
def hidden_3():
    import a2_reference as ref

    rows = np.random.default_rng(1701).uniform(-0.5, 0.5, size=(4, 2))
    with probe():
        got = student.vanishing_gradient_experiment(rows.copy(), y=0.0, lr=0.5)
    exp = ref.vanishing_gradient_experiment(rows, y=0.0, lr=0.5)
    assert len(got) == len(exp) and all(
        (
            np.allclose(
                np.asarray(g[k], dtype=float), np.asarray(e[k], dtype=float), rtol=1e-09, atol=1e-13
            )
            for g, e in zip(got, exp, strict=True)
            for k in e
        )
    )
    assert all(
        np.linalg.norm(r["D1"]) < abs(r["D2"]) < abs(r["D3"]) < abs(r["D4"]) < abs(r["D5"])
        for r in got
    )
