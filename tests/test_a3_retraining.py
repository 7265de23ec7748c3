"""A3's retraining in the kernel (``hwkit.assignments.a3.retraining``): the notebook's own runs
shrink under grading while the tests' retraining keeps its budget, and q5's public check and
hidden tests share one retraining of the student's DNN."""

from types import SimpleNamespace

import keras
import numpy as np

from hwkit.assignments.a3 import retraining
from hwkit.assignments.a3.training import fit_classifier
from hwkit.notebook_budget import exact_epochs


def _tiny(side=4, m=40):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(m, side, side), dtype=np.uint8)
    labels = np.arange(m) % 2
    return images, labels


def _model(input_dim):
    x = keras.Input(shape=(input_dim,))
    return keras.Model(x, keras.layers.Dense(1, activation="sigmoid")(x))


def test_fit_classifier_runs_one_epoch_under_grading_but_the_tests_budget_inside_exact(
        monkeypatch):
    images, labels = _tiny()
    rows = np.arange(len(labels))

    def epochs_run():
        history = fit_classifier(_model(16), keras.optimizers.SGD(0.01), "binary_crossentropy",
                                 images, labels, rows[:30], rows[30:], batch_size=10, epochs=3,
                                 seed=0)
        return len(history["loss"])

    monkeypatch.delenv("HWKIT_GRADING", raising=False)
    assert epochs_run() == 3
    monkeypatch.setenv("HWKIT_GRADING", "1")
    assert epochs_run() == 1
    with exact_epochs():
        assert epochs_run() == 3


def test_the_public_check_and_the_hidden_tests_share_one_retraining(monkeypatch):
    images, labels = _tiny(m=200)
    data = SimpleNamespace(X_train=images, y_train=labels, input_dim=16)
    trained = []

    def fake_train_model(build, make_optimizer, loss, batch_size, epochs, data, budget, seed,
                         patience):
        trained.append((build.__name__, seed))
        return f"{build.__name__}-{seed}"

    monkeypatch.setattr(retraining, "grading_data", lambda budget: data)
    monkeypatch.setattr(retraining, "train_model", fake_train_model)
    monkeypatch.setattr(retraining, "accuracy",
                        lambda model, X, y, rows: 0.6 if model.startswith("dnn") else 0.5)
    monkeypatch.setattr("hwkit.kernel.describe.describe_network", lambda model: {"m": model})
    retraining._student_dnns.cache_clear()
    retraining.student_dnn_models.cache_clear()

    def dnn(input_dim): ...

    def shallow(input_dim): ...

    budget = retraining.Budget("test", side=4, max_train=None, student_seeds=(0, 1))
    try:
        public = retraining.validation_accuracies(dnn, None, 32, shallow, None, 64, 10, budget)
        hidden = retraining.student_dnn_models(dnn, None, 32, budget)
    finally:
        retraining._student_dnns.cache_clear()
        retraining.student_dnn_models.cache_clear()
    assert public == (0.6, 0.5)
    assert hidden == [{"m": "dnn-0"}, {"m": "dnn-1"}]
    assert trained == [("dnn", 0), ("dnn", 1), ("shallow", retraining.GRADING_SEED)]
