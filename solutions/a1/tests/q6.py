"""a1 q6: its test cases (hwkit.testkit)."""

import keras
import numpy as np

from hwkit.kernel.describe import describe_network
from hwkit.models import dense_activations
from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    with probe():
        m = student.build_nn()
        out = np.asarray(m(np.random.default_rng(0).uniform(size=(3, 784)).astype("float32")))
        desc = describe_network(m, weights=False)
    assert out.shape == (3, 10), (
        f"A3 的形状应为 (N, 10)，你的是 {out.shape} / A3 must be (N, 10); got {out.shape}"
    )
    assert np.allclose(out.sum(axis=1), 1, atol=0.0001), (
        "A3 的每一行都必须是一个概率分布（softmax） / "
        "each row of A3 must be a probability distribution (softmax)"
    )
    acts = dense_activations(desc)
    assert acts[:2] == ["relu", "relu"], (
        f"A1 和 A2 必须用 ReLU 激活函数（与课件一致），你用的是 {acts[:2]} / "
        f"A1 and A2 must apply ReLU (as on the slide); yours apply {acts[:2]}"
    )


@case(
    points=1,
    hidden=True,
    message="build_nn：应有 784 个输入，以及依次为 256、128、10 个单元的三个 Dense 层 / build_nn: expected 784 inputs and three Dense layers of 256, 128 and 10 units, in that order.",
)
def hidden_2():
    with probe():
        m = student.build_nn()
        in_shape = tuple(m.inputs[0].shape)
        units = [l.units for l in m.layers if isinstance(l, keras.layers.Dense)]
    assert in_shape == (None, 784)
    assert units == [256, 128, 10]


@case(
    points=1,
    hidden=True,
    message="build_nn：三层的激活函数必须依次是 ReLU、ReLU 和 softmax（A1、A2、A3） / build_nn: the activations must be ReLU, ReLU and softmax (A1, A2, A3).",
)
def hidden_3():
    with probe():
        desc = describe_network(student.build_nn(), weights=False)
    acts = dense_activations(desc)
    assert acts == ["relu", "relu", "softmax"]


@case(
    points=2,
    hidden=True,
    message="build_nn：把参考解的权重载入你的三层后，A3 与参考不同（检查每层的激活函数，并确认 A1 输入 A2、A2 输入 A3） / build_nn: with the reference's weights loaded into your three layers, your A3 differs from the reference (check each layer's activation and that A1 feeds A2 and A2 feeds A3).",
)
def hidden_4():
    import a1_reference as ref

    r = ref.build_nn()
    rng = np.random.default_rng(3601)
    ws = [rng.normal(0, 0.08, size=w.shape).astype("float32") for w in r.get_weights()]
    x = rng.uniform(0, 1, size=(16, 784)).astype("float32")
    with probe():
        m = student.build_nn()
        m.set_weights(ws)
        out = np.asarray(m(x))
    r.set_weights(ws)
    assert np.allclose(out, np.asarray(r(x)), rtol=0, atol=1e-05)
