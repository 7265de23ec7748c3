"""A3 benchmark: the ImageNet-dog pipeline's throughput, epoch times, and the reference
accuracies of the shallow net and the DNN on every dog/other photo set found under $HWKIT_DATA.

Run from the project root (``../shared/data`` is used when it exists):

    .venv/bin/python benchmarks/a3_accuracy.py [--seeds 5] [--quick]

Everything is trained exactly as the hidden tests do
(``hwkit.assignments.a3.budget.train_and_score``,
the CPU budget, or the GPU budget at 227 × 227 when TensorFlow sees a GPU), with the
reference solution extracted from ``solutions/a3/a3.ipynb``. Prints Markdown tables.
"""

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import nbformat
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
if SHARED.is_dir():
    os.environ.setdefault("HWKIT_DATA", str(SHARED))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(ROOT))

from hwkit.assignments import get_assignment  # noqa: E402
from hwkit.assignments.a3 import budget as a3_budget  # noqa: E402
from hwkit.builder.master import extract_reference_source  # noqa: E402
from hwkit.datapaths import data_home  # noqa: E402
from hwkit.datasets.imagenet_dog import load_imagenet_dog  # noqa: E402
from hwkit.datasets.pipeline import Augmentation, batches  # noqa: E402

SETS = ("imagenet_dog", "imagenet_dog_224", "dogs_vs_cats", "imagenet_sample")


def reference_module():
    assignment = get_assignment("a3")
    source = extract_reference_source(nbformat.read(assignment.master, as_version=4),
                                      assignment.title)
    path = Path(tempfile.mkdtemp()) / "a3_reference.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("a3_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def decode_rate(folder: Path, side: int) -> tuple[float, int]:
    """Images per second decoding ``folder`` into a fresh cache at ``side`` px."""
    os.environ["HWKIT_CACHE"] = tempfile.mkdtemp(prefix="hwkit-bench-")
    started = time.perf_counter()
    data = load_imagenet_dog(side, data_dir=folder, verbose=False)
    count = data.manifest["files"]
    return count / (time.perf_counter() - started), count


def stream_rate(data, augment: Augmentation | None) -> float:
    """Images per second through the tf.data pipeline from the cache (one full epoch)."""
    started = time.perf_counter()
    seen = sum(int(y.shape[0]) for _, y in batches(data.X_train, data.y_train, 128, seed=0,
                                                   augment=augment))
    return seen / (time.perf_counter() - started)


def mean_sd(values: list[float]) -> str:
    sd = np.std(values, ddof=1) if len(values) > 1 else 0.0
    return f"{np.mean(values):.1%} ± {sd:.1%}"


def timed_runs(run, seeds) -> tuple[list[float], float]:
    started = time.perf_counter()
    accuracies = [run(seed) for seed in seeds]
    return accuracies, (time.perf_counter() - started) / len(seeds)


def accuracy_table(ref, budget, seeds, sets) -> None:
    print(f"\n### Reference accuracies, {len(seeds)} seeds each ({budget.description}; held-out "
          "test part)\n")
    print("| set | train / test | shallow | DNN | DNN − shallow | s per DNN run | "
          "s per shallow run |")
    print("|---|---|---|---|---|---|---|")
    for name in sets:
        data = load_imagenet_dog(budget.side, data_dir=data_home() / name, verbose=False)
        dnn, dnn_s = timed_runs(lambda s, d=data: a3_budget.train_and_score(
            ref.build_dnn, ref.make_dnn_optimizer, "sparse_categorical_crossentropy",
            ref.BATCH_SIZE, budget.epochs, d, budget, s, budget.patience), seeds)
        shallow, shallow_s = timed_runs(lambda s, d=data: a3_budget.train_and_score(
            ref.build_shallow, ref.make_shallow_optimizer, "binary_crossentropy",
            ref.SHALLOW_BATCH_SIZE, ref.SHALLOW_EPOCHS, d, budget, s, None), seeds)
        gaps = [a - b for a, b in zip(dnn, shallow, strict=True)]
        bar = a3_budget.bar(dnn, len(data.y_test), budget)
        print(f"| {name} | {len(data.y_train):,} / {len(data.y_test):,} | {mean_sd(shallow)} | "
              f"{mean_sd(dnn)} (bar {bar['threshold']:.1%}) | {mean_sd(gaps)} | {dnn_s:.1f} | "
              f"{shallow_s:.1f} |", flush=True)


def experiments_table(ref, budget, seeds) -> None:
    """What more data, resolution and augmentation buy (imagenet_dog, reference DNN)."""
    print(f"\n### What data, resolution and augmentation buy (imagenet_dog, DNN, {len(seeds)} "
          "seeds; validation = the grader's 10 % cut)\n")
    print("| variant | test accuracy | s per run |")
    print("|---|---|---|")
    folder = data_home() / "imagenet_dog"
    variants = [
        ("32×32, all training images", replace(budget, side=32), None),
        ("64×64, half the training images", replace(budget, max_train=2_400), None),
        ("64×64, all training images", budget, None),
        ("64×64, all + augmentation", budget, Augmentation()),
    ]
    for label, variant, augment in variants:
        data = load_imagenet_dog(variant.side, data_dir=folder, verbose=False)

        def run(seed, data=data, variant=variant, augment=augment):
            import keras

            from hwkit.assignments.a3.training import accuracy, fit_classifier, steps_per_epoch

            train_rows, val_rows = a3_budget.grading_rows(data, variant)
            keras.utils.set_random_seed(seed)
            model = ref.build_dnn(data.input_dim)
            optimizer = ref.make_dnn_optimizer(steps_per_epoch(len(train_rows), ref.BATCH_SIZE))
            fit_classifier(model, optimizer, "sparse_categorical_crossentropy", data.X_train,
                           data.y_train, train_rows, val_rows, batch_size=ref.BATCH_SIZE,
                           epochs=variant.epochs, seed=seed, patience=variant.patience,
                           augment=augment)
            return accuracy(model, data.X_test, data.y_test)

        accuracies, seconds = timed_runs(run, seeds)
        print(f"| {label} | {mean_sd(accuracies)} | {seconds:.1f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per accuracy (default 5)")
    parser.add_argument("--quick", action="store_true", help="imagenet_dog only, 2 seeds")
    args = parser.parse_args()
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    budget = a3_budget.current_budget()
    print(f"# A3 benchmark — {os.cpu_count()} cores, GPU: {[g.name for g in gpus] or 'none'}, "
          f"TensorFlow {tf.__version__}, data {data_home()}")
    sets = [s for s in SETS if (data_home() / s / "dog").is_dir()]
    if args.quick:
        sets, args.seeds = sets[:1], 2
    print("\n### Pipeline throughput (images/s)\n")
    print("| set | images | decode → cache, 64 px | decode → cache, 227 px | from cache | "
          "from cache + augmentation |")
    print("|---|---|---|---|---|---|")
    cache = tempfile.mkdtemp(prefix="hwkit-bench-")
    for name in sets:
        rate64, count = decode_rate(data_home() / name, 64)
        rate227, _ = decode_rate(data_home() / name, 227)
        os.environ["HWKIT_CACHE"] = cache
        data = load_imagenet_dog(budget.side, data_dir=data_home() / name, verbose=False)
        print(f"| {name} | {count:,} | {rate64:,.0f} | {rate227:,.0f} | "
              f"{stream_rate(data, None):,.0f} | {stream_rate(data, Augmentation()):,.0f} |",
              flush=True)
    ref = reference_module()
    seeds = tuple(range(args.seeds))
    accuracy_table(ref, budget, seeds, [s for s in sets if s != "imagenet_sample"])
    if not args.quick:
        experiments_table(ref, budget, seeds[:3])


if __name__ == "__main__":
    main()
