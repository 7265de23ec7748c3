"""A3's training loop, shared by the notebook and its hidden tests so both train the same way.

Models are Keras models on flattened gray images, ``x: (b, side*side) float32 in [0, 1]``;
labels are ``(b,) int`` in {0 other, 1 dog}. A model with one sigmoid output (the shallow
net) says "dog" above 0.5; a model with two softmax outputs says the argmax.
"""

import math

import numpy as np

from hwkit.datasets.pipeline import Augmentation, batches
from hwkit.notebook_budget import notebook_epochs
from hwkit.splits import stratified_test_mask

EVAL_BATCH = 1024


def split_validation(
    labels: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of a training part cut into (train_rows, val_rows), stratified and seeded."""
    is_val = stratified_test_mask(labels, round(len(labels) * fraction), seed)
    return np.flatnonzero(~is_val), np.flatnonzero(is_val)


def steps_per_epoch(samples: int, batch_size: int) -> int:
    """Mini-batches per epoch, the slide's ``decay_steps = sample_size / batch_size`` rounded up."""
    return math.ceil(samples / batch_size)


def fit_classifier(
    model,
    optimizer,
    loss: str,
    images: np.ndarray,
    labels: np.ndarray,
    train_rows: np.ndarray,
    val_rows: np.ndarray,
    *,
    batch_size: int,
    epochs: int,
    seed: int,
    patience: int | None = None,
    augment: Augmentation | None = None,
    verbose: int = 0,
) -> dict[str, list[float]]:
    """Compile ``model`` and train it with mini-batches streamed from ``images``.

    - images: (m, side, side) uint8 (memory-mapped is fine); labels: (m,) int in {0, 1}
    - train_rows, val_rows: which rows train and which validate
    - loss: "binary_crossentropy" (one sigmoid output) or "sparse_categorical_crossentropy"
    - patience: early stopping on the validation loss, keeping the best epoch's weights
      (None: train all ``epochs``)
    Under grading the notebook's own runs train ``notebook_epochs(epochs)`` (one epoch): the
    tests retrain the student's code under their budget (``hwkit.notebook_budget``).
    Returns Keras's history: per-epoch "loss", "accuracy", "val_loss", "val_accuracy".
    """
    import keras

    epochs = notebook_epochs(epochs)
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    train = batches(images, labels, batch_size, rows=train_rows, seed=seed, augment=augment)
    val = batches(images, labels, EVAL_BATCH, rows=val_rows, shuffle=False)
    callbacks = []
    if patience:
        callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience,
                                                       restore_best_weights=True))
    history = model.fit(train, validation_data=val, epochs=epochs, callbacks=callbacks,
                        shuffle=False, verbose=verbose)  # the pipeline shuffles
    return {name: [float(v) for v in values] for name, values in history.history.items()}


def predict_labels(model, images: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """The model's answers, (k,) int64 in {0, 1}: sigmoid > 0.5, or the argmax of two outputs."""
    dummy = np.zeros(len(images), dtype=np.int64)
    stream = batches(images, dummy, EVAL_BATCH, rows=rows, shuffle=False)
    scores = np.asarray(model.predict(stream.map(lambda x, y: x), verbose=0))
    if scores.ndim == 1 or scores.shape[1] == 1:
        return (scores.reshape(-1) > 0.5).astype(np.int64)
    return np.argmax(scores, axis=1).astype(np.int64)


def accuracy(
    model, images: np.ndarray, labels: np.ndarray, rows: np.ndarray | None = None
) -> float:
    """Share of ``rows`` (default all) the model labels right, in [0, 1]."""
    rows = np.arange(len(labels)) if rows is None else np.asarray(rows)
    return float(np.mean(predict_labels(model, images, rows) == np.asarray(labels)[rows]))
