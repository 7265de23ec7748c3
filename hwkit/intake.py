"""What ``hwkit grade`` was handed, as the list of submissions to grade.

An input is a folder, a zip, or a single file; an LMS export is usually one of them:

- a flat folder (``2026012345_a2.ipynb`` …): every entry is a submission, as it always was
  (a file that is not a notebook, a link or a sub-folder without notebooks is graded as an
  error, so its student sees why);
- one sub-folder per student (``2026012345/a2.ipynb``): the notebooks in it, at any depth,
  are submissions named by their path (``hwkit.gradebook.roster.identify`` reads the student
  from the folder); the other files there are listed as not graded;
- a zip of either shape given directly, or a folder holding zips (one per student,
  ``2026012345.zip``): the zip is unpacked under ``unpack_dir`` (bounded: member count, sizes,
  no path outside it) and read as a folder; a zip inside a folder is always named after
  itself (``2026012345.zip: a2.ipynb`` → ``2026012345/a2.ipynb``), so a student's own zip
  cannot file notebooks under someone else's folder name.

The platforms' "download all" exports (each tested in ``tests/test_intake.py``):

- 学堂在线 / Open edX (ORA file uploads) and Moodle ("Download all submissions"): one folder per
  student, named by the platform's user (Open edX: the username; Moodle:
  ``Full Name_<participant id>_assignsubmission_file_``) — put that id in the roster's
  ``lms_id`` column;
- Canvas ("Download Submissions"): one flat zip, ``<lastfirst>_<user id>_<n>_<file>.ipynb``
  (``…_LATE_…`` for late ones) — the Canvas user id goes in ``lms_id``;
- Gradescope ("Export Submissions"): ``submission_<n>/`` folders and a
  ``submission_metadata.yml`` naming each one's submitter: the folders are renamed to the
  submitter's student id (``:sid:``) here, so nothing else is needed.

Names and bytes in a submission are hostile: a member's name never becomes a path on disk
(members are written as ``<index>.ipynb``), and a zip that cannot be read is reported, never
raised, so one bad zip does not stop the batch.
"""

import hashlib
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import yaml

# Under the course folder: the zips handed in, unpacked (kept: a rerun reuses them).
UNPACK_FOLDER = "submissions-unpacked"
NOTEBOOK_SUFFIX = ".ipynb"
ZIP_SUFFIX = ".zip"
MAX_MEMBERS = 20_000          # entries one zip may hold
MAX_NOTEBOOK_BYTES = 64 << 20  # a notebook larger than this is not unpacked (reported)
MAX_UNPACKED_BYTES = 8 << 30   # all notebooks of one zip, together
MAX_ZIP_DEPTH = 2              # a zip inside a zip is read; a zip inside that is reported
GRADESCOPE_METADATA = "submission_metadata.yml"  # whose each submission_<n>/ folder is
# Where that file is believed: the root of what the TA gave, or Gradescope's export folder in it
# (never inside a student's folder or zip, which a student could fill with a forged one).
GRADESCOPE_EXPORT = re.compile(r"^assignment_\d+_export$")
MAX_METADATA_BYTES = 16 << 20


class IntakeError(ValueError):
    """The input holds nothing to grade, or is not there: names it and what was expected."""


@dataclass(frozen=True)
class Entry:
    """One submission: ``name`` as the TA and the gradebook see it (a file name, or a path
    relative to the input, "/"-separated), ``path`` where its bytes are on disk."""

    name: str
    path: Path


@dataclass
class Intake:
    """The submissions found, and what was handed in but is not graded (name, why);
    gradescope: each Gradescope export's folder (its name prefix) → submission folder → student."""

    entries: list[Entry] = field(default_factory=list)
    not_graded: list[tuple[str, str]] = field(default_factory=list)
    gradescope: dict[str, dict[str, str]] = field(default_factory=dict)


def gradescope_students(text: str) -> dict[str, str]:
    """Gradescope's ``submission_metadata.yml``: ``submission_<n>`` → the first submitter's
    student id (``:sid:``, else ``:email:``); {} when it is not that file."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    found = {}
    for folder, record in (data or {}).items() if isinstance(data, dict) else ():
        submitters = record.get(":submitters") if isinstance(record, dict) else None
        first = submitters[0] if isinstance(submitters, list) and submitters else {}
        student = str(first.get(":sid") or first.get(":email") or "") if isinstance(
            first, dict) else ""
        if isinstance(folder, str) and student:
            found[folder] = student
    return found


def _renamed(name: str, gradescope: dict[str, dict[str, str]]) -> str:
    """``<export>/submission_<n>/x.ipynb`` → ``<student id>/x.ipynb`` for a Gradescope export."""
    for prefix, students in gradescope.items():
        rest = name[len(prefix) + 1:] if prefix and name.startswith(prefix + "/") else (
            name if not prefix else None)
        if rest is None:
            continue
        first, _, inner = rest.partition("/")
        if first in students and inner:
            return f"{students[first]}/{inner}"
    return name


def _is_zip(path: Path) -> bool:
    return path.suffix.lower() == ZIP_SUFFIX and path.is_file() and not path.is_symlink()


def _is_notebook_name(name: str) -> bool:
    return name.lower().endswith(NOTEBOOK_SUFFIX)


def _hidden(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def _join(prefix: str, name: str) -> str:
    return f"{prefix}/{name}" if prefix else name


def _walk_subfolder(folder: Path, prefix: str, unpack_dir: Path, intake: Intake,
                    depth: int) -> int:
    """The notebooks and zips under ``folder`` (named ``prefix/…``); returns how many
    submissions were found. Other files are listed as not graded."""
    found = 0
    try:
        children = sorted(folder.iterdir())
    except OSError as error:
        intake.not_graded.append((prefix, f"folder cannot be read ({error.strerror})"))
        return 0
    for child in children:
        if _hidden(child.name):
            continue
        name = _join(prefix, child.name)
        if child.is_symlink():
            intake.not_graded.append((name, "a symbolic link (not followed)"))
        elif child.is_dir():
            found += _walk_subfolder(child, name, unpack_dir, intake, depth)
        elif _is_zip(child):
            found += _unpack(child, name, name[: -len(ZIP_SUFFIX)], unpack_dir, intake, depth)
        elif _is_notebook_name(child.name) and child.is_file():
            intake.entries.append(Entry(name, child))
            found += 1
        elif (child.name == GRADESCOPE_METADATA and GRADESCOPE_EXPORT.match(prefix)
              and child.stat().st_size <= MAX_METADATA_BYTES):
            intake.gradescope[prefix] = gradescope_students(
                child.read_text(encoding="utf-8", errors="replace"))
        else:
            intake.not_graded.append((name, "not a notebook (.ipynb)"))
    return found


def _member_time(info: zipfile.ZipInfo) -> float | None:
    try:  # a zip stores local time without a zone: read as UTC, like most LMS servers
        return datetime(*info.date_time, tzinfo=UTC).timestamp()
    except ValueError:
        return None


def _safe_member_name(name: str) -> str | None:
    """The member's "/"-path, or None when it would leave the zip (absolute, ``..``)."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts or parts[0] == "/" or ".." in parts or ":" in parts[0]:
        return None
    return "/".join(p for p in parts if p not in ("", "."))


def _unpack(zip_path: Path, label: str, prefix: str, unpack_dir: Path, intake: Intake,
            depth: int, trusted: bool = False) -> int:
    """Unpack ``zip_path``'s notebooks (and zips) under ``unpack_dir`` and list them, named
    ``prefix/<member>``; returns how many submissions were found. ``trusted``: the zip is what
    the TA gave (an LMS export): a zip whose members lie in folders is a whole export, its
    members named without a prefix, and its Gradescope metadata is read. A zip found inside a
    folder may be a student's own upload: always named after itself, its metadata ignored."""
    if depth >= MAX_ZIP_DEPTH:
        intake.not_graded.append((label, "a zip nested too deep"))
        return 0
    try:
        with zip_path.open("rb") as stream:
            digest = hashlib.file_digest(stream, "sha256").hexdigest()[:16]
        archive = zipfile.ZipFile(zip_path)
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (OSError, zipfile.BadZipFile, ValueError) as error:
        intake.not_graded.append((label, f"not a readable zip ({error})"))
        return 0
    if len(infos) > MAX_MEMBERS:
        intake.not_graded.append((label, f"{len(infos)} members (at most {MAX_MEMBERS})"))
        return 0
    folder = unpack_dir / digest
    names = [_safe_member_name(i.filename) for i in infos]
    at_top = all(n is not None and "/" not in n for n in names)
    named = "" if trusted and not at_top else prefix
    found, unpacked = 0, 0
    with archive:
        for index, (info, member) in enumerate(zip(infos, names, strict=True)):
            if member is None:
                intake.not_graded.append((_join(label, info.filename[:200]),
                                          "a path outside the zip"))
                continue
            if any(_hidden(part) for part in member.split("/")):
                continue
            name = _join(named, member)
            if PurePosixPath(member).name == GRADESCOPE_METADATA and trusted and depth == 0:
                if info.file_size <= MAX_METADATA_BYTES and member.count("/") <= 1:
                    folder_of = str(PurePosixPath(name).parent)
                    intake.gradescope["" if folder_of == "." else folder_of] = (
                        gradescope_students(archive.read(info).decode("utf-8", "replace")))
                continue
            is_zip = member.lower().endswith(ZIP_SUFFIX)
            if not (is_zip or _is_notebook_name(member)):
                intake.not_graded.append((name, "not a notebook (.ipynb)"))
                continue
            too_big = unpacked + info.file_size > MAX_UNPACKED_BYTES
            if info.file_size > MAX_NOTEBOOK_BYTES or too_big:
                intake.not_graded.append((name, f"larger than {MAX_NOTEBOOK_BYTES >> 20} MiB"))
                continue
            target = folder / f"{index}{ZIP_SUFFIX if is_zip else NOTEBOOK_SUFFIX}"
            try:
                size = _extract(archive, info, target)
            except (OSError, zipfile.BadZipFile, NotImplementedError, ValueError) as error:
                intake.not_graded.append((name, f"cannot be unpacked ({error})"))
                continue
            if size is None:
                intake.not_graded.append((name, f"larger than {MAX_NOTEBOOK_BYTES >> 20} MiB"))
                continue
            unpacked += size
            if is_zip:
                found += _unpack(target, name, name[: -len(ZIP_SUFFIX)], unpack_dir, intake,
                                 depth + 1)
            else:
                intake.entries.append(Entry(name, target))
                found += 1
    return found


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> int | None:
    """Copy one member to ``target`` (its size), reading at most the size limit (a member's
    header can lie about its size); None when it is larger. An earlier unpack of the same
    zip is kept (the same bytes, so the same gradebook entries)."""
    if target.is_file():
        return target.stat().st_size
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    copied = 0
    with archive.open(info) as source, partial.open("wb") as sink:
        while copied <= MAX_NOTEBOOK_BYTES and (chunk := source.read(1 << 20)):
            sink.write(chunk)
            copied += len(chunk)
    if copied > MAX_NOTEBOOK_BYTES:
        partial.unlink()
        return None
    when = _member_time(info)
    if when is not None:
        os.utime(partial, (when, when))
    partial.replace(target)
    return copied


def collect(inputs: list[Path], unpack_dir: Path) -> Intake:
    """Every submission in ``inputs`` (folders, zips, files; see the module docstring).

    Raises ``IntakeError`` when an input does not exist or nothing at all is found.
    """
    intake = Intake()
    for given in inputs:
        given = Path(given)
        if given.is_dir():
            _read_folder(given, unpack_dir, intake)
        elif _is_zip(given):
            _unpack(given, given.name, "", unpack_dir, intake, 0, trusted=True)
        elif given.exists() or given.is_symlink():
            intake.entries.append(Entry(given.name, given))
        else:
            raise IntakeError(f"{given} does not exist: give a folder of submitted notebooks, "
                              "a zip of them, or notebook files")
    if not intake.entries:
        said = "; ".join(f"{name}: {why}" for name, why in intake.not_graded[:5])
        raise IntakeError(
            f"no submissions found in {', '.join(str(p) for p in inputs)}"
            + (f" ({said})" if said else "")
            + ": expected notebooks (.ipynb), a folder of them (one sub-folder per student is "
              "fine) or a zip of them"
        )
    if intake.gradescope:
        intake.entries = [Entry(_renamed(e.name, intake.gradescope), e.path)
                          for e in intake.entries]
    intake.entries.sort(key=lambda entry: entry.name)
    names = [entry.name for entry in intake.entries]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise IntakeError(f"two inputs hold a submission named {twice[0]!r}: "
                          "grade them in separate runs or rename one")
    return intake


def _read_folder(folder: Path, unpack_dir: Path, intake: Intake) -> None:
    """A flat folder's entries are submissions (as before); its sub-folders and zips hold
    one student's (or a whole export's) notebooks."""
    for child in sorted(folder.iterdir()):
        if _hidden(child.name):
            continue
        if child.is_dir() and not child.is_symlink():
            if not _walk_subfolder(child, child.name, unpack_dir, intake, 0):
                intake.entries.append(Entry(child.name, child))  # graded as an error: said
        elif _is_zip(child):
            _unpack(child, child.name, child.name[: -len(ZIP_SUFFIX)], unpack_dir, intake, 0)
        elif child.name == GRADESCOPE_METADATA and child.stat().st_size <= MAX_METADATA_BYTES:
            intake.gradescope[""] = gradescope_students(
                child.read_text(encoding="utf-8", errors="replace"))
        else:
            intake.entries.append(Entry(child.name, child))
