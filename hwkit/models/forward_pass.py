"""A Keras model as plain data, and the grader's own forward pass on it.

The student's kernel never sees held-out data. It hands back its trained model as data with
``hwkit.kernel.describe.describe_network`` (architecture, activations and weights:
``hwkit.values`` can send it);
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

from hwkit.models.activations import FORMAT
from hwkit.models.layers import (
    BUILDERS,
    MAX_WEIGHTS_PER_LAYER,
    USE_INSTEAD,
    Layer,
    NotReproducible,
    refuse,
    shown,
)

MAX_LAYERS = 64
MAX_PARAMETERS = 100_000_000  # 400 MB of float32: above the largest reply an assignment allows
MAX_MULTIPLY_ADDS = 2e11
MAX_BATCH_ELEMENTS = 1 << 22
MAX_INPUT_RANK = 8


def _layers(description) -> list:
    """The description's layers, after the checks that need no layer: format, model class,
    chain, number of layers and of parameters."""
    if not isinstance(description, dict) or description.get("format") != FORMAT:
        raise refuse("模型描述格式不对（请用 hwkit.models.describe_network）",
                      "the description is not one describe_network made")
    if description.get("standard_model") is not True:
        kind = shown(description.get("model_class"))
        raise refuse(f"模型 {kind} 不是标准的 keras.Model 或 keras.Sequential（子类，或改写了"
                      "call/predict）；请用 keras.Model(inputs, outputs) 或 keras.Sequential 搭建",
                      f"the model {kind} is not a plain keras.Model or keras.Sequential (a "
                      "subclass, or its call/predict replaced); build it with "
                      "keras.Model(inputs, outputs) or keras.Sequential")
    layers = description.get("layers")
    if not isinstance(layers, list | tuple) or not layers:
        raise refuse("模型描述里没有层", "the description has no layers")
    if len(layers) > MAX_LAYERS:
        raise refuse(f"模型有 {len(layers)} 层，评分器最多重建 {MAX_LAYERS} 层",
                      f"the model has {len(layers)} layers; the grader rebuilds at most "
                      f"{MAX_LAYERS}")
    problem = description.get("chain_error")
    if problem != "":
        why = shown(problem, 160) if isinstance(problem, str) else "unknown"
        raise refuse(f"各层不是一条直链（{why}）；每层必须接上一层的输出，不能有分支或跳连",
                      f"the layers are not one chain ({why}); each layer must take the "
                      "previous one's output, with no branches or skip connections")
    parameters = 0
    for index, found in enumerate(layers, start=1):
        weights = found.get("weights", {}) if isinstance(found, dict) else {}
        if not isinstance(weights, dict) or len(weights) > MAX_WEIGHTS_PER_LAYER:
            raise refuse(f"第 {index} 层的权重描述不对", f"layer {index} has malformed weights")
        for value in weights.values():
            parameters += int(value.size) if type(value) is np.ndarray else 0
    if parameters > MAX_PARAMETERS:
        raise refuse(f"模型有 {parameters:,} 个参数，评分器最多重建 {MAX_PARAMETERS:,} 个",
                      f"the model has {parameters:,} parameters; the grader rebuilds at most "
                      f"{MAX_PARAMETERS:,}")
    return list(layers)


def _input_shape(description: dict, rows: tuple) -> tuple:
    """The model's input shape per row; ``rows`` (the data's shape per row) fills what the
    description leaves open. Raises NotReproducible when the data cannot be that shape."""
    inputs = description.get("inputs", [])
    if not isinstance(inputs, list | tuple) or len(inputs) > 1:
        raise refuse("模型必须只有一个输入", "the model must have exactly one input")
    if not inputs:  # a Sequential model described before it was built
        return rows
    shape = inputs[0]
    if not isinstance(shape, list | tuple) or not 2 <= len(shape) <= MAX_INPUT_RANK + 1:
        raise refuse("模型的输入形状不对", "the model's input shape is malformed")
    dims = []
    for index, dim in enumerate(shape[1:]):
        if dim is None and len(shape) - 1 == len(rows):
            dims.append(rows[index])
        elif isinstance(dim, int | np.integer) and not isinstance(dim, bool) and dim >= 1:
            dims.append(int(dim))
        else:
            raise refuse("模型的输入形状不对", "the model's input shape is malformed")
    if math.prod(dims) != math.prod(rows):
        raise refuse(f"模型的输入形状是 {tuple(dims)}，而数据每行是 {rows}",
                      f"the model takes inputs of shape {tuple(dims)}, but the data's rows "
                      f"are {rows}")
    return tuple(dims)


def _plan(description, rows: tuple) -> tuple[tuple, list, tuple, int, int]:
    """(input shape, steps, output shape per row, work per row, widest activation per row)
    for data whose rows have shape ``rows``; raises NotReproducible."""
    found = _layers(description)
    shape = first = _input_shape(description, rows)
    steps, work, widest = [], 0, math.prod(shape)
    for index, described in enumerate(found, start=1):
        layer = Layer(index, described)
        if layer.found.get("standard") is not True:
            raise layer.refuse(f" 不是标准 Keras 层（子类，或改写了 call）；{USE_INSTEAD[0]}",
                               f"is not a standard Keras layer (a subclass, or its call "
                               f"replaced); {USE_INSTEAD[1]}")
        builder = BUILDERS.get(layer.kind)
        if builder is None:
            raise layer.refuse(f" 不是评分器能重建的层；{USE_INSTEAD[0]}（激活层可用 Activation、"
                               "ReLU、LeakyReLU、PReLU、ELU、Softmax）",
                               f"is not a layer the grader can rebuild; {USE_INSTEAD[1]} "
                               "(Activation, ReLU, LeakyReLU, PReLU, ELU, Softmax)")
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
        raise refuse("模型描述格式不对", f"the description is malformed "
                      f"({type(error).__name__})") from None
    n = len(X)
    if n * work > MAX_MULTIPLY_ADDS:
        raise refuse(f"模型太大：{n} 行 × 每行 {work:,} 次运算超过评分器的上限 "
                      f"{MAX_MULTIPLY_ADDS:.0e}",
                      f"the model is too large: {n} rows × {work:,} operations per row is "
                      f"past the grader's bound of {MAX_MULTIPLY_ADDS:.0e}")
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
    for a single (sigmoid) output, as ``hwkit.assignments.a3.training.predict_labels``
    decides. Raises NotReproducible like ``forward``, and when the output is not one vector per
    row."""
    scores = forward(description, X, batch_size)
    if scores.ndim != 2 or scores.shape[1] < 1:
        raise refuse(f"模型每行输出的形状是 {scores.shape[1:]}，应为一个向量",
                      f"the model's output per row has shape {scores.shape[1:]}, not one "
                      "vector")
    if scores.shape[1] == 1:
        return (scores[:, 0] > 0.5).astype(np.int64)
    return np.argmax(scores, axis=1).astype(np.int64)
