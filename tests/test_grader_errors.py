"""A batch always finishes: a failure of the grader itself while grading one file is that
file's ``grader error`` (retried once with a cold kernel first), grades.csv and feedback are
written for everyone, and the next run grades that file again instead of keeping a 0."""

import re
import shutil
import time

import pytest

from hwkit.gradebook import Gradebook
from hwkit.grading import engine
from hwkit.grading.batch import GradeOptions, grade_folder
from hwkit.results import Status

pytestmark = pytest.mark.e2e


@pytest.fixture
def two_files(a2_solution_path, tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    for name in ("first.ipynb", "second.ipynb"):
        shutil.copyfile(a2_solution_path, folder / name)
    (folder / "second.ipynb").write_text((folder / "second.ipynb").read_text() + "\n")
    return folder


def _grade(a2, a2_build, folder, out):
    options = GradeOptions(workers=2, timeout_s=120, memory_mb=a2.memory_mb, progress=False)
    return grade_folder(a2, folder, out, options, autograder_dir=a2_build.autograder_zip.parent)


def test_a_grader_failure_is_recorded_for_that_file_and_graded_again_next_time(
    a2, a2_build, two_files, tmp_path, monkeypatch
):
    honest_run = engine._run

    def broken_for_first(job, submitted, zygote):
        if job.submission.name == "first.ipynb":
            raise RuntimeError("the judge vanished \x1b[2J")
        return honest_run(job, submitted, zygote)

    monkeypatch.setattr(engine, "_run", broken_for_first)
    report = _grade(a2, a2_build, two_files, tmp_path / "out")
    first, second = report.results
    assert first.status.kind == "grader_error" and "\x1b" not in first.status.text
    assert first.score == 0 and report.grader_errors == 1
    assert (second.score, second.status.text) == (30, "ok")  # the neighbour is untouched
    assert (tmp_path / "out" / "a2-runs.csv").read_text().count("\n") == 3
    assert len(list((tmp_path / "out" / "feedback").iterdir())) == 2
    monkeypatch.setattr(engine, "_run", honest_run)
    again = _grade(a2, a2_build, two_files, tmp_path / "out")
    assert (again.graded, again.reused) == (1, 1)  # only the grader's failure is graded again
    assert (again.results[0].score, again.results[0].status.text) == (30, "ok")
    with Gradebook(tmp_path / "out" / "gradebook.sqlite") as book:
        assert [r.status.kind for r in book.runs("a2")] == ["grader_error", "ok", "ok"]


def test_a_kernel_that_never_starts_is_retried_cold(a2, a2_build, two_files, tmp_path,
                                                     monkeypatch):
    """The first attempt's kernel does not start (a zygote that stopped answering, say): the
    file is graded again with a cold kernel and gets its real score."""
    attempts = []
    honest_status = engine.run_status

    def first_attempt_fails(run, timeout_s, memory_mb):
        attempts.append(1)
        if len(attempts) == 1:
            return Status("grader_error", "the kernel did not start (Kernel didn't respond in "
                                          "60 seconds)")
        return honest_status(run, timeout_s, memory_mb)

    monkeypatch.setattr(engine, "run_status", first_attempt_fails)
    (two_files / "second.ipynb").unlink()
    options = GradeOptions(workers=1, timeout_s=120, memory_mb=a2.memory_mb, progress=False)
    report = grade_folder(a2, two_files, tmp_path / "out", options,
                          autograder_dir=a2_build.autograder_zip.parent)
    assert len(attempts) == 2
    assert (report.results[0].score, report.results[0].status.text) == (30, "ok")


def test_judges_slower_than_the_time_limit_never_cost_the_submission_its_time(
        a2, a2_build, two_files, tmp_path, monkeypatch):
    """The probes reach the worker when the judges have made them (their setups overlap the
    notebook); however long that takes, it is added to the submission's limit."""
    from hwkit.grading.judge.pool import JudgePool

    honest_probes = JudgePool.probes

    def slow_probes(pool):
        time.sleep(14)
        return honest_probes(pool)

    monkeypatch.setattr(JudgePool, "probes", slow_probes)
    (two_files / "second.ipynb").unlink()
    options = GradeOptions(workers=1, timeout_s=12, memory_mb=a2.memory_mb, progress=False)
    report = grade_folder(a2, two_files, tmp_path / "out", options,
                          autograder_dir=a2_build.autograder_zip.parent)
    result = report.results[0]
    assert (result.score, result.status.text) == (30, "ok")
    waited = re.search(r"probes_wait_s ([\d.]+)", result.detail)
    assert waited and float(waited.group(1)) > 10


def test_a_setup_error_found_while_the_notebook_runs_still_stops_the_batch(
        a2, a2_build, two_files, tmp_path, monkeypatch):
    from hwkit.grading.judge.pool import JudgePool, JudgeSetupError

    def broken_setup(pool):
        raise JudgeSetupError("the setup of q1-1 gives other inputs each time it runs")

    monkeypatch.setattr(JudgePool, "probes", broken_setup)
    with pytest.raises(JudgeSetupError, match="q1-1"):
        _grade(a2, a2_build, two_files, tmp_path / "out")
