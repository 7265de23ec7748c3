"""The Ray engine: the local engine's answers on a local Ray instance (two workers), every
submission graded exactly once when a Ray worker dies mid-batch, and no Ray without it."""

import csv
import importlib.util
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from hwkit.cli import main as hwkit_main
from hwkit.gradebook import Gradebook
from hwkit.grading.batch import GradeOptions, grade_folder
from hwkit.grading.engine import GradingJob
from hwkit.grading.ray_engine import TASK_NAME, task_options

from .conftest import release_with_code

pytestmark = pytest.mark.e2e

HAS_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(
    not HAS_RAY, reason='Ray is not installed (pip install ".[cluster]" runs these tests)'
)
TIME_COLUMNS = ("duration_s", "started_at")
MTIME = 1_800_000_000  # 2027-01-15: a submission time that only the file's mtime carries


@pytest.fixture(scope="module")
def ray_local():
    """A fresh local Ray instance with two CPUs (two grading workers), never a cluster that
    happens to run on this machine."""
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             object_store_memory=128 * 1024**2)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def submissions(a2_build, a2_solution_path, a2_release_notebook, tmp_path_factory):
    """Four A2 submissions: the solution (a time stamp in its name), the blank release (a
    time in its mtime only), a syntax error, and a RuntimeError in the first cell."""
    folder = tmp_path_factory.mktemp("ray-submissions")
    shutil.copyfile(a2_solution_path, folder / "2026001_20261205T1400.ipynb")
    blank = folder / "blank_release.ipynb"
    shutil.copyfile(a2_build.release_dir / "a2.ipynb", blank)
    os.utime(blank, (MTIME, MTIME))
    solution = nbformat.read(a2_solution_path, as_version=4)
    release_with_code(solution, "def broken(:\n    pass", folder / "syntax_error.ipynb")
    release_with_code(a2_release_notebook, "raise RuntimeError('first cell')",
                      folder / "runtime_error.ipynb")
    return folder


def _grade(a2, a2_build, folder: Path, out: Path, engine: str) -> dict:
    options = GradeOptions(workers=2, timeout_s=120, memory_mb=a2.memory_mb, progress=False,
                           engine=engine)
    report = grade_folder(a2, folder, out, options, autograder_dir=a2_build.autograder_zip.parent)
    return {result.submission: result for result in report.results}


def _answers(results: dict) -> dict:
    return {
        name: (r.submission, r.sha256, r.score, r.max_score, r.status.text, r.device,
               r.submitted_at, r.student_field,
               [(t.name, t.passed, t.score, t.message) for t in r.tests])
        for name, r in results.items()
    }


def _csv_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    return [{k: v for k, v in row.items() if k not in TIME_COLUMNS} for row in rows]


@pytest.fixture(scope="module")
def local_graded(a2, a2_build, submissions, tmp_path_factory):
    out = tmp_path_factory.mktemp("a2-local")
    return out, _grade(a2, a2_build, submissions, out, "local")


def test_importing_the_kit_never_imports_ray():
    code = ("import sys, hwkit.cli, hwkit.grading, hwkit.grading.ray_engine\n"
            "assert 'ray' not in sys.modules, 'ray was imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr


def test_engine_ray_without_ray_names_the_fix(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    (tmp_path / "subs").mkdir()
    argv = ["grade", "a2", str(tmp_path / "subs"), "--out", str(tmp_path / "out")]
    assert hwkit_main([*argv, "--engine", "ray"]) == 2
    assert 'pip install ".[cluster]"' in capsys.readouterr().err
    assert hwkit_main([*argv, "--address", "head:6379"]) == 2
    assert "--engine ray" in capsys.readouterr().err


def test_each_assignment_asks_for_its_resources(tmp_path):
    def job(assignment_id, device="cpu", threads=1):
        return GradingJob(assignment_id, tmp_path / "s.ipynb", tmp_path / "z.zip", {}, 60, 1024,
                          device=device, cpu_threads=threads)

    assert task_options(job("a2")) == {"num_cpus": 1, "num_gpus": 0, "memory": 1024**3}
    assert task_options(job("a1", threads=2)) == {"num_cpus": 2, "num_gpus": 0,
                                                  "memory": 4 * 1024**3}
    assert task_options(job("a3", threads=2)) == {"num_cpus": 2, "num_gpus": 0,
                                                  "memory": 4 * 1024**3}
    on_gpu = task_options(job("a3", device="gpu: NVIDIA H100", threads=8))
    assert on_gpu == {"num_cpus": 1, "num_gpus": 0.25, "memory": 4 * 1024**3}


@needs_ray
@pytest.mark.ray
def test_ray_gives_the_local_engines_answers(a2, a2_build, submissions, local_graded, ray_local,
                                             tmp_path):
    local_out, local = local_graded
    remote = _grade(a2, a2_build, submissions, tmp_path / "ray", "ray")
    assert set(remote) == set(local) == {p.name for p in submissions.iterdir()}
    assert _answers(remote) == _answers(local)
    # The batch is not trivially uniform: full marks, zero, and two kinds of error.
    assert remote["2026001_20261205T1400.ipynb"].score == 30
    assert remote["2026001_20261205T1400.ipynb"].submitted_at == "2026-12-05T14:00:00+00:00"
    assert remote["blank_release.ipynb"].score == 0
    assert remote["blank_release.ipynb"].submitted_at == "2027-01-15T08:00:00+00:00"
    assert remote["syntax_error.ipynb"].status.text.startswith("error: SyntaxError")
    assert remote["runtime_error.ipynb"].status.text.startswith("error: RuntimeError: first cell")
    assert _csv_rows(tmp_path / "ray" / "a2-runs.csv") == _csv_rows(local_out / "a2-runs.csv")
    for name in ("syntax_error", "runtime_error"):
        feedback = (tmp_path / "ray" / "feedback" / f"{name}.md").read_text(encoding="utf-8")
        assert feedback == (local_out / "feedback" / f"{name}.md").read_text(encoding="utf-8")
    with Gradebook(tmp_path / "ray" / "gradebook.sqlite") as gradebook:
        assert len(gradebook.runs("a2")) == len(local)


def _kill_one_grading_worker(killed: list[int], stop: threading.Event) -> None:
    """SIGKILL the first Ray worker seen running a grading task for 2 s (mid-notebook)."""
    deadline = time.monotonic() + 120
    while not stop.is_set() and time.monotonic() < deadline:
        for process in psutil.process_iter(["cmdline"]):
            cmdline = " ".join(process.info["cmdline"] or [])
            if f"ray::{TASK_NAME}" in cmdline:
                time.sleep(2)  # its notebook is running by now
                try:
                    if f"ray::{TASK_NAME}" not in " ".join(process.cmdline()):
                        continue  # done already: wait for the next one
                    process.kill()
                except psutil.Error:
                    continue
                killed.append(process.pid)
                return
        time.sleep(0.2)


@needs_ray
@pytest.mark.ray
def test_a_killed_ray_worker_loses_no_submission(a2, a2_build, submissions, local_graded,
                                                  ray_local, tmp_path):
    _, local = local_graded
    killed: list[int] = []
    stop = threading.Event()
    killer = threading.Thread(target=_kill_one_grading_worker, args=(killed, stop))
    killer.start()
    try:
        remote = _grade(a2, a2_build, submissions, tmp_path / "ray", "ray")
    finally:
        stop.set()
        killer.join()
    assert len(killed) == 1, "no Ray worker was seen grading"
    assert _answers(remote) == _answers(local)
    with Gradebook(tmp_path / "ray" / "gradebook.sqlite") as gradebook:
        runs = gradebook.runs("a2")
    assert sorted(r.submission for r in runs) == sorted(p.name for p in submissions.iterdir())


@needs_ray
def test_the_live_service_grades_through_ray(a2, a2_build, a2_solution_path, ray_local,
                                             tmp_path):
    """``hwkit serve --engine ray``: each upload is one Ray task, on the connection the
    service keeps open, graded as the local engine grades it."""
    from fastapi.testclient import TestClient

    from hwkit.course import CourseConfig
    from hwkit.serve.engine_grader import EngineGrader
    from tests.serve_helpers import Running, make_course, upload

    course = make_course(tmp_path / "course")
    options = GradeOptions(workers=1, timeout_s=0.0, memory_mb=0, progress=False, engine="ray")
    grader = EngineGrader(course, CourseConfig(), options,
                          {"a2": a2_build.autograder_zip.parent})
    running = Running(course, grader=grader, workers=1)
    running.service.on_stop = grader.close
    me = running.bearer("2026002")
    with TestClient(running.app) as client:
        submitted = upload(client, me, a2_solution_path.read_bytes()).json()
        assert running.queue.wait_idle(600)
        result = client.get(f"/api/v1/submissions/{submitted['id']}", headers=me).json()
    assert result["status"] == "graded"
    assert result["score"] == result["max_score"] > 0
    assert ray_local.is_initialized()  # the service's connection, not one per submission
