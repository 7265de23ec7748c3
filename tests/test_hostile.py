"""Hostile and broken submissions graded in one batch beside an honest one: each ends with a
clear status, earns no more than its honest code, leaves nothing behind (processes, files,
shared memory) and changes nothing for the others (``tests/hostile_corpus.py`` lists them).
Also: a function that misbehaves only under test costs only its cases, and a grader killed
with ``kill -9`` mid-batch finishes on the next run with every submission graded once. The
checks for leftovers look only at what this test's own grader started.
"""

import copy
import csv
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest

from hwkit.gradebook import Gradebook
from hwkit.grading.batch import GradeOptions, grade_folder
from hwkit.reports import score_table
from hwkit.sandbox import Cgroup, group_roots
from tests.hostile_corpus import CORPUS, PROBED, Hostile

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 30
HUGE_BYTES = 200 * 1024 * 1024
TOKEN = uuid.uuid4().hex[:12]
FIELDS = {"token": TOKEN, "key": int(TOKEN[:7], 16), "project": str(ROOT),
          "sleep_a": 900000 + int(TOKEN[:4], 16), "sleep_b": 900000 + int(TOKEN[4:8], 16),
          "host_tmp": f"/tmp/hwkit-host-canary-{TOKEN}"}


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


def file_of(entry: Hostile) -> str:
    return entry.file_name or f"{entry.name}.ipynb"


def secret_path(folder: Path) -> Path:
    """A root-only file beside the submissions folder that links point at."""
    return folder.parent / f"{folder.name}-secret.txt"


def make_file(entry: Hostile, folder: Path, solution, blank, course: Path | None = None) -> Path:
    path = folder / file_of(entry)
    if entry.name == "huge_notebook":
        with path.open("wb") as f:
            f.truncate(HUGE_BYTES)
        return path
    if entry.base == "bytes":
        path.write_bytes(entry.code)
        return path
    if entry.base == "link_to_solution":
        classmate = folder.parent / f"{folder.name}-classmate.ipynb"  # an LMS export beside it
        nbformat.write(solution, classmate)
        path.symlink_to(classmate)
        return path
    if entry.base == "link_to_secret":
        path.symlink_to(secret_path(folder))
        return path
    if any("{" + field in str(entry.code) for field in (*FIELDS, "canary", "course", "secret")):
        canary = canary_path(folder)
        canary.write_text("the grader's, not the submission's")
        entry = dataclasses.replace(entry, code=entry.code.format(
            canary=str(canary), submissions=str(folder), course=str(course),
            secret=str(secret_path(folder)), **FIELDS))
    if entry.base == "a1_release":
        base = nbformat.read(ROOT / "assignments" / "a1" / "a1.ipynb", as_version=4)
    else:
        base = solution if entry.base == "solution" else blank
    return with_cell(base, entry.code, entry.where, path)


def _sleepers() -> list[psutil.Process]:
    """The daemons ``background_processes`` started (their arguments are this run's own)."""
    mine = [["sleep", str(FIELDS["sleep_a"])], ["sleep", str(FIELDS["sleep_b"])]]
    return [p for p in psutil.process_iter(["cmdline"]) if (p.info["cmdline"] or []) in mine]


def _core_pattern() -> str:
    return Path("/proc/sys/kernel/core_pattern").read_text()


@pytest.fixture(scope="module")
def corpus_graded(a2, a2_build, a2_solution_path, a2_release_notebook, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    out = tmp_path_factory.mktemp("hostile-graded")
    secret = secret_path(folder)
    secret.write_text(f"TOPSECRET-{TOKEN}")
    secret.chmod(0o600)
    host_tmp = Path(FIELDS["host_tmp"])
    host_tmp.write_text("the host's /tmp")
    solution = nbformat.read(a2_solution_path, as_version=4)
    for entry in CORPUS:
        if not entry.slow:
            make_file(entry, folder, solution, a2_release_notebook, course=out)
    options = GradeOptions(workers=2, timeout_s=TIMEOUT_S, memory_mb=a2.memory_mb,
                           progress=False)
    core_pattern = _core_pattern()
    started = time.monotonic()
    os.environ["HWKIT_TEST_SECRET"] = "the TA's token"  # in the grader's environment only
    try:
        report = grade_folder(a2, folder, out, options,
                              autograder_dir=a2_build.autograder_zip.parent)
    finally:
        del os.environ["HWKIT_TEST_SECRET"]
        host_tmp.unlink()
    seconds = time.monotonic() - started
    by_entry = {e.name: r for e in CORPUS for r in report.results if r.submission == file_of(e)}
    return by_entry, out, seconds, folder, {"core_pattern": core_pattern, "report": report}


FAST = [entry for entry in CORPUS if not entry.slow]


def test_the_corpus_has_twenty_members():
    assert len(CORPUS) >= 20 and len({entry.name for entry in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("entry", FAST, ids=[entry.name for entry in FAST])
def test_each_submission_ends_with_its_status_and_no_more_than_its_honest_points(
    corpus_graded, entry
):
    results, *_ = corpus_graded
    result = results[entry.name]
    assert result.status.text.startswith(entry.status), result.status.text
    assert entry.contains in result.status.text, result.status.text
    assert result.score <= entry.max_score
    if entry.max_score and entry.status in ("ok", "error: SyntaxError", "error: MemoryError"):
        assert result.score == entry.max_score  # the honest code still earns its points


def test_the_honest_submission_beside_them_gets_full_marks(corpus_graded):
    results, *_ = corpus_graded
    assert (results["honest"].score, results["honest"].status.text) == (30, "ok")


def test_no_process_outlives_its_grading(corpus_graded):
    """Daemons, double forks and fork-bomb children are all gone: this run's daemons, this
    grader's children (workers, judges, the zygote) and its control groups."""
    assert _sleepers() == []
    children = [" ".join(_cmdline(p)) for p in psutil.Process().children(recursive=True)]
    assert [c for c in children if "hwkit." in c] == []
    groups = [g for root in group_roots() for g in root.glob(f"{os.getpid()}-*")]
    assert groups == []  # every submission's control group was removed


def test_the_host_is_as_it_was(corpus_graded):
    """``write_proc_sys_dev_and_leave_shm`` tried /proc/sys, /dev and /etc, filled /dev/shm
    and made a SysV segment: none of it reached the host, none of it is left."""
    *_, seen = corpus_graded
    assert _core_pattern() == seen["core_pattern"]
    for path in (f"/dev/hwkit-{TOKEN}", f"/etc/hwkit-{TOKEN}", f"/dev/shm/hwkit-{TOKEN}"):
        assert not Path(path).exists(), path
    keys = [line.split()[0] for line in Path("/proc/sysvipc/shm").read_text().splitlines()[1:]]
    assert str(FIELDS["key"]) not in keys


def test_hostile_names_reach_no_terminal_csv_or_file_system_raw(corpus_graded):
    results, out, *_, seen = corpus_graded
    table = score_table(seen["report"].results)
    assert "\x1b" not in table and "\r" not in table and "\x07" not in table
    assert len(table.splitlines()) == len(seen["report"].results) + 2  # no row is split
    rows = list(csv.reader((out / "a2-runs.csv").read_text(encoding="utf-8-sig").splitlines()))
    formula = next(r for r in rows if "HYPERLINK" in r[0])
    assert formula[0].startswith("'=")
    feedback = list((out / "feedback").iterdir())
    assert len(feedback) == len(seen["report"].results)  # the 255-byte name too
    assert all(len(p.name.encode()) <= 255 for p in feedback)


def test_nothing_behind_a_link_reaches_the_status_or_the_feedback(corpus_graded):
    results, out, *_ = corpus_graded
    for name in ("link_to_a_classmates_notebook", "link_to_a_root_only_file"):
        assert results[name].score == 0 and results[name].sha256 == ""
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".md", ".csv"):
            assert f"TOPSECRET-{TOKEN}" not in path.read_text(encoding="utf-8", errors="replace")
    with Gradebook(out / "gradebook.sqlite") as book:
        assert all(f"TOPSECRET-{TOKEN}" not in r.status.text + r.detail for r in book.runs("a2"))


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
    results, _, _, folder, _ = corpus_graded
    options = GradeOptions(workers=2, timeout_s=TIMEOUT_S, memory_mb=a2.memory_mb,
                           progress=False, warm=False)
    cold = grade_folder(a2, folder, tmp_path / "cold", options,
                        autograder_dir=a2_build.autograder_zip.parent).results
    by_file = {r.submission: r for r in results.values()}
    for result in cold:
        warm = by_file[result.submission]
        assert result.score == warm.score, result.submission
        assert [t.passed for t in result.tests] == [t.passed for t in warm.tests]
        assert result.status.text.split(":")[0] == warm.status.text.split(":")[0], result.submission


def test_files_outside_the_scratch_folder_survive(corpus_graded):
    """``delete_files_outside`` tried to delete a file beside the submissions folder and
    every submission in it: all are still there."""
    results, _, _, folder, _ = corpus_graded
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
              folder / "loopback.ipynb")
    options = GradeOptions(workers=1, timeout_s=TIMEOUT_S, memory_mb=a2.memory_mb,
                           progress=False)
    (result,) = grade_folder(a2, folder, tmp_path / "out", options,
                             autograder_dir=a2_build.autograder_zip.parent).results
    done.set()
    thread.join()
    server.close()
    assert accepted == []
    assert result.status.text.startswith("error: ConnectionRefusedError"), result.status.text
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
                  folder / f"s{i}.ipynb")
    out = tmp_path / "out"
    autograder = a2_build.autograder_zip.parent
    command = [sys.executable, "-c",
               "import sys; from pathlib import Path; from hwkit.assignments import "
               "get_assignment; from hwkit.grading.batch import GradeOptions, grade_folder; "
               "grade_folder(get_assignment('a2'), Path(sys.argv[1]), Path(sys.argv[2]), "
               "GradeOptions(workers=2, timeout_s=120, memory_mb=4096, progress=False), "
               "autograder_dir=Path(sys.argv[3]))",
               str(folder), str(out), str(autograder)]
    grader = subprocess.Popen(command, start_new_session=True)
    gradebook = out / "gradebook.sqlite"
    deadline = time.monotonic() + 120
    workers: list[psutil.Process] = []
    family: list[psutil.Process] = []
    while time.monotonic() < deadline and grader.poll() is None:
        if gradebook.exists() and 1 <= sum(_runs_per_submission(gradebook).values()) < 6:
            family = psutil.Process(grader.pid).children(recursive=True)
            workers = [p for p in family if "hwkit.grading.worker" in " ".join(_cmdline(p))]
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


def test_a_function_that_misbehaves_only_under_test_costs_only_its_cases(
    a2, a2_build, a2_solution_path, tmp_path
):
    """predict hangs (interruptible, or deaf to interrupts) or kills the kernel, but only when
    a test calls it: each file loses exactly the two cases that call predict, with a note."""
    folder = tmp_path / "subs"
    folder.mkdir()
    solution = nbformat.read(a2_solution_path, as_version=4)
    for entry in PROBED:
        make_file(entry, folder, solution, None)
    options = GradeOptions(workers=2, timeout_s=180, memory_mb=a2.memory_mb, progress=False,
                           probe_timeout_s=5)
    report = grade_folder(a2, folder, tmp_path / "out", options,
                          autograder_dir=a2_build.autograder_zip.parent)
    for entry in PROBED:
        (result,) = [r for r in report.results if r.submission == file_of(entry)]
        failed = {t.name for t in result.tests if not t.passed}
        assert (result.status.text, result.score, failed) == ("ok", 28, {"q6 - 1", "q6 - 3"}), entry
        notes = " ".join(t.message for t in result.tests if not t.passed)
        assert ("ran past 5 s" in notes) or ("kernel died" in notes), notes


@pytest.mark.slow
@pytest.mark.parametrize("name", ["print_1_gb", "display_a_gigabyte"])
def test_printing_or_displaying_a_gigabyte_ends_cleanly(a2, a2_build, a2_solution_path, tmp_path,
                                                         name):
    """The worker keeps 8 MiB of text and 32 MiB of display data; the grader's memory stays
    that of an ordinary submission."""
    entry = next(e for e in CORPUS if e.name == name)
    folder = tmp_path / "subs"
    folder.mkdir()
    make_file(entry, folder, nbformat.read(a2_solution_path, as_version=4), None)
    options = GradeOptions(workers=1, timeout_s=120, memory_mb=a2.memory_mb, progress=False)
    (result,) = grade_folder(a2, folder, tmp_path / "out", options,
                             autograder_dir=a2_build.autograder_zip.parent).results
    assert result.status.text.startswith(entry.status), result.status.text
    assert entry.contains in result.status.text and result.score == entry.max_score
