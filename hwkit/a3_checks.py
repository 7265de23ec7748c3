"""Looking inside a student's Keras network for A3's hidden tests: its chain of layers, the
activation of each, batch-norm placement, and a forward pass recomputed layer by layer.

Students choose depth and width, so the tests cannot load the reference's weights into their
network; instead they set weights themselves and recompute the output from the layers' own
definitions (NumPy for Dense and batch-norm), which catches mis-wired layers and wrong
batch-norm use while allowing any sizes.

The split tests (``hwkit.cases``) never take a Keras model out of the student's kernel: the
probe turns it into data with ``describe_model`` (layers, activations, initializers, L2, and
the weights when asked), and the verdict, in the grader, checks the description with the
``described_*`` functions, which mirror ``chain``, ``hidden_blocks``, ``block_activation`` and
``forward_by_layers``.
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

    return _cut_at_dense(chain(model), lambda x: isinstance(x, keras.layers.Dense),
                         lambda x: x.name, activation_name)  # fmt: skip


def _cut_at_dense(layers: list, is_dense, name_of, activation_of) -> tuple[list[list], object]:
    """Layers (objects or descriptions) cut at each Dense one; the last block is the output."""
    blocks: list[list] = []
    for layer in layers:
        if is_dense(layer):
            blocks.append([layer])
        else:
            assert blocks, f"{name_of(layer)} comes before the first Dense layer"
            blocks[-1].append(layer)
    assert blocks, "the network has no Dense layer"
    output = blocks.pop()
    assert len(output) == 1 or all(activation_of(x) == "softmax" for x in output[1:]), (
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


# A network described as data, for split tests (``hwkit.cases``): the probe, in the student's
# kernel, describes the network; the verdict, in the grader, checks the description.

SIMPLE = (type(None), bool, int, float, str)


def _simple_config(layer) -> dict:
    """The layer's constructor arguments that are plain numbers, strings or lists of ints."""
    config = {}
    for key, value in layer.get_config().items():
        if key in ("name", "dtype", "trainable"):
            continue
        if isinstance(value, SIMPLE) or (
            isinstance(value, list | tuple) and all(isinstance(v, int) for v in value)
        ):
            config[key] = list(value) if isinstance(value, list | tuple) else value
    return config


def describe_layer(layer, weights: bool = False) -> dict:
    """One layer as data (``hwkit.values``).

    - name, class: the layer's name and class name; dense, batchnorm: whether it is a Dense or
      a BatchNormalization layer (subclasses included)
    - units: a Dense layer's width (else None); activation: ``activation_name``
    - initializer: the class name of its kernel initializer ("HeNormal", ...; else None)
    - l2: its kernel regularizer's factor when that is a ``keras.regularizers.L2`` (else None)
    - epsilon, center, scale: a batch-norm layer's settings
    - config: an activation layer's (ReLU, LeakyReLU, PReLU, ELU, Softmax) plain arguments
    - weights (only when asked): {variable name ("kernel", "gamma", ...): array}
    """
    import keras

    units = getattr(layer, "units", None)
    initializer = getattr(layer, "kernel_initializer", None)
    regularizer = getattr(layer, "kernel_regularizer", None)
    name = activation_name(layer)
    found = {
        "name": str(layer.name),
        "class": type(layer).__name__,
        "dense": isinstance(layer, keras.layers.Dense),
        "batchnorm": isinstance(layer, keras.layers.BatchNormalization),
        "units": int(units) if isinstance(units, int | np.integer) else None,
        "activation": None if name is None else str(name),
        "initializer": None if initializer is None else type(initializer).__name__,
        "l2": float(regularizer.l2) if isinstance(regularizer, keras.regularizers.L2) else None,
    }
    if found["batchnorm"]:
        found.update(epsilon=float(layer.epsilon), center=bool(layer.center),
                     scale=bool(layer.scale))  # fmt: skip
    if found["class"] in ACTIVATION_LAYERS:
        found["config"] = _simple_config(layer)
    if weights:
        found["weights"] = {variable.path.split("/")[-1]: np.asarray(variable)
                            for variable in layer.weights}  # fmt: skip
    return found


def describe_model(model, weights: bool = False) -> dict:
    """A Keras model as data (``hwkit.values``), for a test's verdict to check outside the
    kernel: inputs (each input's shape, None for the batch), layers (``describe_layer`` of
    each layer but the input layers, in the model's order: from input to output when the
    network is one chain) and chain_error ("" when ``chain`` accepts the network, else its
    message)."""
    import keras

    try:
        chain(model)
        chain_error = ""
    except AssertionError as problem:
        chain_error = str(problem) or "the layers are not one chain"
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    return {
        "inputs": [tuple(None if d is None else int(d) for d in tensor.shape)
                   for tensor in model.inputs],  # fmt: skip
        "layers": [describe_layer(layer, weights) for layer in layers],
        "chain_error": chain_error,
    }


def described_chain(description: dict) -> list[dict]:
    """The described layers from input to output; raises AssertionError with ``chain``'s
    message when the network is not one straight chain."""
    assert not description["chain_error"], description["chain_error"]
    return list(description["layers"])


def described_blocks(description: dict) -> tuple[list[list[dict]], dict]:
    """``hidden_blocks`` on a description: ([[Dense, what follows it], ...], output Dense)."""
    return _cut_at_dense(described_chain(description), lambda x: x["dense"],
                         lambda x: x["name"], lambda x: x["activation"])  # fmt: skip


def described_block_activation(block: list[dict]) -> str | None:
    """``block_activation`` on described layers."""
    found = [layer["activation"] for layer in block if layer["activation"]]
    return found[-1] if found else None


def _apply_described(layer: dict, x: np.ndarray) -> np.ndarray:
    import keras

    weights = layer.get("weights", {})
    if layer["dense"]:
        z = x @ weights["kernel"]
        if "bias" in weights:
            z = z + weights["bias"]
        name = layer["activation"]
        return z if name is None else np.asarray(keras.activations.get(name)(z.astype("float32")))
    if layer["batchnorm"]:
        z = (x - weights["moving_mean"]) / np.sqrt(weights["moving_variance"] + layer["epsilon"])
        if layer["scale"]:
            z = z * weights["gamma"]
        return z + weights["beta"] if layer["center"] else z
    if layer["class"] in PASS_THROUGH:
        return x
    if layer["class"] in ACTIVATION_LAYERS:  # rebuilt from its arguments (a slope, an alpha)
        rebuilt = getattr(keras.layers, layer["class"]).from_config(layer["config"])
        rebuilt.build(x.shape)
        if weights:
            rebuilt.set_weights(list(weights.values()))
        return np.asarray(rebuilt(x.astype("float32")))
    if layer["activation"]:
        return np.asarray(keras.activations.get(layer["activation"])(x.astype("float32")))
    raise AssertionError(f"unexpected layer {layer['name']} ({layer['class']}) in a dense "
                         "network: use Dense, BatchNormalization, an activation and Dropout "
                         "only")  # fmt: skip


def described_forward(description: dict, x: np.ndarray) -> np.ndarray:
    """``forward_by_layers`` on a description made with weights: the inference-mode output
    recomputed one layer at a time from the described weights and activations (the grader's
    Keras for the activations). x: (b, d) → (b, outputs)."""
    out = np.asarray(x, dtype=np.float64)
    for layer in described_chain(description):
        out = np.asarray(_apply_described(layer, out), dtype=np.float64)
    return out


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
