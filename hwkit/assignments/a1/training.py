"""A1's training loop, the same code as the notebook's given helpers (cell "给定的训练工具").

The hidden accuracy tests retrain a submission with the student's ``build_*`` function, their
``*train_step`` and their optimizer's settings. They run in the submission's kernel, where the
notebook's own ``fit`` may have been edited and the reference module is not there, so they
train with this copy instead; ``tests/test_a1_training.py`` checks that it stays identical to
the master's ``minibatches``, ``accuracy`` and ``fit``.

Models are Keras models on flattened MNIST digits, ``x: (b, 784) float32 in [0, 1]``, with ten
outputs (the argmax is the answer); labels are ``(m,) int`` in 0..9.
"""

import numpy as np
import tensorflow as tf

from hwkit.datasets.mnist import one_hot
from hwkit.notebook_budget import exact_epochs, notebook_digits, notebook_epochs


def minibatches(X, Y, batch_size, rng):
    """Shuffled mini-batches for one epoch.

    - X: (m, 784) float32 in [0, 1]; Y: (m, 10) float32 one-hot
    Yields (x, y_): tf.Tensor (b, 784) float32 and (b, 10) float32, b <= batch_size.
    """
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        batch = order[start : start + batch_size]
        yield tf.constant(X[batch]), tf.constant(Y[batch])


def accuracy(model, X, y):
    """Argmax accuracy. X: (m, 784) float32; y: (m,) int labels. Returns a float in [0, 1]."""
    scores = model.predict(X, batch_size=2048, verbose=0)
    return float(np.mean(np.argmax(scores, axis=1) == y))


def fit(model, train_step, optimizer, X, y, epochs, batch_size, seed, X_val=None, y_val=None):
    """Mini-batch gradient descent: ``train_step(model, optimizer, x, y_)`` on every batch.

    - X: (m, 784) float32 in [0, 1]; y: (m,) int labels 0..9
    - seed: int, the only source of randomness of the batch order
    Returns history: dict of per-epoch lists "loss" (mean batch loss), "train_acc" (on the
    first 10,000 training digits) and "val_acc" (empty without X_val).
    """
    epochs = notebook_epochs(epochs)  # 评分时只跑 1 个 epoch、5,000 个样本 / under grading:
    X, y = notebook_digits(X, y)  # 1 epoch on 5,000 digits (the tests retrain on their own)
    rng = np.random.default_rng(seed)
    Y = one_hot(y)
    step = tf.function(train_step, reduce_retracing=True)
    history = {"loss": [], "train_acc": [], "val_acc": []}
    for _ in range(epochs):
        losses = []
        for x_batch, y_batch in minibatches(X, Y, batch_size, rng):
            try:
                losses.append(step(model, optimizer, x_batch, y_batch))
            except Exception as error:
                if step is train_step:
                    raise
                print(f"train_step cannot run as a tf.function ({type(error).__name__}); "
                      "running it eagerly (slower) / 改为逐步执行（较慢）")
                step = train_step
                losses.append(step(model, optimizer, x_batch, y_batch))
        history["loss"].append(float(np.mean([float(loss) for loss in losses])))
        history["train_acc"].append(accuracy(model, X[:10000], y[:10000]))
        if X_val is not None:
            history["val_acc"].append(accuracy(model, X_val, y_val))
    return history


VALIDATION_FRACTION = 1 / 12  # the notebook's split: 55,000 training and 5,000 validation digits
_retrained: dict = {}


def retrained(build_model, train_step, optimizer, seed, epochs, batch_size):
    """In the kernel: the grading budget's retraining of the student's code — a fresh
    ``build_model()``, their ``train_step``, a fresh copy of their optimizer's settings, the
    budget's seed, epochs and batch size — on the training part of the notebook's split of the
    training digits (all a grading kernel has). Run once per kernel for the same functions,
    settings and budget: the public check and the hidden test of a question share it.
    Returns (model, X_val (m, 784) float32, y_val (m,) int)."""
    import json

    import keras

    from hwkit.datasets.mnist import SPLIT_SEED, load_mnist, stratified_split

    key = (build_model, train_step, json.dumps(optimizer.get_config(), sort_keys=True,
                                               default=str), seed, epochs, batch_size)
    if key not in _retrained:
        data = load_mnist(verbose=False)
        X_train, y_train, X_val, y_val = stratified_split(
            data.X_train, data.y_train, test_fraction=VALIDATION_FRACTION, seed=SPLIT_SEED)
        keras.utils.set_random_seed(seed)
        model = build_model()
        fresh = type(optimizer).from_config(optimizer.get_config())
        with exact_epochs():
            fit(model, train_step, fresh, X_train, y_train, epochs=epochs,
                batch_size=batch_size, seed=seed)
        _retrained[key] = (model, X_val, y_val)
    return _retrained[key]


def train_and_describe(build_model, train_step, optimizer, seed, epochs, batch_size) -> dict:
    """In the kernel, for a hidden accuracy test: the model ``retrained`` made, handed back as
    data (``hwkit.models``): the grader predicts the held-out digits."""
    from hwkit.kernel.describe import describe_network

    model, _, _ = retrained(build_model, train_step, optimizer, seed, epochs, batch_size)
    return describe_network(model)


def validation_accuracy(build_model, train_step, optimizer, seed, epochs, batch_size) -> float:
    """For a public accuracy check, in the notebook: the hidden test's retraining
    (``retrained``) scored on the validation part of the notebook's split. Returns a float in
    [0, 1]."""
    model, X_val, y_val = retrained(build_model, train_step, optimizer, seed, epochs, batch_size)
    return accuracy(model, X_val, y_val)
