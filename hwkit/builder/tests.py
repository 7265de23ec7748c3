"""Hidden and public tests as a TA writes them (``solutions/<id>/tests/qN.py``, see
``hwkit.testkit``) turned into otter's test cells, checked on the way.

Each ``@case`` function becomes one test cell in the staged master, in the split format the
grader runs (``hwkit.autograder.cases``)::

    <the file's imports the setup and verdict use>   # setup, in the grader
    <the function's statements before ``with probe():``>
    _phase = "probe"
    <the file's imports the probe uses>     # probe, in the student's kernel
    <the statements inside ``with probe():``>
    _phase = "verdict"
    <the statements after it>               # verdict, in the grader

with every name the function binds renamed ``_name`` (so nothing a test makes can clash with
the notebook's names) and ``student.X`` written as the notebook's ``X``. What is refused, with
the file, the case and the fix in the message (``TestFileError``): no ``with probe():`` or
more than one; ``student`` outside the probe; a verdict without ``assert`` (otter's bare
expressions would pass every submission under ``hwkit grade``); a probe that reads a name
neither the setup, the probe, the file's imports nor Python provide.
"""

import ast
import builtins
import json
from dataclasses import dataclass
from pathlib import Path

from hwkit.testkit import CaseConfig

PHASE = "_phase"
STUDENT = "student"
TESTKIT = "hwkit.testkit"


class TestFileError(ValueError):
    """A test file breaks a rule; the message names the file, the case and the fix."""

    __test__ = False  # a name pytest would otherwise collect


@dataclass(frozen=True)
class WrittenCase:
    """One case of a test file: its question (the file's name), its function's name, its
    otter configuration and its source in the split format."""

    question: str
    name: str
    config: CaseConfig
    source: str

    def cell_source(self) -> str:
        """The otter test cell: the TEST CONFIG block, then the source."""
        lines = [f"points: {self.config.points:g}"]
        if self.config.hidden:
            lines += ["hidden: true", f"failure_message: {json.dumps(self.config.message)}"]
        config = "\n".join(lines)
        return f'""" # BEGIN TEST CONFIG\n{config}\n""" # END TEST CONFIG\n{self.source}'


def _config(function: ast.FunctionDef, label: str) -> CaseConfig | None:
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "case":
            try:
                args = [ast.literal_eval(a) for a in decorator.args]
                kwargs = {k.arg: ast.literal_eval(k.value) for k in decorator.keywords}
                return CaseConfig(*map(float, args[:1]), *args[1:], **kwargs) if args else \
                    CaseConfig(**kwargs)
            except (ValueError, TypeError) as error:
                raise TestFileError(f"{label}: @case(...) takes constants: points=, hidden=, "
                                    f"message= ({error})") from None
    return None


def _is_probe(node: ast.stmt) -> bool:
    return (isinstance(node, ast.With) and len(node.items) == 1
            and isinstance(node.items[0].context_expr, ast.Call)
            and getattr(node.items[0].context_expr.func, "id", "") == "probe"
            and node.items[0].optional_vars is None)


def _bound(nodes: list[ast.stmt]) -> set[str]:
    found = set()
    for node in (n for top in nodes for n in ast.walk(top)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        elif isinstance(node, ast.alias):
            found.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.arg):  # a lambda's or a local function's parameter
            found.add(node.arg)
    return found


def _read(nodes: list[ast.stmt]) -> set[str]:
    return {n.id for top in nodes for n in ast.walk(top)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _imports_for(imports: list[ast.stmt], nodes: list[ast.stmt]) -> list[ast.stmt]:
    """The file's imports that ``nodes`` use, each trimmed to the names they read (a probe
    imports into the student's kernel only what it calls)."""
    used = _read(nodes)
    kept = []
    for node in imports:
        names = [a for a in node.names if (a.asname or a.name).split(".")[0] in used]
        if names:
            kept.append(ast.copy_location(
                ast.ImportFrom(module=node.module, names=names, level=node.level)
                if isinstance(node, ast.ImportFrom) else ast.Import(names=names), node))
    return kept


def _uses_student(nodes: list[ast.stmt]) -> bool:
    return STUDENT in _read(nodes)


class _Rewrite(ast.NodeTransformer):
    """``student.X`` → ``X``; every name in ``bound`` → ``_name``."""

    def __init__(self, bound: set[str]):
        self.bound = bound

    def visit_Attribute(self, node: ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id == STUDENT:
            return ast.copy_location(ast.Name(id=node.attr, ctx=node.ctx), node)
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name):
        if node.id in self.bound and not node.id.startswith("_"):
            node.id = f"_{node.id}"
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef):  # a helper the case defines
        if node.name in self.bound and not node.name.startswith("_"):
            node.name = f"_{node.name}"
        return self.generic_visit(node)

    def visit_arg(self, node: ast.arg):
        if node.arg in self.bound and not node.arg.startswith("_"):
            node.arg = f"_{node.arg}"
        return node

    def visit_alias(self, node: ast.alias):
        name = node.asname or node.name
        if "." not in name and name in self.bound and not name.startswith("_"):
            node.asname = f"_{name}"
        return node


def _source(nodes: list[ast.stmt], bound: set[str]) -> str:
    module = ast.Module(body=[_Rewrite(bound).visit(ast.fix_missing_locations(n)) for n in nodes],
                        type_ignores=[])
    return ast.unparse(module)


def _split(function: ast.FunctionDef, label: str):
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    probes = [i for i, node in enumerate(body) if _is_probe(node)]
    if len(probes) != 1:
        raise TestFileError(f"{label}: a case needs exactly one `with probe():` block at its top "
                            f"level (the part that runs in the student's kernel); found "
                            f"{len(probes)}")
    at = probes[0]
    return body[:at], body[at].body, body[at + 1 :]


def _check(label: str, setup, probe, verdict, imported: set[str]) -> None:
    if _uses_student(setup) or _uses_student(verdict):
        raise TestFileError(f"{label}: `student.` is the notebook, which only the probe can "
                            "reach: move that line into `with probe():`")
    if not any(isinstance(n, ast.Assert) for top in verdict for n in ast.walk(top)):
        raise TestFileError(f"{label}: the verdict (after `with probe():`) has no `assert`: "
                            "without one every submission passes under hwkit grade")
    known = _bound(setup) | _bound(probe) | imported | set(dir(builtins)) | {STUDENT}
    unknown = sorted(_read(probe) - known)
    if unknown:
        raise TestFileError(f"{label}: the probe reads {', '.join(unknown)}, which neither the "
                            "setup, the probe nor the file's imports make: write "
                            f"`student.{unknown[0]}` for the notebook's {unknown[0]}")


def read_test_file(path: Path) -> list[WrittenCase]:
    """Every ``@case`` of a test file, in order, checked and in the split format."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)
               and not (isinstance(n, ast.ImportFrom) and n.module == TESTKIT)]
    imported = _bound(imports)
    cases = []
    for function in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        label = f"{path.name}: case {function.name}"
        config = _config(function, label)
        if config is None:
            continue
        setup, probe, verdict = _split(function, label)
        _check(label, setup, probe, verdict, imported)
        bound = (_bound(setup) | _bound(probe) | _bound(verdict)) - imported
        grader_imports = _imports_for(imports, setup + verdict)
        source = "\n".join(filter(None, [
            _source(grader_imports + setup, bound), f'{PHASE} = "probe"',
            _source(_imports_for(imports, probe) + probe, bound),
            f'{PHASE} = "verdict"', _source(verdict, bound)]))
        cases.append(WrittenCase(path.stem, function.name, config, source))
    if not cases:
        raise TestFileError(f"{path}: no @case functions (see hwkit.testkit)")
    return cases
