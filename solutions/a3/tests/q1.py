"""a3 q1: its test cases (hwkit.testkit)."""

import numpy as np

from hwkit.assignments.a3 import checks
from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    x = np.random.default_rng(0).uniform(size=(4, 12)).astype("float32")
    with probe():
        m = student.build_shallow(12)
        out = np.asarray(m(x))
        zeros = [np.zeros_like(w) for w in m.get_weights()]
        m.set_weights(zeros[:-1] + [np.full_like(zeros[-1], 0.7)])
        at_bias = np.asarray(m(x))
    assert out.shape == (4, 1), (
        f"A3 的形状应为 (N, 1)：每张图片一个概率；你的是 {out.shape} / "
        f"A3 must be (N, 1): one probability per image; got {out.shape}"
    )
    assert np.all((out > 0) & (out < 1)), (
        "A3 必须是 sigmoid 给出的 (0, 1) 之间的概率 / A3 must be a sigmoid probability in (0, 1)"
    )
    assert np.allclose(at_bias, 1 / (1 + np.exp(-0.7)), atol=1e-5), (
        "所有权重为 0、输出层偏置为 0.7 时，A3 应为 sigmoid(0.7) ≈ 0.668：检查输出层的激活函数 / "
        "with every weight 0 and the output bias 0.7, A3 must be sigmoid(0.7) ≈ 0.668: "
        "check the output layer's activation"
    )


@case(
    points=1,
    hidden=True,
    message="build_shallow：应有 input_dim 个输入，以及三个 Dense 层：单元数依次为 5、3、1，激活函数依次为 ReLU、ReLU、sigmoid / build_shallow: expected input_dim inputs and three Dense layers of 5, 3 and 1 units with ReLU, ReLU and sigmoid.",
)
def hidden_2():
    with probe():
        desc = checks.describe_model(student.build_shallow(12))
    dense = [l for l in desc["layers"] if l["dense"]]
    assert tuple(desc["inputs"][0]) == (None, 12)
    assert [l["units"] for l in dense] == [5, 3, 1]
    assert [l["activation"] for l in dense] == ["relu", "relu", "sigmoid"]


@case(
    points=1,
    hidden=True,
    message="build_shallow：每个 Dense 层都要用 xavier（Glorot）初始化，并加上系数为 SHALLOW_L2 的 L2 kernel 正则化 / build_shallow: every Dense layer needs xavier (Glorot) initialisation and an L2 kernel regulariser with SHALLOW_L2.",
)
def hidden_3():
    with probe():
        desc = checks.describe_model(student.build_shallow(12))
        l2 = student.SHALLOW_L2
    dense = [l for l in desc["layers"] if l["dense"]]
    assert all(l["initializer"] in ("GlorotUniform", "GlorotNormal") for l in dense)
    assert all(l["l2"] is not None and np.isclose(l["l2"], l2) for l in dense)


@case(
    points=1,
    hidden=True,
    message="build_shallow：载入参考解的权重后，你的 A3 与参考不同（检查激活函数，以及是否按 x -> A1 -> A2 -> A3 的顺序连接） / build_shallow: with the reference's weights loaded, your A3 differs from the reference (check the activations and that x -> A1 -> A2 -> A3 in that order).",
)
def hidden_4():
    import a3_reference as ref

    r = ref.build_shallow(12)
    rng = np.random.default_rng(4101)
    ws = [rng.normal(0, 0.5, size=w.shape).astype("float32") for w in r.get_weights()]
    r.set_weights(ws)
    x = rng.uniform(0, 1, size=(16, 12)).astype("float32")
    with probe():
        m = student.build_shallow(12)
        m.set_weights(ws)
        out = np.asarray(m(x))
    assert np.allclose(out, np.asarray(r(x)), rtol=0, atol=1e-05)
