"""Whose submission a file is and when it was handed in: the roster CSV, the notebook's
STUDENT_ID field, file names, timestamps; and the course settings that go with them."""

import os
from datetime import UTC, datetime

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from hwkit.course import CourseConfigError, parse_config
from hwkit.gradebook import Student
from hwkit.gradebook.roster import (
    RosterError,
    identify,
    match_student,
    read_roster_csv,
    student_field,
)
from hwkit.gradebook.submission_time import (
    file_time,
    name_time_flag,
    stamp_in_name,
    submission_time,
)

IDS = {"2026001", "20260012", "alice"}


def test_roster_reads_english_or_chinese_headers_excel_bom_and_show_name(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("\ufeff学号,姓名,昵称,班级,公开姓名\n2026001,陈明,明明,1班,是\n\n"
                    "2026002,李华,,2班,no\n", encoding="utf-8")
    assert read_roster_csv(path) == [
        Student("2026001", "陈明", "明明", "1班", True),
        Student("2026002", "李华", "", "2班", False),
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("name,nickname\n陈明,明明\n", "no student id column"),
        ("student_id,name\n2026001,a\n2026001,b\n", "line 3: student id 2026001 already on line 2"),
        ("student_id,name\n20 26,a\n", "line 2: student id '20 26'"),
        ("", "the file is empty"),
    ],
)
def test_a_bad_roster_names_the_line_and_the_fix(tmp_path, text, says):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RosterError, match=says):
        read_roster_csv(path)


def test_a_roster_that_is_not_utf8_says_how_to_save_it(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes("student_id,name\n1,陈明\n".encode("gbk"))
    with pytest.raises(RosterError, match="CSV UTF-8"):
        read_roster_csv(path)


def test_student_field_is_read_from_the_last_top_level_assignment_without_running_it():
    notebook = new_notebook(cells=[
        new_code_cell('STUDENT_ID = ""'),
        new_code_cell('import os\nSTUDENT_ID = " 2026001 "  # 学号'),
        new_code_cell("def f():\n    STUDENT_ID = 'not me'"),
        new_code_cell("STUDENT_ID = os.environ['X']"),  # not a constant: ignored
        new_code_cell("this cell does not parse ("),
    ])
    assert student_field(notebook) == "2026001"
    assert student_field(None) == "" and student_field(new_notebook()) == ""


@pytest.mark.parametrize(
    ("submission", "field", "expected"),
    [
        ("2026001_v2.ipynb", "", ("2026001", "file name")),
        ("20260012-final.ipynb", "", ("20260012", "file name")),  # the longest id that fits
        ("2026001.ipynb", "", ("2026001", "file name")),
        ("alice.ipynb", "bob", ("alice", "file name")),  # a field not on the roster: flagged
        ("2026001_v2.ipynb", "20260012", ("2026001", "file name")),  # the name wins
        ("2026001/a2.ipynb", "", ("2026001", "folder")),  # the LMS's per-student folder
        ("2026001/alice_a2.ipynb", "", ("2026001", "folder")),  # the folder wins (flagged)
        ("misc/alice_a2.ipynb", "", ("alice", "file name")),  # not a roster folder: the name
        ("whatever.ipynb", "2026001", (None, "the file name does not start with a roster")),
        ("20260013.ipynb", "", (None, "the file name does not start with")),
        ("alicebob.ipynb", "bob", (None, "the file name does not start with")),
    ],
)
def test_the_file_name_or_its_folder_decides_never_the_field(submission, field, expected):
    student, how = match_student(submission, field, IDS)
    assert student == expected[0] and how.startswith(expected[1])


def test_a_field_that_disagrees_with_the_name_is_flagged_and_moves_nothing():
    moved = identify("2026001_blank.ipynb", "20260012", IDS)
    assert moved.student_id == "2026001"
    assert "STUDENT_ID '20260012' disagrees with the file name (2026001)" in moved.flag
    assert identify("2026001_v2.ipynb", "2026001", IDS).flag == ""  # agrees: nothing to say
    assert identify("2026001_v2.ipynb", "", IDS).flag == ""  # the blank release's ""
    both = identify("2026001/alice_a2.ipynb", "alice", IDS)
    assert both.student_id == "2026001"
    assert "disagrees with the folder (2026001)" in both.flag
    assert "the file name names alice but the folder is 2026001's" in both.flag


def test_an_unmatched_file_quotes_the_students_claim_and_how_to_fix_it():
    claim = identify("my_homework.ipynb", "2026001", IDS)
    assert claim.student_id is None
    assert "STUDENT_ID claims 2026001; rename the file to 2026001_… if that is right" in claim.how
    stranger = identify("my_homework.ipynb", "9999", IDS)
    assert "STUDENT_ID '9999' is not on the roster" in stranger.how
    assert "STUDENT_ID" not in identify("my_homework.ipynb", "", IDS).how


def test_without_a_roster_the_name_before_the_first_underscore_is_the_id_the_field_flags():
    assert match_student("s42_try3.ipynb", "", None) == ("s42", "file name")
    assert match_student("s42_try3.ipynb", "2026001", None) == ("s42", "file name")
    assert "STUDENT_ID '2026001' disagrees" in identify("s42_try3.ipynb", "2026001", None).flag
    assert identify("s42_try3.ipynb", "s42", None).flag == ""
    assert match_student("s42/try3.ipynb", "", None) == ("s42", "folder")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2026001_20261205T1530.ipynb", datetime(2026, 12, 5, 15, 30, tzinfo=UTC)),
        ("2026001_2026-12-05T15-30-09Z.ipynb", datetime(2026, 12, 5, 15, 30, 9, tzinfo=UTC)),
        ("2026012345.ipynb", None),  # a student id is not a date: the T is required
        ("x_20261340T9999.ipynb", None),  # looks like one, is not a time
    ],
)
def test_a_timestamp_in_the_file_name_is_read_as_utc(name, expected):
    assert stamp_in_name(name) == expected


def test_without_a_name_timestamp_the_modification_time_is_used(tmp_path):
    path = tmp_path / "2026001.ipynb"
    nbformat.write(new_notebook(), path)
    os.utime(path, (1_800_000_000, 1_800_000_000))
    assert submission_time(path) == "2027-01-15T08:00:00+00:00"
    assert submission_time(tmp_path / "missing.ipynb") == ""


def test_file_time_is_the_modification_time_even_when_the_name_has_a_stamp(tmp_path):
    path = tmp_path / "2026001_20261205T1530.ipynb"
    nbformat.write(new_notebook(), path)
    os.utime(path, (1_800_000_000, 1_800_000_000))
    assert submission_time(path) == "2026-12-05T15:30:00+00:00"
    assert file_time(path) == "2027-01-15T08:00:00+00:00"
    assert file_time(tmp_path / "missing.ipynb") == ""


DEADLINE = datetime(2026, 12, 6, 15, 59, tzinfo=UTC)


def test_a_name_on_time_for_a_file_modified_after_the_deadline_is_flagged():
    flag = name_time_flag("2026001_20261205T1530.ipynb", "2026-12-22T08:00:00+00:00", DEADLINE)
    assert flag.startswith("name says 2026-12-05T15:30, file modified 2026-12-22T08:00")
    assert "check before trusting the name" in flag
    assert name_time_flag("2026001/20261205T1530.ipynb", "2026-12-22T08:00:00+00:00", DEADLINE)


@pytest.mark.parametrize(
    ("name", "modified", "deadline"),
    [
        ("2026001_20261205T1530.ipynb", "2026-12-05T15:31:00+00:00", DEADLINE),  # agrees
        ("2026001_20261205T1530.ipynb", "2026-12-01T00:00:00+00:00", DEADLINE),  # older file
        ("2026001_20261208T1530.ipynb", "2026-12-22T08:00:00+00:00", DEADLINE),  # late anyway
        ("2026001.ipynb", "2026-12-22T08:00:00+00:00", DEADLINE),  # no stamp: the mtime is it
        ("2026001_20261205T1530.ipynb", "", DEADLINE),  # the file's time unknown
        ("2026001_20261205T1530.ipynb", "2026-12-22T08:00:00+00:00", None),  # no deadline
    ],
)
def test_a_name_time_that_does_not_matter_is_not_flagged(name, modified, deadline):
    assert name_time_flag(name, modified, deadline) == ""


def test_course_settings_parse_deadlines_to_utc_and_reject_bad_values():
    text = ('[course]\ncounted = "best"\nsplit_seed = 11\n'
            "[assignments.a1]\ndeadline = 2026-12-06T23:59:00+08:00\n")
    config = parse_config(text, "c.toml")
    assert config.counted == "best" and config.split_seed == 11
    assert config.deadline("a1") == datetime(2026, 12, 6, 15, 59, tzinfo=UTC)
    assert config.deadline("a2") is None
    bad = [
        ('[course]\ncounted = "first"\n', "counted = 'first'; use one of latest, best"),
        ("[course]\npublic_fraction = 1.5\n", "public_fraction must be between 0 and 1"),
        ("[assignments.a1]\ndeadline = 2026-12-06\n", r"\[assignments.a1\] deadline: .* time zone"),
        ("[course\n", "not valid TOML"),
    ]
    for text, says in bad:
        with pytest.raises(CourseConfigError, match=says):
            parse_config(text, "c.toml")


def test_the_lms_id_column_is_read_kept_and_checked(tmp_path):
    from hwkit.gradebook import Gradebook

    good = tmp_path / "roster.csv"
    good.write_text("学号,姓名,平台账号\n2026001,陈明,48213\n2026002,李华,\n", encoding="utf-8")
    students = read_roster_csv(good)
    assert [s.lms_id for s in students] == ["48213", ""]
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        book.import_roster(students)
        assert [s.lms_id for s in book.roster()] == ["48213", ""]
    bad = tmp_path / "bad.csv"
    bad.write_text("student_id,lms_id\n2026001,a b;c\n", encoding="utf-8")
    with pytest.raises(RosterError, match="line 2: lms_id"):
        read_roster_csv(bad)


def test_a_roster_table_made_before_lms_ids_gains_the_column(tmp_path):
    import sqlite3

    from hwkit.gradebook import Gradebook, Student

    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE roster (student_id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT "
                 "'', nickname TEXT NOT NULL DEFAULT '', grp TEXT NOT NULL DEFAULT '', "
                 "show_name INTEGER NOT NULL DEFAULT 0)")
    conn.execute("INSERT INTO roster (student_id, name) VALUES ('2026001', '陈明')")
    conn.commit()
    conn.close()
    with Gradebook(path) as book:
        assert book.roster() == [Student("2026001", "陈明")]
        book.import_roster([Student("2026002", lms_id="x1")])
        assert book.roster()[1].lms_id == "x1"
