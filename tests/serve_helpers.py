"""Shared pieces of the live-service tests: a course with a roster, a fake grader, notebooks,
and a PostgreSQL server that the tests start themselves (Debian's package, ``make test``
installs it; without it the PostgreSQL cases skip)."""

import base64
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pytest

from hwkit.course import CourseConfig, ServeConfig
from hwkit.gradebook import Gradebook
from hwkit.gradebook.course_records import Student
from hwkit.results import Status, SubmissionResult, TestOutcome
from hwkit.serve.app import Service, create_app
from hwkit.serve.queue import GradeRequest, GradingQueue
from hwkit.serve.store import Store, default_url
from hwkit.serve.tokens import service_dir, session_key, student_tokens, ta_token

ROSTER = (("2026001", "明明"), ("2026002", "Hua"), ("2026003", "Fang"))
# A 1×1 PNG: the fake grader's "training curves".
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGA"
                       "hKmMIQAAAABJRU5ErkJggg==")


def notebook_bytes(answer: str = "x = 1", assignment: str = "a2") -> bytes:
    """A release-like notebook of ``assignment`` whose one code cell is ``answer``."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["otter"] = {"assignment_name": assignment}
    notebook.cells = [nbformat.v4.new_markdown_cell("# 作业 / Homework"),
                      nbformat.v4.new_code_cell(answer)]
    return nbformat.writes(notebook).encode("utf-8")


class FakeGrader:
    """Grades by the notebook's text: "RIGHT" passes both tests, "GRADER_FAILS" is a grader
    error, "SLOW" waits for ``release``; counts calls per gradebook name."""

    def __init__(self):
        self.calls: dict[str, int] = {}
        self.release = threading.Event()
        self.release.set()
        self.lock = threading.Lock()

    def __call__(self, request: GradeRequest) -> SubmissionResult:
        with self.lock:
            self.calls[request.name] = self.calls.get(request.name, 0) + 1
        text = request.path.read_text(encoding="utf-8")
        if "SLOW" in text:
            self.release.wait(30)
        right = "RIGHT" in text
        status = (Status("grader_error", "fake grader failed") if "GRADER_FAILS" in text
                  else Status("ok"))
        tests = [TestOutcome("q1", "q1 - 1", 2.0 if right else 0.0, 2.0, False, right,
                             "" if right else "forward() 的输出不对 / forward() is wrong"),
                 TestOutcome("q2", "q2 - 1", 3.0 if right else 0.0, 3.0, True, right,
                             "" if right else "梯度不对 / the gradient is wrong")]
        return SubmissionResult(
            assignment=request.assignment, submission=request.name,
            sha256=request.submission.sha256, autograder_sha256="fake", status=status,
            score=sum(t.score for t in tests), max_score=5.0,
            started_at="2026-12-03T00:00:00+00:00", duration_s=0.01, device="cpu",
            tests=tests, submitted_at="", curves_png=PNG,
            detail="GRADER-ONLY DETAIL: never shown to students")


def make_course(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with Gradebook(folder / "gradebook.sqlite") as gradebook:
        gradebook.import_roster([Student(sid, nickname=nick) for sid, nick in ROSTER])
    return folder


class Running:
    """A service on a course (``tokens``: student id → token), its app and fake grader."""

    def __init__(self, course_dir: Path, url: str | None = None, workers: int = 2,
                 serve: ServeConfig | None = None, grader=None, clock=None):
        self.course_dir = course_dir
        self.store = Store.open(url or default_url(course_dir))
        self.tokens = dict(student_tokens(course_dir, self.store, [s for s, _ in ROSTER]))
        self.ta_token = ta_token(course_dir)[0]
        self.grader = grader or FakeGrader()
        self.queue = GradingQueue(self.store, self.grader, course_dir / "gradebook.sqlite",
                                  service_dir(course_dir), workers)
        course = CourseConfig(name="测试课程 / Test course", serve=serve or ServeConfig())
        self.service = Service(course_dir, self.store, self.queue, course,
                               {"a2": "小哥哥 · 前向与反向传播"}, self.ta_token,
                               session_key(course_dir), **({"clock": clock} if clock else {}))
        self.app = create_app(self.service)

    def bearer(self, student_id: str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[student_id]}"}


def upload(client, headers: dict, data: bytes, assignment: str = "a2",
           name: str = "a2.ipynb", extra: dict | None = None):
    return client.post("/api/v1/submissions", headers=headers,
                       data={"assignment": assignment, **(extra or {})},
                       files={"notebook": (name, data, "application/x-ipynb+json")})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout_s: float = 30.0, step_s: float = 0.05):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step_s)
    raise AssertionError(f"not true within {timeout_s} s")


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresServer:
    """A throw-away PostgreSQL cluster in its own temporary folder on a free port (as the
    ``postgres`` user when this runs as root: PostgreSQL refuses to run as root)."""

    def __init__(self):
        self.bin = _postgres_bin()
        if self.bin is None:
            pytest.skip("no PostgreSQL server: `apt-get install postgresql` (make test does)")
        self.folder = Path(tempfile.mkdtemp(prefix="hwkit-pg-"))
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.folder, "postgres")
        self.data = self.folder / "pgdata"
        self._run("initdb", "-D", str(self.data), "-U", "hwkit", "--auth=trust", "-E", "UTF8")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "pg.log"), "-w", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1", "start")
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "hwkit", "hwkit")
        self.url = f"postgresql://hwkit@127.0.0.1:{self.port}/hwkit"

    def _command(self, tool: str, *args: str) -> list[str]:
        command = [str(self.bin / tool), *args]
        return ["runuser", "-u", "postgres", "--", *command] if self.as_root else command

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(self._command(tool, *args), capture_output=True, text=True,
                              timeout=120)
        if done.returncode != 0:
            self.stop()
            pytest.skip(f"PostgreSQL would not start ({tool}): {done.stderr.strip()[-300:]}")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(self._command("pg_ctl", "-D", str(self.data), "-m", "immediate",
                                         "stop"), capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)
