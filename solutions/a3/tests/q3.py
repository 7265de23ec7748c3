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
        out = np.asarray(student.build_dnn(12)(x))
    assert out.shape == (4, 2), f"A4 must be (N, 2); got {out.shape}"
    assert np.allclose(out.sum(axis=1), 1, atol=0.0001), (
        "each row of A4 must be a softmax distribution"
    )


@case(
    points=1,
    hidden=True,
    message="build_dnn: expected at least 3 hidden Dense layers in one chain and an output Dense layer of 2 softmax units.",
)
def hidden_2():
    with probe():
        desc = checks.describe_model(student.build_dnn(12))
    blocks, output = described_blocks(desc)
    assert len(blocks) >= 3, f"only {len(blocks)} hidden layers"
    assert output["units"] == 2 and output["activation"] == "softmax"


@case(
    points=1,
    hidden=True,
    message="build_dnn: every hidden Dense layer must be followed directly by batch-norm (Dense -> BatchNormalization -> activation).",
)
def hidden_3():
    with probe():
        desc = checks.describe_model(student.build_dnn(12))
    blocks, _ = described_blocks(desc)
    assert all(len(b) > 1 and b[1]["batchnorm"] for b in blocks)


@case(
    points=1,
    hidden=True,
    message="build_dnn: every hidden layer needs a ReLU-family activation, and every Dense kernel He or Xavier initialisation and an L2 regulariser.",
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


@case(
    points=1,
    hidden=True,
    message="build_dnn: with weights set by the test, your network's output (inference mode) differs from the layers applied one after another: every layer must feed the next, from x to A4.",
)
def hidden_5():
    X = np.random.default_rng(4302).uniform(size=(16, 12)).astype("float32")
    with probe():
        m = student.build_dnn(12)
        checks.set_test_weights(m, 4301)
        desc = checks.describe_model(m, weights=True)
        out = np.asarray(m(X, training=False))
    assert np.allclose(out, described_forward(desc, X), atol=0.0001)
