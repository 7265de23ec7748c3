"""The student's ``grader.check``: otter's public checks, read back like a tutor would.

Shipped beside every release notebook as ``tutor.py`` (``hwkit build`` copies this file; it
needs only the standard library and otter). The notebook's first code cell is::

    from tutor import setup
    grader = setup("<id>", needs={"numpy": "numpy", ...})

``setup`` quiets TensorFlow's start-up noise (real warnings stay), says in both languages
what to install when something the assignment needs is missing, and returns a ``Checks``
whose ``check("q1")`` runs otter's public tests for q1 from ``tests/`` beside this file
(whatever the notebook is called, on Colab too) and shows one short result: which checks
passed, each failure as its author's message, "not attempted" while a function the check
calls still ends in ``...`` — and nothing of otter's doctest plumbing. Where there are no
public tests (under grading, the master) it says so and does nothing.
"""

import ast
import html
import importlib.util
import inspect
import os
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS_DIR = HERE / "tests"
_ERROR_LINE = re.compile(r"^(\w+(?:Error|Exception|Warning)|AssertionError)(?:: (.*))?$")


def missing_modules(needs: dict[str, str]) -> list[str]:
    """What to install (``needs``' values) for the modules (its keys) this Python lacks."""
    return [pip for module, pip in needs.items() if importlib.util.find_spec(module) is None]


def setup(assignment: str, needs: dict[str, str] | None = None) -> "Checks":
    """Prepare the notebook: TensorFlow's log level, the environment check (``needs``: module
    → what to ``pip install`` for it), the checks."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # INFO noise off; warnings and errors stay
    missing = missing_modules(needs or {})
    if missing:
        print(f"缺少 / missing: {', '.join(missing)}\n"
              f"请先安装，然后重启内核 / install, then restart the kernel:\n"
              f"    pip install {' '.join(missing)}")
    else:
        print(f"环境就绪 / ready: {assignment}" + ("" if TESTS_DIR.is_dir() else
              " (这里没有公开检查 / no public checks here)"))
    return Checks(TESTS_DIR)


def _has_blank(tree: ast.AST) -> bool:
    """Whether a function still holds a blank ``...`` of the release: as a statement or as a
    value (``Dense(units=...)``); ``x[..., 0]`` is NumPy indexing, not a blank."""
    indexing = {id(node) for sub in ast.walk(tree) if isinstance(sub, ast.Subscript)
                for node in ast.walk(sub.slice)}
    return any(isinstance(node, ast.Constant) and node.value is Ellipsis
               and id(node) not in indexing for node in ast.walk(tree))


def _not_attempted(env: dict, names: set[str]) -> list[str]:
    """Functions among ``names`` in the notebook that still hold a blank ``...``."""
    found = []
    for name in sorted(names):
        function = env.get(name)
        if not inspect.isfunction(function):
            continue
        try:
            tree = ast.parse(inspect.getsource(function).strip())
        except (OSError, TypeError, SyntaxError):
            continue
        if tree.body and _has_blank(tree.body[0]):
            found.append(name)
    return found


def _reason(message: str) -> str:
    """The one line that says why a check failed: the author's assertion message, else the
    exception line, of the first example that failed (later ones often fail because of it)."""
    lines = [ln.strip() for ln in (message or "").splitlines() if ln.strip()]
    for line in lines:
        match = _ERROR_LINE.match(line)
        if match:
            kind, text = match.groups()
            return text if kind == "AssertionError" and text else line
    return lines[-1] if lines else "failed"


class Result:
    """One question's short result; shows as a few lines in the notebook (text and HTML)."""

    def __init__(self, question: str, passed: int, total: int, lines: list[str]):
        self.question, self.passed, self.total, self.lines = question, passed, total, lines

    @property
    def all_passed(self) -> bool:
        return self.total > 0 and self.passed == self.total

    def __repr__(self) -> str:
        head = (f"{self.question}: 全部通过 / all {self.total} checks passed"
                if self.all_passed else
                f"{self.question}: {self.passed} / {self.total} 项通过 / checks passed")
        return "\n".join([head, *(f"  ✗ {line}" for line in self.lines)])

    def _repr_html_(self) -> str:
        color = "#2e7d32" if self.all_passed else "#c62828"
        rows = "".join(f"<li>{html.escape(line)}</li>" for line in self.lines)
        head = html.escape(repr(self).splitlines()[0])
        return (f'<div style="border-left:4px solid {color};padding:.3em .8em">'
                f"<strong>{head}</strong>" + (f"<ul>{rows}</ul>" if rows else "") + "</div>")


class Checks:
    """``grader.check(question)`` over otter's public tests in ``tests_dir``."""

    def __init__(self, tests_dir: Path):
        self.tests_dir = Path(tests_dir)
        self._otter = None

    def _notebook(self):
        if self._otter is None:
            import otter

            self._otter = otter.Notebook(tests_dir=str(self.tests_dir))
        return self._otter

    def check(self, question: str, global_env: dict | None = None) -> Result | None:
        env = global_env if global_env is not None else inspect.currentframe().f_back.f_globals
        test_file = self.tests_dir / f"{question}.py"
        if not test_file.is_file():
            print(f"{question}: 这里没有公开检查 / no public check here")
            return None
        result = self._notebook().check(question, global_env=env)
        result = getattr(result, "return_value", result)
        cases = list(getattr(result, "test_case_results", []))
        passed = sum(bool(c.passed) for c in cases)
        lines = []
        stubs = _not_attempted(env, set(re.findall(r"\b([A-Za-z_]\w*)\s*\(",
                                                   test_file.read_text(encoding="utf-8"))))
        if stubs and passed < len(cases):
            lines.append(f"还没写 / not attempted yet: {', '.join(stubs)} (仍以 ... 结尾 / "
                         "still ends in ...)")
        else:
            lines += [_reason(c.message) for c in cases if not c.passed]
        return Result(question, passed, len(cases), lines)

    def check_all(self) -> list[Result]:
        env = inspect.currentframe().f_back.f_globals
        return [self.check(path.stem, env) for path in sorted(self.tests_dir.glob("q*.py"))]
