"""A3's grading budget and its statistically honest accuracy thresholds (the grader's side;
the kernel's retraining, and the budget itself, are in ``hwkit.assignments.a3.retraining``).

The hidden accuracy tests retrain the student's DNN (their ``build_dnn``, optimizer and batch
size) under a fixed budget — image side, training-set cap, epochs, early stopping — once per
seed in ``student_seeds``, and average the held-out accuracies on the test part that the
notebook never trains on. The bar is measured, not guessed: the reference solution is trained
under the same budget on the same data once per seed in ``reference_seeds`` (cached beside the
data's cache, computed once per data set and budget), and

    threshold = mean_ref − standard_errors · SE,
    SE² = sd_ref² / n_student + sd_ref² / n_reference + 2 · p (1 − p) / n_test

the standard error of the difference between the student's mean and the reference's mean if
the student's code were as good as the reference: seed-to-seed spread (``sd_ref``, measured)
of both means, plus the binomial sampling error of the ``n_test`` held-out images for each of
the two models (p = mean_ref). With 2 standard errors a submission exactly as good as the
reference fails with probability about 2 %. The DNN must also beat the reference shallow net
(the slide's configuration) by ``gap``.

On a GPU the budget is the course's format (227 × 227, all training images); on a CPU it is
64 × 64 and at most 8,000 training images, so one submission grades in minutes on 2 cores.
"""

import fcntl
import hashlib
import importlib.util
import inspect
import json
import math
import sys
import tempfile
import zipfile
from dataclasses import asdict
from pathlib import Path

import numpy as np

from hwkit import metrics
from hwkit.assignments.a3.retraining import (  # the kernel's side, used here and by the tests
    CPU_BUDGET,
    GPU_BUDGET,
    GRADING_SEED,
    Budget,
    budget_for,
    checked_batch_size,
    current_budget,
    grading_data,
    grading_rows,
    student_dnn_models,
    train_model,
    validation_accuracies,
)
from hwkit.datasets.imagenet_dog import DogImages, load_imagenet_dog


def held_out_labels(models: list[dict], data: DogImages) -> np.ndarray:
    """(len(models), n_test) labels of described models (``hwkit.models``) on the
    held-out part, computed by the grader's own forward pass; raises AssertionError with a
    ``REPORT:`` line when a model cannot be rebuilt from standard layers."""
    from hwkit.models import NotReproducible, predict_labels

    X, _ = data.flat("test")
    try:
        return np.stack([predict_labels(model, X) for model in models])
    except NotReproducible as problem:
        raise AssertionError(f"REPORT: {problem}") from None


def train_and_predict(
    build_model, make_optimizer, loss: str, batch_size: int, epochs: int,
    data: DogImages, budget: Budget, seed: int, patience: int | None,
) -> np.ndarray:
    """Held-out test labels, (n_test,) int64, of one model trained from ``seed`` under
    ``budget``: the same forward pass the grader uses for students' models."""
    from hwkit.kernel.describe import describe_network

    model = train_model(build_model, make_optimizer, loss, batch_size, epochs, data, budget,
                        seed, patience)
    return held_out_labels([describe_network(model)], data)[0]


def train_and_score(
    build_model, make_optimizer, loss: str, batch_size: int, epochs: int,
    data: DogImages, budget: Budget, seed: int, patience: int | None,
) -> float:
    """Held-out test accuracy in [0, 1] of ``train_and_predict`` with the same arguments."""
    labels = train_and_predict(build_model, make_optimizer, loss, batch_size, epochs,
                               data, budget, seed, patience)
    return float(np.mean(labels == np.asarray(data.y_test)))


def _dnn_predictions(module, data: DogImages, budget: Budget, seeds) -> np.ndarray:
    """(len(seeds), n_test) held-out labels of ``module``'s DNN, one row per seed."""
    return np.stack([train_and_predict(module.build_dnn, module.make_dnn_optimizer,
                                       "sparse_categorical_crossentropy", module.BATCH_SIZE,
                                       budget.epochs, data, budget, seed, budget.patience)
                     for seed in seeds])


def _dnn_runs(module, data: DogImages, budget: Budget, seeds) -> list[float]:
    correct = _dnn_predictions(module, data, budget, seeds) == np.asarray(data.y_test)[None, :]
    return [float(row.mean()) for row in correct]


def _shallow_runs(module, data: DogImages, budget: Budget, seeds) -> list[float]:
    return [train_and_score(module.build_shallow, module.make_shallow_optimizer,
                            "binary_crossentropy", module.SHALLOW_BATCH_SIZE,
                            module.SHALLOW_EPOCHS, data, budget, seed, None)
            for seed in seeds]


def _reference_key(source: str, data: DogImages, budget: Budget) -> str:
    """The cache key of the reference's figures: budget, data and the reference's code."""
    text = json.dumps([asdict(budget), data.manifest["sha256"], source])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _source_of(module) -> str:
    """The reference module's file text (what ``prepare`` reads from the zip, byte for byte)."""
    file = getattr(module, "__file__", None)
    return Path(file).read_text(encoding="utf-8") if file else inspect.getsource(module)


def _cached_stats(source: str, data: DogImages, budget: Budget) -> dict | None:
    path = data.cache_dir / f"reference-{_reference_key(source, data, budget)}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def bar(dnn: list[float], n_test: int, budget: Budget) -> dict:
    """The threshold from the reference's accuracies ``dnn`` (one per seed) on ``n_test``
    held-out images (see the module docstring): dnn_mean, dnn_sd, se, threshold."""
    mean, sd = float(np.mean(dnn)), float(np.std(dnn, ddof=1))
    variance = sd**2 * (1 / len(budget.student_seeds) + 1 / len(dnn))
    se = math.sqrt(variance + 2 * mean * (1 - mean) / n_test)
    return {"dnn_mean": mean, "dnn_sd": sd, "se": se,
            "threshold": mean - budget.standard_errors * se}


def reference_stats(module, data: DogImages, budget: Budget) -> dict:
    """The reference's accuracies under ``budget`` on ``data`` and the resulting bars.

    ``module`` is the reference solution (``a3_reference``: build_dnn, make_dnn_optimizer,
    BATCH_SIZE, build_shallow, make_shallow_optimizer, SHALLOW_BATCH_SIZE, SHALLOW_EPOCHS).
    Computed once per data set, budget and reference code, under a file lock so parallel
    graders wait for one computation; stored as JSON in the data's cache folder.
    """
    source = _source_of(module)
    path = data.cache_dir / f"reference-{_reference_key(source, data, budget)}.json"
    with open(data.cache_dir / ".reference.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cached = _cached_stats(source, data, budget)
        if cached is not None:
            return cached
        dnn = _dnn_runs(module, data, budget, budget.reference_seeds)
        shallow = _shallow_runs(module, data, budget, budget.reference_seeds)
        stats = {"budget": asdict(budget), "data": data.description, "dnn": dnn,
                 "shallow": shallow, "shallow_mean": float(np.mean(shallow)),
                 **bar(dnn, len(data.y_test), budget)}
        path.write_text(json.dumps(stats, indent=1), encoding="utf-8")
        return stats


def student_dnn_labels(models: list[dict], data: DogImages) -> np.ndarray:
    """In the grader: (n_student_seeds, n_test) held-out labels of the student's described
    DNNs, recorded for the public/private accuracies as "dnn"."""
    predictions = held_out_labels(models, data)
    metrics.record("dnn", predictions)
    return predictions


def grading_view(views: Path, device: str):
    """A3's kernels' view of ImageNet-dog (``hwkit.datapaths``) at the device's budget side:
    the training images and labels of the grader's cache, nothing else of it."""
    from hwkit.datapaths import DataView
    from hwkit.datasets.imagenet_dog import write_grading_view

    side = budget_for(device).side
    root, files = write_grading_view(views, side)
    return DataView(str(root), (str(root), *files), (),
                    f"ImageNet-dog at {side} px: the kernel sees the training part only")


def heldout_labels(device: str) -> np.ndarray:
    """The held-out images' labels at the device's budget side, (n,) uint8 (never
    downloaded)."""
    side = budget_for(device).side
    return np.asarray(load_imagenet_dog(side, allow_download=False, verbose=False).y_test)


def describe(stats: dict, budget: Budget) -> str:
    """One line for the feedback: both bars and the budget. The student's own accuracy is not
    in it: the grader reports the public part's (the whole held-out figure would give away the
    private part's, ranked on the leaderboard after the reveal)."""
    return (f"your DNN is below a bar (your public-part accuracy is in your report); "
            f"bar {stats['threshold']:.1%} = reference {stats['dnn_mean']:.1%} − "
            f"{budget.standard_errors:g} × SE {stats['se']:.1%} (reference sd over "
            f"{len(stats['dnn'])} seeds {stats['dnn_sd']:.1%}); shallow reference "
            f"{stats['shallow_mean']:.1%} + gap {budget.gap:.0%}; "
            f"{budget.description}")


def prepare(autograder_zip: Path, device: str) -> dict:
    """Before a batch: build the data cache at the device's budget and measure the reference
    once (both cached), so submissions only train their own models. The cache is keyed on the
    reference's text, so a batch whose figures are cached never runs the reference (nor
    imports TensorFlow). Raises ``ImageNetDogDataError`` when there is no data to grade on."""
    budget = budget_for(device)
    data = load_imagenet_dog(budget.side)
    with zipfile.ZipFile(autograder_zip) as archive:
        source = archive.read("files/a3_reference.py").decode("utf-8")
    stats = _cached_stats(source, data, budget)
    if stats is None:
        stats = _measure_reference(autograder_zip, data, budget)
    print(f"参考解 / reference: DNN {stats['dnn_mean']:.1%} ± {stats['dnn_sd']:.1%}, shallow "
          f"{stats['shallow_mean']:.1%}; bar {stats['threshold']:.1%}", flush=True)
    return stats


def _measure_reference(autograder_zip: Path, data: DogImages, budget: Budget) -> dict:
    with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(autograder_zip) as archive:
        path = Path(archive.extract("files/a3_reference.py", folder))
        spec = importlib.util.spec_from_file_location("a3_reference", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"参考解 / reference: measuring on {budget.description} (once per data set) ...",
              flush=True)
        return reference_stats(module, data, budget)


if __name__ == "__main__":  # python -m hwkit.assignments.a3.budget AUTOGRADER_ZIP DEVICE
    prepare(Path(sys.argv[1]), sys.argv[2])


__all__ = [
    "CPU_BUDGET", "GPU_BUDGET", "GRADING_SEED", "Budget", "budget_for", "checked_batch_size",
    "current_budget", "grading_data", "grading_rows", "student_dnn_models", "train_model",
    "validation_accuracies", "bar", "describe", "grading_view", "held_out_labels",
    "heldout_labels", "prepare", "reference_stats", "student_dnn_labels",
]
