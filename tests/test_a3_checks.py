"""A3's structure checks on a described network (``hwkit.assignments.a3.checks``): the keys the A3
notebook's hidden tests read, activations named by their values, the cut into blocks, and the
forward pass, which is ``hwkit.models``'s."""

import numpy as np
import pytest

from hwkit import values
from hwkit.assignments.a3 import checks as a3_checks
from hwkit.assignments.a3.checks import (
    RELU_FAMILY,
    describe_model,
    described_block_activation,
    described_blocks,
    described_chain,
    described_forward,
)
from hwkit.models import NotReproducible

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")


def hidden_layer(inputs, units, name, activation="relu", dropout=0.3):
    """The master's hidden layer: Dense (no bias, He, L2) → batch-norm → activation →
    dropout; ``activation`` a name or function, or a layer class to put there instead."""
    z = keras.layers.Dense(units, use_bias=False, kernel_initializer="he_normal",
                           kernel_regularizer=keras.regularizers.L2(1e-4))(inputs)
    z = keras.layers.BatchNormalization(momentum=0.9)(z)
    if isinstance(activation, type):
        a = activation(name=name)(z)
    else:
        a = keras.layers.Activation(activation, name=name)(z)
    return keras.layers.Dropout(dropout)(a)


def build_dnn(input_dim, activation="relu", output=tf.nn.softmax):
    x = keras.Input(shape=(input_dim,), name="x")
    h = x
    for index, units in enumerate((16, 12, 8), start=1):
        h = hidden_layer(h, units, f"A{index}", activation)
    l2 = keras.regularizers.L2(1e-4)
    return keras.Model(x, keras.layers.Dense(2, activation=output, kernel_regularizer=l2,
                                             name="A4")(h))


def build_shallow(input_dim):
    l2 = keras.regularizers.L2(1e-4)
    x = keras.Input(shape=(input_dim,), name="x")
    h = x
    for units, activation in ((5, "relu"), (3, tf.nn.relu), (1, "sigmoid")):
        h = keras.layers.Dense(units, activation=activation, kernel_initializer="glorot_uniform",
                               kernel_regularizer=l2)(h)
    return keras.Model(x, h)


@pytest.fixture(scope="module")
def dnn():
    keras.utils.set_random_seed(3)
    return build_dnn(12)


def test_the_shallow_nets_description_has_the_keys_its_tests_read():
    found = describe_model(build_shallow(12))
    dense = [layer for layer in found["layers"] if layer["dense"]]
    assert tuple(found["inputs"][0]) == (None, 12)
    assert [layer["units"] for layer in dense] == [5, 3, 1]
    assert [layer["activation"] for layer in dense] == ["relu", "relu", "sigmoid"]
    assert all(layer["initializer"] == "GlorotUniform" for layer in dense)
    assert all(np.isclose(layer["l2"], 1e-4) for layer in dense)
    assert "weights" not in dense[0]


def test_the_dnn_is_cut_into_blocks_with_batch_norm_and_relu(dnn):
    blocks, output = described_blocks(describe_model(dnn))
    assert len(blocks) == 3 and output["units"] == 2 and output["activation"] == "softmax"
    assert [[layer["class"] for layer in block] for block in blocks] == [
        ["Dense", "BatchNormalization", "Activation", "Dropout"]] * 3
    assert all(block[1]["batchnorm"] and not block[1]["dense"] for block in blocks)
    assert all(described_block_activation(block) == "relu" for block in blocks)
    norm = blocks[0][1]
    assert (norm["epsilon"], norm["center"], norm["scale"]) == (1e-3, True, True)
    assert blocks[0][0]["initializer"] == "HeNormal" and blocks[0][0]["l2"] > 0


@pytest.mark.parametrize("activation, name", [
    (tf.nn.relu, "relu"), (keras.activations.relu, "relu"), (keras.layers.ReLU, "relu"),
    (keras.layers.LeakyReLU, "leaky_relu"), (keras.layers.PReLU, "prelu"),
    (keras.layers.ELU, "elu"), ("selu", "selu"), (tf.nn.gelu, "gelu"), ("tanh", "tanh"),
])
def test_activations_are_named_by_what_they_compute(activation, name):
    keras.utils.set_random_seed(4)
    blocks, _ = described_blocks(describe_model(build_dnn(6, activation)))
    got = described_block_activation(blocks[0])
    assert got == name and (got in RELU_FAMILY) == (name != "tanh")


def test_a_relu_spelled_under_another_name_is_still_relu():
    def my_activation(t):
        return tf.maximum(t, 0.0)

    blocks, _ = described_blocks(describe_model(build_dnn(6, my_activation)))
    assert described_block_activation(blocks[0]) == "relu"

    def squash(t):
        return t / (2.0 + tf.abs(t))

    blocks, _ = described_blocks(describe_model(build_dnn(6, squash)))
    assert described_block_activation(blocks[0]) == "unknown"


def test_the_forward_pass_with_test_weights_equals_keras(dnn):
    a3_checks.set_test_weights(dnn, 4301)
    X = np.random.default_rng(4302).uniform(size=(16, 12)).astype("float32")
    found = values.decode(values.encode(describe_model(dnn, weights=True)))  # as the probe sends
    got = described_forward(found, X)
    assert np.allclose(np.asarray(dnn(X, training=False)), got, atol=1e-5)
    assert not np.allclose(got, described_forward(describe_model(build_dnn(12), True), X))


def test_test_weights_are_deterministic_and_of_a_sensible_scale(dnn):
    a3_checks.set_test_weights(dnn, 7)
    first = [w.copy() for w in dnn.get_weights()]
    a3_checks.set_test_weights(dnn, 7)
    assert all(np.array_equal(a, b) for a, b in zip(first, dnn.get_weights(), strict=True))
    norm = describe_model(dnn, weights=True)["layers"][1]["weights"]
    assert np.all((norm["moving_variance"] >= 0.5) & (norm["moving_variance"] <= 2.0))


def test_the_training_mode_check_can_be_made_from_the_description():
    """The notebook's batch-norm test: activation(γ (z − mean) / √(var + ε) + β) with the
    batch's statistics, from the described kernel, γ, β, ε and activation name."""
    x = keras.Input(shape=(6,))
    model = keras.Model(x, hidden_layer(x, 4, "A1", dropout=0.0))
    a3_checks.set_test_weights(model, 4201)
    X = np.random.default_rng(4202).normal(size=(32, 6)).astype("float32")
    layers = described_chain(describe_model(model, weights=True))
    z = X @ layers[0]["weights"]["kernel"]
    norm = next(layer for layer in layers if layer["batchnorm"])
    zn = ((z - z.mean(axis=0)) / np.sqrt(z.var(axis=0) + norm["epsilon"])
          * norm["weights"]["gamma"] + norm["weights"]["beta"])
    act = keras.activations.get(described_block_activation(layers))
    want = np.asarray(model(X, training=True))
    assert np.allclose(want, np.asarray(act(zn.astype("float32"))), atol=1e-4)


def test_a_network_that_is_not_one_chain_fails_with_the_reason():
    x = keras.Input(shape=(6,))
    a = keras.layers.Dense(4)(x)
    b = keras.layers.Dense(4)(a)
    found = describe_model(keras.Model(x, keras.layers.Dense(2)(keras.layers.Add()([a, b]))),
                           weights=True)
    with pytest.raises(AssertionError, match="does not take the output"):
        described_chain(found)
    with pytest.raises(NotReproducible, match="not one chain"):
        described_forward(found, np.zeros((2, 6), "float32"))


def test_blocks_refuse_a_layer_before_the_first_dense_and_extras_after_the_output():
    x = keras.Input(shape=(6,))
    h = keras.layers.BatchNormalization()(x)
    found = describe_model(keras.Model(x, keras.layers.Dense(2, activation="softmax")(h)))
    with pytest.raises(AssertionError, match="before the first Dense"):
        described_blocks(found)
    h = keras.layers.Dense(2)(x)
    found = describe_model(keras.Model(x, keras.layers.Activation("sigmoid")(h)))
    with pytest.raises(AssertionError, match="except its softmax"):
        described_blocks(found)
    found = describe_model(keras.Model(x, keras.layers.Softmax()(h)))
    assert described_blocks(found)[1]["class"] == "Dense"


def test_stack_from_weights_builds_the_given_network():
    rng = np.random.default_rng(9)
    weights = [rng.normal(size=(5, 4)), rng.normal(size=4), rng.normal(size=(4, 3)),
               rng.normal(size=3), rng.normal(size=(3, 1)), rng.normal(size=1)]
    model = a3_checks.stack_from_weights("tanh", weights)
    layers = describe_model(model)["layers"]
    assert [layer["activation"] for layer in layers] == ["tanh", "tanh", "sigmoid"]
    assert all(np.allclose(a, b) for a, b in zip(model.get_weights(), weights, strict=True))
