"""Hidden tests as a TA writes them (``hwkit.testkit``, ``solutions/<id>/tests/qN.py``): every
file imports as plain Python and builds to otter's split format; the A2 cases, run directly
as functions, pass on the reference and fail on a wrong function; the emitter refuses what
would fail silently, naming the file, the case and the fix."""

import importlib.util
import os
import re
import sys
import textwrap
import types

import nbformat
import numpy as np
import pytest

from hwkit.assignments import ASSIGNMENTS, get_assignment
from hwkit.autograder.cases import split_source
from hwkit.builder.master import extract_reference_source
from hwkit.builder.tests import TestFileError, read_test_file
from hwkit.testkit import CASE_ATTRIBUTE, use_notebook

TEST_FILES = [pytest.param(path, id=f"{a.id}/{path.name}")
              for a in ASSIGNMENTS.values() for path in sorted(a.tests_dir.glob("q*.py"))]


def _import(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", TEST_FILES)
def test_every_test_file_imports_and_builds_one_split_case_per_function(path):
    module = _import(path, f"hwkit_testfile_{path.parent.parent.name}_{path.stem}")
    functions = [f for f in vars(module).values() if hasattr(f, CASE_ATTRIBUTE)]
    written = read_test_file(path)
    assert [c.name for c in written] == [f.__name__ for f in functions]
    for case in written:
        setup, probe, verdict = split_source(case.source, case.name)
        assert probe.strip() and "assert" in verdict, case.name
        assert "student." not in case.source, case.name  # the notebook's names, unprefixed
        assert getattr(module, case.name).__hwkit_case__ == case.config


@pytest.fixture(scope="module")
def a2_notebook():
    """The A2 master's globals after running its code cells in this process, where it lives
    (matplotlib draws off screen), with its reference module importable as the grader has it."""
    import matplotlib

    matplotlib.use("Agg")
    a2 = get_assignment("a2")
    master = nbformat.read(a2.master, as_version=4)
    reference = types.ModuleType(a2.reference_module)
    exec(compile(extract_reference_source(master, a2.title), a2.reference_module, "exec"),
         reference.__dict__)
    sys.modules[a2.reference_module] = reference
    here = os.getcwd()
    os.chdir(a2.master.parent)
    try:
        namespace = {"__name__": "__main__"}
        for cell in master.cells:
            if cell.cell_type == "code":
                exec(compile(cell.source, "<a2 master>", "exec"), namespace)
        yield namespace
    finally:
        os.chdir(here)
        sys.modules.pop(a2.reference_module, None)


def _a2_cases():
    a2 = get_assignment("a2")
    for path in sorted(a2.tests_dir.glob("q*.py")):
        module = _import(path, f"hwkit_a2_{path.stem}")
        for function in vars(module).values():
            if hasattr(function, CASE_ATTRIBUTE):
                yield f"{path.stem}.{function.__name__}", function


def test_a2_cases_run_as_functions_pass_on_the_master(a2_notebook, monkeypatch):
    monkeypatch.chdir(get_assignment("a2").master.parent)  # the data file, as in the notebook
    use_notebook(a2_notebook)
    ran = []
    for name, function in _a2_cases():
        function()
        ran.append(name)
    assert len(ran) >= 20


def test_a2_cases_run_as_functions_catch_a_wrong_sigmoid(a2_notebook, monkeypatch):
    monkeypatch.chdir(get_assignment("a2").master.parent)
    wrong = dict(a2_notebook, sigmoid=lambda z: 1 / (1 + np.exp(z)))
    use_notebook(wrong)
    failed = []
    for name, function in _a2_cases():
        try:
            function()
        except AssertionError:
            failed.append(name)
    assert failed and all(name.startswith("q2.") for name in failed), failed  # q2: sigmoid


RULES = {
    "no_probe": ("x = 1\nassert x == 1", "exactly one `with probe():`"),
    "two_probes": ("with probe():\n    a = student.f()\nwith probe():\n    b = student.f()\n"
                   "assert a == b", "found 2"),
    "bare_verdict": ("with probe():\n    got = student.f(2)\ngot == 4",
                     "has no `assert`: without one every submission passes"),
    "student_in_setup": ("x = student.f(1)\nwith probe():\n    got = student.f(2)\nassert got",
                         "move that line into `with probe():`"),
    "student_in_verdict": ("with probe():\n    got = student.f(2)\nassert got == student.f(2)",
                           "move that line into `with probe():`"),
    "unknown_name": ("with probe():\n    got = f(2)\nassert got == 4",
                     "the probe reads f, which neither the setup"),
}


@pytest.mark.parametrize("rule", RULES)
def test_the_emitter_refuses_a_case_that_would_fail_silently(rule, tmp_path):
    body, message = RULES[rule]
    path = tmp_path / "q1.py"
    path.write_text("import numpy as np\n\nfrom hwkit.testkit import case, probe, student\n\n\n"
                    f"@case(points=1)\ndef {rule}():\n{textwrap.indent(body, '    ')}\n")
    with pytest.raises(TestFileError, match=rf"q1.py: case {rule}: .*{re.escape(message)}"):
        read_test_file(path)


def test_a_hidden_case_needs_the_message_students_will_see():
    from hwkit.testkit import case

    with pytest.raises(ValueError, match="a hidden case needs a message"):
        case(points=1, hidden=True)


def test_a_file_with_no_case_is_refused(tmp_path):
    path = tmp_path / "q9.py"
    path.write_text("import numpy as np\n")
    with pytest.raises(TestFileError, match="no @case functions"):
        read_test_file(path)
