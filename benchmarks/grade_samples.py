"""Benchmark: grading an assignment's sample batch with hwkit vs bare `otter run`, in one run.

Prints: the build time, the device the grader uses, the batch's wall-clock time and
per-submission durations with `hwkit grade` (workers = cores), and the wall-clock time of bare
`otter run` on the same reference submission, serially.
Run: `make benchmark` (or `.venv/bin/python benchmarks/grade_samples.py --assignment a1`).
The data is whatever the kit finds ($HWKIT_DATA, else the user cache, else the fallback).
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hwkit.assignments import get_assignment
from hwkit.builder import build
from hwkit.builder.samples import write_samples
from hwkit.grading.batch import GradeOptions, grade_folder


def bare_otter_run(autograder_zip: Path, submission: Path, scratch: Path) -> float:
    out = scratch / f"otter-{time.monotonic_ns()}"
    out.mkdir()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "otter", "run", "-a", str(autograder_zip), "-o", str(out),
         str(submission)],
        check=True, capture_output=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--repeats", type=int, default=3, help="bare otter run repetitions")
    parser.add_argument("--assignment", default="a2")
    args = parser.parse_args()
    assignment = get_assignment(args.assignment)
    cores, python = os.cpu_count(), platform.python_version()
    print(f"machine: {platform.machine()}, {cores} cores, Python {python}")
    with tempfile.TemporaryDirectory(prefix="hwkit-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        output = build(
            assignment, release_dir=root / "release", autograder_dir=root / "autograder"
        )
        print(f"build (otter assign + solution check): {time.perf_counter() - started:.1f} s")
        solution = output.autograder_zip.parent / f"{assignment.id}-solution.ipynb"
        release = output.release_dir / f"{assignment.id}.ipynb"
        samples = write_samples(assignment.id, release, solution, root / "subs")
        options = GradeOptions(
            workers=args.workers, timeout_s=assignment.timeout_s,
            memory_mb=assignment.memory_mb, regrade=True, progress=False,
        )
        started = time.perf_counter()
        report = grade_folder(assignment, root / "subs", root / "graded", options,
                              autograder_dir=output.autograder_zip.parent)
        batch = time.perf_counter() - started
        print(f"\nhwkit grade: {len(samples)} submissions, {args.workers} workers, device "
              f"{report.results[0].device}: {batch:.1f} s")
        for result in report.results:
            print(f"  {result.submission:<24} {result.score:>4g}/{result.max_score:g}"
                  f"  {result.duration_s:6.2f} s  {result.status.text[:60]}")
        bare = [bare_otter_run(output.autograder_zip, samples["reference"], root)
                for _ in range(args.repeats)]
        print(f"\nbare otter run, reference.ipynb, serial x{args.repeats}: "
              + ", ".join(f"{t:.2f} s" for t in bare)
              + f" (mean {sum(bare) / len(bare):.2f} s)")
        hwkit_reference = next(r for r in report.results if r.submission == "reference.ipynb")
        print(f"hwkit, reference.ipynb inside the batch: {hwkit_reference.duration_s:.2f} s")


if __name__ == "__main__":
    main()
