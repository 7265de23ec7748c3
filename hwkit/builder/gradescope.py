"""The zip's ``run_otter.py`` for Gradescope: otter's own, then hwkit's leaderboard entries
(``hwkit.grading.gradescope.add_leaderboard``), with the course's held-out split baked in."""

import zipfile
from pathlib import Path

from hwkit.course import CourseConfig

RUN_OTTER = '''"""Runs Otter-Grader's autograding process, then adds hwkit's leaderboard entries."""

import os
import sys

from otter.run.run_autograder import main as run_autograder

ROOT = os.environ.get("HWKIT_GRADESCOPE_ROOT", "/autograder")
METRICS = os.path.join(ROOT, "results", "hwkit-metrics")


if __name__ == "__main__":
    os.makedirs(METRICS, exist_ok=True)
    os.environ["HWKIT_METRICS_DIR"] = METRICS
    run_autograder(ROOT)
    try:
        from hwkit.grading.gradescope import add_leaderboard
    except ImportError:
        print("hwkit is not installed in this image: no leaderboard entries", file=sys.stderr)
    else:
        add_leaderboard(os.path.join(ROOT, "results", "results.json"), {assignment!r}, METRICS,
                        split_seed={split_seed!r}, public_fraction={public_fraction!r})
'''


def run_otter_source(assignment_id: str, split_seed: int, public_fraction: float) -> str:
    """The zip's ``run_otter.py`` for this assignment and course split."""
    return RUN_OTTER.format(assignment=assignment_id, split_seed=split_seed,
                            public_fraction=public_fraction)


def add_gradescope_leaderboard(
    source_zip: Path, target_zip: Path, assignment_id: str, course: CourseConfig
) -> None:
    """Copy otter's zip to ``target_zip`` with ``run_otter.py`` replaced by hwkit's, which adds
    Gradescope ``leaderboard`` entries to results.json (``hwkit.grading.gradescope``)."""
    source = run_otter_source(assignment_id, course.split_seed, course.public_fraction)
    with zipfile.ZipFile(source_zip) as old, zipfile.ZipFile(target_zip, "w") as new:
        for info in old.infolist():
            data = source.encode() if info.filename == "run_otter.py" else old.read(info)
            new.writestr(info, data)
