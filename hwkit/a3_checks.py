"""Looking inside a student's Keras network for A3's hidden tests: its chain of layers, the
activation of each, batch-norm placement, and a forward pass recomputed layer by layer.

Students choose depth and width, so the tests cannot load the reference's weights into their
network; instead they set weights themselves and recompute the output from the layers' own
definitions (NumPy for Dense and batch-norm), which catches mis-wired layers and wrong
batch-norm use while allowing any sizes.
"""

import numpy as np

RELU_FAMILY = {"relu", "leaky_relu", "prelu", "elu", "selu", "relu6", "silu", "gelu"}
ACTIVATION_LAYERS = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "PReLU": "prelu", "ELU": "elu",
                     "Softmax": "softmax"}  # fmt: skip
PASS_THROUGH = {"Dropout", "GaussianNoise", "GaussianDropout", "AlphaDropout", "Identity"}


def chain(model) -> list:
    """The model's layers from input to output (input layers left out); raises AssertionError
    when the network is not one straight chain (a layer skipped, two branches, ...)."""
    import keras

    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    for previous, layer in zip([None, *layers], layers, strict=False):
        # Keras 3 has no public accessor for a layer's inputs in a functional graph.
        inbound = layer._inbound_nodes[0].parent_nodes if layer._inbound_nodes else []
        sources = [node.operation for node in inbound]
        expected = [previous] if previous is not None else []
        if previous is None:
            assert all(isinstance(s, keras.layers.InputLayer) for s in sources), (
                f"{layer.name} does not take the input x")
        else:
            assert sources == expected, (
                f"{layer.name} does not take the output of {previous.name}: each layer must "
                "feed the next one (A1 → A2 → ...)")
    assert layers and layers[-1].output is model.outputs[0], "the last layer must be the output"
    return layers


def activation_name(layer) -> str | None:
    """The activation a layer applies: "relu", "softmax", ...; None for a layer without one."""
    kind = type(layer).__name__
    if kind in ACTIVATION_LAYERS:
        return ACTIVATION_LAYERS[kind]
    function = getattr(layer, "activation", None)
    name = getattr(function, "__name__", None)
    return None if name in (None, "linear") else name


def hidden_blocks(model) -> tuple[list[list], object]:
    """The chain cut at each Dense layer: ([[Dense, what follows it], ...], output Dense)."""
    import keras

    blocks: list[list] = []
    for layer in chain(model):
        if isinstance(layer, keras.layers.Dense):
            blocks.append([layer])
        else:
            assert blocks, f"{layer.name} comes before the first Dense layer"
            blocks[-1].append(layer)
    assert blocks, "the network has no Dense layer"
    output = blocks.pop()
    assert len(output) == 1 or all(activation_name(x) == "softmax" for x in output[1:]), (
        "nothing may follow the output Dense layer except its softmax")
    return blocks, output[0]


def block_activation(block: list) -> str | None:
    """The non-linearity of a hidden block (Dense + batch-norm + activation + dropout)."""
    names = [activation_name(layer) for layer in block]
    found = [n for n in names if n]
    return found[-1] if found else None


def _apply(layer, x: np.ndarray) -> np.ndarray:
    import keras

    kind = type(layer).__name__
    if isinstance(layer, keras.layers.Dense):
        z = x @ np.asarray(layer.kernel)
        if layer.use_bias:
            z = z + np.asarray(layer.bias)
        name = activation_name(layer)
        return z if name is None else np.asarray(layer.activation(z.astype("float32")))
    if isinstance(layer, keras.layers.BatchNormalization):
        mean, var = np.asarray(layer.moving_mean), np.asarray(layer.moving_variance)
        z = (x - mean) / np.sqrt(var + layer.epsilon)
        if layer.scale:
            z = z * np.asarray(layer.gamma)
        return z + np.asarray(layer.beta) if layer.center else z
    if kind in PASS_THROUGH:
        return x
    if activation_name(layer):
        return np.asarray(layer(x.astype("float32")))
    raise AssertionError(f"unexpected layer {layer.name} ({kind}) in a dense network: use "
                         "Dense, BatchNormalization, an activation and Dropout only")  # fmt: skip


def forward_by_layers(model, x: np.ndarray) -> np.ndarray:
    """The network's inference-mode output recomputed one layer at a time (float64 NumPy for
    Dense and batch-norm). x: (b, d) float32 → (b, outputs)."""
    out = np.asarray(x, dtype=np.float64)
    for layer in chain(model):
        out = np.asarray(_apply(layer, out), dtype=np.float64)
    return out


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
