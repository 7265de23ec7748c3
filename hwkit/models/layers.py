"""The layers the grader can rebuild from a description, each checked and turned into a
NumPy step (``BUILDERS``: Dense, BatchNormalization, the ReLU family and other activations,
Softmax, Flatten, and the layers that pass values through in inference). Every weight, shape
and setting comes from a kernel and is checked before it is used (``NotReproducible``)."""

import math

import numpy as np

from hwkit.models.activations import (
    CATALOGUE,
    PASS_THROUGH,
    elu,
    identify,
    softmax,
)

ELEMENTWISE_COST = 1000
MAX_WEIGHTS_PER_LAYER = 16
USE_INSTEAD = ("请只用 keras.layers.Dense、BatchNormalization、Dropout 和激活函数搭建",
               "build it from keras.layers.Dense, BatchNormalization, Dropout and activations")


class NotReproducible(ValueError):
    """The grader cannot rebuild this model; the message (one line, Chinese / English) says
    which layer and what to use instead."""


def shown(text, limit: int = 40) -> str:
    """Student text as it may appear in a message: printable, one line, at most ``limit``."""
    text = text if isinstance(text, str) else type(text).__name__
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def refuse(chinese: str, english: str) -> NotReproducible:
    return NotReproducible(f"评分器无法重建你的模型：{chinese} / "
                           f"the grader cannot rebuild your model: {english}")


class Layer:
    """One described layer being checked: its place, for messages, and typed accessors."""

    def __init__(self, index: int, found):
        if not isinstance(found, dict):
            raise refuse(f"第 {index} 层的描述不是字典", f"layer {index} is not described")
        self.found = found
        self.kind = found.get("class")
        if not isinstance(self.kind, str):
            raise refuse(f"第 {index} 层没有类名", f"layer {index} has no class name")
        name = found.get("name")
        label = shown(self.kind) + (f" “{shown(name)}”" if isinstance(name, str) else "")
        self.zh, self.en = f"第 {index} 层 {label}", f"layer {index} {label}"
        config = found.get("config", {})
        if not isinstance(config, dict):
            raise self.refuse("的配置不是字典", "has a malformed config")
        self.config = config

    def refuse(self, chinese: str, english: str) -> NotReproducible:
        return refuse(f"{self.zh}{chinese}", f"{self.en} {english}")

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
                              f"works on {key}={shown(repr(axis))}; the grader supports "
                              f"{key}=-1 only")

    def weights(self, required: set[str]) -> dict:
        """The layer's weights by name, as float32 arrays: exactly ``required``."""
        weights = self.found.get("weights", {})
        names = set(weights) if isinstance(weights, dict) else set()
        missing = sorted(required - names)
        if missing and "weights" not in self.found:
            raise refuse("描述里没有权重（请用 describe_network(model, weights=True)）",
                          "the description carries no weights (describe_network(model, "
                          "weights=True))")
        if missing:
            raise self.refuse(f"缺少权重 {missing[0]}", f"has no weight '{missing[0]}'")
        extra = sorted(str(n) for n in names - required)
        if extra:
            raise self.refuse(f"有评分器不认识的权重 {shown(extra[0])}",
                              f"has a weight the grader does not know: '{shown(extra[0])}'; "
                              f"{USE_INSTEAD[1]}")
        return {name: self.array(name, weights[name]) for name in names}

    def array(self, name: str, value) -> np.ndarray:
        if type(value) is not np.ndarray or value.dtype.kind not in "fiu":
            raise self.refuse(f"的权重 {name} 不是数值数组",
                              f"has a weight '{name}' that is not an array of numbers")
        array = value.astype(np.float32)
        if not np.all(np.isfinite(array)):
            raise self.refuse(f"的权重 {name} 含有 NaN 或无穷大（训练发散了吗？试试更小的学习率）",
                              f"has NaN or infinite values in its weight '{name}' (did "
                              "training diverge? try a smaller learning rate)")
        return array

    def shaped(self, weights: dict, name: str, shape: tuple) -> np.ndarray:
        array = weights[name]
        if array.shape != shape:
            raise self.refuse(f"的权重 {name} 形状是 {array.shape}，应为 {shape}",
                              f"has a weight '{name}' of shape {array.shape}, expected "
                              f"{shape}")
        return array


def _cost(shape: tuple) -> int:
    """The work per row of an elementwise step on activations of ``shape``."""
    return ELEMENTWISE_COST * math.prod(shape)


def _elementwise(function):
    """A step applying ``function`` (float64 NumPy) to float32 activations, float32 out."""

    def step(x):
        return np.asarray(function(x.astype(np.float64)), dtype=np.float32)

    return step


def _activation(layer: Layer):
    """The grader's own implementation of the activation the layer's values identify."""
    key = identify(layer.found.get("activation_values"))
    if key is None:
        function = layer.found.get("activation_function")
        zh = f"（{shown(function)}）" if isinstance(function, str) else ""
        en = f" ({shown(function)})" if isinstance(function, str) else ""
        raise layer.refuse(f"的激活函数{zh}不是 Keras 的标准激活函数；请按名字用（activation="
                           "\"relu\"、\"sigmoid\"、\"softmax\" 等）或用 ReLU、LeakyReLU、ELU、"
                           "PReLU 层",
                           f"has an activation{en} that is none of Keras's; use one by name "
                           "(activation=\"relu\", \"sigmoid\", \"softmax\", ...) or a ReLU, "
                           "LeakyReLU, ELU or PReLU layer")
    return None if key == "linear" else _elementwise(CATALOGUE[key][1])


def _dense(layer: Layer, shape: tuple):
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


def _batch_norm(layer: Layer, shape: tuple):
    layer.last_axis("axis", len(shape) + 1)
    if layer.flag("renorm", False):
        raise layer.refuse("用了 renorm，评分器不支持", "uses renorm, which the grader does not "
                           "rebuild")
    epsilon = layer.number("epsilon", 1e-3, minimum=0.0)
    center, scale = layer.flag("center", True), layer.flag("scale", True)
    required = {"moving_mean", "moving_variance"} | ({"beta"} if center else set())
    weights = layer.weights(required | ({"gamma"} if scale else set()))
    features = (shape[-1],)
    mean = layer.shaped(weights, "moving_mean", features)
    variance = layer.shaped(weights, "moving_variance", features)
    if not np.all(variance.astype(np.float64) + epsilon > 0):
        raise layer.refuse("的 moving_variance + epsilon 不是正数",
                           "has moving_variance + epsilon that is not positive")
    # tf.nn.batch_normalization's arithmetic, in float32.
    inv = (1.0 / np.sqrt(variance + np.float32(epsilon))).astype(np.float32)
    if scale:
        inv = inv * layer.shaped(weights, "gamma", features)
    offset = layer.shaped(weights, "beta", features) if center else np.zeros_like(mean)
    shift = (offset - mean * inv).astype(np.float32)
    return (lambda x: x * inv + shift), shape, _cost(shape)


def _relu(layer: Layer, shape: tuple):
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


def _leaky_relu(layer: Layer, shape: tuple):
    slope = layer.number("negative_slope", 0.3)
    return _elementwise(lambda x: np.where(x > 0, x, slope * x)), shape, _cost(shape)


def _elu_layer(layer: Layer, shape: tuple):
    alpha = layer.number("alpha", 1.0)
    return _elementwise(lambda x: elu(x, alpha)), shape, _cost(shape)


def _prelu(layer: Layer, shape: tuple):
    alpha = layer.weights({"alpha"})["alpha"]
    if alpha.ndim != len(shape) or any(a not in (1, s) for a, s in zip(alpha.shape, shape,
                                                                       strict=True)):
        raise layer.refuse(f"的权重 alpha 形状是 {alpha.shape}，与输入 {shape} 不符",
                           f"has a weight 'alpha' of shape {alpha.shape} that does not fit "
                           f"its input {shape}")
    slopes = alpha.astype(np.float64)
    prelu = _elementwise(lambda x: np.maximum(x, 0.0) - slopes * np.maximum(-x, 0.0))
    return prelu, shape, _cost(shape)


def _softmax_layer(layer: Layer, shape: tuple):
    layer.last_axis("axis", len(shape) + 1)
    return _elementwise(softmax), shape, _cost(shape)


def _activation_layer(layer: Layer, shape: tuple):
    activation = _activation(layer)
    return (activation or (lambda x: x)), shape, _cost(shape)


def _flatten(layer: Layer, shape: tuple):
    first = layer.config.get("data_format", "channels_last") == "channels_first"
    if first and len(shape) > 1:  # Keras moves the channels last before flattening

        def step(x):
            return np.moveaxis(x, 1, -1).reshape(len(x), -1)

    else:

        def step(x):
            return x.reshape(len(x), -1)

    return step, (math.prod(shape),), math.prod(shape)


def _pass_through(layer: Layer, shape: tuple):
    layer.weights(set())  # a dropout with weights is not a dropout
    return (lambda x: x), shape, 0


BUILDERS = {"Dense": _dense, "BatchNormalization": _batch_norm, "ReLU": _relu,
            "LeakyReLU": _leaky_relu, "ELU": _elu_layer, "PReLU": _prelu,
            "Softmax": _softmax_layer, "Activation": _activation_layer, "Flatten": _flatten,
            **{kind: _pass_through for kind in PASS_THROUGH}}
