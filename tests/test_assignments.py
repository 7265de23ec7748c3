"""The assignment registry: every folder of ``hwkit/assignments/`` is one complete plugin.

Each assignment ships the same pieces — a master with its test files, a committed release and
autograder, support files reachable where the master lives, and every module it names
importable — so adding one is its master plus one folder, and a missing piece fails here."""

import importlib
import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from hwkit.assignments import ASSIGNMENTS, get_assignment
from hwkit.assignments.spec import load_function
from hwkit.builder.master import question_functions

ALL = [pytest.param(a, id=a.id) for a in ASSIGNMENTS.values()]
HWKIT = Path(__file__).resolve().parents[1] / "hwkit"


def test_each_folder_of_the_package_is_one_assignment_under_its_own_id():
    folders = sorted(p.name for p in (HWKIT / "assignments").iterdir()
                     if (p / "__init__.py").is_file())
    assert folders == sorted(ASSIGNMENTS) and len(folders) >= 3
    assert get_assignment(" A2 ").id == "a2"
    with pytest.raises(KeyError, match="unknown assignment 'a9'; available: a1, a2, a3"):
        get_assignment("a9")


def _graded_questions(master) -> set[str]:
    """Questions of the master that the autograder scores (not ``manual: true`` ones)."""
    questions = set()
    for cell in master.cells:
        if cell.cell_type == "raw" and cell.source.startswith("# BEGIN QUESTION"):
            config = yaml.safe_load(cell.source.split("\n", 1)[1]) or {}
            if not config.get("manual"):
                questions.add(str(config["name"]))
    return questions


@pytest.mark.parametrize("assignment", ALL)
def test_the_master_has_one_test_file_per_graded_question(assignment):
    master = nbformat.read(assignment.master, as_version=4)
    questions = _graded_questions(master)
    files = {p.stem for p in assignment.tests_dir.glob("q*.py")}
    assert questions and files == questions, (sorted(questions), sorted(files))


@pytest.mark.parametrize("assignment", ALL)
def test_the_generated_release_is_committed(assignment):
    """The autograder (``autograder/dist/<id>/``) is built, not committed: ``test_build.py``."""
    release = nbformat.read(assignment.release_dir / assignment.master.name, as_version=4)
    assert release.cells and json.dumps(release.dict()).count("# BEGIN SOLUTION") == 0


@pytest.mark.parametrize("assignment", ALL)
def test_support_files_are_where_the_master_runs_as_well_as_in_the_release(assignment):
    for support in assignment.support_files:
        beside_master = assignment.master.parent / support.name
        assert beside_master.read_bytes() == support.read_bytes(), beside_master
        assert (assignment.release_dir / support.name).read_bytes() == support.read_bytes()


@pytest.mark.parametrize("assignment", ALL)
def test_every_module_and_function_the_assignment_names_resolves(assignment):
    for named in (assignment.heldout_labels, assignment.grading_view):
        if named:
            assert callable(load_function(named)), named
    if assignment.prepare_module:  # run as `python -m <module> <zip> <device>`
        module = importlib.import_module(assignment.prepare_module)
        assert 'if __name__ == "__main__":' in Path(module.__file__).read_text(encoding="utf-8")
    for module in assignment.preload:
        assert importlib.util.find_spec(module) is not None, module


@pytest.mark.parametrize("assignment", ALL)
def test_accuracies_limits_and_resources_are_consistent(assignment):
    if assignment.ranked_accuracy is not None:
        assert assignment.ranked_accuracy in assignment.accuracies
        assert assignment.ranked_accuracy_label and assignment.heldout_labels
    assert bool(assignment.accuracies) == bool(assignment.heldout_labels)
    assert 0 < assignment.probe_timeout_s <= assignment.timeout_s
    assert 0 < assignment.verdict_timeout_s and assignment.max_reply_mb > 0
    assert assignment.resources.memory_gib > 0 and assignment.resources.typical_s > 0
    assert assignment.uses_tensorflow == bool(assignment.resources.gpu_fraction)
    assert re.search(r"[\u4e00-\u9fff]", assignment.title) and " / " in assignment.title


@pytest.mark.parametrize("assignment", ALL)
def test_every_sample_edits_something_the_master_has(assignment):
    master = nbformat.read(assignment.master, as_version=4)
    source = "\n".join(c.source for c in master.cells if c.cell_type == "code")
    functions = {f for names in question_functions(master).values() for f in names}
    samples = assignment.samples
    for name, replacements in samples.mutated.items():
        for before, _after in replacements:
            assert before in source, (name, before)
    for name, filled in samples.partial.items():
        assert set(filled) <= functions, name
    for name, function in samples.broken.items():
        assert f"def {function}(" in source, name


def test_no_generic_module_names_an_assignment():
    """Assignment ids live in ``hwkit/assignments/`` and the CLI only."""
    pattern = re.compile(r"""["'](a[1-9])["']|\ba[1-9]_(reference|budget|training|checks)\b""")
    offenders = []
    for path in HWKIT.rglob("*.py"):
        relative = path.relative_to(HWKIT).as_posix()
        if relative.startswith("assignments/") or relative == "cli.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#")[0]
            if pattern.search(code) and '"""' not in code and not code.lstrip().startswith(
                    ("import a", ">>>")):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert not offenders, offenders

