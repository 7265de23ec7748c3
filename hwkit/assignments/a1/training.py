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


def train_and_describe(build_model, train_step, optimizer, seed, epochs, batch_size) -> dict:
    """In the kernel, for a hidden accuracy test: a fresh model from the student's
    ``build_model()``, trained with their ``train_step`` and a fresh copy of their optimizer's
    settings on the training digits (all a grading kernel has) for the grading budget, then
    handed back as data (``hwkit.models``): the grader predicts the held-out digits."""
    import keras

    from hwkit.datasets.mnist import load_mnist
    from hwkit.kernel.describe import describe_network

    data = load_mnist(verbose=False)
    keras.utils.set_random_seed(seed)
    model = build_model()
    fresh = type(optimizer).from_config(optimizer.get_config())
    fit(model, train_step, fresh, data.X_train, data.y_train, epochs=epochs,
        batch_size=batch_size, seed=seed)
    return describe_network(model)


def held_out_labels(name: str, model: dict, X_test) -> np.ndarray:
    """In the grader: the argmax labels, (n,) int64, of a described model on the held-out
    digits ``X_test: (n, 784) float32``, computed by the grader's own forward pass and
    recorded as accuracy ``name``; AssertionError with a ``REPORT:`` line when the model
    cannot be rebuilt from standard layers."""
    from hwkit import metrics
    from hwkit.models import NotReproducible, predict_labels

    try:
        labels = predict_labels(model, np.asarray(X_test))
    except NotReproducible as problem:
        raise AssertionError(f"REPORT: {problem}") from None
    metrics.record(name, labels)
    return labels
