"""What the grader and a kernel agree on about a network described as data: the
description's format and the activations both sides identify by their values.

The kernel (``hwkit.kernel.describe``) applies each layer's activation to ``GRID`` and sends
the values; the grader (``hwkit.models.forward_pass``) and A3's structure checks name an
activation by matching those values against ``CATALOGUE`` (``identify``), never by the
function's name, so ``tf.nn.softmax`` is softmax whatever it is called.
"""

import math

import numpy as np

FORMAT = "hwkit.models/1"
TOLERANCE = 1e-5  # activation values: |got - expected| <= TOLERANCE * (1 + |expected|)

# 64 distinct values in [-8, 8] (past relu6's cap), permuted so that no row is a shift of
# another: softmax over the last axis differs from softmax over any other axis.
GRID = np.linspace(-8.0, 8.0, 64, dtype=np.float32)[(7 * np.arange(64)) % 64].reshape(4, 16)

ACTIVATION_LAYERS = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "PReLU": "prelu", "ELU": "elu",
                     "Softmax": "softmax"}
PASS_THROUGH = {"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
                "GaussianNoise", "GaussianDropout", "AlphaDropout", "Identity",
                "ActivityRegularization", "InputLayer"}


def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def softplus(x):
    return np.logaddexp(0.0, x)


def softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(x):
    z = x - np.max(x, axis=-1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))


def erf(x):
    """erf to 1.5e-7 (Abramowitz & Stegun 7.1.26): NumPy has none, float32 needs no more."""
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                          + t * 1.061405429))))
    return np.sign(x) * (1.0 - poly * np.exp(-x * x))


def elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805

# key: (the name A3's tests use, the function on float64 arrays; softmax on the last axis)
CATALOGUE = {
    "linear": ("linear", lambda x: x),
    "relu": ("relu", lambda x: np.maximum(x, 0.0)),
    "relu6": ("relu6", lambda x: np.clip(x, 0.0, 6.0)),
    "leaky_relu": ("leaky_relu", lambda x: np.where(x > 0, x, 0.2 * x)),
    "sigmoid": ("sigmoid", sigmoid),
    "hard_sigmoid": ("hard_sigmoid", lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0)),
    "hard_silu": ("hard_silu", lambda x: x * np.clip(x / 6.0 + 0.5, 0.0, 1.0)),
    "softmax": ("softmax", softmax),
    "log_softmax": ("log_softmax", log_softmax),
    "tanh": ("tanh", np.tanh),
    "hard_tanh": ("hard_tanh", lambda x: np.clip(x, -1.0, 1.0)),
    "elu": ("elu", elu),
    "selu": ("selu", lambda x: SELU_SCALE * elu(x, SELU_ALPHA)),
    "softplus": ("softplus", softplus),
    "softsign": ("softsign", lambda x: x / (1.0 + np.abs(x))),
    "log_sigmoid": ("log_sigmoid", lambda x: -softplus(-x)),
    "gelu": ("gelu", lambda x: 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))),
    "gelu_tanh": ("gelu", lambda x: 0.5 * x * (1.0 + np.tanh(
        math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))),
    "silu": ("silu", lambda x: x * sigmoid(x)),
    "mish": ("mish", lambda x: x * np.tanh(softplus(x))),
    "exponential": ("exponential", np.exp),
}
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


def dense_activations(description: dict) -> list[str | None]:
    """The non-linearity after each Dense layer of a described chain, in order: the Dense's own
    (``activation_name``) or, when it has none, that of the activation layers right after it
    (``Dense(256)`` then ``ReLU()`` is a ReLU layer too); None where there is none."""
    found: list[str | None] = []
    for layer in description.get("layers", []) if isinstance(description, dict) else []:
        kind = layer.get("class") if isinstance(layer, dict) else None
        name = activation_name(layer)
        if kind == "Dense":
            found.append(name)
        elif found and name is not None:
            found[-1] = name if found[-1] is None else found[-1]
    return found
