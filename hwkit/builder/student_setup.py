"""What every release gets around its master's content: public tests as files in ``tests/``
(otter's rule for Colab; a renamed notebook still finds them), ``tutor.py``
(``hwkit.kernel.tutor``) beside the notebook, and a first code cell that checks the setup and
makes ``grader`` from it instead of otter's ``otter.Notebook("<id>.ipynb")``.

Masters carry none of this: ``with_student_setup`` adds it to the staged copy.
"""

import copy
from pathlib import Path

import nbformat
import yaml

CONFIG_MARKER = "# ASSIGNMENT CONFIG"
TUTOR_SOURCE = Path(__file__).resolve().parents[1] / "kernel" / "tutor.py"
TUTOR_NAME = "tutor.py"
SETUP_CELL = '''\
# 第一步：运行本单元。它检查环境、告诉你缺什么，并准备 grader.check（笔记本改名也没关系）。
# Step 1: run this cell. It checks your setup, says what is missing, and prepares
# grader.check (renaming the notebook is fine).
try:
    from tutor import setup
except ImportError:
    raise ImportError("找不到 tutor.py：把作业包里的文件都放在笔记本旁边 / tutor.py not found: "
                      "keep every file of the assignment bundle beside this notebook") from None
grader = setup("{assignment_id}", needs={needs!r})'''


def _config_cell(notebook: nbformat.NotebookNode):
    for cell in notebook.cells:
        if cell.cell_type == "raw" and cell.source.lstrip().startswith(CONFIG_MARKER):
            return cell
    raise ValueError("the master has no `# ASSIGNMENT CONFIG` raw cell")


def with_student_setup(master: nbformat.NotebookNode, assignment_id: str,
                       needs: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of ``master`` whose otter config writes test files, ships ``tutor.py`` and has no
    otter init cell, with ``SETUP_CELL`` as its first code cell (``needs``: module → what to
    install, ``Assignment.student_packages``)."""
    notebook = copy.deepcopy(master)
    cell = _config_cell(notebook)
    config = yaml.safe_load(cell.source.lstrip()[len(CONFIG_MARKER):]) or {}
    config["init_cell"] = False
    config.setdefault("tests", {})["files"] = True
    files = list(config.get("files") or [])
    config["files"] = files + [TUTOR_NAME] if TUTOR_NAME not in files else files
    cell.source = f"{CONFIG_MARKER}\n" + yaml.safe_dump(config, sort_keys=False,
                                                         allow_unicode=True).rstrip()
    first_code = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")
    notebook.cells.insert(first_code, nbformat.v4.new_code_cell(
        SETUP_CELL.format(assignment_id=assignment_id, needs=needs)))
    return notebook
