"""a3 q2: its test cases (hwkit.testkit)."""

import keras
import numpy as np

from hwkit.assignments.a3 import checks
from hwkit.assignments.a3.checks import (
    RELU_FAMILY,
    described_block_activation,
    described_chain,
    described_forward,
)
from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    X = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")
    with probe():
        x = keras.Input(shape=(6,))
        m = keras.Model(x, student.hidden_layer(x, 4, "A1"))
        out = np.asarray(m(X, training=True))
        out_scaled = np.asarray(m(100 * X, training=True))
        desc = checks.describe_model(m)
    assert out.shape == (5, 4), (
        f"hidden_layer(x, 4, ...) 的输出应为 (N, 4)，实际是 {out.shape} / "
        f"hidden_layer(x, 4, ...) must give (N, 4); got {out.shape}"
    )
    assert np.all(out >= -1.0001), (
        "经过 ReLU 家族的激活函数后，不应有远小于 0 的值 / "
        "after a ReLU-family activation no value should be far below 0"
    )
    assert np.allclose(out_scaled, out, atol=0.01 * (1 + np.abs(out).max())), (
        "输入放大 100 倍，训练模式下的输出应几乎不变（批归一化按本批的均值和方差归一化）；"
        "你的输出跟着变了：Dense 之后是否有 BatchNormalization？/ "
        "with the inputs 100 times larger the training-mode output should barely change "
        "(batch-norm normalises with the batch's mean and variance); yours changed: is there a "
        "BatchNormalization right after the Dense layer?"
    )
    layers = described_chain(desc)
    order = [l["class"] for l in layers]
    assert order[:2] == ["Dense", "BatchNormalization"] and layers[0]["activation"] is None, (
        f"顺序应为 Dense（不带激活函数）-> BatchNormalization -> 激活，你的是 {order} / "
        f"the order must be Dense (no activation of its own) -> BatchNormalization -> activation; "
        f"yours is {order}"
    )
    found = described_block_activation(layers)
    assert found in RELU_FAMILY, (
        f"隐藏层需要 ReLU 家族的激活函数（relu、LeakyReLU、ELU……），你的是 {found} / "
        f"a hidden layer needs a ReLU-family activation (relu, LeakyReLU, ELU, ...); yours is {found}"
    )


@case(
    points=1,
    hidden=True,
    message="hidden_layer：批归一化必须紧跟在 Dense 层（本身不带激活函数）之后、激活函数之前（Dense -> BatchNormalization -> 激活）/ hidden_layer: batch-norm must come right after the Dense layer (with no activation of its own) and before the activation (Dense -> BatchNormalization -> activation).",
)
def hidden_2():
    with probe():
        x = keras.Input(shape=(6,))
        desc = checks.describe_model(keras.Model(x, student.hidden_layer(x, 4, "A1")))
    layers = described_chain(desc)
    kinds = [l["class"] for l in layers]
    assert kinds[0] == "Dense" and len(kinds) > 1 and (kinds[1] == "BatchNormalization"), kinds
    assert layers[0]["activation"] is None


@case(
    points=1,
    hidden=True,
    message="hidden_layer：训练模式下，你的层输出与 activation(gamma * (z - mean) / sqrt(var + eps) + beta)（用本批的均值和方差）不同（检查批归一化及其位置）/ hidden_layer: in training mode your layer's output differs from activation(gamma * (z - mean) / sqrt(var + eps) + beta) with the batch's mean and variance (check batch-norm and its place).",
)
def hidden_3():
    X = np.random.default_rng(4202).normal(size=(32, 6)).astype("float32")
    with probe():
        x = keras.Input(shape=(6,))
        m = keras.Model(x, student.hidden_layer(x, 4, "A1"))
        checks.set_test_weights(m, 4201)
        desc = checks.describe_model(m, weights=True)
        out = np.asarray(m(X, training=True))
    layers = described_chain(desc)
    z = X @ layers[0]["weights"]["kernel"]
    bn = [l for l in layers if l["batchnorm"]][0]
    zn = (z - z.mean(axis=0)) / np.sqrt(z.var(axis=0) + bn["epsilon"]) * bn["weights"][
        "gamma"
    ] + bn["weights"]["beta"]
    # what follows batch-norm (the activation, with its own parameters: LeakyReLU(0.1),
    # PReLU's alphas...) recomputed by the grader
    tail = layers[layers.index(bn) + 1 :]
    assert tail, "nothing follows batch-norm"
    expected = described_forward(dict(desc, inputs=[[None, 4]], layers=tail), zn.astype("float32"))
    assert np.allclose(out, expected, atol=0.0001)


@case(
    points=1,
    hidden=True,
    message="hidden_layer：Dense 层需要 He 或 Xavier 初始化、L2 权重正则化（L2_LAMBDA > 0）、use_bias=False（批归一化的 beta 代替偏置），以及 ReLU 家族的激活函数 / hidden_layer: the Dense layer needs He or Xavier initialisation, an L2 kernel regulariser (L2_LAMBDA > 0) and use_bias=False (batch-norm's beta replaces the bias), and a ReLU-family activation.",
)
def hidden_4():
    with probe():
        x = keras.Input(shape=(6,))
        desc = checks.describe_model(keras.Model(x, student.hidden_layer(x, 4, "A1")))
    layers = described_chain(desc)
    dense = layers[0]
    assert dense["initializer"] in ("HeNormal", "HeUniform", "GlorotNormal", "GlorotUniform")
    assert dense["l2"] is not None and dense["l2"] > 0
    assert described_block_activation(layers) in RELU_FAMILY
    assert dense["config"].get("use_bias") is False
