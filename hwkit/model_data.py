"""A Keras model as plain data, and the grader's own forward pass on it.

The student's kernel never sees held-out data. It hands back its trained model as data with
``describe_network`` (architecture, activations and weights: ``hwkit.values`` can send it);
the grader computes the predictions itself with ``forward`` / ``predict_labels``, in NumPy,
from standard layers only. Nothing in a description is trusted: every key, type, shape and
number is checked, and anything the grader cannot rebuild exactly (a subclassed model or
layer, an unknown layer or activation, a graph that is not one chain, wrong shapes, NaN
weights, sizes past the bounds below) raises ``NotReproducible`` with a bilingual message
naming the layer and what to use instead.

Description (``FORMAT``), a dict:

- format: ``FORMAT``; model_class: the model's class name; standard_model: True when it is
  exactly Keras's Functional (``keras.Model(inputs, outputs)``) or ``keras.Sequential`` and no
  call/predict is replaced on it; model_overridden: the names replaced on the instance
- inputs: each input's shape, None for the batch, e.g. [(None, 784)] ([] when unknown)
- layers: in order, input layers left out, each a dict:
  name, class (class name), standard (exactly the Keras class of that name, nothing replaced
  on the instance), overridden (names replaced), units (a Dense layer's width, else None),
  activation_function (the function's ``__name__``, for information only), activation_values
  (the activation applied to ``GRID``: (4, 16) float32, or None: activations are identified by
  these values, never by name), config (the plain parts of ``get_config()``), initializer (the
  kernel initializer's class name or None), l2 (the kernel regularizer's L2 factor or None),
  weights (only with ``weights=True``: {variable name ("kernel", "bias", "gamma", "beta",
  "moving_mean", "moving_variance", "alpha"): float32 array})
- chain_error: "" when the layers are one straight chain, else why not

Bounds (``forward`` refuses past them, before any arithmetic): ``MAX_LAYERS`` layers,
``MAX_PARAMETERS`` weights in all (100 million; the reply's own bound, an assignment's
``max_reply_mb``, comes first), and
``MAX_MULTIPLY_ADDS``, 2e11, for rows × work per row, counting one multiply-add per Dense
weight and ``ELEMENTWISE_COST`` per value that passes an elementwise step (NumPy's float64
activations take about a thousand times a BLAS multiply-add): 10-20 s on two cores at worst.
A1's network on 10,000 digits is 6.3e9; A3's master DNN on 5,000 images 2.5e10 at 64² (2.3
million weights, 9 MB) and 1.5e11 at 227² (26.5 million weights, 106 MB, within A3's
320 MB replies). Batches are cut so that no activation array holds more than
``MAX_BATCH_ELEMENTS`` numbers.
"""

import math

import numpy as np

FORMAT = "hwkit.model_data/1"
MAX_LAYERS = 64
MAX_PARAMETERS = 100_000_000  # 400 MB of float32: above the largest reply an assignment allows
MAX_MULTIPLY_ADDS = 2e11
ELEMENTWISE_COST = 1000
MAX_BATCH_ELEMENTS = 1 << 22
MAX_WEIGHTS_PER_LAYER = 16
MAX_INPUT_RANK = 8
TOLERANCE = 1e-5  # activation values: |got - expected| <= TOLERANCE * (1 + |expected|)

# 64 distinct values in [-8, 8] (past relu6's cap), permuted so that no row is a shift of
# another: softmax over the last axis differs from softmax over any other axis.
GRID = np.linspace(-8.0, 8.0, 64, dtype=np.float32)[(7 * np.arange(64)) % 64].reshape(4, 16)

MODEL_OVERRIDES = ("call", "__call__", "predict", "predict_step", "predict_on_batch")
LAYER_OVERRIDES = ("call", "__call__")
ACTIVATION_LAYERS = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "PReLU": "prelu", "ELU": "elu",
                     "Softmax": "softmax"}  # fmt: skip
PASS_THROUGH = {"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
                "GaussianNoise", "GaussianDropout", "AlphaDropout", "Identity",
                "ActivityRegularization", "InputLayer"}  # fmt: skip
USE_INSTEAD = ("请只用 keras.layers.Dense、BatchNormalization、Dropout 和激活函数搭建",
               "build it from keras.layers.Dense, BatchNormalization, Dropout and activations")


class NotReproducible(ValueError):
    """The grader cannot rebuild this model; the message (one line, Chinese / English) says
    which layer and what to use instead."""


# --- In the student's kernel: the model as data ------------------------------------------


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
            if not isinstance(layer, keras.layers.InputLayer)]  # fmt: skip


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
                  for tensor in model.inputs]  # fmt: skip
    except Exception:  # a Sequential model never built or called has no inputs yet
        inputs = []
    return {
        "format": FORMAT,
        "model_class": kind,
        "standard_model": bool(is_model and standard),
        "model_overridden": overridden,
        "inputs": inputs,
        "layers": [describe_layer(layer, weights)
                   for layer in (network_layers(model) if is_model else [])],  # fmt: skip
        "chain_error": _chain_error(model) if is_model else "not a Keras model",
    }


# --- The grader's activations: identified by their values on GRID ------------------------


def _sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def _softplus(x):
    return np.logaddexp(0.0, x)


def _softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def _log_softmax(x):
    z = x - np.max(x, axis=-1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))


def _erf(x):
    """erf to 1.5e-7 (Abramowitz & Stegun 7.1.26): NumPy has none, float32 needs no more."""
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                          + t * 1.061405429))))
    return np.sign(x) * (1.0 - poly * np.exp(-x * x))


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805

# key: (the name A3's tests use, the function on float64 arrays; softmax on the last axis)
CATALOGUE = {
    "linear": ("linear", lambda x: x),
    "relu": ("relu", lambda x: np.maximum(x, 0.0)),
    "relu6": ("relu6", lambda x: np.clip(x, 0.0, 6.0)),
    "leaky_relu": ("leaky_relu", lambda x: np.where(x > 0, x, 0.2 * x)),
    "sigmoid": ("sigmoid", _sigmoid),
    "hard_sigmoid": ("hard_sigmoid", lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0)),
    "hard_silu": ("hard_silu", lambda x: x * np.clip(x / 6.0 + 0.5, 0.0, 1.0)),
    "softmax": ("softmax", _softmax),
    "log_softmax": ("log_softmax", _log_softmax),
    "tanh": ("tanh", np.tanh),
    "hard_tanh": ("hard_tanh", lambda x: np.clip(x, -1.0, 1.0)),
    "elu": ("elu", _elu),
    "selu": ("selu", lambda x: SELU_SCALE * _elu(x, SELU_ALPHA)),
    "softplus": ("softplus", _softplus),
    "softsign": ("softsign", lambda x: x / (1.0 + np.abs(x))),
    "log_sigmoid": ("log_sigmoid", lambda x: -_softplus(-x)),
    "gelu": ("gelu", lambda x: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))),
    "gelu_tanh": ("gelu", lambda x: 0.5 * x * (1.0 + np.tanh(
        math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))),
    "silu": ("silu", lambda x: x * _sigmoid(x)),
    "mish": ("mish", lambda x: x * np.tanh(_softplus(x))),
    "exponential": ("exponential", np.exp),
}  # fmt: skip
_EXPECTED = {key: function(GRID.astype(np.float64)) for key, (_, function) in CATALOGUE.items()}


def identify(values) -> str | None:
    """The ``CATALOGUE`` key of the function whose values on ``GRID`` these are, or None."""
    if type(values) is not np.ndarray or values.shape != GRID.shape:
        return None
    if values.dtype.kind not in "fiu":
        return None
    got = values.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        for key, expected in _EXPECTED.items():
            if np.all(np.abs(got - expected) <= TOLERANCE * (1.0 + np.abs(expected))):
                return key
    return None


def activation_name(layer: dict) -> str | None:
    """The non-linearity a described layer applies, as A3's tests name it: "relu", "softmax",
    "leaky_relu", ... identified by its values; None for none (linear, or a layer without
    one); "unknown" for an activation the grader does not know."""
    if not isinstance(layer, dict):
        return None
    key = identify(layer.get("activation_values"))
    kind = layer.get("class")
    if key is not None:
        return None if key == "linear" else CATALOGUE[key][0]
    if isinstance(kind, str) and kind in ACTIVATION_LAYERS:  # LeakyReLU(0.1), PReLU, ...
        return ACTIVATION_LAYERS[kind]
    has_activation = layer.get("activation_function") is not None
    return "unknown" if has_activation or kind in ("Dense", "Activation") else None


# --- In the grader: checking a description and running it --------------------------------


def _shown(text, limit: int = 40) -> str:
    """Student text as it may appear in a message: printable, one line, at most ``limit``."""
    text = text if isinstance(text, str) else type(text).__name__
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _refuse(chinese: str, english: str) -> NotReproducible:
    return NotReproducible(f"评分器无法重建你的模型：{chinese} / "
                           f"the grader cannot rebuild your model: {english}")  # fmt: skip


class _Layer:
    """One described layer being checked: its place, for messages, and typed accessors."""

    def __init__(self, index: int, found):
        if not isinstance(found, dict):
            raise _refuse(f"第 {index} 层的描述不是字典", f"layer {index} is not described")
        self.found = found
        self.kind = found.get("class")
        if not isinstance(self.kind, str):
            raise _refuse(f"第 {index} 层没有类名", f"layer {index} has no class name")
        name = found.get("name")
        label = _shown(self.kind) + (f" “{_shown(name)}”" if isinstance(name, str) else "")
        self.zh, self.en = f"第 {index} 层 {label}", f"layer {index} {label}"
        config = found.get("config", {})
        if not isinstance(config, dict):
            raise self.refuse("的配置不是字典", "has a malformed config")
        self.config = config

    def refuse(self, chinese: str, english: str) -> NotReproducible:
        return _refuse(f"{self.zh}{chinese}", f"{self.en} {english}")

    def number(self, key: str, default, minimum: float | None = None) -> float:
        value = self.config.get(key, default)
        if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
            raise self.refuse(f"的 {key} 不是数", f"has a {key} that is not a number")
        value = float(value)
        if not math.isfinite(value) or (minimum is not None and value < minimum):
            raise self.refuse(f"的 {key} 取值无效", f"has an invalid {key} ({value})")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.config.get(key, default)
        if not isinstance(value, bool | np.bool_):
            raise self.refuse(f"的 {key} 不是布尔值", f"has a {key} that is not True/False")
        return bool(value)

    def last_axis(self, key: str, rank: int) -> None:
        """The layer's ``key`` (an axis) must be the last one (rank counts the batch axis)."""
        axis = self.config.get(key, -1)
        if isinstance(axis, list | tuple) and len(axis) == 1:
            axis = axis[0]
        if isinstance(axis, bool) or not isinstance(axis, int | np.integer) or axis not in (
            -1, rank - 1
        ):
            raise self.refuse(f"的 {key} 不是最后一维，评分器只支持 {key}=-1",
                              f"works on {key}={_shown(repr(axis))}; the grader supports "
                              f"{key}=-1 only")  # fmt: skip

    def weights(self, required: set[str]) -> dict:
        """The layer's weights by name, as float32 arrays: exactly ``required``."""
        weights = self.found.get("weights", {})
        names = set(weights) if isinstance(weights, dict) else set()
        missing = sorted(required - names)
        if missing and "weights" not in self.found:
            raise _refuse("描述里没有权重（请用 describe_network(model, weights=True)）",
                          "the description carries no weights (describe_network(model, "
                          "weights=True))")  # fmt: skip
        if missing:
            raise self.refuse(f"缺少权重 {missing[0]}", f"has no weight '{missing[0]}'")
        extra = sorted(str(n) for n in names - required)
        if extra:
            raise self.refuse(f"有评分器不认识的权重 {_shown(extra[0])}",
                              f"has a weight the grader does not know: '{_shown(extra[0])}'; "
                              f"{USE_INSTEAD[1]}")  # fmt: skip
        return {name: self.array(name, weights[name]) for name in names}

    def array(self, name: str, value) -> np.ndarray:
        if type(value) is not np.ndarray or value.dtype.kind not in "fiu":
            raise self.refuse(f"的权重 {name} 不是数值数组",
                              f"has a weight '{name}' that is not an array of numbers")  # fmt: skip
        array = value.astype(np.float32)
        if not np.all(np.isfinite(array)):
            raise self.refuse(f"的权重 {name} 含有 NaN 或无穷大（训练发散了吗？试试更小的学习率）",
                              f"has NaN or infinite values in its weight '{name}' (did "
                              "training diverge? try a smaller learning rate)")  # fmt: skip
        return array

    def shaped(self, weights: dict, name: str, shape: tuple) -> np.ndarray:
        array = weights[name]
        if array.shape != shape:
            raise self.refuse(f"的权重 {name} 形状是 {array.shape}，应为 {shape}",
                              f"has a weight '{name}' of shape {array.shape}, expected "
                              f"{shape}")  # fmt: skip
        return array


def _cost(shape: tuple) -> int:
    """The work per row of an elementwise step on activations of ``shape``."""
    return ELEMENTWISE_COST * math.prod(shape)


def _elementwise(function):
    """A step applying ``function`` (float64 NumPy) to float32 activations, float32 out."""

    def step(x):
        return np.asarray(function(x.astype(np.float64)), dtype=np.float32)

    return step


def _activation(layer: _Layer):
    """The grader's own implementation of the activation the layer's values identify."""
    key = identify(layer.found.get("activation_values"))
    if key is None:
        function = layer.found.get("activation_function")
        zh = f"（{_shown(function)}）" if isinstance(function, str) else ""
        en = f" ({_shown(function)})" if isinstance(function, str) else ""
        raise layer.refuse(f"的激活函数{zh}不是 Keras 的标准激活函数；请按名字用（activation="
                           "\"relu\"、\"sigmoid\"、\"softmax\" 等）或用 ReLU、LeakyReLU、ELU、"
                           "PReLU 层",
                           f"has an activation{en} that is none of Keras's; use one by name "
                           "(activation=\"relu\", \"sigmoid\", \"softmax\", ...) or a ReLU, "
                           "LeakyReLU, ELU or PReLU layer")  # fmt: skip
    return None if key == "linear" else _elementwise(CATALOGUE[key][1])


def _dense(layer: _Layer, shape: tuple):
    use_bias = layer.flag("use_bias", True)
    weights = layer.weights({"kernel", "bias"} if use_bias else {"kernel"})
    units = layer.found.get("units")
    if isinstance(units, bool) or not isinstance(units, int | np.integer) or units < 1:
        raise layer.refuse("没有有效的 units", "has no valid units")
    kernel = layer.shaped(weights, "kernel", (shape[-1], int(units)))
    bias = layer.shaped(weights, "bias", (int(units),)) if use_bias else None
    activation = _activation(layer)

    def step(x):
        z = np.matmul(x, kernel)
        z = z + bias if bias is not None else z
        return z if activation is None else activation(z)

    out = (*shape[:-1], int(units))
    return step, out, math.prod(shape[:-1]) * kernel.size + _cost(out)


def _batch_norm(layer: _Layer, shape: tuple):
    layer.last_axis("axis", len(shape) + 1)
    if layer.flag("renorm", False):
        raise layer.refuse("用了 renorm，评分器不支持", "uses renorm, which the grader does not "
                           "rebuild")  # fmt: skip
    epsilon = layer.number("epsilon", 1e-3, minimum=0.0)
    center, scale = layer.flag("center", True), layer.flag("scale", True)
    required = {"moving_mean", "moving_variance"} | ({"beta"} if center else set())
    weights = layer.weights(required | ({"gamma"} if scale else set()))
    features = (shape[-1],)
    mean = layer.shaped(weights, "moving_mean", features)
    variance = layer.shaped(weights, "moving_variance", features)
    if not np.all(variance.astype(np.float64) + epsilon > 0):
        raise layer.refuse("的 moving_variance + epsilon 不是正数",
                           "has moving_variance + epsilon that is not positive")  # fmt: skip
    # tf.nn.batch_normalization's arithmetic, in float32.
    inv = (1.0 / np.sqrt(variance + np.float32(epsilon))).astype(np.float32)
    if scale:
        inv = inv * layer.shaped(weights, "gamma", features)
    offset = layer.shaped(weights, "beta", features) if center else np.zeros_like(mean)
    shift = (offset - mean * inv).astype(np.float32)
    return (lambda x: x * inv + shift), shape, _cost(shape)


def _relu(layer: _Layer, shape: tuple):
    """keras.layers.ReLU: Keras's relu(x, negative_slope, max_value, threshold)."""
    slope = layer.number("negative_slope", 0.0, minimum=0.0)
    threshold = layer.number("threshold", 0.0)
    cap = None if layer.config.get("max_value") is None else layer.number("max_value", None, 0.0)

    def relu(x):
        if slope != 0 and cap is None and threshold == 0:
            return np.where(x > 0, x, slope * x)
        y = np.where(x > threshold, x, 0.0) if threshold != 0 else np.maximum(x, 0.0)
        y = y if cap is None else np.clip(y, 0.0, cap)
        return y - slope * np.maximum(threshold - x, 0.0) if slope != 0 else y

    return _elementwise(relu), shape, _cost(shape)


def _leaky_relu(layer: _Layer, shape: tuple):
    slope = layer.number("negative_slope", 0.3)
    return _elementwise(lambda x: np.where(x > 0, x, slope * x)), shape, _cost(shape)


def _elu_layer(layer: _Layer, shape: tuple):
    alpha = layer.number("alpha", 1.0)
    return _elementwise(lambda x: _elu(x, alpha)), shape, _cost(shape)


def _prelu(layer: _Layer, shape: tuple):
    alpha = layer.weights({"alpha"})["alpha"]
    if alpha.ndim != len(shape) or any(a not in (1, s) for a, s in zip(alpha.shape, shape,
                                                                       strict=True)):
        raise layer.refuse(f"的权重 alpha 形状是 {alpha.shape}，与输入 {shape} 不符",
                           f"has a weight 'alpha' of shape {alpha.shape} that does not fit "
                           f"its input {shape}")  # fmt: skip
    slopes = alpha.astype(np.float64)
    prelu = _elementwise(lambda x: np.maximum(x, 0.0) - slopes * np.maximum(-x, 0.0))
    return prelu, shape, _cost(shape)


def _softmax_layer(layer: _Layer, shape: tuple):
    layer.last_axis("axis", len(shape) + 1)
    return _elementwise(_softmax), shape, _cost(shape)


def _activation_layer(layer: _Layer, shape: tuple):
    activation = _activation(layer)
    return (activation or (lambda x: x)), shape, _cost(shape)


def _flatten(layer: _Layer, shape: tuple):
    first = layer.config.get("data_format", "channels_last") == "channels_first"
    if first and len(shape) > 1:  # Keras moves the channels last before flattening

        def step(x):
            return np.moveaxis(x, 1, -1).reshape(len(x), -1)

    else:

        def step(x):
            return x.reshape(len(x), -1)

    return step, (math.prod(shape),), math.prod(shape)


def _pass_through(layer: _Layer, shape: tuple):
    layer.weights(set())  # a dropout with weights is not a dropout
    return (lambda x: x), shape, 0


BUILDERS = {"Dense": _dense, "BatchNormalization": _batch_norm, "ReLU": _relu,
            "LeakyReLU": _leaky_relu, "ELU": _elu_layer, "PReLU": _prelu,
            "Softmax": _softmax_layer, "Activation": _activation_layer, "Flatten": _flatten,
            **{kind: _pass_through for kind in PASS_THROUGH}}  # fmt: skip


def _layers(description) -> list:
    """The description's layers, after the checks that need no layer: format, model class,
    chain, number of layers and of parameters."""
    if not isinstance(description, dict) or description.get("format") != FORMAT:
        raise _refuse("模型描述格式不对（请用 hwkit.model_data.describe_network）",
                      "the description is not one describe_network made")  # fmt: skip
    if description.get("standard_model") is not True:
        kind = _shown(description.get("model_class"))
        raise _refuse(f"模型 {kind} 不是标准的 keras.Model 或 keras.Sequential（子类，或改写了"
                      "call/predict）；请用 keras.Model(inputs, outputs) 或 keras.Sequential 搭建",
                      f"the model {kind} is not a plain keras.Model or keras.Sequential (a "
                      "subclass, or its call/predict replaced); build it with "
                      "keras.Model(inputs, outputs) or keras.Sequential")  # fmt: skip
    layers = description.get("layers")
    if not isinstance(layers, list | tuple) or not layers:
        raise _refuse("模型描述里没有层", "the description has no layers")
    if len(layers) > MAX_LAYERS:
        raise _refuse(f"模型有 {len(layers)} 层，评分器最多重建 {MAX_LAYERS} 层",
                      f"the model has {len(layers)} layers; the grader rebuilds at most "
                      f"{MAX_LAYERS}")  # fmt: skip
    problem = description.get("chain_error")
    if problem != "":
        why = _shown(problem, 160) if isinstance(problem, str) else "unknown"
        raise _refuse(f"各层不是一条直链（{why}）；每层必须接上一层的输出，不能有分支或跳连",
                      f"the layers are not one chain ({why}); each layer must take the "
                      "previous one's output, with no branches or skip connections")  # fmt: skip
    parameters = 0
    for index, found in enumerate(layers, start=1):
        weights = found.get("weights", {}) if isinstance(found, dict) else {}
        if not isinstance(weights, dict) or len(weights) > MAX_WEIGHTS_PER_LAYER:
            raise _refuse(f"第 {index} 层的权重描述不对", f"layer {index} has malformed weights")
        for value in weights.values():
            parameters += int(value.size) if type(value) is np.ndarray else 0
    if parameters > MAX_PARAMETERS:
        raise _refuse(f"模型有 {parameters:,} 个参数，评分器最多重建 {MAX_PARAMETERS:,} 个",
                      f"the model has {parameters:,} parameters; the grader rebuilds at most "
                      f"{MAX_PARAMETERS:,}")  # fmt: skip
    return list(layers)


def _input_shape(description: dict, rows: tuple) -> tuple:
    """The model's input shape per row; ``rows`` (the data's shape per row) fills what the
    description leaves open. Raises NotReproducible when the data cannot be that shape."""
    inputs = description.get("inputs", [])
    if not isinstance(inputs, list | tuple) or len(inputs) > 1:
        raise _refuse("模型必须只有一个输入", "the model must have exactly one input")
    if not inputs:  # a Sequential model described before it was built
        return rows
    shape = inputs[0]
    if not isinstance(shape, list | tuple) or not 2 <= len(shape) <= MAX_INPUT_RANK + 1:
        raise _refuse("模型的输入形状不对", "the model's input shape is malformed")
    dims = []
    for index, dim in enumerate(shape[1:]):
        if dim is None and len(shape) - 1 == len(rows):
            dims.append(rows[index])
        elif isinstance(dim, int | np.integer) and not isinstance(dim, bool) and dim >= 1:
            dims.append(int(dim))
        else:
            raise _refuse("模型的输入形状不对", "the model's input shape is malformed")
    if math.prod(dims) != math.prod(rows):
        raise _refuse(f"模型的输入形状是 {tuple(dims)}，而数据每行是 {rows}",
                      f"the model takes inputs of shape {tuple(dims)}, but the data's rows "
                      f"are {rows}")  # fmt: skip
    return tuple(dims)


def _plan(description, rows: tuple) -> tuple[tuple, list, tuple, int, int]:
    """(input shape, steps, output shape per row, work per row, widest activation per row)
    for data whose rows have shape ``rows``; raises NotReproducible."""
    found = _layers(description)
    shape = first = _input_shape(description, rows)
    steps, work, widest = [], 0, math.prod(shape)
    for index, described in enumerate(found, start=1):
        layer = _Layer(index, described)
        if layer.found.get("standard") is not True:
            raise layer.refuse(f" 不是标准 Keras 层（子类，或改写了 call）；{USE_INSTEAD[0]}",
                               f"is not a standard Keras layer (a subclass, or its call "
                               f"replaced); {USE_INSTEAD[1]}")  # fmt: skip
        builder = BUILDERS.get(layer.kind)
        if builder is None:
            raise layer.refuse(f" 不是评分器能重建的层；{USE_INSTEAD[0]}（激活层可用 Activation、"
                               "ReLU、LeakyReLU、PReLU、ELU、Softmax）",
                               f"is not a layer the grader can rebuild; {USE_INSTEAD[1]} "
                               "(Activation, ReLU, LeakyReLU, PReLU, ELU, Softmax)")  # fmt: skip
        step, shape, cost = builder(layer, shape)
        steps.append(step)
        widest, work = max(widest, math.prod(shape)), work + cost
    return first, steps, shape, work, widest


def forward(description, X, batch_size: int = 1024) -> np.ndarray:
    """The described network's inference-mode output, computed by the grader in NumPy.

    - description: what ``describe_network(model, weights=True)`` made, received as data
    - X: (n, ...) numbers, exactly what the model takes as input during training (rows of
      another shape with as many numbers are reshaped to the model's input shape)
    Returns (n, outputs) float32. Raises NotReproducible (a ValueError) when the grader cannot
    rebuild the network; plain ValueError when X is not an array of rows of numbers."""
    X = X if hasattr(X, "shape") and hasattr(X, "dtype") else np.asarray(X)
    if len(X.shape) < 2 or np.dtype(X.dtype).kind not in "biuf":
        raise ValueError("X must be an array of rows of numbers, (n, features...)")
    try:
        with np.errstate(all="ignore"):
            shape, steps, out_shape, work, widest = _plan(description, tuple(X.shape[1:]))
    except (NotReproducible, MemoryError):
        raise
    except Exception as error:  # a description malformed in a way no check above names
        raise _refuse("模型描述格式不对", f"the description is malformed "
                      f"({type(error).__name__})") from None  # fmt: skip
    n = len(X)
    if n * work > MAX_MULTIPLY_ADDS:
        raise _refuse(f"模型太大：{n} 行 × 每行 {work:,} 次运算超过评分器的上限 "
                      f"{MAX_MULTIPLY_ADDS:.0e}",
                      f"the model is too large: {n} rows × {work:,} operations per row is "
                      f"past the grader's bound of {MAX_MULTIPLY_ADDS:.0e}")  # fmt: skip
    step_rows = max(1, min(int(batch_size), MAX_BATCH_ELEMENTS // max(1, widest)))
    outputs = []
    with np.errstate(all="ignore"):  # overflow to inf is the model's answer, not an error
        for start in range(0, max(n, 1), step_rows):
            x = np.asarray(X[start : start + step_rows], dtype=np.float32)
            x = x.reshape((len(x), *shape))
            for step in steps:
                x = step(x).astype(np.float32, copy=False)
            outputs.append(x)
    return np.concatenate(outputs).reshape((n, *out_shape))


def predict_labels(description, X, batch_size: int = 1024) -> np.ndarray:
    """The described network's answers, (n,) int64: the argmax of its outputs, or output > 0.5
    for a single (sigmoid) output, as ``hwkit.a3_training.predict_labels`` decides. Raises
    NotReproducible like ``forward``, and when the output is not one vector per row."""
    scores = forward(description, X, batch_size)
    if scores.ndim != 2 or scores.shape[1] < 1:
        raise _refuse(f"模型每行输出的形状是 {scores.shape[1:]}，应为一个向量",
                      f"the model's output per row has shape {scores.shape[1:]}, not one "
                      "vector")  # fmt: skip
    if scores.shape[1] == 1:
        return (scores[:, 0] > 0.5).astype(np.int64)
    return np.argmax(scores, axis=1).astype(np.int64)
