"""Looking inside a student's Keras network for A3's hidden tests: its chain of layers, the
activation of each, batch-norm placement, and a forward pass recomputed layer by layer.

Students choose depth and width, so the tests cannot load the reference's weights into their
network; instead they set weights themselves and recompute the output from the layers' own
definitions, which catches mis-wired layers and wrong batch-norm use while allowing any sizes.

The split tests (``hwkit.autograder.cases``) never take a Keras model out of the student's kernel:
the
probe turns it into data with ``describe_model`` (``hwkit.kernel.describe.describe_network`` plus
the keys these tests read), and the verdict, in the grader, checks the description with the
``described_*`` functions; ``described_forward`` is the grader's own forward pass
(``hwkit.models.forward_pass``).
"""

import numpy as np

import hwkit.models.forward_pass as forward_pass
from hwkit.kernel import describe
from hwkit.models import activations

RELU_FAMILY = {"relu", "leaky_relu", "prelu", "elu", "selu", "relu6", "silu", "gelu"}


def set_test_weights(model, seed: int) -> None:
    """Deterministic weights of a sensible scale for every layer: kernels N(0, 1/fan_in),
    biases and β small, γ near 1, moving means small and moving variances in [0.5, 2]."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        for variable in layer.weights:
            shape, name = tuple(variable.shape), variable.path.split("/")[-1]
            if name == "kernel":
                value = rng.normal(0, 1 / np.sqrt(shape[0]), size=shape)
            elif name in ("gamma", "moving_variance"):
                value = rng.uniform(0.5, 2.0, size=shape)
            else:
                value = rng.normal(0, 0.1, size=shape)
            variable.assign(value.astype(variable.dtype))


# A network described as data, for split tests (``hwkit.autograder.cases``): the probe, in the
# student's
# kernel, describes the network; the verdict, in the grader, checks the description.


def _with_a3_keys(layer: dict) -> dict:
    """A ``model_data`` layer description plus the keys A3's tests read: dense, batchnorm
    (the layer is a Keras Dense / BatchNormalization), activation (``model_data``'s
    ``activation_name``: identified by values, so ``tf.nn.softmax`` is "softmax"), and a
    batch-norm layer's epsilon, center and scale."""
    found = dict(layer, dense=layer["class"] == "Dense",
                 batchnorm=layer["class"] == "BatchNormalization",
                 activation=activations.activation_name(layer))
    if found["batchnorm"]:
        config = layer["config"]
        found.update(epsilon=float(config.get("epsilon", 1e-3)),
                     center=bool(config.get("center", True)),
                     scale=bool(config.get("scale", True)))
    return found


def describe_layer(layer, weights: bool = False) -> dict:
    """One layer as data (``hwkit.values``): ``describe.describe_layer``'s keys and

    - dense, batchnorm: whether it is a Keras Dense or BatchNormalization layer (by class name)
    - activation: the non-linearity it applies, identified by its values ("relu", "softmax",
      "leaky_relu", ...; None for none, "unknown" for one Keras does not have)
    - epsilon, center, scale: a batch-norm layer's settings
    - units, initializer ("HeNormal", ...), l2 (an L2 kernel regularizer's factor), config
      (plain constructor arguments) and, when asked, weights ({"kernel": array, ...})
    """
    return _with_a3_keys(describe.describe_layer(layer, weights))


def describe_model(model, weights: bool = False) -> dict:
    """A Keras model as data (``hwkit.values``), for a test's verdict to check outside the
    kernel: ``describe.describe_network``'s description (inputs: each input's shape, None
    for the batch; chain_error: "" when the layers are one chain, else why not) whose layers
    carry ``describe_layer``'s keys."""
    found = describe.describe_network(model, weights)
    found["layers"] = [_with_a3_keys(layer) for layer in found["layers"]]
    return found


def described_chain(description: dict) -> list[dict]:
    """The described layers from input to output; raises AssertionError saying why when the
    network is not one straight chain."""
    assert not description["chain_error"], description["chain_error"]
    return list(description["layers"])


def described_blocks(description: dict) -> tuple[list[list[dict]], dict]:
    """The chain cut at each Dense layer: ([[Dense, what follows it], ...], output Dense)."""
    blocks: list[list[dict]] = []
    for layer in described_chain(description):
        if layer["dense"]:
            blocks.append([layer])
        else:
            assert blocks, f"{layer['name']} comes before the first Dense layer"
            blocks[-1].append(layer)
    assert blocks, "the network has no Dense layer"
    output = blocks.pop()
    assert len(output) == 1 or all(x["activation"] == "softmax" for x in output[1:]), (
        "nothing may follow the output Dense layer except its softmax")
    return blocks, output[0]


def described_block_activation(block: list[dict]) -> str | None:
    """The non-linearity of a hidden block (Dense + batch-norm + activation + dropout): the
    last one in it, or None."""
    found = [layer["activation"] for layer in block if layer["activation"]]
    return found[-1] if found else None


def described_forward(description: dict, x: np.ndarray) -> np.ndarray:
    """The network's inference-mode output recomputed one layer at a time by the grader
    (``forward_pass.forward``) from a description made with weights. x: (b, d) → (b, outputs)
    float32; raises ``forward_pass.NotReproducible`` for a network it cannot rebuild."""
    return forward_pass.forward(description, x)


def stack_from_weights(activation: str, weights: list) -> object:
    """The notebook's ``deep_stack`` architecture with given weights: one Dense layer with
    ``activation`` per (kernel, bias) pair but the last, then a sigmoid Dense output.
    weights: [kernel (d, w), bias (w,), ..., kernel (w, 1), bias (1,)] → keras.Model."""
    import keras

    x = keras.Input(shape=(np.shape(weights[0])[0],))
    h = x
    for index in range(0, len(weights) - 2, 2):
        h = keras.layers.Dense(np.shape(weights[index])[1], activation=activation)(h)
    model = keras.Model(x, keras.layers.Dense(np.shape(weights[-2])[1], activation="sigmoid")(h))
    model.set_weights([np.asarray(w, dtype="float32") for w in weights])
    return model
