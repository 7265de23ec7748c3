"""Small helpers the test modules share (fixtures live in conftest.py)."""


def code_of(notebook) -> str:
    """Every code cell's source, joined by newlines."""
    return "\n".join(c.source for c in notebook.cells if c.cell_type == "code")


def failed_names(result) -> set[str]:
    """The names of a graded submission's tests that did not pass, e.g. {"q2 - 1"}."""
    return {t.name for t in result.tests if not t.passed}


def points_of(manifest: dict, names) -> float:
    """The points the manifest's test cases called ``names`` are worth, together."""
    return sum(c["points"] for c in manifest["test_cases"] if c["name"] in names)


def shown_text(cell, error_prefix: str = "") -> str:
    """What an executed code cell showed: its streams, its results' text/plain, and each error
    as ``<error_prefix><name>: <value>``."""
    texts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            texts.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            texts.append(output.data.get("text/plain", ""))
        elif output.output_type == "error":
            texts.append(f"{error_prefix}{output.ename}: {output.evalue}")
    return "".join(texts)
