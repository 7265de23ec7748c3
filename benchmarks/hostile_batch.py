"""Benchmark: does a hostile corpus slow down the honest submissions graded beside it?

Builds A2, then grades with `hwkit grade` (workers = cores, timeout --timeout s):
1. 20 honest submissions (the solution, each with a distinct harmless cell, so none is
   reused from another's result);
2. the fast members of the hostile corpus (`tests/hostile_corpus.py`) alone;
3. both mixed in one folder.
Prints each batch's wall clock, the corpus members that ran into the timeout, the bound the
mixed batch should stay under (honest alone + timeouts × timed-out members ÷ workers + the
other corpus members' time ÷ workers), and the grader process's peak memory (ru_maxrss: the
corpus holds a notebook that displays a gigabyte and replies the decoder must survive).
Run: `.venv/bin/python benchmarks/hostile_batch.py [--timeout 30] [--honest 20]`.
"""

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hwkit.assignments import get_assignment  # noqa: E402
from hwkit.builder import build  # noqa: E402
from hwkit.grading.batch import GradeOptions, grade_folder  # noqa: E402
from tests.hostile_corpus import CORPUS  # noqa: E402
from tests.test_hostile import make_file, with_cell  # noqa: E402


def grade(assignment, folder: Path, out: Path, options, autograder_dir: Path):
    started = time.perf_counter()
    report = grade_folder(assignment, folder, out, options, autograder_dir=autograder_dir)
    return time.perf_counter() - started, report.results


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--honest", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    a2 = get_assignment("a2")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"machine: {machine}; workers {args.workers}, timeout {args.timeout:g} s")
    with tempfile.TemporaryDirectory(prefix="hwkit-hostile-") as tmp:
        root = Path(tmp)
        output = build(a2, release_dir=root / "release", autograder_dir=root / "ag",
                       run_tests=False)
        solution = nbformat.read(root / "ag" / "a2-solution.ipynb", as_version=4)
        blank = nbformat.read(root / "release" / "a2.ipynb", as_version=4)
        honest, corpus, mixed = root / "honest", root / "corpus", root / "mixed"
        for folder in (honest, corpus, mixed):
            folder.mkdir()
        for i in range(args.honest):
            with_cell(solution, f"_honest_{i} = {i}", "last", honest / f"honest_{i:02d}.ipynb")
        for entry in CORPUS:
            if not entry.slow:
                make_file(entry, corpus, solution, blank)
        for path in [*honest.iterdir(), *corpus.iterdir()]:
            shutil.copy2(path, mixed / path.name, follow_symlinks=False)
        options = GradeOptions(workers=args.workers, timeout_s=args.timeout,
                               memory_mb=a2.memory_mb, regrade=True, progress=False)
        ag = output.autograder_zip.parent
        t_honest, _ = grade(a2, honest, root / "o1", options, ag)
        rss_honest = peak_rss_mib()
        t_corpus, corpus_results = grade(a2, corpus, root / "o2", options, ag)
        t_mixed, mixed_results = grade(a2, mixed, root / "o3", options, ag)
        rss_all = peak_rss_mib()
    timed_out = [r for r in corpus_results if r.status.kind == "timeout"]
    others = sum(r.duration_s for r in corpus_results if not r.status.kind == "timeout")
    bound = t_honest + (len(timed_out) * args.timeout + others) / args.workers
    honest_scores = {r.score for r in mixed_results if r.submission.startswith("honest_")}
    print(f"{args.honest} honest alone: {t_honest:.1f} s")
    names = ", ".join(r.submission for r in timed_out)
    print(f"{len(corpus_results)} hostile alone: {t_corpus:.1f} s "
          f"({len(timed_out)} timed out: {names})")
    print(f"mixed ({len(mixed_results)}): {t_mixed:.1f} s; bound {bound:.1f} s "
          f"(honest alone + ({len(timed_out)} × {args.timeout:g} s + {others:.1f} s) ÷ "
          f"{args.workers}); honest scores in the mix: {sorted(honest_scores)}")
    print(f"grader peak RSS: {rss_honest:.0f} MiB after the honest batch, {rss_all:.0f} MiB "
          "after the corpus and the mix")


if __name__ == "__main__":
    main()
