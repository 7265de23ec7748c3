"""What a student did with each function of a notebook, read from its source with ``ast``.

Nothing is executed. Feedback uses it so that a blank answer says "not attempted" and a
function lost to a syntax error says so, instead of a confusing shape or name error.
"""

import ast
import re

import nbformat

ATTEMPTED, BLANK, SYNTAX_ERROR = "attempted", "blank", "syntax error"
DEF_LINE = re.compile(r"^def\s+([A-Za-z_]\w*)\s*\(", re.MULTILINE)


def _has_ellipsis(function: ast.FunctionDef) -> bool:
    """A ``...`` left anywhere in the body: a blank body or a skeleton blank such as
    ``Dense(units=...)``."""
    return any(
        isinstance(node, ast.Constant) and node.value is Ellipsis for node in ast.walk(function)
    )


def parse_cell(source) -> ast.Module | None:
    """A code cell's syntax tree, or None when it does not parse — for any reason a hostile
    cell can give: a syntax error, null bytes, a non-string source, nesting deep enough to
    exhaust the parser (a cell of 200,000 brackets)."""
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        return None


def function_states(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """Top-level function name -> ATTEMPTED, BLANK (a ``...`` is left in it) or
    SYNTAX_ERROR (its cell does not parse); the last definition wins."""
    states: dict[str, str] = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        tree = parse_cell(cell.source)
        if tree is None:
            source = cell.source if isinstance(cell.source, str) else ""
            states.update(dict.fromkeys(DEF_LINE.findall(source), SYNTAX_ERROR))
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                states[node.name] = BLANK if _has_ellipsis(node) else ATTEMPTED
    return states


def question_note(states: dict[str, str] | None, functions: list[str]) -> str:
    """A bilingual note when none of a question's functions was attempted, else ``""``.

    ``states`` is ``function_states(notebook)``, or None when the file is not a notebook.
    """
    if states is None or not functions:
        return ""
    if any(states.get(name) == ATTEMPTED for name in functions):
        return ""
    broken = [name for name in functions if states.get(name) == SYNTAX_ERROR]
    if broken:
        names = ", ".join(broken)
        return (
            f"未运行：{names} 所在单元格有语法错误 / "
            f"not run: the cell defining {names} has a syntax error"
        )
    names = ", ".join(functions)
    return f"未作答：{names} 仍含 `...` / not attempted: {names} still contains `...`"
