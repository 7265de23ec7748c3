"""Who is in the course, and whose submission a file is.

``read_roster_csv`` reads the TA's roster (UTF-8, with or without Excel's BOM): a header row,
then one student per row. Columns (English or Chinese header; only the id is required):
``student_id``/``学号``, ``name``/``姓名``, ``nickname``/``昵称``, ``group``/``班级``,
``show_name``/``公开姓名`` (yes/1/true: the student allows their name on the board),
``lms_id``/``平台账号`` (the id the LMS's exports name files by, when it is not the student id).

``identify`` files a submission under a student by its name as the LMS made it, never by
what the notebook says (a classmate could write anyone's id into their own file):

- a submission name is a file name (``2026012345_a2.ipynb``) or a relative path whose first
  part is the student's folder (``2026012345/a2.ipynb``, as LMS exports arrange them)
- with a roster: the folder when it is a roster id, else the longest roster id the file name
  starts with followed by ``_``, ``-``, ``.`` or a space; else no one (reported, never
  dropped; a ``STUDENT_ID`` naming a roster student is quoted there as a claim to check)
- with a roster whose lines carry ``lms_id``: else the one student whose LMS id is a whole
  word of the path (between ``_ - . /`` or spaces: ``zhangsan_48213_a2.ipynb``,
  ``Zhang San_48213_assignsubmission_file_/a2.ipynb``)
- without a roster: the folder, else the file name up to its first ``_``
- the notebook's ``STUDENT_ID`` (``student_field``) only raises a flag for the TA when it
  disagrees with the name; it never moves a submission
"""

import ast
import csv
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from hwkit.gradebook import Student
from hwkit.notebook_text import parse_cell

HEADER_ALIASES = {
    "student_id": ("student_id", "id", "学号"),
    "name": ("name", "姓名"),
    "nickname": ("nickname", "昵称"),
    "group": ("group", "班级", "组"),
    "show_name": ("show_name", "公开姓名"),
    "lms_id": ("lms_id", "lms id", "platform_id", "平台账号"),
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
        lms_id = cell("lms_id")
        if lms_id and not ID_PATTERN.match(lms_id):
            raise RosterError(f"{path}, line {number}: lms_id {lms_id!r} has characters other "
                              "than letters, digits, '_', '-', '.'")
        students.append(
            Student(student_id, cell("name"), cell("nickname"), cell("group"),
                    cell("show_name").lower() in TRUE_WORDS, lms_id)
        )
    return students


def student_field(notebook: nbformat.NotebookNode | None) -> str:
    """The string the notebook assigns to ``STUDENT_ID`` at the top level of a code cell (the
    last such assignment), read without running anything; "" when there is none."""
    value = ""
    for cell in getattr(notebook, "cells", None) or []:
        source = cell.get("source", "")
        if cell.get("cell_type") != "code" or not isinstance(source, str) or ID_FIELD not in source:
            continue
        tree = parse_cell(source)
        if tree is None:
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


@dataclass(frozen=True)
class Identity:
    """Whose a submission is, by its name.

    - student_id: the student it is filed under, or None (unmatched)
    - how: "folder" or "file name" when matched, else why not (for the TA)
    - flag: "" or what a TA should check (a ``STUDENT_ID`` that disagrees with the name, a
      folder and a file name that name different students)
    """

    student_id: str | None
    how: str
    flag: str = ""


def _field_flag(field: str, student_id: str, how: str) -> str:
    if not field or field == student_id:
        return ""
    return (f"STUDENT_ID {field!r} disagrees with the {how} ({student_id}); "
            f"filed under {student_id}")


def lms_aliases(students) -> dict[str, str]:
    """LMS id → student id, for the roster lines that have one."""
    return {s.lms_id: s.student_id for s in students if s.lms_id}


_WORD_BREAK = r"[_\-.\s/]"


def _by_lms_id(submission: str, aliases: dict[str, str]) -> str | None:
    """The one student whose LMS id stands in ``submission`` between word breaks (or at
    either end); ids without a break inside are looked up as words, the others scanned."""
    words = set(re.split(f"{_WORD_BREAK}+", submission))
    found = {aliases[word] for word in words if word in aliases}
    for alias in (a for a in aliases if re.search(_WORD_BREAK, a)):
        if re.search(f"(?:^|{_WORD_BREAK}){re.escape(alias)}(?:$|{_WORD_BREAK})", submission):
            found.add(aliases[alias])
    return found.pop() if len(found) == 1 else None


def identify(submission: str, field: str, ids: set[str] | None,
             aliases: dict[str, str] | None = None) -> Identity:
    """Whose ``submission`` is (see the module docstring).

    - submission: the file name, or a path relative to the submissions folder ("/"-separated)
    - field: ``student_field`` of the notebook ("" when none)
    - ids: the roster's student ids, or None when there is no roster
    - aliases: ``lms_aliases`` of the roster (LMS id → student id)
    """
    parts = submission.split("/")
    folder, name = (parts[0], parts[-1]) if len(parts) > 1 else ("", submission)
    if ids is None:
        if folder:
            return Identity(folder, "folder", _field_flag(field, folder, "folder"))
        stem = name.split("_", 1)[0].removesuffix(".ipynb")
        if not stem:
            return Identity(None, "empty file name")
        return Identity(stem, "file name", _field_flag(field, stem, "file name"))
    by_name = _id_from_name(name, ids)
    if folder in ids:
        flags = [_field_flag(field, folder, "folder")]
        if by_name is not None and by_name != folder:
            flags.append(f"the file name names {by_name} but the folder is {folder}'s; "
                         f"filed under {folder}")
        return Identity(folder, "folder", "; ".join(f for f in flags if f))
    if by_name is not None:
        return Identity(by_name, "file name", _field_flag(field, by_name, "file name"))
    by_lms = _by_lms_id(submission, aliases) if aliases else None
    if by_lms is not None:
        return Identity(by_lms, "LMS id", _field_flag(field, by_lms, "LMS id"))
    where = "the folder is not a roster student id and " if folder else ""
    reason = f"{where}the file name does not start with a roster student id"
    if field in ids:
        reason += f"; STUDENT_ID claims {field}; rename the file to {field}_… if that is right"
    elif field:
        reason += f"; STUDENT_ID {field!r} is not on the roster either"
    return Identity(None, reason)


def match_student(submission: str, field: str, ids: set[str] | None) -> tuple[str | None, str]:
    """(student id or None, how it was matched or why not): ``identify`` without the flag."""
    identity = identify(submission, field, ids)
    return identity.student_id, identity.how
