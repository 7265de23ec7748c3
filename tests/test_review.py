"""Written answers: exported from the students' notebooks to a page and a CSV, scored by the
TA, imported back into the gradebook, and counted in the totals and grades.csv."""

import csv

import nbformat
import pytest

from hwkit.assignments import get_assignment
from hwkit.cli import main as hwkit_main
from hwkit.gradebook import Gradebook, Student
from hwkit.leaderboard import write_leaderboard
from hwkit.results import SubmissionResult
from hwkit.review import ReviewError, import_scores, written_questions

A1 = get_assignment("a1")
RELEASE = A1.release_dir / "a1.ipynb"


def _answered(text: str):
    notebook = nbformat.read(RELEASE, as_version=4)
    for cell in notebook.cells:
        if "otter_answer_cell" in cell.metadata.get("tags", []):
            cell.source = text
    return notebook


@pytest.fixture
def course(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    nbformat.write(_answered("因为类别不平衡：永远回答“不是”就有 90%。"),
                   folder / "2026001_20261201T1000.ipynb")
    nbformat.write(_answered("an older answer"), folder / "2026001_20261130T1000.ipynb")
    nbformat.write(_answered("<script>alert('x')</script> =1+1"), folder / "2026002_a1.ipynb")
    nbformat.write(nbformat.read(RELEASE, as_version=4), folder / "2026003_a1.ipynb")
    course = tmp_path / "course"
    with Gradebook(course / "gradebook.sqlite") as book:
        book.import_roster([Student("2026001", "陈明"), Student("2026002", "李华"),
                            Student("2026003", "王芳")])
        for sid in ("2026001", "2026002", "2026003"):
            book.record(SubmissionResult(
                assignment="a1", submission=f"{sid}_a1.ipynb", sha256=sid,
                autograder_sha256="g", status="ok", score=30.0, max_score=35.0,
                started_at="2026-12-01T00:00:00+00:00", duration_s=1.0, device="cpu",
                submitted_at="2026-12-01T00:00:00+00:00"))
    return folder, course


def test_the_release_names_its_written_question():
    assert list(written_questions(nbformat.read(RELEASE, as_version=4))) == ["w1"]
    assert written_questions(nbformat.read(RELEASE, as_version=4)) == {"w1": ""}  # blank


def test_export_score_import_and_the_totals_include_it(course, capsys):
    folder, course_dir = course
    assert hwkit_main(["review", "a1", str(folder), "--course", str(course_dir)]) == 0
    assert "review: 3 students, written questions: w1" in capsys.readouterr().out
    review = course_dir / "review" / "a1"
    page = (review / "answers.html").read_text(encoding="utf-8")
    assert "永远回答“不是”就有 90%" in page and "an older answer" not in page  # the latest
    assert "<script>" not in page and "&lt;script&gt;" in page
    scores = review / "scores.csv"
    assert scores.read_bytes().startswith("\ufeff".encode())
    with scores.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [(r["student_id"], r["question"]) for r in rows] == [
        ("2026001", "w1"), ("2026002", "w1"), ("2026003", "w1")]
    assert rows[2]["answer"] == "" and rows[1]["answer"].startswith("<script>")
    rows[0]["score"], rows[1]["score"] = "4", "1.5"  # 2026003 left unscored
    with scores.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    argv = ["review", "a1", "--import", str(scores), "--course", str(course_dir)]
    assert hwkit_main(argv) == 0
    assert "2 written scores imported" in capsys.readouterr().out
    output = write_leaderboard(course_dir, course_dir / "board", assignments=[A1])
    with output.grades_csv.open(encoding="utf-8-sig") as f:
        grades = {r["student_id"]: r for r in csv.DictReader(f)}
    assert (grades["2026001"]["a1"], grades["2026001"]["a1_written"],
            grades["2026001"]["total"]) == ("30", "4", "34")
    assert grades["2026003"]["a1_written"] == "0" and grades["2026003"]["total"] == "30"
    totals = {t.student_id: t.total for t in output.board.totals}
    assert totals == {"2026001": 34.0, "2026002": 31.5, "2026003": 30.0}
    # a second export shows the scores already given
    assert hwkit_main(["review", "a1", str(folder), "--course", str(course_dir)]) == 0
    with scores.open(encoding="utf-8-sig") as f:
        assert [r["score"] for r in csv.DictReader(f)] == ["4", "1.5", ""]


@pytest.mark.parametrize("score, problem", [("four", "is not a number"), ("-1", "must be ≥ 0")])
def test_a_bad_score_is_refused_with_its_line_and_nothing_is_imported(tmp_path, score, problem):
    scores = tmp_path / "scores.csv"
    scores.write_text("student_id,submission,question,answer,score\n"
                      "2026001,a.ipynb,w1,x,3\n"
                      f"2026002,b.ipynb,w1,y,{score}\n", encoding="utf-8")
    with pytest.raises(ReviewError, match=f"line 3: score .* {problem}"):
        import_scores(tmp_path / "course", "a1", scores, ["w1"])
    with Gradebook(tmp_path / "course" / "gradebook.sqlite") as book:
        assert book.written_scores("a1") == {}


def test_a_question_that_is_not_written_is_refused(tmp_path):
    scores = tmp_path / "scores.csv"
    scores.write_text("student_id,submission,question,answer,score\n2026001,a,q9,x,3\n",
                      encoding="utf-8")
    with pytest.raises(ReviewError, match="'q9' is not a written question of a1"):
        import_scores(tmp_path / "course", "a1", scores, ["w1"])
