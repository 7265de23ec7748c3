"""Benchmark: how close grading comes to the physical limit (issue 18), one run each.

- A2: `--copies` masters graded by `hwkit grade` (all cores, batch start included) against the
  same notebook's code cells run as a plain Python script, `--copies` times, as many at a time:
  the ratio is what the grading machinery costs on top of the notebook's own compute.
- A1 and A3: `--copies` masters graded by `hwkit grade` against bare `otter run` on the same
  autograder zip, same workers; scores printed for both (they must be equal).

Under `hwkit grade` the notebook's own training loops shrink (`hwkit.notebook_budget`: A1 one
epoch on 5,000 digits, A2 2,000 iterations, A3 one epoch); bare otter runs them in full. It also
prints each engine batch's mean seconds per submission, whole and per worker stage.
Data: `$HWKIT_DATA` (full MNIST and ImageNet-dog where it has them). Run:
`HWKIT_DATA=../shared/data .venv/bin/python benchmarks/physical_limit.py [--copies 8]
[--otter-copies 2] [--only a2,a1,a3]`.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from hwkit.assignments import get_assignment
from hwkit.builder import build
from hwkit.grading.batch import GradeOptions, grade_folder

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import bare_otter  # noqa: E402


def copies_of(notebook_path: Path, folder: Path, copies: int) -> list[Path]:
    """``copies`` distinct copies (one harmless cell each, so no result is reused)."""
    folder.mkdir()
    paths = []
    for i in range(copies):
        notebook = nbformat.read(notebook_path, as_version=4)
        notebook.cells.append(nbformat.v4.new_code_cell(f"_batch_index = {i}"))
        paths.append(folder / f"{i:02d}_master.ipynb")
        nbformat.write(notebook, paths[-1])
    return paths


def plain_script(notebook_path: Path, folder: Path) -> Path:
    """The notebook's code cells as one Python script (no kernel, no tests)."""
    cells = [c.source for c in nbformat.read(notebook_path, as_version=4).cells
             if c.cell_type == "code" and not c.source.lstrip().startswith(("%", "!"))]
    script = folder / "notebook_as_script.py"
    script.write_text("\n\n".join(cells) + "\n", encoding="utf-8")
    return script


def run_scripts(script: Path, cwd: Path, copies: int, workers: int) -> float:
    env = {**os.environ, "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "2"}

    def one(_):
        subprocess.run([sys.executable, str(script)], cwd=cwd, env=env, check=True,
                       capture_output=True)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, range(copies)))
    return time.perf_counter() - started


def stage_means(results) -> str:
    """Mean seconds per submission: the engine's whole (``duration_s``) and the worker's own
    stages (its ``worker: ...`` line in each result's detail)."""
    stages: dict[str, list[float]] = {"submission": [r.duration_s for r in results]}
    for result in results:
        line = next((x for x in result.detail.splitlines() if x.startswith("worker: ")), "")
        for item in line.removeprefix("worker: ").split(", "):
            name, _, value = item.partition(" ")
            if value:
                stages.setdefault(name, []).append(float(value))
    return ", ".join(f"{name} {sum(v) / len(v):.2f}" for name, v in stages.items())


def hwkit_grade(assignment, folder: Path, out: Path, workers: int, autograder: Path):
    options = GradeOptions(workers=workers, timeout_s=assignment.timeout_s,
                           memory_mb=assignment.memory_mb, regrade=True, progress=False)
    started = time.perf_counter()
    report = grade_folder(assignment, folder, out, options, autograder_dir=autograder)
    seconds = time.perf_counter() - started
    print(f"{assignment.id}: hwkit grade, mean seconds per submission: "
          f"{stage_means(report.results)}")
    return seconds, sorted(r.score for r in report.results)


def otter_scores(out: Path) -> list[float]:
    scores = []
    for results in sorted(out.glob("*/results.json")):
        data = json.loads(results.read_text(encoding="utf-8"))
        scores.append(sum(t.get("score", 0) for t in data.get("tests", [])))
    return sorted(scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--otter-copies", type=int, default=2,
                        help="A1/A3 masters per engine (bare otter is slow)")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--only", default="a2,a1,a3")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {args.workers} workers; "
          f"HWKIT_DATA={os.environ.get('HWKIT_DATA', '(per-user cache)')}")
    with tempfile.TemporaryDirectory(prefix="hwkit-limit-") as tmp:
        root = Path(tmp)
        for assignment_id in args.only.split(","):
            assignment = get_assignment(assignment_id)
            output = build(assignment, release_dir=root / f"{assignment_id}-release",
                           autograder_dir=root / f"{assignment_id}-ag", run_tests=False)
            autograder = output.autograder_zip.parent
            solution = autograder / f"{assignment_id}-solution.ipynb"
            if assignment_id == "a2":
                paths = copies_of(solution, root / "a2-batch", args.copies)
                seconds, scores = hwkit_grade(assignment, root / "a2-batch", root / "a2-out",
                                              args.workers, autograder)
                script = plain_script(assignment.master, root)
                plain = run_scripts(script, assignment.master.parent, args.copies, args.workers)
                print(f"a2: {len(paths)} masters: hwkit grade {seconds:.1f} s (scores {scores}); "
                      f"the notebook as a plain script x{args.copies}: {plain:.1f} s; "
                      f"ratio {seconds / plain:.2f}x (goal <= 1.5x)")
                continue
            paths = copies_of(solution, root / f"{assignment_id}-batch", args.otter_copies)
            seconds, scores = hwkit_grade(assignment, root / f"{assignment_id}-batch",
                                          root / f"{assignment_id}-out", args.workers, autograder)
            otter_out = root / f"{assignment_id}-otter"
            otter_out.mkdir()
            bare = bare_otter(output.autograder_zip, paths, args.workers, otter_out)
            print(f"{assignment_id}: {len(paths)} masters: hwkit grade {seconds:.1f} s "
                  f"(scores {scores}); bare otter run {bare:.1f} s (scores "
                  f"{otter_scores(otter_out)}); hwkit is {bare / seconds:.2f}x faster (goal >= 3x)")


if __name__ == "__main__":
    main()
