"""Whose submission a file is and when it was handed in: the roster CSV, the notebook's
STUDENT_ID field, file names, timestamps; and the course settings that go with them."""

import os
from datetime import UTC, datetime

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from hwkit.course import CourseConfigError, parse_config
from hwkit.gradebook import Student
from hwkit.roster import RosterError, match_student, read_roster_csv, student_field
from hwkit.submission_time import stamp_in_name, submission_time

IDS = {"2026001", "20260012", "alice"}


def test_roster_reads_english_or_chinese_headers_excel_bom_and_show_name(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("\ufeff学号,姓名,昵称,班级,公开姓名\n2026001,陈明,明明,1班,是\n\n"
                    "2026002,李华,,2班,no\n", encoding="utf-8")  # fmt: skip
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
    ])  # fmt: skip
    assert student_field(notebook) == "2026001"
    assert student_field(None) == "" and student_field(new_notebook()) == ""


@pytest.mark.parametrize(
    ("submission", "field", "expected"),
    [
        ("whatever.ipynb", "2026001", ("2026001", "field")),
        ("2026001_v2.ipynb", "", ("2026001", "file name")),
        ("20260012-final.ipynb", "", ("20260012", "file name")),  # the longest id that fits
        ("2026001.ipynb", "", ("2026001", "file name")),
        ("alice.ipynb", "bob", ("alice", "file name")),  # a field not on the roster falls back
        ("20260013.ipynb", "", (None, "no STUDENT_ID; the file name does not start with")),
        ("alicebob.ipynb", "bob", (None, "STUDENT_ID 'bob' is not on the roster")),
    ],
)
def test_match_student_prefers_the_field_then_a_file_name_prefix(submission, field, expected):
    student, how = match_student(submission, field, IDS)
    assert student == expected[0] and how.startswith(expected[1])


def test_without_a_roster_the_field_or_the_name_before_the_first_underscore_is_the_id():
    assert match_student("s42_try3.ipynb", "", None) == ("s42", "file name")
    assert match_student("s42_try3.ipynb", "2026001", None) == ("2026001", "field")


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
