"""a3 q3: its test cases (hwkit.testkit)."""

import numpy as np

from hwkit.assignments.a3 import checks
from hwkit.assignments.a3.checks import (
    RELU_FAMILY,
    described_block_activation,
    described_blocks,
    described_forward,
)
from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    x = np.random.default_rng(0).uniform(size=(4, 12)).astype("float32")
    with probe():
        m = student.build_dnn(12)
        out = np.asarray(m(x))
        desc = checks.describe_model(m)
    assert out.shape == (4, 2), f"A4 应为 (N, 2)，实际是 {out.shape} / A4 must be (N, 2); got {out.shape}"
    assert np.allclose(out.sum(axis=1), 1, atol=0.0001), (
        "A4 的每一行都必须是 softmax 分布（和为 1）/ each row of A4 must be a softmax distribution"
    )
    blocks, _ = described_blocks(desc)
    found = [described_block_activation(b) for b in blocks]
    assert all(a in RELU_FAMILY for a in found), (
        f"每个隐藏层都需要 ReLU 家族的激活函数，你的是 {found} / "
        f"every hidden layer needs a ReLU-family activation; yours are {found}"
    )


@case(
    points=1,
    hidden=True,
    message="build_dnn：需要一条直链上至少 3 个隐藏 Dense 层，以及 2 个 softmax 单元的输出 Dense 层 / build_dnn: expected at least 3 hidden Dense layers in one chain and an output Dense layer of 2 softmax units.",
)
def hidden_2():
    with probe():
        desc = checks.describe_model(student.build_dnn(12))
    blocks, output = described_blocks(desc)
    assert len(blocks) >= 3, f"只有 {len(blocks)} 个隐藏层 / only {len(blocks)} hidden layers"
    assert output["units"] == 2 and output["activation"] == "softmax"


@case(
    points=1,
    hidden=True,
    message="build_dnn：每个隐藏 Dense 层（本身不带激活函数）之后必须紧跟批归一化（Dense -> BatchNormalization -> 激活）/ build_dnn: every hidden Dense layer (with no activation of its own) must be followed directly by batch-norm (Dense -> BatchNormalization -> activation).",
)
def hidden_3():
    with probe():
        desc = checks.describe_model(student.build_dnn(12))
    blocks, _ = described_blocks(desc)
    assert all(len(b) > 1 and b[1]["batchnorm"] and b[0]["activation"] is None for b in blocks)


@case(
    points=1,
    hidden=True,
    message="build_dnn：每个隐藏层都需要 ReLU 家族的激活函数和 use_bias=False（其后有批归一化），每个 Dense 的权重都需要 He 或 Xavier 初始化和 L2 正则化 / build_dnn: every hidden layer needs a ReLU-family activation and use_bias=False (batch-norm follows it), and every Dense kernel He or Xavier initialisation and an L2 regulariser.",
)
def hidden_4():
    with probe():
        desc = checks.describe_model(student.build_dnn(12))
    blocks, output = described_blocks(desc)
    assert all(described_block_activation(b) in RELU_FAMILY for b in blocks)
    dense = [b[0] for b in blocks] + [output]
    assert all(
        l["initializer"] in ("HeNormal", "HeUniform", "GlorotNormal", "GlorotUniform")
        for l in dense
    )
    assert all(l["l2"] is not None and l["l2"] > 0 for l in dense)
    assert all(b[0]["config"].get("use_bias") is False for b in blocks)


@case(
    points=1,
    hidden=True,
    message="build_dnn：用测试设定的权重，你的网络（推理模式）的输出与逐层计算的结果不同：每一层都必须接上一层，从 x 到 A4 / build_dnn: with weights set by the test, your network's output (inference mode) differs from the layers applied one after another: every layer must feed the next, from x to A4.",
)
def hidden_5():
    X = np.random.default_rng(4302).uniform(size=(16, 12)).astype("float32")
    with probe():
        m = student.build_dnn(12)
        checks.set_test_weights(m, 4301)
        desc = checks.describe_model(m, weights=True)
        out = np.asarray(m(X, training=False))
    assert np.allclose(out, described_forward(desc, X), atol=0.0001)
