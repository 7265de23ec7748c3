"""Sample submissions made from a build: the reference, a blank release, partial answers.

They are derived from the current release and solution notebooks, so they never drift from
the master. ``hwkit demo`` grades them; the end-to-end tests assert their exact scores.
"""

import ast
import copy
from pathlib import Path

import nbformat

from hwkit.assignments import get_assignment

NOT_A_NOTEBOOK = b"\x89PNG\r\n\x1a\n this is not a notebook \xff\xfe"


def _function_segments(source: str) -> dict[str, tuple[int, int]]:
    """Top-level function name -> (first line, last line), 1-based, decorators included."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    return {
        node.name: (min([node.lineno] + [d.lineno for d in node.decorator_list]), node.end_lineno)
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    }


def _solution_sources(solution: nbformat.NotebookNode) -> dict[str, str]:
    sources = {}
    for cell in solution.cells:
        if cell.cell_type == "code":
            lines = cell.source.splitlines()
            for name, (first, last) in _function_segments(cell.source).items():
                sources[name] = "\n".join(lines[first - 1 : last])
    return sources


def fill_functions(
    release: nbformat.NotebookNode, solution: nbformat.NotebookNode, functions: tuple[str, ...]
) -> nbformat.NotebookNode:
    """A copy of ``release`` where each function in ``functions`` has the solution's body."""
    wanted = _solution_sources(solution)
    missing = [name for name in functions if name not in wanted]
    if missing:
        raise KeyError(f"the solution defines no {', '.join(missing)}")
    filled = copy.deepcopy(release)
    for cell in filled.cells:
        if cell.cell_type != "code":
            continue
        lines = cell.source.splitlines()
        segments = _function_segments(cell.source)
        for name, (first, last) in sorted(segments.items(), key=lambda kv: -kv[1][0]):
            if name in functions:
                lines[first - 1 : last] = wanted[name].splitlines()
        cell.source = "\n".join(lines)
    return filled


def break_function(
    solution: nbformat.NotebookNode, function: str
) -> nbformat.NotebookNode:
    """A copy of ``solution`` where ``def function(...):`` lost its colon."""
    broken = copy.deepcopy(solution)
    for cell in broken.cells:
        segments = _function_segments(cell.source) if cell.cell_type == "code" else {}
        if function in segments:
            first, _ = segments[function]
            lines = cell.source.splitlines()
            lines[first - 1] = lines[first - 1].rstrip().removesuffix(":")
            cell.source = "\n".join(lines)
            return broken
    raise KeyError(f"the solution defines no {function}")


def mutate(solution: nbformat.NotebookNode, old: str, new: str) -> nbformat.NotebookNode:
    """A copy of ``solution`` with the one occurrence of ``old`` replaced by ``new``."""
    found = sum(c.source.count(old) for c in solution.cells if c.cell_type == "code")
    if found != 1:
        raise KeyError(f"expected `{old}` once in the solution, found it {found} times")
    mutated = copy.deepcopy(solution)
    for cell in mutated.cells:
        if cell.cell_type == "code":
            cell.source = cell.source.replace(old, new)
    return mutated


def write_samples(
    assignment_id: str, release_notebook: Path, solution_notebook: Path, out_dir: Path
) -> dict[str, Path]:
    """Write the reference, the blank release, the assignment's partial, broken and mutated
    samples (``Assignment.samples``), and a file that is not a notebook; return name -> path."""
    samples = get_assignment(assignment_id).samples
    out_dir.mkdir(parents=True, exist_ok=True)
    release = nbformat.read(release_notebook, as_version=4)
    solution = nbformat.read(solution_notebook, as_version=4)
    notebooks = {"reference": solution, "blank_release": release}
    for name, functions in samples.partial.items():
        notebooks[name] = fill_functions(release, solution, functions)
    for name, function in samples.broken.items():
        notebooks[name] = break_function(solution, function)
    for name, replacements in samples.mutated.items():
        notebooks[name] = solution
        for old, new in replacements:
            notebooks[name] = mutate(notebooks[name], old, new)
    paths = {}
    for name, notebook in notebooks.items():
        paths[name] = out_dir / f"{name}.ipynb"
        nbformat.write(notebook, paths[name])
    paths["not_a_notebook"] = out_dir / "not_a_notebook.ipynb"
    paths["not_a_notebook"].write_bytes(NOT_A_NOTEBOOK)
    return paths
