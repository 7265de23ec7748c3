"""Benchmark: submissions per hour on one A2 batch, bare `otter run` vs hwkit's engines.

Builds A2, writes a batch of `--size` (default 40) distinct submissions, a quarter each of
the reference (30/30), forward-only (6/30), a syntax error (19/30) and the blank release
(0/30), each with one harmless cell of its own so that no result is reused. Then grades the
same batch, `--workers` at a time (default: cores), with
1. bare `otter run -a ZIP` (one process per submission, as the otter CLI does it),
2. `hwkit grade` with cold kernels (`GradeOptions(warm=False)`: a kernel started per submission),
3. `hwkit grade` with warm kernels (the default: forked from `hwkit.sandbox.zygote`),
4. `hwkit grade --engine ray` on a local Ray instance that the batch starts (skipped without
   Ray), and on one started before the clock runs (a TA's `ray start --head`), both with warm
   kernels (a zygote per Ray worker process),
and prints each one's wall clock, submissions per hour, and the ratio to bare otter, with the
machine's core count. With `--a3-gpu` and a GPU that TensorFlow sees, it also grades A3's
samples with 1, 2 and 4 workers sharing the GPU.
Run: `.venv/bin/python benchmarks/throughput.py [--size 40] [--workers N] [--a3-gpu]`.
"""

import argparse
import copy
import os
import platform
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path

import nbformat

from hwkit.assignments import get_assignment
from hwkit.builder import build
from hwkit.builder.samples import write_samples
from hwkit.grading.batch import GradeOptions, grade_folder

KINDS = ("reference", "forward_only", "broken_forward", "blank_release")


def write_batch(samples: dict[str, Path], folder: Path, size: int) -> list[Path]:
    folder.mkdir()
    paths = []
    for i in range(size):
        kind = KINDS[i % len(KINDS)]
        notebook = copy.deepcopy(nbformat.read(samples[kind], as_version=4))
        notebook.cells.append(nbformat.v4.new_code_cell(f"_batch_index = {i}"))
        path = folder / f"{i:03d}_{kind}.ipynb"
        nbformat.write(notebook, path)
        paths.append(path)
    return paths


def bare_otter(zip_path: Path, paths: list[Path], workers: int, scratch: Path) -> float:
    def one(path: Path) -> None:
        out = scratch / path.stem
        out.mkdir()
        subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(zip_path), "-o",
                        str(out), str(path)], check=True, capture_output=True)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, paths))
    return time.perf_counter() - started


def hwkit_batch(assignment, folder: Path, out: Path, options: GradeOptions, autograder: Path):
    started = time.perf_counter()
    report = grade_folder(assignment, folder, out, options, autograder_dir=autograder)
    return time.perf_counter() - started, report.results


def summarize(results) -> str:
    scores = sorted({(r.submission.split("_", 1)[1], r.score) for r in results})
    mean = sum(r.duration_s for r in results) / len(results)
    return f"mean {mean:.2f} s per submission; scores {dict(scores)}"


def a3_on_gpu(root: Path) -> None:
    from hwkit.grading.devices import tensorflow_device

    device = tensorflow_device()
    if not device.startswith("gpu"):
        print(f"\nA3 on a GPU: skipped (TensorFlow sees {device})")
        return
    a3 = get_assignment("a3")
    output = build(a3, release_dir=root / "a3rel", autograder_dir=root / "a3ag", run_tests=False)
    solution = output.autograder_zip.parent / "a3-solution.ipynb"
    samples = write_samples("a3", output.release_dir / "a3.ipynb", solution, root / "a3s")
    folder = root / "a3batch"
    folder.mkdir()
    for i in range(8):
        notebook = nbformat.read(samples["reference"], as_version=4)
        notebook.cells.append(nbformat.v4.new_code_cell(f"_batch_index = {i}"))
        nbformat.write(notebook, folder / f"{i:02d}.ipynb")
    print(f"\nA3 on {device}: 8 reference submissions")
    for workers in (1, 2, 4):
        options = GradeOptions(workers=workers, timeout_s=a3.timeout_s, memory_mb=a3.memory_mb,
                               regrade=True, progress=False)
        seconds, results = hwkit_batch(a3, folder, root / f"a3out{workers}", options,
                                       output.autograder_zip.parent)
        print(f"  {workers} workers: {seconds:.1f} s, {3600 * len(results) / seconds:.0f} per hour;"
              f" {summarize(results)}")


@contextmanager
def running_ray(cpus: int):
    """A local Ray instance started before the clock runs, as a TA's ``ray start --head``
    is: the batch only connects to it (its start-up is the "(local)" row's extra)."""
    import ray

    ray.init(address="local", num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=40)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--a3-gpu", action="store_true")
    args = parser.parse_args()
    a2 = get_assignment("a2")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"machine: {machine}; A2 batch of {args.size}, {args.workers} at a time")
    with tempfile.TemporaryDirectory(prefix="hwkit-throughput-") as tmp:
        root = Path(tmp)
        output = build(a2, release_dir=root / "release", autograder_dir=root / "ag")
        autograder = output.autograder_zip.parent
        samples = write_samples("a2", output.release_dir / "a2.ipynb",
                                autograder / "a2-solution.ipynb", root / "samples")
        paths = write_batch(samples, root / "batch", args.size)
        rows = []
        (root / "otter").mkdir()
        bare = bare_otter(output.autograder_zip, paths, args.workers, root / "otter")
        rows.append(("bare otter run", bare, ""))
        engines = (("hwkit, cold kernels", {"warm": False}, False),
                   ("hwkit, warm kernels", {}, False),
                   ("hwkit --engine ray (local)", {"engine": "ray"}, False),
                   ("hwkit --engine ray (running)", {"engine": "ray"}, True))
        for index, (name, extra, ray_running) in enumerate(engines):
            options = GradeOptions(workers=args.workers, timeout_s=a2.timeout_s,
                                   memory_mb=a2.memory_mb, regrade=True, progress=False,
                                   **extra)
            try:
                with running_ray(args.workers) if ray_running else nullcontext():
                    seconds, results = hwkit_batch(a2, root / "batch", root / f"out{index}",
                                                   options, autograder)
            except (RuntimeError, ImportError) as error:  # no Ray installed
                print(f"{name}: skipped ({error})")
                continue
            rows.append((name, seconds, summarize(results)))
        print(f"\n{'engine':<28} {'wall clock':>10} {'per hour':>9} {'vs otter':>8}")
        for name, seconds, note in rows:
            print(f"{name:<28} {seconds:9.1f}s {3600 * args.size / seconds:9.0f} "
                  f"{bare / seconds:7.2f}x  {note}")
        if args.a3_gpu:
            a3_on_gpu(root)


if __name__ == "__main__":
    main()
