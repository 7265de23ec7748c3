"""Hostile and broken submissions graded in one batch beside an honest one: each ends with a
clear status, earns no more than its honest code, leaves no process behind and changes
nothing for the others (``tests/hostile_corpus.py`` lists them). Also: a grader killed with
``kill -9`` mid-batch finishes on the next run with every submission graded exactly once.
"""

import copy
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from hwkit.gradebook import Gradebook
from hwkit.grading import GradeOptions, grade_folder
from hwkit.sandbox import Cgroup, group_roots
from tests.hostile_corpus import CORPUS, Hostile

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 30
HUGE_BYTES = 200 * 1024 * 1024


def _sandboxed() -> bool:
    """Whether this machine lets the grader make control groups (then namespaces too)."""
    probe = Cgroup.create(f"probe-{os.getpid()}", 64)
    if probe is not None:
        probe.remove()
    return probe is not None


SANDBOXED = _sandboxed()


def with_cell(notebook, code: str, where: str, path: Path) -> Path:
    notebook = copy.deepcopy(notebook)
    cell = nbformat.v4.new_code_cell(code)
    if where == "first":
        notebook.cells.insert(1, cell)  # after otter's init cell
    else:
        notebook.cells.append(cell)
    nbformat.write(notebook, path)
    return path


def canary_path(folder: Path) -> Path:
    """A file outside the submission's folder that ``delete_files_outside`` tries to delete."""
    return folder.parent / f"{folder.name}-canary.txt"


def make_file(entry: Hostile, folder: Path, solution, blank) -> Path:
    path = folder / f"{entry.name}.ipynb"
    if entry.name == "huge_notebook":
        with path.open("wb") as f:
            f.truncate(HUGE_BYTES)
        return path
    if entry.base == "bytes":
        path.write_bytes(entry.code)
        return path
    if "{canary" in str(entry.code):
        canary = canary_path(folder)
        canary.write_text("the grader's, not the submission's")
        entry = dataclasses.replace(
            entry, code=entry.code.format(canary=str(canary), submissions=str(folder))
        )
    if entry.base == "a1_release":
        base = nbformat.read(ROOT / "assignments" / "a1" / "a1.ipynb", as_version=4)
    else:
        base = solution if entry.base == "solution" else blank
    return with_cell(base, entry.code, entry.where, path)


def _sleepers() -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if cmdline[:1] == ["sleep"] and cmdline[1:2] in (["987651"], ["987652"]):
            found.append(process)
    return found


@pytest.fixture(scope="module")
def corpus_graded(a2, a2_build, a2_solution_path, a2_release_notebook, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    solution = nbformat.read(a2_solution_path, as_version=4)
    for entry in CORPUS:
        if not entry.slow:
            make_file(entry, folder, solution, a2_release_notebook)
    out = tmp_path_factory.mktemp("hostile-graded")
    options = GradeOptions(workers=2, timeout_s=TIMEOUT_S, memory_mb=a2.memory_mb,
                           progress=False)  # fmt: skip
    started = time.monotonic()
    report = grade_folder(a2, folder, out, options, autograder_dir=a2_build.autograder_zip.parent)
    seconds = time.monotonic() - started
    return {r.submission.removesuffix(".ipynb"): r for r in report.results}, out, seconds, folder


FAST = [entry for entry in CORPUS if not entry.slow]


def test_the_corpus_has_twenty_members():
    assert len(CORPUS) >= 20 and len({entry.name for entry in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("entry", FAST, ids=[entry.name for entry in FAST])
def test_each_submission_ends_with_its_status_and_no_more_than_its_honest_points(
    corpus_graded, entry
):
    results, *_ = corpus_graded
    result = results[entry.name]
    assert result.status.startswith(entry.status), result.status
    assert entry.contains in result.status, result.status
    assert result.score <= entry.max_score
    if entry.max_score and entry.status in ("ok", "error: SyntaxError", "error: MemoryError"):
        assert result.score == entry.max_score  # the honest code still earns its points


def test_the_honest_submission_beside_them_gets_full_marks(corpus_graded):
    results, *_ = corpus_graded
    assert (results["honest"].score, results["honest"].status) == (30, "ok")


def test_no_process_outlives_its_grading(corpus_graded):
    """Daemons, double forks and fork-bomb children are all gone."""
    assert _sleepers() == []
    leftovers = [p for p in psutil.process_iter(["cmdline"])
                 if any("hwkit-grade-" in part for part in (p.info["cmdline"] or []))]  # fmt: skip
    assert leftovers == []
    groups = [g for root in group_roots() for g in root.glob(f"{os.getpid()}-*")]
    assert groups == []  # every submission's control group was removed


def test_fake_results_and_feedback_change_nothing(corpus_graded):
    results, out, *_ = corpus_graded
    assert results["fake_results"].score == 0 and results["fake_feedback"].score == 0
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".md", ".json", ".csv"):
            assert "FAKE" not in path.read_text(encoding="utf-8", errors="replace")
    ours = (out / "feedback" / "fake_feedback.md").read_text(encoding="utf-8")
    assert "0 / 30" in ours  # the grader's own report of that submission


@pytest.mark.skipif(not SANDBOXED, reason="needs control groups and namespaces (run as root)")
def test_cold_kernels_give_the_warm_kernels_answers(corpus_graded, a2, a2_build, tmp_path):
    """The corpus graded again with a kernel started from scratch per submission (no zygote):
    every submission ends with the same score, the same passed tests and the same kind of
    status, so nothing that fails on the slow path passes on the fast one."""
    results, _, _, folder = corpus_graded
    options = GradeOptions(workers=2, timeout_s=TIMEOUT_S, memory_mb=a2.memory_mb,
                           progress=False, warm=False)  # fmt: skip
    cold = grade_folder(a2, folder, tmp_path / "cold", options,
                        autograder_dir=a2_build.autograder_zip.parent).results  # fmt: skip
    for result in cold:
        warm = results[result.submission.removesuffix(".ipynb")]
        assert result.score == warm.score, result.submission
        assert [t.passed for t in result.tests] == [t.passed for t in warm.tests]
        assert result.status.split(":")[0] == warm.status.split(":")[0], result.submission


def test_files_outside_the_scratch_folder_survive(corpus_graded):
    """``delete_files_outside`` tried to delete a file beside the submissions folder and
    every submission in it: all are still there."""
    results, _, _, folder = corpus_graded
    assert canary_path(folder).is_file()
    assert {p.name for p in folder.iterdir()} == {r.submission for r in results.values()}


def test_the_network_is_unreachable_and_loopback_is_the_submissions_own(
    a2, a2_build, a2_solution_path, tmp_path
):
    """A server on the grader's loopback gets no connection from a submission."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    accepted = []
    server.settimeout(0.5)

    done = threading.Event()

    def serve():
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline and not done.is_set():
            try:
                accepted.append(server.accept())
            except TimeoutError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    folder = tmp_path / "subs"
    folder.mkdir()
    code = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5)"
    with_cell(nbformat.read(a2_solution_path, as_version=4), code, "last",
              folder / "loopback.ipynb")  # fmt: skip
    options = GradeOptions(workers=1, timeout_s=TIMEOUT_S, memory_mb=a2.memory_mb,
                           progress=False)  # fmt: skip
    (result,) = grade_folder(a2, folder, tmp_path / "out", options,
                             autograder_dir=a2_build.autograder_zip.parent).results  # fmt: skip
    done.set()
    thread.join()
    server.close()
    assert accepted == []
    assert result.status.startswith("error: ConnectionRefusedError"), result.status
    assert result.score == 30


def _runs_per_submission(gradebook: Path) -> dict[str, int]:
    with Gradebook(gradebook) as book:
        counts: dict[str, int] = {}
        for run in book.runs("a2"):
            counts[run.submission] = counts.get(run.submission, 0) + 1
        return counts


def test_kill_9_mid_batch_then_the_same_command_finishes_it_once_each(
    a2_build, a2_solution_path, a2_release_notebook, tmp_path
):
    folder = tmp_path / "subs"
    folder.mkdir()
    solution = nbformat.read(a2_solution_path, as_version=4)
    for i in range(6):
        with_cell(solution if i % 2 else a2_release_notebook, f"_i = {i}", "last",
                  folder / f"s{i}.ipynb")  # fmt: skip
    out = tmp_path / "out"
    autograder = a2_build.autograder_zip.parent
    command = [sys.executable, "-c",
               "import sys; from pathlib import Path; from hwkit.assignments import "
               "get_assignment; from hwkit.grading import GradeOptions, grade_folder; "
               "grade_folder(get_assignment('a2'), Path(sys.argv[1]), Path(sys.argv[2]), "
               "GradeOptions(workers=2, timeout_s=120, memory_mb=4096, progress=False), "
               "autograder_dir=Path(sys.argv[3]))",
               str(folder), str(out), str(autograder)]  # fmt: skip
    grader = subprocess.Popen(command, start_new_session=True)
    gradebook = out / "gradebook.sqlite"
    deadline = time.monotonic() + 120
    workers: list[psutil.Process] = []
    family: list[psutil.Process] = []
    while time.monotonic() < deadline and grader.poll() is None:
        if gradebook.exists() and 1 <= sum(_runs_per_submission(gradebook).values()) < 6:
            family = psutil.Process(grader.pid).children(recursive=True)
            workers = [p for p in family if "hwkit.worker" in " ".join(_cmdline(p))]
            if workers:  # kill while a submission is being graded
                break
        time.sleep(0.05)
    assert grader.poll() is None, "the batch ended before it could be killed"
    os.killpg(grader.pid, signal.SIGKILL)
    grader.wait()
    time.sleep(1)
    assert workers and not any(_alive(w) for w in workers)  # they die with the grader
    halfway = _runs_per_submission(gradebook)
    assert 1 <= sum(halfway.values()) < 6
    assert subprocess.run(command, timeout=300).returncode == 0
    assert _runs_per_submission(gradebook) == {f"s{i}.ipynb": 1 for i in range(6)}
    if SANDBOXED:  # the next batch reaped the killed grader's kernels from its groups
        assert not any(_alive(p) for p in family)


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.slow
def test_printing_a_gigabyte_ends_cleanly(a2, a2_build, a2_solution_path, tmp_path):
    entry = next(e for e in CORPUS if e.name == "print_1_gb")
    folder = tmp_path / "subs"
    folder.mkdir()
    make_file(entry, folder, nbformat.read(a2_solution_path, as_version=4), None)
    options = GradeOptions(workers=1, timeout_s=120, memory_mb=a2.memory_mb, progress=False)
    (result,) = grade_folder(a2, folder, tmp_path / "out", options,
                             autograder_dir=a2_build.autograder_zip.parent).results  # fmt: skip
    assert result.status.startswith(entry.status), result.status
    assert entry.contains in result.status and result.score == entry.max_score
