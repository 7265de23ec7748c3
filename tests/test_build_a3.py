"""A3's release shows the slide-style skeleton with blanks; its zip carries the reference and
the hidden tests; the points and the grading bars told to students match the grader's."""

import json
import zipfile

import pytest

from hwkit.assignments.a3.budget import CPU_BUDGET, GPU_BUDGET
from hwkit.autograder.cases import read_cases
from tests.helpers import code_of

pytestmark = pytest.mark.e2e

SKELETON = (
    '    x = keras.Input(shape=(input_dim,), name="x")',
    "    A1 = keras.layers.Dense(units=..., activation=..., kernel_initializer=..., "
    'kernel_regularizer=l2, name="A1")(x)',
    '    A1 = hidden_layer(x, units=..., name="A1", dropout=DROPOUT)',
    '    A3 = hidden_layer(A2, units=..., name="A3", dropout=DROPOUT)',
    "    z = ...  # batch-norm",
)


def test_release_shows_the_skeleton_with_blanks(a3_release_notebook):
    source = code_of(a3_release_notebook)
    assert all(line in source for line in SKELETON)
    assert "DNN_LEARNING_RATE = ..." in source and "BATCH_SIZE = ..." in source
    assert "BatchNormalization(momentum=0.9)(z)" not in source
    assert "BEGIN PROMPT" not in source


def test_release_has_no_solution_hidden_test_or_reference(a3_build):
    text = (a3_build.release_dir / "a3.ipynb").read_text(encoding="utf-8")
    assert "a3_reference" not in text and "BEGIN SOLUTION" not in text
    assert "Z.var(axis=0)" not in text  # the batch-norm solution
    assert "参考答案 / Reference answer" not in text
    assert sorted(p.name for p in a3_build.release_dir.iterdir()) == ["a3.ipynb", "tests",
                                                                         "tutor.py"]
    for path in (a3_build.release_dir / "tests").iterdir():  # public tests only
        namespace = {}
        exec(path.read_text(encoding="utf-8"), namespace)
        assert not any(c.get("hidden") for c in namespace["test"]["suites"][0]["cases"])
        assert "a3_reference" not in path.read_text(encoding="utf-8")


def test_zip_carries_reference_and_measured_bar_tests(a3_build):
    with zipfile.ZipFile(a3_build.autograder_zip) as zf:
        q5 = zf.read("tests/q5.py").decode()
        reference = zf.read("files/a3_reference.py").decode()
    assert "reference_stats" in q5 and "student_dnn_models" in q5
    for name in ("def build_shallow(", "def build_dnn(", "def make_dnn_optimizer(",
                 "SHALLOW_BATCH_SIZE = 64", "BATCH_SIZE = 128"):
        assert name in reference, name
    assert "BEGIN PROMPT" not in reference and "load_imagenet_dog(side=SIDE)" not in reference


def test_every_case_is_split_and_no_probe_sees_the_reference_or_the_bars(a3_build):
    """Setups and verdicts run in the grader; the probes, in the student's kernel, only call
    the student's code (and public hwkit helpers) and never receive an expected value."""
    cases = read_cases(a3_build.autograder_zip)
    assert len(cases) == 26
    for case in cases:
        assert "_ref" not in case.probe and "a3_reference" not in case.probe, case.key
        assert not case.input_names() & {"_ref", "_r", "_stats", "_y_test", "_b"}, case.key
    accuracy = [c for c in cases if "student_dnn_models" in c.probe]
    assert [c.question for c in accuracy] == ["q5", "q5"]
    assert all(c.input_names() == {"_budget", "_models"} and "REPORT: " in c.verdict
               for c in accuracy)
    # The held-out part is the grader's: the probe trains and hands back models, the
    # verdict predicts (and records) the held-out labels.
    assert all("y_test" not in c.probe and "X_test" not in c.probe and "student_dnn_labels"
               in c.verdict for c in accuracy)


def test_manifest_points_per_question(a3_build):
    manifest = json.loads(a3_build.manifest_path.read_text(encoding="utf-8"))
    per_question = {}
    for case in manifest["test_cases"]:
        per_question[case["question"]] = per_question.get(case["question"], 0) + case["points"]
        assert case["hidden"] == bool(case["failure_message"]), case["name"]
    assert per_question == {"q1": 4, "q2": 4, "q3": 5, "q4": 2, "q5": 7,
                            "q6": 3, "q7": 3, "q8": 3}
    assert manifest["max_score"] == 31


def test_budget_stated_to_students_is_the_graders(a3):
    import nbformat

    markdown = "\n".join(
        c.source for c in nbformat.read(a3.master, as_version=4).cells if c.cell_type == "markdown"
    )
    cpu, gpu = CPU_BUDGET, GPU_BUDGET
    cpu_side = f"CPU：{cpu.side}×{cpu.side}、"
    assert f"{cpu_side}最多 {cpu.max_train:,} 张训练图、最多 {cpu.epochs} 个 epoch" in markdown
    assert f"GPU：{gpu.side}×{gpu.side}、全部训练图" in markdown
    assert f"用 {len(cpu.student_seeds)} 个种子重新训练" in markdown
    assert f"训练 {len(cpu.reference_seeds)} 个种子" in markdown
    assert f"门槛 = 参考均值 − {cpu.standard_errors:g} 个标准误" in markdown
    assert f"高至少 {round(cpu.gap * 100)} 个百分点" in markdown
