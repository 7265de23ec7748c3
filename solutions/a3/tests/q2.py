"""a3 q2: its test cases (hwkit.testkit)."""

import keras
import numpy as np

from hwkit.assignments.a3 import checks
from hwkit.assignments.a3.checks import RELU_FAMILY, described_block_activation, described_chain
from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    X = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")
    with probe():
        x = keras.Input(shape=(6,))
        m = keras.Model(x, student.hidden_layer(x, 4, "A1"))
        out = np.asarray(m(X, training=True))
    assert out.shape == (5, 4), f"hidden_layer(x, 4, ...) must give (N, 4); got {out.shape}"
    assert np.all(out >= -1.0001), "after a ReLU-family activation no value should be far below 0"


@case(
    points=1,
    hidden=True,
    message="hidden_layer: batch-norm must come right after the Dense layer and before the activation (Dense -> BatchNormalization -> activation).",
)
def hidden_2():
    with probe():
        x = keras.Input(shape=(6,))
        desc = checks.describe_model(keras.Model(x, student.hidden_layer(x, 4, "A1")))
    kinds = [l["class"] for l in described_chain(desc)]
    assert kinds[0] == "Dense" and len(kinds) > 1 and (kinds[1] == "BatchNormalization"), kinds


@case(
    points=1,
    hidden=True,
    message="hidden_layer: in training mode your layer's output differs from activation(gamma * (z - mean) / sqrt(var + eps) + beta) with the batch's mean and variance (check batch-norm and its place).",
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
    act = keras.activations.get(described_block_activation(layers))
    assert np.allclose(out, np.asarray(act(zn.astype("float32"))), atol=0.0001)


@case(
    points=1,
    hidden=True,
    message="hidden_layer: the Dense layer needs He or Xavier initialisation, an L2 kernel regulariser (L2_LAMBDA > 0), and a ReLU-family activation.",
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
