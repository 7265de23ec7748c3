"""A3's retraining of a submission in its kernel: the grading budget, the data the kernel
has, and the runs that q5's public check and hidden tests share.

This is the kernel's side of ``hwkit.assignments.a3.budget`` (whose measured bars, reference
runs and held-out labels are the grader's and never reach a student): the public check of q5
runs it on a student's machine too, so it ships in the students' kit.

Images are ``(m, side, side) uint8`` gray; labels ``(m,) int`` in {0 other, 1 dog}.
"""

import functools
import os
from dataclasses import dataclass

import numpy as np

from hwkit.assignments.a3.training import (
    accuracy,
    fit_classifier,
    split_validation,
    steps_per_epoch,
)
from hwkit.datasets.imagenet_dog import COURSE_SIDE, DogImages, load_imagenet_dog
from hwkit.notebook_budget import exact_epochs
from hwkit.splits import stratified_test_mask

GRADING_SEED = 2017


@dataclass(frozen=True)
class Budget:
    """How the hidden tests train one model.

    - side: image side in pixels; max_train: cap on training images (None: all), a seeded
      stratified sample; val_fraction: share of those kept for early stopping
    - epochs, patience: at most this many epochs, stopping after ``patience`` without a lower
      validation loss (best weights kept)
    - student_seeds, reference_seeds: seeds of the retraining runs
    - standard_errors, gap: the two bars (see the module docstring), accuracies in [0, 1]
    """

    name: str
    side: int
    max_train: int | None
    val_fraction: float = 0.1
    epochs: int = 20
    patience: int = 3
    student_seeds: tuple[int, ...] = (0, 1)
    reference_seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    standard_errors: float = 2.0
    gap: float = 0.04

    @property
    def description(self) -> str:
        cap = f"≤ {self.max_train:,} training images" if self.max_train else "all training images"
        return (f"{self.name} budget: {self.side}×{self.side} gray, {cap}, ≤ {self.epochs} epochs "
                f"with early stopping, mean of {len(self.student_seeds)} seeds")


CPU_BUDGET = Budget("CPU", side=64, max_train=8_000)
GPU_BUDGET = Budget("GPU", side=COURSE_SIDE, max_train=None)


def budget_for(device: str) -> Budget:
    """The budget for ``device`` as recorded by the grader ("cpu" or "gpu: <name>")."""
    return GPU_BUDGET if device.startswith("gpu") else CPU_BUDGET


def current_budget() -> Budget:
    """The budget for the grading device (``$HWKIT_GRADING_DEVICE``, set by the grader for its
    judges), else for the device TensorFlow sees in this process."""
    device = os.environ.get("HWKIT_GRADING_DEVICE")
    if device:
        return budget_for(device)
    import tensorflow as tf

    return budget_for("gpu" if tf.config.list_physical_devices("GPU") else "cpu")


def grading_data(budget: Budget) -> DogImages:
    """The ImageNet-dog set at the budget's side (cached, quiet)."""
    return load_imagenet_dog(budget.side, verbose=False)


def grading_rows(data: DogImages, budget: Budget) -> tuple[np.ndarray, np.ndarray]:
    """(train_rows, val_rows) into ``data.X_train`` under the budget's cap, seeded."""
    rows = np.arange(len(data.y_train))
    if budget.max_train and len(rows) > budget.max_train:
        rows = np.flatnonzero(stratified_test_mask(data.y_train, budget.max_train, GRADING_SEED))
    train, val = split_validation(np.asarray(data.y_train)[rows], budget.val_fraction, GRADING_SEED)
    return rows[train], rows[val]


def train_model(
    build_model, make_optimizer, loss: str, batch_size: int, epochs: int,
    data: DogImages, budget: Budget, seed: int, patience: int | None,
):
    """One model trained from ``seed`` under ``budget`` on the training part of ``data``.

    - build_model(input_dim) → keras.Model; make_optimizer(steps_per_epoch) → optimizer
    """
    import keras

    train_rows, val_rows = grading_rows(data, budget)
    keras.utils.set_random_seed(seed)
    model = build_model(data.input_dim)
    optimizer = make_optimizer(steps_per_epoch(len(train_rows), batch_size))
    with exact_epochs():  # the budget's epochs, under grading too
        fit_classifier(model, optimizer, loss, data.X_train, data.y_train, train_rows, val_rows,
                       batch_size=batch_size, epochs=epochs, seed=seed, patience=patience)
    return model


@functools.lru_cache(maxsize=4)
def _student_dnns(build_dnn, make_dnn_optimizer, batch_size: int, budget: Budget) -> tuple:
    """In the kernel: the student's DNN trained once per seed of the budget on the training
    part (all the kernel has), once per kernel: q5's public check and its hidden tests share
    these runs. Returns a tuple of keras.Model."""
    data = grading_data(budget)
    return tuple(train_model(build_dnn, make_dnn_optimizer, "sparse_categorical_crossentropy",
                             batch_size, budget.epochs, data, budget, seed, budget.patience)
                 for seed in budget.student_seeds)


@functools.lru_cache(maxsize=4)
def student_dnn_models(
    build_dnn, make_dnn_optimizer, batch_size: int, budget: Budget
) -> list[dict]:
    """In the kernel: the retrained DNNs (``_student_dnns``), each handed back as data
    (``hwkit.models``) for the grader to predict the held-out part with."""
    from hwkit.kernel.describe import describe_network

    return [describe_network(model)
            for model in _student_dnns(build_dnn, make_dnn_optimizer, batch_size, budget)]


def validation_accuracies(
    build_dnn, make_dnn_optimizer, batch_size: int,
    build_shallow, make_shallow_optimizer, shallow_batch_size: int, shallow_epochs: int,
    budget: Budget,
) -> tuple[float, float]:
    """In the kernel (q5's public check): the hidden test's retrained DNNs (``_student_dnns``)
    and the student's shallow net retrained once under the same budget (seed
    ``GRADING_SEED``, ``shallow_epochs``, no early stopping, as the notebook trains it), both
    scored on the budget's validation rows. Returns (mean DNN accuracy, shallow accuracy),
    each in [0, 1]."""
    data = grading_data(budget)
    _, val_rows = grading_rows(data, budget)
    dnns = _student_dnns(build_dnn, make_dnn_optimizer, batch_size, budget)
    dnn_val = float(np.mean([accuracy(m, data.X_train, data.y_train, val_rows) for m in dnns]))
    shallow = train_model(build_shallow, make_shallow_optimizer, "binary_crossentropy",
                          shallow_batch_size, shallow_epochs, data, budget, GRADING_SEED, None)
    return dnn_val, accuracy(shallow, data.X_train, data.y_train, val_rows)


def checked_batch_size(batch_size) -> int:
    """The student's batch size if it is an int in 16..1024; raises AssertionError otherwise."""
    ok = isinstance(batch_size, int | np.integer) and 16 <= int(batch_size) <= 1024
    assert ok, f"BATCH_SIZE must be an int between 16 and 1024, got {batch_size!r}"
    return int(batch_size)
