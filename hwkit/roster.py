"""Who is in the course, and whose submission a file is.

``read_roster_csv`` reads the TA's roster (UTF-8, with or without Excel's BOM): a header row,
then one student per row. Columns (English or Chinese header; only the id is required):
``student_id``/``学号``, ``name``/``姓名``, ``nickname``/``昵称``, ``group``/``班级``,
``show_name``/``公开姓名`` (yes/1/true: the student allows their name on the board).

``match_student`` files a submission under a student: the notebook's ``STUDENT_ID`` when it
names a roster student, else the file name when it starts with a student id followed by
``_``, ``-``, ``.`` or a space (the longest such id), else no one (reported, never dropped).
Without a roster, the id is the ``STUDENT_ID`` field or the file name up to its first ``_``.
"""

import ast
import csv
import re
from pathlib import Path

import nbformat

from .gradebook import Student

HEADER_ALIASES = {
    "student_id": ("student_id", "id", "学号"),
    "name": ("name", "姓名"),
    "nickname": ("nickname", "昵称"),
    "group": ("group", "班级", "组"),
    "show_name": ("show_name", "公开姓名"),
}
TRUE_WORDS = {"1", "yes", "y", "true", "是"}
ID_FIELD = "STUDENT_ID"
ID_PATTERN = re.compile(r"^[\w.\-]{1,64}$")
_SEPARATORS = ("_", "-", ".", " ")


class RosterError(ValueError):
    """The roster file cannot be used; the message names the line and the fix."""


def _columns(header: list[str], path: Path) -> dict[str, int]:
    normalised = [h.strip().lower() for h in header]
    columns = {}
    for key, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            if alias in normalised:
                columns[key] = normalised.index(alias)
                break
    if "student_id" not in columns:
        raise RosterError(
            f"{path}: the header has no student id column (got {header}); "
            "name one column student_id (or 学号)"
        )
    return columns


def read_roster_csv(path: Path) -> list[Student]:
    """Every student of the roster CSV at ``path``; raises ``RosterError`` on the first bad line
    (a missing or malformed id, a duplicate id), so a broken file imports nothing."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise RosterError(f"{path}: not UTF-8 text; save the roster as CSV UTF-8") from error
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise RosterError(f"{path}: the file is empty; expected a header row and one row a student")
    columns = _columns(rows[0], path)
    students, seen = [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(key: str, row=row) -> str:
            index = columns.get(key)
            return row[index].strip() if index is not None and index < len(row) else ""

        student_id = cell("student_id")
        if not ID_PATTERN.match(student_id):
            raise RosterError(
                f"{path}, line {number}: student id {student_id!r} is empty or has characters "
                "other than letters, digits, '_', '-', '.'"
            )
        if student_id in seen:
            raise RosterError(
                f"{path}, line {number}: student id {student_id} already on line {seen[student_id]}"
            )
        seen[student_id] = number
        students.append(
            Student(student_id, cell("name"), cell("nickname"), cell("group"),
                    cell("show_name").lower() in TRUE_WORDS)  # fmt: skip
        )
    return students


def student_field(notebook: nbformat.NotebookNode | None) -> str:
    """The string the notebook assigns to ``STUDENT_ID`` at the top level of a code cell (the
    last such assignment), read without running anything; "" when there is none."""
    value = ""
    for cell in getattr(notebook, "cells", None) or []:
        if cell.get("cell_type") != "code" or ID_FIELD not in cell.get("source", ""):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == ID_FIELD for t in node.targets)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str | int)
            ):
                value = str(node.value.value).strip()
    return value[:64]


def _id_from_name(submission: str, ids: set[str]) -> str | None:
    """The longest roster id that the name starts with, followed by a separator."""
    for end in range(len(submission) - 1, 0, -1):  # longest first; O(len(name)) set lookups
        if submission[end] in _SEPARATORS and submission[:end] in ids:
            return submission[:end]
    return None


def match_student(submission: str, field: str, ids: set[str] | None) -> tuple[str | None, str]:
    """(student id or None, how it was matched: "field", "file name" or why not).

    - submission: the file name; field: ``student_field`` of the notebook
    - ids: the roster's student ids, or None when there is no roster
    """
    if ids is None:
        if field and ID_PATTERN.match(field):
            return field, "field"
        stem = submission.split("_", 1)[0].removesuffix(".ipynb")
        return (stem, "file name") if stem else (None, "empty file name")
    if field in ids:
        return field, "field"
    by_name = _id_from_name(submission, ids)
    if by_name is not None:
        return by_name, "file name"
    claimed = f"STUDENT_ID {field!r} is not on the roster; " if field else "no STUDENT_ID; "
    return None, claimed + "the file name does not start with a roster student id"
