"""Gradescope's leaderboard from the same grading: entries added to the autograder's
``results.json`` (Gradescope shows them on its own leaderboard page).

``hwkit build`` replaces the zip's ``run_otter.py`` with ``RUN_OTTER``: it points the hidden
tests' ``hwkit.metrics.record`` at ``/autograder/results/hwkit-metrics``, runs otter, then calls
``add_leaderboard``, which scores the recorded predictions on the public part of the held-out
set (cut with the course's seed baked into the zip) and writes the entries: the score, and the
ranked public accuracy where the assignment has one. The private part never appears there.
"""

import json
from pathlib import Path

from ..assignments import get_assignment
from ..heldout import heldout_split
from ..metrics import read_predictions

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
        from hwkit.leaderboard.gradescope import add_leaderboard
    except ImportError:
        print("hwkit is not installed in this image: no leaderboard entries", file=sys.stderr)
    else:
        add_leaderboard(os.path.join(ROOT, "results", "results.json"), {assignment!r}, METRICS,
                        split_seed={split_seed!r}, public_fraction={public_fraction!r})
'''

SCORE_ENTRY = "得分 / Score"
ACCURACY_ENTRY = "公开准确率 / Public accuracy (%)"


def run_otter_source(assignment_id: str, split_seed: int, public_fraction: float) -> str:
    """The zip's ``run_otter.py`` for this assignment and course split."""
    return RUN_OTTER.format(assignment=assignment_id, split_seed=split_seed,
                            public_fraction=public_fraction)  # fmt: skip


def leaderboard_entries(results: dict, public_accuracy: float | None) -> list[dict]:
    """Gradescope ``leaderboard`` entries: the total score of ``results`` (otter's
    results.json: the sum of its tests' scores) and, when given, the public accuracy in %."""
    score = sum(float(test.get("score") or 0) for test in results.get("tests", []))
    entries = [{"name": SCORE_ENTRY, "value": round(score, 2)}]
    if public_accuracy is not None:
        entries.append({"name": ACCURACY_ENTRY, "value": round(100 * public_accuracy, 2)})
    return entries


def _device() -> str:
    from ..devices import tensorflow_device

    return tensorflow_device()


def add_leaderboard(results_path: str | Path, assignment_id: str, metrics_dir: str | Path,
                    split_seed: int, public_fraction: float) -> list[dict]:  # fmt: skip
    """Add ``leaderboard`` entries to the results.json at ``results_path`` (rewritten in place);
    returns them. A missing results.json (otter failed) is left alone."""
    path = Path(results_path)
    if not path.is_file():
        return []
    results = json.loads(path.read_text(encoding="utf-8"))
    assignment = get_assignment(assignment_id)
    public = None
    if assignment.ranked_accuracy:
        device = _device() if assignment.uses_tensorflow else "cpu"
        split = heldout_split(assignment.id, (assignment.ranked_accuracy,), device,
                              split_seed, public_fraction)  # fmt: skip
        name = assignment.ranked_accuracy
        recorded = {name: read_predictions(Path(metrics_dir), name, len(split.y_test))}
        accuracies, _ = split.score(recorded)
        public = accuracies[0].public if accuracies else None
    results["leaderboard"] = leaderboard_entries(results, public)
    path.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return results["leaderboard"]
