"""``hwkit serve`` as a TA runs it, grading real A2 notebooks: tokens from ``hwkit roster
tokens``, uploads over HTTP, a ``kill -9`` of the whole service mid-queue, a restart that grades
every accepted submission exactly once, and a SIGTERM that drains and exits."""

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hwkit.gradebook import Gradebook
from hwkit.project import PROJECT_ENV_VAR, project_root
from tests.serve_helpers import free_port, make_course, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def project(tmp_path, a2_build):
    """A kit checkout whose only built autograder is this session's fresh A2 build."""
    root = tmp_path / "project"
    (root / "solutions").mkdir(parents=True)
    for name in ("setup.cfg", "course.toml"):
        shutil.copy(project_root() / name, root / name)
    shutil.copytree(a2_build.autograder_zip.parent, root / "autograder" / "dist" / "a2")
    return root


def hwkit(project: Path, *args: str, **kwargs):
    env = {**os.environ, PROJECT_ENV_VAR: str(project)}
    return subprocess.run([sys.executable, "-m", "hwkit", *args], env=env, capture_output=True,
                          text=True, timeout=120, **kwargs)


class Served:
    def __init__(self, project: Path, course: Path, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {**os.environ, PROJECT_ENV_VAR: str(project)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hwkit", "serve", "--course", str(course), "--port",
             str(self.port), "--workers", "2"],
            env=env, stdout=log.open("a"), stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for(self.healthy, 90, 0.2)
        except BaseException:
            self.kill_9()
            raise

    def healthy(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"hwkit serve exited: {self.log.read_text()[-2000:]}")
        try:
            return httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def kill_9(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(30)


@pytest.fixture
def started():
    """Start services with ``started(Served(...))``; any still running at the end is killed."""
    services = []
    yield lambda served: services.append(served) or served
    for served in services:
        if served.process.poll() is None:
            served.kill_9()


def test_serve_grades_each_upload_once_across_a_kill_9(project, tmp_path, a2_solution_path,
                                                      a2_build, a2, started):
    course = make_course(tmp_path / "course")
    tokens = hwkit(project, "roster", "tokens", "--course", str(course))
    assert tokens.returncode == 0, tokens.stderr
    rows = list(csv.DictReader(io.StringIO(tokens.stdout)))
    assert [r["student_id"] for r in rows] == ["2026001", "2026002", "2026003"]
    token = {r["student_id"]: r["token"] for r in rows}
    again = hwkit(project, "roster", "tokens", "--course", str(course)).stdout
    assert again == tokens.stdout  # the same tokens on a rerun

    release = (a2_build.release_dir / a2.master.name).read_bytes()
    solution = a2_solution_path.read_bytes()
    uploads = [("2026001", solution), ("2026002", release), ("2026003", solution),
               ("2026001", release), ("2026002", solution)]
    served = started(Served(project, course, tmp_path / "serve.log"))
    ids = []
    for student, data in uploads:
        answer = httpx.post(f"{served.base}/api/v1/submissions",
                            headers={"Authorization": f"Bearer {token[student]}"},
                            data={"assignment": "a2"},
                            files={"notebook": ("a2.ipynb", data)}, timeout=30)
        assert answer.status_code == 202, answer.text
        ids.append(answer.json()["id"])

    def phases():
        return [httpx.get(f"{served.base}/api/v1/submissions/{i}", timeout=10,
                          headers={"Authorization": f"Bearer {token[s]}"}).json()["status"]
                for i, (s, _) in zip(ids, uploads, strict=True)]

    wait_for(lambda: "running" in phases(), 120, 0.2)
    served.kill_9()  # the whole service and its kernels, mid-queue

    served = started(Served(project, course, tmp_path / "serve.log"))
    wait_for(lambda: set(phases()) == {"graded"}, 400, 0.5)
    results = [httpx.get(f"{served.base}/api/v1/submissions/{i}", timeout=10,
                         headers={"Authorization": f"Bearer {token[s]}"}).json()
               for i, (s, _) in zip(ids, uploads, strict=True)]
    top = results[0]["max_score"]
    assert [r["score"] == top for r in results] == [True, False, True, False, True]
    assert any(not t["passed"] and t["message"] for t in results[1]["tests"])
    with Gradebook(course / "gradebook.sqlite") as gradebook:
        names = [r.submission for r in gradebook.runs("a2")]
    assert len(names) == len(set(names)) == len(uploads)  # each graded exactly once

    served.process.send_signal(signal.SIGTERM)
    # uvicorn re-raises the signal once it has shut down (process managers expect that)
    assert served.process.wait(60) in (0, -signal.SIGTERM)
    assert "hwkit serve: stopped after grading" in served.log.read_text()
