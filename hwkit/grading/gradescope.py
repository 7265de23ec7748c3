"""Grading on Gradescope: leaderboard entries added to the autograder's ``results.json``
(Gradescope shows them on its own leaderboard page).

The zip's ``run_otter.py`` (``hwkit.builder.gradescope``) points the hidden tests'
``hwkit.metrics.record`` at ``/autograder/results/hwkit-metrics``, runs otter, then calls
``add_leaderboard``, which scores the recorded predictions on the public part of the held-out
set (cut with the course's seed baked into the zip) and writes the entries: the score, and the
ranked public accuracy where the assignment has one. The private part never appears there.
There, otter runs every test in the student's kernel: none of ``hwkit.sandbox`` applies.
"""

import json
from pathlib import Path

from hwkit.assignments import get_assignment
from hwkit.grading.heldout import heldout_split
from hwkit.metrics import read_predictions

SCORE_ENTRY = "得分 / Score"
ACCURACY_ENTRY = "公开准确率 / Public accuracy (%)"


def leaderboard_entries(results: dict, public_accuracy: float | None) -> list[dict]:
    """Gradescope ``leaderboard`` entries: the total score of ``results`` (otter's
    results.json: the sum of its tests' scores) and, when given, the public accuracy in %."""
    score = sum(float(test.get("score") or 0) for test in results.get("tests", []))
    entries = [{"name": SCORE_ENTRY, "value": round(score, 2)}]
    if public_accuracy is not None:
        entries.append({"name": ACCURACY_ENTRY, "value": round(100 * public_accuracy, 2)})
    return entries


def _device() -> str:
    from hwkit.grading.devices import tensorflow_device

    return tensorflow_device()


def add_leaderboard(results_path: str | Path, assignment_id: str, metrics_dir: str | Path,
                    split_seed: int, public_fraction: float) -> list[dict]:
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
        split = heldout_split(assignment, (assignment.ranked_accuracy,), device,
                              split_seed, public_fraction)
        name = assignment.ranked_accuracy
        recorded = {name: read_predictions(Path(metrics_dir), name, len(split.y_test))}
        accuracies, _ = split.score(recorded)
        public = accuracies[0].public if accuracies else None
    results["leaderboard"] = leaderboard_entries(results, public)
    path.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return results["leaderboard"]
