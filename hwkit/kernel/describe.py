"""In the student's kernel: a trained Keras model turned into plain data for the grader.

``describe_network`` only inspects the model (its layers, their settings and weights, each
activation's values on ``hwkit.models.activations.GRID``) and never calls its own
``call``/``predict``; the description's format is in ``hwkit.models.forward_pass``. The grader
trusts nothing in it: whatever the kernel sends is checked there.
"""

import numpy as np

from hwkit.models.activations import ACTIVATION_LAYERS, FORMAT, GRID

MODEL_OVERRIDES = ("call", "__call__", "predict", "predict_step", "predict_on_batch")
LAYER_OVERRIDES = ("call", "__call__")


def _functional_class():
    # Keras 3 exports no name for the class ``keras.Model(inputs, outputs)`` returns.
    from keras.src.models.functional import Functional

    return Functional


def _overridden(thing, names: tuple[str, ...]) -> list[str]:
    """The methods in ``names`` replaced on this instance (``model.predict = ...``)."""
    return [name for name in names if name in vars(thing)]


def network_layers(model) -> list:
    """The model's layers in its order, input layers left out."""
    import keras

    return [layer for layer in getattr(model, "layers", [])
            if not isinstance(layer, keras.layers.InputLayer)]


def chain(model) -> list:
    """The model's layers from input to output (input layers left out); raises AssertionError
    naming the problem when they are not one straight chain (a layer skipped, two branches, a
    layer used twice, an operation between layers, ...)."""
    import keras

    layers = network_layers(model)
    assert layers, "the model has no layers"
    if type(model) is keras.Sequential:  # its call applies the layers in order
        return layers
    assert len(model.inputs) == 1 and len(model.outputs) == 1, (
        "the model must have one input and one output")
    for previous, layer in zip([None, *layers], layers, strict=False):
        assert len(layer._inbound_nodes) <= 1, f"{layer.name} is used more than once"
        # Keras 3 has no public accessor for a layer's inputs in a functional graph.
        inbound = layer._inbound_nodes[0].parent_nodes if layer._inbound_nodes else []
        sources = [node.operation for node in inbound]
        if previous is None:
            assert sources and all(isinstance(s, keras.layers.InputLayer) for s in sources), (
                f"{layer.name} does not take the input x")
        else:
            assert sources == [previous], (
                f"{layer.name} does not take the output of {previous.name}: each layer must "
                "feed the next one (A1 → A2 → ...)")
    assert layers[-1].output is model.outputs[0], "the last layer must be the output"
    return layers


def _chain_error(model) -> str:
    try:
        chain(model)
    except AssertionError as problem:
        return str(problem) or "the layers are not one chain"
    except Exception as problem:  # a model Keras itself cannot walk
        return f"the layers could not be followed ({type(problem).__name__})"
    return ""


def _plain(value):
    """A config value as plain data, or None when it is not a number, string or flat list."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, list | tuple) and all(
        v is None or type(v) in (bool, int, float) for v in value
    ):
        return list(value)
    return None


def _plain_config(layer) -> dict:
    """The layer's constructor arguments that are plain numbers, strings or flat lists."""
    try:
        config = layer.get_config()
    except Exception:  # a custom layer without get_config
        return {}
    found = {}
    for key, value in config.items():
        if isinstance(key, str) and key not in ("name", "dtype", "trainable"):
            plain = _plain(value)
            if plain is not None or value is None:
                found[key] = plain
    return found


def _activation_values(layer) -> tuple[str | None, np.ndarray | None]:
    """(the activation function's __name__, its values on ``GRID``) for a layer with an
    activation (Dense, Activation, ReLU, ...), else (None, None)."""
    import keras

    kind = type(layer).__name__
    if kind in ACTIVATION_LAYERS:
        function, name = (None if kind == "PReLU" else layer), kind
    else:
        function = getattr(layer, "activation", None)
        if not callable(function):
            return None, None
        name = getattr(function, "__name__", type(function).__name__)
    if function is None:  # PReLU: its slopes are weights shaped like its input, not GRID
        return str(name)[:100], None
    try:
        grid = keras.ops.convert_to_tensor(GRID)
        found = np.array(function(grid), dtype=np.float32)
    except Exception:  # a function that does not take a tensor: the grader cannot use it
        found = None
    return str(name)[:100], found


def describe_layer(layer, weights: bool = True) -> dict:
    """One layer as data (see the module's docstring for the keys)."""
    import keras

    kind = type(layer).__name__
    overridden = _overridden(layer, LAYER_OVERRIDES)
    units = getattr(layer, "units", None)
    initializer = getattr(layer, "kernel_initializer", None)
    regularizer = getattr(layer, "kernel_regularizer", None)
    function, values = _activation_values(layer)
    found = {
        "name": str(layer.name),
        "class": kind,
        "standard": type(layer) is getattr(keras.layers, kind, None) and not overridden,
        "overridden": overridden,
        "units": int(units) if isinstance(units, int | np.integer) else None,
        "activation_function": function,
        "activation_values": values,
        "config": _plain_config(layer),
        "initializer": None if initializer is None else type(initializer).__name__,
        "l2": float(regularizer.l2) if isinstance(regularizer, keras.regularizers.L2) else None,
    }
    if weights:
        found["weights"] = {}
        for variable in layer.weights:
            name = str(variable.path).split("/")[-1]
            while name in found["weights"]:  # two variables of one name: keep both
                name += "_"
            found["weights"][name] = np.array(variable.numpy(), dtype=np.float32)
    return found


def describe_network(model, weights: bool = True) -> dict:
    """The model as data (``hwkit.values``; keys in the module's docstring), by looking at its
    layers only: the model's own call or predict never runs."""
    import keras

    kind = type(model).__name__
    is_model = isinstance(model, keras.Model)
    overridden = _overridden(model, MODEL_OVERRIDES) if is_model else []
    standard = type(model) in (_functional_class(), keras.Sequential) and not overridden
    try:
        inputs = [tuple(None if d is None else int(d) for d in tensor.shape)
                  for tensor in model.inputs]
    except Exception:  # a Sequential model never built or called has no inputs yet
        inputs = []
    return {
        "format": FORMAT,
        "model_class": kind,
        "standard_model": bool(is_model and standard),
        "model_overridden": overridden,
        "inputs": inputs,
        "layers": [describe_layer(layer, weights)
                   for layer in (network_layers(model) if is_model else [])],
        "chain_error": _chain_error(model) if is_model else "not a Keras model",
    }
