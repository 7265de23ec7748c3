"""End to end: build A2, grade sample submissions, assert each one's exact score and status."""

import csv
import json
import shutil

import psutil
import pytest

from hwkit.builder.samples import write_samples
from hwkit.cli import main as hwkit_main
from hwkit.gradebook import Gradebook
from hwkit.grading.batch import GradeOptions, grade_folder
from tests.helpers import points_of

from .conftest import release_with_code

pytestmark = pytest.mark.e2e

FORWARD_QUESTIONS_CASES = {"q2 - 1", "q2 - 2", "q3 - 1", "q3 - 2", "q3 - 3"}
# q3's cases, and the cases that call the notebook's forward: the gradient check and q6's
# public check (q4 and q6's hidden cases use a correct forward of their own: issue 16)
BROKEN_FORWARD_FAILS = {"q3 - 1", "q3 - 2", "q3 - 3", "q5 - 4", "q6 - 1"}
MEMORY_HOG = "import numpy as np\nhog = np.ones(20 * 1024**3 // 8)  # 20 GB"


@pytest.fixture(scope="module")
def manifest(a2_build):
    return json.loads(a2_build.manifest_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def graded(a2, a2_build, a2_solution_path, tmp_path_factory):
    """The demo's samples, the master notebook itself and a memory hog, two at a time."""
    folder = tmp_path_factory.mktemp("a2-submissions")
    write_samples("a2", a2_build.release_dir / "a2.ipynb", a2_solution_path, folder)
    shutil.copyfile(a2.master, folder / "master.ipynb")
    import nbformat

    release_with_code(nbformat.read(a2_solution_path, as_version=4), MEMORY_HOG,
                      folder / "memory_hog.ipynb")
    out = tmp_path_factory.mktemp("a2-graded")
    options = GradeOptions(workers=2, timeout_s=120, memory_mb=a2.memory_mb, progress=False)
    report = grade_folder(a2, folder, out, options, autograder_dir=a2_build.autograder_zip.parent)
    return folder, out, options, {r.submission: r for r in report.results}


@pytest.mark.parametrize("name", ["master.ipynb", "reference.ipynb"])
def test_master_and_its_solution_get_full_marks(graded, manifest, name):
    result = graded[3][name]
    assert (result.score, result.max_score) == (30, 30)
    assert all(t.passed for t in result.tests) and len(result.tests) == len(manifest["test_cases"])
    # the master holds no test cells (they are files beside it), so it runs clean as well
    assert result.status.text == "ok"


def test_blank_release_scores_zero_and_says_not_attempted(graded):
    result = graded[3]["blank_release.ipynb"]
    assert result.score == 0 and result.status.text.startswith("error: ")
    assert all("not attempted" in t.message for t in result.tests)


def test_forward_only_gets_exactly_the_forward_points(graded, manifest):
    result = graded[3]["forward_only.ipynb"]
    passed = {t.name for t in result.tests if t.passed}
    assert passed == FORWARD_QUESTIONS_CASES
    assert result.score == points_of(manifest, FORWARD_QUESTIONS_CASES) == 6


def test_syntax_error_loses_only_what_it_breaks(graded, manifest):
    result = graded[3]["broken_forward.ipynb"]
    failed = {t.name for t in result.tests if not t.passed}
    assert failed == BROKEN_FORWARD_FAILS
    assert result.score == 30 - points_of(manifest, BROKEN_FORWARD_FAILS) == 24
    assert result.status.text.startswith("error: SyntaxError")
    q3 = [t.message for t in result.tests if t.question == "q3"]
    assert all("the cell defining forward, cross_entropy has a syntax error" in m for m in q3)


def test_a_file_that_is_not_a_notebook_is_an_error_not_a_crash(graded):
    result = graded[3]["not_a_notebook.ipynb"]
    assert result.score == 0 and result.status.text.startswith("error: not a notebook")


def test_memory_hog_hits_the_limit_and_keeps_its_honest_points(graded, a2):
    result = graded[3]["memory_hog.ipynb"]
    assert "MemoryError" in result.status.text and f"{a2.memory_mb} MiB" in result.status.text
    assert result.score == 30


def test_runs_csv_and_gradebook_hold_one_row_per_submission(graded):
    folder, out, _, results = graded
    with open(out / "a2-runs.csv", encoding="utf-8-sig") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(results) == {p.name for p in folder.iterdir()}
    assert float(rows["forward_only.ipynb"]["score"]) == 6
    assert rows["reference.ipynb"]["status"] == "ok"
    with Gradebook(out / "gradebook.sqlite") as gradebook:
        runs = gradebook.runs("a2")
    assert len(runs) == len(results)
    assert {r.device for r in runs} == {"cpu"}


def test_feedback_names_failed_hidden_tests_without_their_source(graded):
    _, out, _, _ = graded
    text = (out / "feedback" / "forward_only.md").read_text(encoding="utf-8")
    assert "q4 - 2" in text and "not attempted" in text
    broken = (out / "feedback" / "broken_forward.md").read_text(encoding="utf-8")
    assert "must give errors > 1e-2" in broken  # q5 - 4's author message
    for leak in ("a2_reference", "_ref.", "default_rng(", "np.allclose", ">>>"):
        assert leak not in text and leak not in broken


def test_regrading_the_same_folder_grades_nothing_again(graded, a2, a2_build):
    folder, out, options, results = graded
    report = grade_folder(a2, folder, out, options, autograder_dir=a2_build.autograder_zip.parent)
    assert (report.graded, report.reused) == (0, len(results))
    assert {r.submission: r.score for r in report.results} == {
        name: r.score for name, r in results.items()
    }
    with Gradebook(out / "gradebook.sqlite") as gradebook:
        assert len(gradebook.runs("a2")) == len(results)


def test_a_resubmitted_copy_under_another_name_gets_its_own_run_with_its_own_time(
    graded, a2, a2_build
):
    """Same content, new file name and STUDENT_ID unchanged: reused, not regraded, but recorded
    so the student's second submission exists in the gradebook (the leaderboard counts it)."""
    folder, out, options, results = graded
    copy = folder / "2026001_20261205T1400.ipynb"
    shutil.copyfile(folder / "reference.ipynb", copy)
    try:
        report = grade_folder(a2, folder, out, options,
                              autograder_dir=a2_build.autograder_zip.parent)
    finally:
        copy.unlink()
    assert (report.graded, report.reused) == (0, len(results) + 1)
    with Gradebook(out / "gradebook.sqlite") as gradebook:
        runs = {r.submission: r for r in gradebook.latest_by_submission("a2")}
    assert runs[copy.name].score == results["reference.ipynb"].score == 30
    assert runs[copy.name].submitted_at == "2026-12-05T14:00:00+00:00"
    assert runs["reference.ipynb"].submitted_at != runs[copy.name].submitted_at


def test_infinite_loop_times_out_and_leaves_no_process_behind(a2, a2_build, a2_release_notebook,
                                                               tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    release_with_code(a2_release_notebook, "while True:\n    pass", folder / "loop.ipynb")
    options = GradeOptions(workers=1, timeout_s=8, memory_mb=a2.memory_mb, progress=False)
    report = grade_folder(a2, folder, tmp_path / "out", options,
                          autograder_dir=a2_build.autograder_zip.parent)
    (result,) = report.results
    assert result.status.text == "timeout (8 s)" and result.score == 0
    leftovers = [p for p in psutil.process_iter(["cmdline"])
                 if any("hwkit-grade-" in part for part in (p.info["cmdline"] or []))]
    assert leftovers == []


def test_cli_rejects_unknown_assignment_and_missing_folder(tmp_path, capsys):
    assert hwkit_main(["grade", "a9", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "unknown assignment 'a9'" in capsys.readouterr().err
    assert hwkit_main(["grade", "a2", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert "nope does not exist" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert hwkit_main(["grade", "a2", str(tmp_path / "empty"), "--course", str(tmp_path)]) == 2
    assert "expected notebooks (.ipynb)" in capsys.readouterr().err


def test_an_lms_export_zip_and_a_single_file_grade_under_their_students(a2, a2_build, a2_project,
                                                                        a2_solution_path,
                                                                        tmp_path, capsys):
    """The usual export shape (one folder per student, zipped) and a file given by itself:
    each notebook is graded under its student, other files are listed, a rerun reuses."""
    import zipfile

    from hwkit.leaderboard import import_roster

    master = a2_solution_path.read_bytes()
    export = tmp_path / "lms-export.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("2026012345/a2.ipynb", master)
        archive.writestr("2026012345/notes.pdf", b"%PDF")
        archive.writestr("2026012346/作业二.ipynb", a2_build.release_dir.joinpath("a2.ipynb")
                         .read_bytes())
    single = tmp_path / "2026012347_a2.ipynb"
    single.write_bytes(master)
    course = tmp_path / "course"
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\n2026012345,甲\n2026012346,乙\n2026012347,丙\n",
                      encoding="utf-8")
    import_roster(course, roster)
    argv = ["--project", str(a2_project), "grade", "a2", str(export), str(single),
            "--course", str(course), "--workers", "2"]
    assert hwkit_main(argv) == 0
    out = capsys.readouterr()
    assert "2026012345/notes.pdf: not a notebook (.ipynb)" in out.err
    assert "graded 3, already graded 0, not graded 1" in out.out
    with Gradebook(course / "gradebook.sqlite") as gradebook:
        runs = {r.submission: r.score for r in gradebook.latest_by_submission("a2")}
    assert runs == {"2026012345/a2.ipynb": 30, "2026012346/作业二.ipynb": 0,
                    "2026012347_a2.ipynb": 30}
    assert hwkit_main(argv) == 0
    assert "graded 0, already graded 3" in capsys.readouterr().out


def test_runs_of_an_older_autograder_are_listed_and_regraded_only_on_request(
        a2, a2_build, a2_project, a2_solution_path, tmp_path, capsys):
    """After a build changed the tests: earlier results stay (listed as stale) until the TA
    asks for ``--regrade-stale``, which grades just those files again."""
    from hwkit.grading.notebook_file import sha256_of
    from hwkit.results import SubmissionResult

    folder = tmp_path / "subs"
    folder.mkdir()
    shutil.copyfile(a2_solution_path, folder / "2026001_a2.ipynb")
    course = tmp_path / "course"
    with Gradebook(course / "gradebook.sqlite") as gradebook:
        gradebook.record(SubmissionResult(
            assignment="a2", submission="2026001_a2.ipynb",
            sha256=sha256_of(folder / "2026001_a2.ipynb"), autograder_sha256="an-older-build",
            status="ok", score=27.0, max_score=30.0, started_at="2026-12-01T00:00:00+00:00",
            duration_s=1.0, device="cpu"))
    argv = ["--project", str(a2_project), "grade", "a2", str(folder), "--course", str(course),
            "--workers", "1"]
    assert hwkit_main(argv) == 0
    out = capsys.readouterr()
    assert "older autograder: 1 file(s)" in out.err and "2026001_a2.ipynb" in out.err
    assert "graded 0, already graded 1" in out.out
    assert hwkit_main([*argv, "--regrade-stale"]) == 0
    assert "graded 1, already graded 0" in capsys.readouterr().out
    with Gradebook(course / "gradebook.sqlite") as gradebook:
        (latest,) = gradebook.latest_by_submission("a2")
    assert latest.score == 30 and latest.autograder_sha256 != "an-older-build"


def test_the_readmes_ta_loop_runs_top_to_bottom_on_a_fresh_course(a2_build, a2_project,
                                                                 a2_solution_path, tmp_path,
                                                                 capsys):
    """roster → grade (per-student folders and an LMS zip) → board → reveal → similarity:
    ends with the page, the Excel-ready grades.csv and the students' reports."""
    import zipfile

    master = a2_solution_path.read_bytes()
    release = (a2_build.release_dir / "a2.ipynb").read_bytes()
    folders = tmp_path / "late-batch"
    (folders / "2026002").mkdir(parents=True)
    (folders / "2026002" / "a2.ipynb").write_bytes(release)
    export = tmp_path / "export.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("2026001/a2.ipynb", master)
        archive.writestr("2026003/my_a2.ipynb", master)  # a copy of a classmate's
    roster = tmp_path / "roster.csv"
    roster.write_text("学号,姓名,昵称\n2026001,陈明,明明\n2026002,李华,\n2026003,王芳,芳\n",
                      encoding="utf-8")
    course = tmp_path / "COURSE"
    project = ["--project", str(a2_project)]
    assert hwkit_main([*project, "roster", "import", str(roster), "--course", str(course)]) == 0
    assert hwkit_main([*project, "grade", "a2", str(export), "--course", str(course)]) == 0
    assert hwkit_main([*project, "grade", "a2", str(folders), "--course", str(course)]) == 0
    assert hwkit_main([*project, "leaderboard", "--course", str(course)]) == 0
    assert hwkit_main([*project, "leaderboard", "--course", str(course), "--reveal", "a2"]) == 2
    assert "a2 has no held-out accuracy" in capsys.readouterr().err
    assert hwkit_main([*project, "similarity", "a2", str(export), str(folders),
                       "--course", str(course)]) == 0
    board = course / "leaderboard"
    assert (board / "leaderboard.html").is_file()
    grades = (board / "grades.csv").read_bytes()
    assert grades.startswith("\ufeffstudent_id".encode())
    rows = {r["student_id"]: r for r in csv.DictReader(grades.decode("utf-8-sig").splitlines())}
    assert (rows["2026001"]["a2"], rows["2026002"]["a2"], rows["2026003"]["a2"]) == ("30", "0",
                                                                                     "30")
    assert len(list((board / "reports").glob("*.md"))) == 3
    with (course / "a2-runs.csv").open(encoding="utf-8-sig") as f:  # both batches, one file
        assert len(list(csv.DictReader(f))) == 3
    with (course / "similarity" / "a2" / "pairs.csv").open(encoding="utf-8-sig") as f:
        top = next(csv.DictReader(f))
    assert {top["first"], top["second"]} == {"2026001/a2.ipynb", "2026003/my_a2.ipynb"}
