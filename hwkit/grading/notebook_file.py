"""A submitted file, checked before anything runs: is it a regular file, a notebook, this
assignment's? Every answer that is "no" is one line that names the problem and quotes
nothing of what the file points at or holds.

The file is opened once, without following a symbolic link (``O_NOFOLLOW``), and read from
that descriptor, so a symlink — to a root-only file, or to a classmate's notebook in an LMS
export beside the submissions folder — is refused, never read.
"""

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import nbformat

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class SubmittedFile:
    """- content: the file's bytes (b"" when it could not be read); sha256: of those bytes
    - notebook: the parsed notebook, or None; problem: why it cannot be graded ("" if it can)
    - other_assignment: the assignment the notebook's release says it is, when that is not the
      one being graded ("" otherwise): the file is kept off that assignment's board
    """

    content: bytes
    sha256: str
    notebook: nbformat.NotebookNode | None
    problem: str
    other_assignment: str = ""


def sha256_of(path: Path) -> str:
    """The sha256 of a file's bytes (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_submission(path: Path) -> tuple[bytes, str]:
    """(bytes, "") of a regular file, read through one descriptor that refuses symlinks;
    (b"", why not) otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        if error.errno == errno.ELOOP:  # the name is a symbolic link
            return b"", "a symbolic link, not a file: submit the notebook itself"
        return b"", f"cannot read the file ({error.strerror})"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return b"", "not a regular file (a folder, device or pipe)"
        if info.st_size > MAX_NOTEBOOK_BYTES:
            size = info.st_size / 2**20
            return b"", f"file too large ({size:.0f} MiB > {MAX_NOTEBOOK_BYTES >> 20} MiB)"
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_NOTEBOOK_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_NOTEBOOK_BYTES:
        return b"", f"file too large (> {MAX_NOTEBOOK_BYTES >> 20} MiB)"
    return data, ""


def parse_notebook(data: bytes) -> tuple[nbformat.NotebookNode | None, str]:
    """The notebook in ``data``, or (None, one line saying why it is not one)."""
    if not data:
        return None, "empty file"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not a notebook (the file is not UTF-8 text)"
    try:
        notebook = nbformat.reads(text, as_version=4)
    except RecursionError:
        return None, "not a notebook (its JSON is nested too deeply)"
    except Exception as error:  # nbformat raises several kinds for non-notebooks
        return None, f"not a notebook ({type(error).__name__})"
    if not isinstance(notebook.get("cells"), list):
        return None, "not a notebook (no cells)"
    return notebook, ""


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode | None, str]:
    """``read_submission`` then ``parse_notebook``: (notebook, "") or (None, why not)."""
    data, problem = read_submission(path)
    return (None, problem) if problem else parse_notebook(data)


def assignment_of(notebook: nbformat.NotebookNode | None) -> str:
    """The assignment a release notebook says it is (otter's metadata), or ""."""
    otter = (notebook or {}).get("metadata", {}).get("otter", {})
    name = otter.get("assignment_name", "") if isinstance(otter, dict) else ""
    return name if isinstance(name, str) else ""


def check_submission(path: Path, assignment_id: str) -> SubmittedFile:
    """Everything the engine needs to know about a file before grading it."""
    data, problem = read_submission(path)
    notebook = None
    if not problem:
        notebook, problem = parse_notebook(data)
    claimed = assignment_of(notebook)
    other = ""
    if claimed and claimed != assignment_id:
        other = claimed[:20]
        notebook, problem = None, f"this notebook is for {other}, not {assignment_id}"
    return SubmittedFile(data, hashlib.sha256(data).hexdigest() if data else "", notebook,
                         problem, other)
