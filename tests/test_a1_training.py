"""hwkit.assignments.a1.training is the notebook's own training loop: the hidden retraining tests
use it."""

import ast
from pathlib import Path

import nbformat

from hwkit.assignments import get_assignment

HELPERS = ("minibatches", "accuracy", "fit")
MODULE = Path(__file__).resolve().parents[1] / "hwkit" / "assignments" / "a1" / "training.py"


def _functions(source: str) -> dict[str, str]:
    return {
        node.name: ast.dump(node)
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef)
    }


def test_a1_training_is_the_masters_given_helpers():
    master = nbformat.read(get_assignment("a1").master, as_version=4)
    in_master: dict[str, str] = {}
    for cell in master.cells:
        if cell.cell_type == "code" and "def fit(" in cell.source:
            in_master.update(_functions(cell.source))
    in_module = _functions(MODULE.read_text(encoding="utf-8"))
    for name in HELPERS:
        assert in_module[name] == in_master[name], f"{name} differs from the A1 master's"


def test_under_grading_the_notebooks_own_runs_shrink_but_a_tests_retraining_does_not(
        monkeypatch):
    from hwkit.notebook_budget import GRADING_EPOCHS, exact_epochs, notebook_epochs

    monkeypatch.delenv("HWKIT_GRADING", raising=False)
    assert notebook_epochs(15) == 15  # a student's machine, bare otter run
    monkeypatch.setenv("HWKIT_GRADING", "1")
    assert notebook_epochs(15) == GRADING_EPOCHS < 15
    with exact_epochs():
        assert notebook_epochs(15) == 15
    assert notebook_epochs(15) == GRADING_EPOCHS


def test_under_grading_the_notebooks_own_runs_see_only_the_first_digits(monkeypatch):
    import numpy as np

    from hwkit.notebook_budget import GRADING_DIGITS, exact_epochs, notebook_digits

    X, y = np.zeros((GRADING_DIGITS + 7, 784), np.float32), np.arange(GRADING_DIGITS + 7)
    monkeypatch.delenv("HWKIT_GRADING", raising=False)
    assert len(notebook_digits(X, y)[1]) == GRADING_DIGITS + 7
    monkeypatch.setenv("HWKIT_GRADING", "1")
    small_X, small_y = notebook_digits(X, y)
    assert small_X.shape == (GRADING_DIGITS, 784) and list(small_y) == list(range(GRADING_DIGITS))
    with exact_epochs():
        assert len(notebook_digits(X, y)[1]) == GRADING_DIGITS + 7


def test_the_grading_kernel_environment_marks_grading(tmp_path):
    from hwkit.grading.env import kernel_env

    assert kernel_env(tmp_path, "", 1)["HWKIT_GRADING"] == "1"


def test_the_retraining_uses_the_notebooks_split():
    """The public check scores the hidden test's retraining on the notebook's validation
    digits: the kit's split must be the master's (test_fraction 1/12, seed SEED = 2017)."""
    from hwkit.assignments.a1.training import VALIDATION_FRACTION
    from hwkit.datasets.mnist import SPLIT_SEED

    source = "\n".join(c.source for c in nbformat.read(get_assignment("a1").master,
                                                        as_version=4).cells)
    assert "test_fraction=1 / 12, seed=SEED" in source and "SEED = 2017" in source
    assert (VALIDATION_FRACTION, SPLIT_SEED) == (1 / 12, 2017)
