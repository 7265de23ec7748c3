"""Screenshots of ``grader.check`` in the A2 release, blank and half done (docs/*.png).

Run from the kit checkout after ``hwkit build a2``:
    python docs/make_screenshots.py
It copies ``assignments/a2/`` to a temporary folder, fills some functions from the
autograder's solution notebook (``hwkit.builder.samples.fill_functions``), executes both
notebooks with nbclient and photographs the check cells' HTML output in Debian's Chromium.
"""

import html
import shutil
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from playwright.sync_api import sync_playwright

from hwkit.assignments import get_assignment
from hwkit.builder.samples import fill_functions

DOCS = Path(__file__).resolve().parent
HALF = ("z_score_normalize", "mean_normalize", "min_max_normalize", "sigmoid")


def check_outputs(notebook, folder: Path) -> list[tuple[str, str]]:
    path = folder / "2026012345_a2.ipynb"
    nbformat.write(notebook, path)
    run = nbformat.read(path, as_version=4)
    NotebookClient(run, timeout=180, allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    shown = []
    for cell in run.cells:
        if cell.cell_type == "code" and cell.source.strip().startswith("grader.check("):
            for output in cell.outputs:
                data = output.get("data", {})
                if "text/html" in data:
                    shown.append((cell.source.strip(), data["text/html"]))
    return shown


def page(title: str, shown: list[tuple[str, str]]) -> str:
    cells = "".join(f'<div class="cell"><pre>In: {html.escape(src)}</pre>{out}</div>'
                    for src, out in shown)
    return (f"<html><head><meta charset='utf-8'><style>body{{font-family:'WenQuanYi Micro Hei',"
            f"sans-serif;width:900px;margin:16px}}pre{{color:#555;margin:4px 0}}.cell{{margin:"
            f"10px 0}}</style></head><body><h3>{html.escape(title)}</h3>{cells}</body></html>")


def main() -> None:
    a2 = get_assignment("a2")
    solution = nbformat.read(a2.autograder_dir / "a2-solution.ipynb", as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "a2"
        shutil.copytree(a2.release_dir, folder)
        release = nbformat.read(folder / "a2.ipynb", as_version=4)
        pages = {
            "check-blank.png": page("空白作业 / the blank release (renamed 2026012345_a2.ipynb)",
                                    check_outputs(release, folder)[:3]),
            "check-half-done.png": page("做了一半 / half done",
                                        check_outputs(fill_functions(release, solution, HALF),
                                                      folder)[:3]),
        }
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"))
            tab = browser.new_page(viewport={"width": 940, "height": 400})
            for name, text in pages.items():
                tab.set_content(text)
                tab.screenshot(path=str(DOCS / name), full_page=True)
                print(DOCS / name)
            browser.close()


if __name__ == "__main__":
    main()
