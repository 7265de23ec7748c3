"""What ``hwkit grade`` finds in what it is handed: flat folders, per-student folders, zips
(whole exports and one per student), single files; and what it refuses or reports."""

import os
import zipfile
from pathlib import Path

import pytest

from hwkit.gradebook import Student
from hwkit.gradebook.roster import identify, lms_aliases
from hwkit.gradebook.submission_time import submission_time
from hwkit.intake import MAX_NOTEBOOK_BYTES, IntakeError, collect

NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def _write(path: Path, data: bytes = NOTEBOOK) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 12, 5, 15, 30, 0)), data)
    return path


def _names(intake) -> list[str]:
    return [entry.name for entry in intake.entries]


def test_a_flat_folder_grades_every_entry_as_before(tmp_path):
    folder = tmp_path / "subs"
    _write(folder / "2026012345_a2.ipynb")
    _write(folder / "2026012346_a2.txt", b"not a notebook")
    _write(folder / ".DS_Store", b"x")
    intake = collect([folder], tmp_path / "unpacked")
    assert _names(intake) == ["2026012345_a2.ipynb", "2026012346_a2.txt"]
    assert intake.not_graded == []


def test_one_subfolder_per_student_names_each_notebook_by_its_path(tmp_path):
    folder = tmp_path / "export"
    _write(folder / "2026012345" / "a2.ipynb")
    _write(folder / "2026012346" / "deep" / "my_a2.ipynb")
    _write(folder / "2026012346" / "report.pdf", b"%PDF")
    (folder / "2026012347").mkdir()  # an empty folder: graded as an error, so it is seen
    intake = collect([folder], tmp_path / "unpacked")
    assert _names(intake) == ["2026012345/a2.ipynb", "2026012346/deep/my_a2.ipynb", "2026012347"]
    assert intake.not_graded == [("2026012346/report.pdf", "not a notebook (.ipynb)")]
    ids = {"2026012345", "2026012346", "2026012347"}
    assert identify("2026012346/deep/my_a2.ipynb", "", ids).student_id == "2026012346"


def test_a_whole_export_zip_keeps_its_folders(tmp_path):
    export = _zip(tmp_path / "export.zip", {
        "2026012345/a2.ipynb": NOTEBOOK,
        "2026012346/a2.ipynb": NOTEBOOK,
        "__MACOSX/2026012346/._a2.ipynb": b"resource fork",
        "2026012346/notes.txt": b"hi",
    })
    intake = collect([export], tmp_path / "unpacked")
    assert _names(intake) == ["2026012345/a2.ipynb", "2026012346/a2.ipynb"]
    assert intake.not_graded == [("2026012346/notes.txt", "not a notebook (.ipynb)")]
    for entry in intake.entries:
        assert entry.path.read_bytes() == NOTEBOOK
        assert entry.path.is_relative_to(tmp_path / "unpacked")
    # the member's time is kept as the file's time (no stamp in the name)
    first = intake.entries[0]
    assert submission_time(first.path, first.name) == "2026-12-05T15:30:00+00:00"


def test_per_student_zips_in_a_folder_are_named_after_the_zip(tmp_path):
    folder = tmp_path / "subs"
    _zip(folder / "2026012345.zip", {"a2.ipynb": NOTEBOOK})
    _zip(folder / "whole-export.zip", {"2026012346/a2.ipynb": NOTEBOOK})
    _write(folder / "2026012347_a2.ipynb")
    intake = collect([folder], tmp_path / "unpacked")
    # a zip inside the folder may be a student's own upload: named after itself, always
    assert _names(intake) == ["2026012345/a2.ipynb", "2026012347_a2.ipynb",
                              "whole-export/2026012346/a2.ipynb"]


def test_a_zip_of_zips_is_read_one_level_deep(tmp_path):
    inner = _zip(tmp_path / "inner.zip", {"a2.ipynb": NOTEBOOK})
    deeper = _zip(tmp_path / "deeper.zip", {"d.zip": inner.read_bytes()})
    export = _zip(tmp_path / "export.zip", {
        "2026012345.zip": inner.read_bytes(),
        "2026012346.zip": deeper.read_bytes(),
    })
    intake = collect([export], tmp_path / "unpacked")
    assert _names(intake) == ["2026012345/a2.ipynb"]
    assert intake.not_graded == [("2026012346/d.zip", "a zip nested too deep")]


def test_a_hostile_zip_writes_nothing_outside_and_stops_nothing(tmp_path):
    folder = tmp_path / "subs"
    _zip(folder / "evil.zip", {
        "../../escape.ipynb": NOTEBOOK,
        "/etc/abs.ipynb": NOTEBOOK,
        ("x" * 300) + ".ipynb": NOTEBOOK,  # longer than a file name may be: never one on disk
    })
    _write(folder / "broken.zip", b"PK\x03\x04 not really a zip")
    _write(folder / "2026012345_a2.ipynb")
    unpacked = tmp_path / "unpacked"
    intake = collect([folder], unpacked)
    assert _names(intake) == ["2026012345_a2.ipynb", "evil/" + "x" * 300 + ".ipynb"]
    reasons = dict(intake.not_graded)
    assert reasons["evil.zip/../../escape.ipynb"] == "a path outside the zip"
    assert reasons["evil.zip//etc/abs.ipynb"] == "a path outside the zip"
    assert reasons["broken.zip"].startswith("not a readable zip")
    assert not (tmp_path / "escape.ipynb").exists()
    assert all(p.is_relative_to(unpacked) for p in unpacked.rglob("*"))


def test_a_member_larger_than_its_header_says_is_cut_off(tmp_path, monkeypatch):
    monkeypatch.setattr("hwkit.intake.MAX_NOTEBOOK_BYTES", 1000)
    export = _zip(tmp_path / "e.zip", {"s1/a2.ipynb": b"x" * 5000, "s2/a2.ipynb": NOTEBOOK})
    intake = collect([export], tmp_path / "unpacked")
    assert _names(intake) == ["s2/a2.ipynb"]
    assert intake.not_graded == [("s1/a2.ipynb", "larger than 0 MiB")]
    assert MAX_NOTEBOOK_BYTES >= 16 << 20  # the real limit leaves room for notebooks with plots


def test_single_files_and_a_mix_of_inputs(tmp_path):
    one = _write(tmp_path / "2026012345_a2.ipynb")
    folder = tmp_path / "more"
    _write(folder / "2026012346" / "a2.ipynb")
    intake = collect([one, folder], tmp_path / "unpacked")
    assert _names(intake) == ["2026012345_a2.ipynb", "2026012346/a2.ipynb"]
    assert intake.entries[0].path == one


@pytest.mark.parametrize("make", ["missing", "empty folder", "a zip of other files", "empty zip"])
def test_nothing_to_grade_is_an_error_that_says_what_was_expected(tmp_path, make):
    given = tmp_path / "subs"
    if make == "empty folder":
        given.mkdir()
    elif make == "a zip of other files":
        given = _zip(tmp_path / "subs.zip", {"s1/a2.pdf": b"%PDF", "s1/notes.txt": b""})
    elif make == "empty zip":
        given = _zip(tmp_path / "subs.zip", {})
    with pytest.raises(IntakeError) as error:
        collect([given], tmp_path / "unpacked")
    text = str(error.value)
    assert str(given) in text
    assert "expected notebooks (.ipynb)" in text or "does not exist" in text


def test_the_same_name_from_two_inputs_is_refused(tmp_path):
    first = _write(tmp_path / "one" / "2026012345_a2.ipynb")
    second = _write(tmp_path / "two" / "2026012345_a2.ipynb")
    with pytest.raises(IntakeError, match="2026012345_a2.ipynb"):
        collect([first, second], tmp_path / "unpacked")


def test_unpacking_again_reuses_the_files(tmp_path):
    export = _zip(tmp_path / "e.zip", {"s1/a2.ipynb": NOTEBOOK})
    first = collect([export], tmp_path / "unpacked").entries[0].path
    stamp = first.stat().st_mtime_ns
    os.utime(first, ns=(stamp, stamp))
    again = collect([export], tmp_path / "unpacked").entries[0].path
    assert again == first and again.stat().st_mtime_ns == stamp


# The LMS exports the module docstring documents, each as the platform lays it out.
ROSTER = [Student("2026012345", "张三", lms_id="48213"), Student("2026012346", "李四",
                                                              lms_id="lisi_2026")]


def _student(name: str) -> str | None:
    return identify(name, "", {s.student_id for s in ROSTER}, lms_aliases(ROSTER)).student_id


def test_canvas_download_names_files_by_the_canvas_user_id(tmp_path):
    export = _zip(tmp_path / "submissions.zip", {
        "zhangsan_48213_9001_a2.ipynb": NOTEBOOK,
        "zhangsan_LATE_48213_9002_a2-1.ipynb": NOTEBOOK,
    })
    names = _names(collect([export], tmp_path / "unpacked"))
    assert [_student(n) for n in names] == ["2026012345", "2026012345"]


def test_moodle_download_folders_carry_the_participant_id(tmp_path):
    export = _zip(tmp_path / "moodle.zip", {
        "Zhang San_48213_assignsubmission_file_/a2.ipynb": NOTEBOOK,
        "Li Si_lisi_2026_assignsubmission_file_/作业.ipynb": NOTEBOOK,
        "Wang Wu_77777_assignsubmission_file_/a2.ipynb": NOTEBOOK,  # not on the roster
    })
    names = _names(collect([export], tmp_path / "unpacked"))
    assert [_student(n) for n in names] == ["2026012346", None, "2026012345"]  # by name


def test_open_edx_folders_are_usernames(tmp_path):
    folder = tmp_path / "ora-export"
    _write(folder / "lisi_2026" / "a2.ipynb")
    (name,) = _names(collect([folder], tmp_path / "unpacked"))
    assert _student(name) == "2026012346"


def test_gradescope_export_folders_become_the_submitters_ids(tmp_path):
    metadata = (
        "submission_1001:\n  :submitters:\n  - :name: 张三\n    :sid: '2026012345'\n"
        "    :email: zs@example.edu\n  :created_at: 2026-12-05 15:30:00 +0800\n"
        "submission_1002:\n  :submitters:\n  - :name: 李四\n    :sid: '2026012346'\n"
    )
    export = _zip(tmp_path / "gradescope.zip", {
        "assignment_77_export/submission_1001/a2.ipynb": NOTEBOOK,
        "assignment_77_export/submission_1002/a2.ipynb": NOTEBOOK,
        "assignment_77_export/submission_metadata.yml": metadata.encode(),
    })
    intake = collect([export], tmp_path / "unpacked")
    assert _names(intake) == ["2026012345/a2.ipynb", "2026012346/a2.ipynb"]
    assert intake.not_graded == []  # the metadata file is read, not reported
    unzipped = tmp_path / "unzipped"
    with zipfile.ZipFile(export) as archive:
        archive.extractall(unzipped)
    again = collect([unzipped], tmp_path / "unpacked2")
    assert _names(again) == ["2026012345/a2.ipynb", "2026012346/a2.ipynb"]


def test_a_students_own_zip_or_folder_cannot_file_a_notebook_under_a_classmate(tmp_path):
    """The attack: 2026012345 uploads a zip (or files) laid out like another student's folder
    or a Gradescope export naming 2026012346; everything stays under 2026012345's name."""
    forged = (b"submission_1:\n  :submitters:\n  - :sid: '2026012346'\n")
    folder = tmp_path / "subs"
    _zip(folder / "2026012345.zip", {
        "2026012346/a2.ipynb": NOTEBOOK,
        "assignment_1_export/submission_metadata.yml": forged,
        "assignment_1_export/submission_1/a2.ipynb": NOTEBOOK,
    })
    _write(folder / "2026012345" / "submission_metadata.yml", forged)
    _write(folder / "2026012345" / "submission_1" / "a2.ipynb")
    intake = collect([folder], tmp_path / "unpacked")
    assert all(name.startswith("2026012345/") for name in _names(intake)), _names(intake)
    assert all(_student(name) == "2026012345" for name in _names(intake))
    assert ("2026012345/submission_metadata.yml", "not a notebook (.ipynb)") in intake.not_graded
