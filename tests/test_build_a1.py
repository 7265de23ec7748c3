"""A1's release shows the slide's skeleton; its zip and manifest carry the hidden tests."""

import json
import zipfile

import pytest

from hwkit.assignments.a1.budget import BUDGETS
from tests.helpers import code_of

pytestmark = pytest.mark.e2e

SLIDE_SKELETON = (
    "    x = keras.Input(shape=(...,))",
    "    A1 = keras.layers.Dense(units=..., activation=...)(x)",
    "    A2 = keras.layers.Dense(units=..., activation=...)(A1)",
    "    A3 = keras.layers.Dense(units=10, activation=...)(A2)",
    "def cross_entropy(y_, A3):",
    "def train_step(model, optimizer, x, y_):",
    "optimizer = keras.optimizers.SGD(learning_rate=LEARNING_RATE)",
)


def test_release_shows_the_slide_skeleton_with_blanks(a1_release_notebook):
    source = code_of(a1_release_notebook)
    assert all(line in source for line in SLIDE_SKELETON)
    assert "LEARNING_RATE = ..." in source and "OVA_LEARNING_RATE = ..." in source
    assert 'activation="relu"' not in source and 'activation="softmax"' not in source
    assert "BEGIN PROMPT" not in source and '"""\n    x = keras.Input' not in source


def test_release_has_no_solution_hidden_test_or_reference(a1_build):
    text = (a1_build.release_dir / "a1.ipynb").read_text(encoding="utf-8")
    assert "a1_reference" not in text and "BEGIN SOLUTION" not in text
    assert "tf.clip_by_value(A3, 1e-10, 1.0)))" not in text  # the cross_entropy solution
    assert "参考答案 / Reference answer" not in text  # w1's answer key
    assert sorted(p.name for p in a1_build.release_dir.iterdir()) == ["a1.ipynb", "tests",
                                                                         "tutor.py"]
    for path in (a1_build.release_dir / "tests").iterdir():  # public tests only
        namespace = {}
        exec(path.read_text(encoding="utf-8"), namespace)
        assert not any(c.get("hidden") for c in namespace["test"]["suites"][0]["cases"])
        assert "a1_reference" not in path.read_text(encoding="utf-8")


def test_zip_carries_reference_and_hidden_retraining_tests(a1_build):
    with zipfile.ZipFile(a1_build.autograder_zip) as zf:
        names = set(zf.namelist())
        q9 = zf.read("tests/q9.py").decode()
        reference = zf.read("files/a1_reference.py").decode()
    assert {"files/a1_reference.py", "tests/q1.py", "tests/q9.py"} <= names
    assert "budget_for(\\'nn\\', _mn.kind)" in q9 or "budget_for('nn', _mn.kind)" in q9
    assert "def build_nn():" in reference and "BEGIN PROMPT" not in reference


def test_manifest_points_per_question(a1_build):
    manifest = json.loads(a1_build.manifest_path.read_text(encoding="utf-8"))
    per_question = {}
    for case in manifest["test_cases"]:
        per_question[case["question"]] = per_question.get(case["question"], 0) + case["points"]
        assert case["hidden"] == bool(case["failure_message"]), case["name"]
    assert per_question == {"q1": 4, "q2": 3, "q3": 3, "q4": 5, "q5": 3,
                            "q6": 5, "q7": 3, "q8": 3, "q9": 6}
    assert manifest["max_score"] == 35
    assert manifest["question_functions"]["q6"] == ["build_nn"]


def test_thresholds_stated_to_students_are_the_grading_thresholds(a1):
    import nbformat

    markdown = "\n".join(
        c.source for c in nbformat.read(a1.master, as_version=4).cells if c.cell_type == "markdown"
    )
    markdown = " ".join(markdown.split())
    for part in ("ova", "nn"):
        full, small = (BUDGETS[(part, size)] for size in ("full", "small"))
        bars = (f"≥ {round(full.threshold * 100)} % (full MNIST) / "
                f"{round(small.threshold * 100)} % (fallback)")
        assert bars in markdown, (part, bars)
        epochs = f"({full.epochs} epochs on full MNIST; {small.epochs} epochs on the"
        assert epochs in markdown, (part, epochs)


def test_the_held_out_digits_are_only_ever_the_verdicts(a1_build):
    """The accuracy probes train in the kernel and hand back the model; only the verdicts,
    in the grader, read the held-out digits (and the kernel never receives them)."""
    from hwkit.autograder.cases import read_cases

    cases = read_cases(a1_build.autograder_zip)
    accuracy = [c for c in cases if "train_and_describe" in c.probe]
    assert [c.key for c in accuracy] == ["q4-1", "q9-1"]
    assert all("X_test" not in c.probe and "y_test" not in c.probe for c in cases)
    assert all("held_out_labels" in c.verdict and "_mn" not in c.input_names() for c in accuracy)
