"""``otter assign`` on a staged master, and the release made byte-stable."""

import hashlib
import subprocess
import sys
from pathlib import Path

import nbformat

from hwkit.builder.master import BuildError


def run_otter_assign(staged_master: Path, dist_dir: Path, run_tests: bool) -> None:
    """``otter assign`` in a child process; its log is in the error when it fails."""
    command = [sys.executable, "-m", "otter", "assign", "--no-pdfs"]
    if not run_tests:
        command.append("--no-run-tests")
    command += [str(staged_master), str(dist_dir)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=staged_master.parent)
    if done.returncode != 0:
        log = (done.stdout + done.stderr)[-4000:]
        raise BuildError(f"otter assign failed for {staged_master.name}:\n{log}")


def stabilise_cell_ids(notebook_path: Path) -> None:
    """Replace otter's random cell ids with ids derived from position and content, so that
    building an unchanged master writes a byte-identical notebook."""
    notebook = nbformat.read(notebook_path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        seed = f"{index}:{cell.cell_type}:{cell.source}".encode()
        cell["id"] = hashlib.sha1(seed).hexdigest()[:12]
    nbformat.write(notebook, notebook_path)
