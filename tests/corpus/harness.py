"""Run a master's test cases in-process on a submission made of source code.

The namespace is the master's given code (imports, constants, every function) with a
variant's functions exec'd over it, plus small stand-ins for the data a notebook loads; the
cases come from ``solutions/<id>/tests/qN.py`` and run as ordinary functions
(``hwkit.testkit.use_notebook``): probe and verdict in one process, no kernel.
"""

import ast
import importlib.util
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from hwkit.testkit import CASE_ATTRIBUTE, use_notebook


@dataclass(frozen=True)
class Variant:
    """One submission of the corpus.

    - code: the functions the student wrote (source of ``def`` statements, any helpers)
    - questions: the questions whose cases run
    - fails: the cases (``"q3 - 2"``: question, case number) that must fail; every other
      case of ``questions`` must pass
    """

    code: str
    questions: tuple[str, ...]
    fails: frozenset[str] = field(default_factory=frozenset)


def _given(statement: ast.stmt) -> bool:
    """The master's top-level statements a corpus namespace keeps: imports, definitions and
    assignments of literals and NumPy arrays of them (no data loading, no training)."""
    if isinstance(statement, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.ClassDef):
        return True
    if isinstance(statement, ast.Assign):
        names = {n.id for n in ast.walk(statement.value) if isinstance(n, ast.Name)}
        return names <= {"np"}  # literals, or NumPy arrays of them (SLIDE_ROWS = np.array(...))
    return False


def master_namespace(master: Path) -> dict:
    """The master's given code and reference functions, executed (the starting point every
    variant overrides)."""
    namespace: dict = {"__name__": "__corpus__"}
    for cell in nbformat.read(master, as_version=4).cells:
        if cell.cell_type != "code" or cell.source.lstrip().startswith(("%", "!")):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        kept = ast.Module(body=[s for s in tree.body if _given(s)], type_ignores=[])
        exec(compile(kept, str(master), "exec"), namespace)
    return namespace


def import_reference(autograder_zip: Path, module: str, folder: Path) -> None:
    """Make the build's reference module (``<id>_reference``, in its zip) importable."""
    with zipfile.ZipFile(autograder_zip) as archive:
        names = [n for n in archive.namelist() if n.endswith(f"{module}.py")]
        (folder / f"{module}.py").write_bytes(archive.read(names[0]))
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    sys.modules.pop(module, None)


def load_cases(tests_dir: Path, question: str) -> list[tuple[str, object]]:
    """The cases of ``tests_dir/<question>.py`` in file order, as ("q3 - 2", function)."""
    spec = importlib.util.spec_from_file_location(f"corpus_{tests_dir.parent.name}_{question}",
                                                  tests_dir / f"{question}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    functions = [f for f in vars(module).values() if hasattr(f, CASE_ATTRIBUTE)]
    return [(f"{question} - {index}", f) for index, f in enumerate(functions, start=1)]


def public_cases(tests_dir: Path, questions: tuple[str, ...]) -> set[str]:
    """The names of the public cases (students run them in the notebook) among ``questions``."""
    return {name for question in questions for name, function in load_cases(tests_dir, question)
            if not getattr(function, CASE_ATTRIBUTE).hidden}


def outcomes(namespace: dict, variant: Variant, tests_dir: Path) -> dict[str, str]:
    """Case name → "" when it passed, else the exception that failed it (one line)."""
    env = dict(namespace)
    exec(compile(variant.code, "<variant>", "exec"), env)
    use_notebook(env)
    found = {}
    for question in variant.questions:
        for name, function in load_cases(tests_dir, question):
            try:
                function()
                found[name] = ""
            except Exception as error:  # a failed case, whatever the student's code raised
                found[name] = f"{type(error).__name__}: {str(error)[:200]}"
    return found
