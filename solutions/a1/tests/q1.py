"""a1 q1: its test cases (hwkit.testkit)."""

import keras
import numpy as np

from hwkit.kernel.describe import describe_network
from hwkit.models import activation_name
from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    with probe():
        m = student.build_ova_model()
        out = np.asarray(m(np.zeros((3, 784), dtype="float32")))
        m.set_weights([np.zeros_like(w) for w in m.get_weights()[:-1]]
                      + [np.linspace(-2, 2, 10).astype("float32")])
        at_bias = np.asarray(m(np.ones((2, 784), dtype="float32")))
    assert out.shape == (3, 10), (
        f"A1 的形状应为 (N, 10)，你的是 {out.shape} / A1 must be (N, 10); got {out.shape}"
    )
    assert np.all((out > 0) & (out < 1)), (
        "A1 的每个输出都必须是 (0, 1) 之间的概率 / "
        "every output of A1 must be a probability in (0, 1)"
    )
    assert np.allclose(at_bias, 1 / (1 + np.exp(-np.linspace(-2, 2, 10))), atol=1e-5), (
        "权重为 0、偏置为 b 时，A1 应为 sigmoid(b)：每一列各自做 sigmoid（不是 softmax）/ "
        "with zero weights and biases b, A1 must be sigmoid(b): a sigmoid per column (not a softmax)"
    )


@case(
    points=1,
    hidden=True,
    message="build_ova_model：模型应有 784 个输入，并且只有一个 10 个单元的 Dense 层（即十个一对多分类器） / build_ova_model: the model must take 784 inputs and have exactly one Dense layer of 10 units (the ten one-vs-all classifiers).",
)
def hidden_2():
    with probe():
        m = student.build_ova_model()
        in_shape = tuple(m.inputs[0].shape)
        units = [l.units for l in m.layers if isinstance(l, keras.layers.Dense)]
        out_shape = tuple(m.outputs[0].shape)
    assert in_shape == (None, 784)
    assert len(units) == 1 and units[0] == 10
    assert out_shape == (None, 10)


@case(
    points=1,
    hidden=True,
    message="build_ova_model：一对多要在十个输出上各用一个 sigmoid（十个相互独立的二分类器），不能用 softmax 或线性输出 / build_ova_model: one-vs-all uses a sigmoid on each of the ten outputs (ten independent binary classifiers), not softmax or a linear output.",
)
def hidden_3():
    with probe():
        desc = describe_network(student.build_ova_model(), weights=False)
    acts = [activation_name(l) for l in desc["layers"] if l["class"] == "Dense"]
    assert acts == ["sigmoid"]


@case(
    points=1,
    hidden=True,
    message="build_ova_model：把参考解的权重载入你的层后，输出与 sigmoid(x W + b) 不同（检查激活函数，并确认 x 与 A1 之间没有别的层） / build_ova_model: with the reference's weights loaded into your layer, your outputs differ from sigmoid(x W + b) (check the activation and that nothing else is between x and A1).",
)
def hidden_4():
    import a1_reference as ref

    r = ref.build_ova_model()
    rng = np.random.default_rng(3101)
    ws = [rng.normal(0, 0.05, size=w.shape).astype("float32") for w in r.get_weights()]
    x = rng.uniform(0, 1, size=(16, 784)).astype("float32")
    with probe():
        m = student.build_ova_model()
        m.set_weights(ws)
        out = np.asarray(m(x))
    r.set_weights(ws)
    assert np.allclose(out, np.asarray(r(x)), rtol=0, atol=1e-05)
