"""Gradescope's leaderboard: the built zip's run_otter.py runs otter as Gradescope would, then
adds leaderboard entries (score, public accuracy) to results.json."""

import json
import os
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from hwkit.datasets.mnist import load_mnist
from hwkit.grading.gradescope import ACCURACY_ENTRY, SCORE_ENTRY, add_leaderboard
from hwkit.metrics import public_mask

pytestmark = pytest.mark.e2e


def test_the_built_zip_grades_like_gradescope_and_adds_the_score_entry(a2_build, tmp_path):
    """/autograder laid out as Gradescope does (source/, submission/, results/)."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(a2_build.autograder_zip) as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    solution = a2_build.autograder_zip.parent / "a2-solution.ipynb"
    shutil.copyfile(solution, root / "submission" / "a2.ipynb")
    done = subprocess.run([sys.executable, str(root / "source" / "run_otter.py")],
                          env={**os.environ, "HWKIT_GRADESCOPE_ROOT": str(root)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    total = sum(test.get("score", 0) for test in results["tests"])  # "Public Tests" has none
    assert total == 30
    assert results["leaderboard"] == [{"name": SCORE_ENTRY, "value": 30.0}]


def test_the_public_accuracy_entry_counts_only_the_public_part(tmp_path):
    """Predictions right on the public part and wrong on the private part: 100 %."""
    y = np.asarray(load_mnist(allow_download=False, verbose=False).y_test)
    public = public_mask(y, 0.5, seed=99)
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    np.save(metrics / "nn.npy", np.where(public, y, (y + 1) % 10)[None, :].astype(np.int16))
    results_path = tmp_path / "results.json"
    results_path.write_text(json.dumps({"tests": [{"score": 3.0}, {"score": 2.5}]}))
    entries = add_leaderboard(results_path, "a1", metrics, split_seed=99, public_fraction=0.5)
    assert entries == [{"name": SCORE_ENTRY, "value": 5.5},
                       {"name": ACCURACY_ENTRY, "value": 100.0}]
    assert json.loads(results_path.read_text(encoding="utf-8"))["leaderboard"] == entries
    other_seed = add_leaderboard(results_path, "a1", metrics, split_seed=100, public_fraction=0.5)
    assert 40 < other_seed[1]["value"] < 60  # another cut: about half of it is the wrong part
