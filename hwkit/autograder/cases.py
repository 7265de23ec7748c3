"""Test cases split into what the grader runs and what the submission's kernel runs.

An author writes a test cell as an ordinary otter test, in three parts separated by two
marker statements (plain assignments, because otter keeps only code, not comments)::

    import a2_reference as _ref                      # setup: runs in the grader
    _z = np.random.default_rng(1201).uniform(-30, 30, size=(6, 7))
    _phase = "probe"
    _got = sigmoid(_z)                               # probe: runs in the submission's kernel
    _phase = "verdict"
    assert np.allclose(_got, _ref.sigmoid(_z))       # verdict: runs in the grader

Run top to bottom in one kernel (``otter assign``'s check, ``grader.check`` in the student's
notebook, ``otter run`` on Gradescope) it is an ordinary test. ``hwkit grade`` runs the setup
in the grader, sends the setup's ``_``-names that the probe reads (data only, ``hwkit.values``)
into the kernel,
runs the probe there, takes back the ``_``-names the probe assigned that are data, and runs
the verdict in the grader with them: the comparison, the reference and the points never run
where the submission can touch them.

The setup sees ``np`` and may import the reference module and ``hwkit``; the probe sees the
notebook's globals; the verdict sees the setup's names and the probe's values.
"""

import ast
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

PHASE_NAME = "_phase"
PROBE, VERDICT = "probe", "verdict"
PROMPT = re.compile(r"^(>>> |\.\.\. |>>>$|\.\.\.$)")


@dataclass(frozen=True)
class SplitCase:
    """One test case: its place in the zip, and its three parts as Python source."""

    question: str
    index: int
    name: str
    hidden: bool
    setup: str
    probe: str
    verdict: str

    @property
    def key(self) -> str:
        return f"{self.question}-{self.index}"

    def probe_names(self) -> list[str]:
        """The ``_``-names the probe assigns and the setup does not: the probe's declared
        outputs, the only values taken back from the kernel (a reply can never replace one of
        the setup's values: the verdict sees those exactly as the setup made them)."""
        setup = set(bound_names(self.setup))
        return [name for name in assigned_names(self.probe) if name not in setup]

    def input_names(self) -> set[str]:
        """The ``_``-names the probe reads: the only setup values the kernel receives (an
        expected value computed in the setup and not used by the probe never leaves it)."""
        return {
            node.id
            for node in ast.walk(ast.parse(self.probe))
            if isinstance(node, ast.Name) and node.id.startswith("_") and node.id != PHASE_NAME
        }


class CaseFormatError(ValueError):
    """A test case without its phase markers; says which case and how to fix it."""


def doctest_source(code: str) -> str:
    """Python source of an OK-format case (``>>> `` and ``... `` prompts removed)."""
    lines = []
    for line in code.splitlines():
        match = PROMPT.match(line)
        if match:
            lines.append(line[len(match.group(1)):])
        elif line.strip():  # expected output of a bare expression: not used by split tests
            lines.append(f"# output: {line}")
    return "\n".join(lines)


def _marker(node: ast.stmt) -> str:
    if (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == PHASE_NAME
        and isinstance(node.value, ast.Constant)
    ):
        return str(node.value.value)
    return ""


def split_source(source: str, label: str) -> tuple[str, str, str]:
    """``(setup, probe, verdict)`` of a test's source; ``label`` names it in errors."""
    tree = ast.parse(source)
    markers = [(i, _marker(node)) for i, node in enumerate(tree.body) if _marker(node)]
    if [m for _, m in markers] != [PROBE, VERDICT]:
        raise CaseFormatError(
            f"{label}: a test must have exactly one `{PHASE_NAME} = \"{PROBE}\"` line followed by "
            f"one `{PHASE_NAME} = \"{VERDICT}\"` line (setup / probe / verdict); found "
            f"{[m for _, m in markers] or 'none'}"
        )
    (probe_at, _), (verdict_at, _) = markers
    lines = source.splitlines()

    def segment(start: int, stop: int) -> str:
        nodes = tree.body[start:stop]
        if not nodes:
            return ""
        first, last = nodes[0], nodes[-1]
        first_line = min([first.lineno, *(d.lineno for d in getattr(first, "decorator_list", []))])
        return "\n".join(lines[first_line - 1 : last.end_lineno])

    return (
        segment(0, probe_at),
        segment(probe_at + 1, verdict_at),
        segment(verdict_at + 1, len(tree.body)),
    )


def _bound_targets(node: ast.stmt) -> list[ast.AST]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For)):
        return [node.target]
    if isinstance(node, ast.With):
        return [item.optional_vars for item in node.items if item.optional_vars is not None]
    return []


def _statements(body: list[ast.stmt]):
    """Statements of a block and of the blocks inside it (not inside functions or classes)."""
    for node in body:
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(node, field, []) or [])
        for handler in getattr(node, "handlers", []) or []:
            yield from _statements(handler.body)


def assigned_names(source: str, prefix: str = "_") -> list[str]:
    """Names starting with ``prefix`` bound by assignments, loops and ``with``, in order (in
    nested blocks too, not inside functions)."""
    names: list[str] = []
    for node in _statements(ast.parse(source).body):
        for target in _bound_targets(node):
            for sub in ast.walk(target):
                if (isinstance(sub, ast.Name) and sub.id.startswith(prefix)
                        and sub.id != PHASE_NAME and sub.id not in names):
                    names.append(sub.id)
    return names


def bound_names(source: str) -> list[str]:
    """Every name a block binds at its top level and in nested blocks: assignments, loops,
    ``with``, imports, functions and classes (the names a setup makes)."""
    names = assigned_names(source, prefix="")
    for node in _statements(ast.parse(source).body):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names += [(a.asname or a.name).split(".")[0] for a in node.names]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
    return list(dict.fromkeys(names))


def ok_cases(autograder_zip: Path):
    """``(question, index, otter TestCase)`` for every case of the zip's ``tests/*.py``."""
    from otter.test_files.ok_test import OKTestFile

    with zipfile.ZipFile(autograder_zip) as zf, tempfile.TemporaryDirectory() as tmp:
        names = sorted(n for n in zf.namelist() if n.startswith("tests/") and n.endswith(".py"))
        for member in names:
            test_file = OKTestFile.from_file(zf.extract(member, tmp))
            for index, case in enumerate(test_file.test_cases):
                yield test_file.name, index, case


def read_cases(autograder_zip: Path) -> list[SplitCase]:
    """Every test case in an autograder zip, split; raises ``CaseFormatError`` for a case
    without markers."""
    cases = []
    for question, index, case in ok_cases(autograder_zip):
        label = f"{question} case {index + 1} ({case.name})"
        setup, probe, verdict = split_source(doctest_source(case.body), label)
        cases.append(SplitCase(question, index, case.name, bool(case.hidden),
                               setup, probe, verdict))
    return cases
