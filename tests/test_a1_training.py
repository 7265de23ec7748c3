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
