"""Judge processes (``hwkit.grading.judge.pool``): every verdict runs outside the grading threads,
with
its own time limit, on replies that may be hostile; one submission's verdicts never hold
another's, and what a reply may change is only the probe's declared outputs."""

import base64
import os
import pprint
import subprocess
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from hwkit import values
from hwkit.grading.env import judge_env
from hwkit.grading.judge.forker import ForkedJudge
from hwkit.grading.judge.pool import JudgeConfig, JudgePool, JudgeSetupError, can_fork_judges

from .test_replies import HOSTILE

DOUBLES = ("_x = 3", "_got = f(_x)", "assert _got == 2 * _x, 'f doubles'")
SLOW = ("import time", "_got = f(1)",
        "_ = time.sleep(60) if _got == 'slow' else None\nassert _got == 2")
DIES = ("import os", "_got = f(1)", "_ = os._exit(3) if _got == 'die' else None\nassert _got == 2")
RECORDS = ("from hwkit import metrics as _metrics", "_pred = f(1)",
           "_metrics.record('nn', np.asarray(_pred))\nassert np.all(np.asarray(_pred) == 1)")


def _doctest(setup: str, probe: str, verdict: str) -> str:
    lines = [*setup.splitlines(), "_phase = 'probe'", *probe.splitlines(),
             "_phase = 'verdict'", *verdict.splitlines()]
    return "".join(f">>> {line}\n" for line in lines)


def make_zip(folder: Path, cases: list[tuple[str, str, str]], name: str = "tests.zip") -> Path:
    """An autograder zip with one question ``q1`` holding ``cases`` (public, 1 point each)."""
    test = {"name": "q1", "points": None, "suites": [{
        "cases": [{"code": _doctest(*case), "hidden": False, "locked": False, "points": 1}
                  for case in cases],
        "scored": True, "setup": "", "teardown": "", "type": "doctest"}]}
    path = folder / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tests/q1.py", f"OK_FORMAT = True\n\ntest = {pprint.pformat(test)}\n")
    return path


def _reply(**probed) -> str:
    return base64.b64encode(values.encode({"values": probed, "skipped": {}})).decode()


@pytest.fixture
def pool(tmp_path):
    zip_path = make_zip(tmp_path, [DOUBLES, SLOW, DIES, RECORDS])
    pool = JudgePool(JudgeConfig(zip_path, tmp_path, judge_env(1, "cpu"), memory_mb=0,
                                 verdict_timeout_s=3.0), size=2)
    yield pool
    pool.close()


def test_the_verdict_follows_the_values_and_the_setup_wins_over_a_forged_reply(pool):
    with pool.session() as session:
        assert session.verdict("q1-0", _reply(_got=6), values.MAX_BYTES).passed
        forged = session.verdict("q1-0", _reply(_got=0, _x=0), values.MAX_BYTES)
        assert not forged.passed and "f doubles" in forged.error_line  # _x stayed 3
        assert not session.verdict("q1-0", None, values.MAX_BYTES).passed


def test_each_verdict_has_its_own_time_limit_and_the_next_one_runs(pool):
    with pool.session() as session:
        slow = session.verdict("q1-1", _reply(_got="slow"), values.MAX_BYTES)
        assert not slow.passed and "longer than 3 s" in slow.error_line
        assert session.verdict("q1-0", _reply(_got=6), values.MAX_BYTES).passed


def test_a_judge_that_dies_on_a_reply_fails_only_that_case(pool):
    with pool.session() as session:
        first = session.judge.process.pid
        died = session.verdict("q1-2", _reply(_got="die"), values.MAX_BYTES)
        assert not died.passed and "could not be judged" in died.error_line
        assert session.verdict("q1-2", _reply(_got=2), values.MAX_BYTES).passed
        assert session.judge.process.pid != first
        if pool.forker is not None:  # the replacement is forked too, not imported afresh
            assert _parent_pid(session.judge.process.pid) == pool.forker.process.pid


def _parent_pid(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def _gone(pid: int, within_s: float = 10.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not can_fork_judges(), reason="needs pidfd_open and send_fds")
def test_judges_are_forks_of_one_forker_and_end_with_the_pool(pool):
    """The forker imported the modules once; each judge is its child, with the judge's own
    descriptors and setups, and closing the pool ends the forker and every judge."""
    with pool.session() as one:
        pool.probes()
        with pool.session() as two:
            judges = [one.judge.process, two.judge.process]
            assert all(isinstance(judge, ForkedJudge) for judge in judges)
            assert {_parent_pid(judge.pid) for judge in judges} == {pool.forker.process.pid}
            assert two.verdict("q1-0", _reply(_got=6), values.MAX_BYTES).passed
    forker, log = pool.forker.process, pool.forker.log_path
    assert log.is_file()
    pool.close()
    assert forker.poll() is not None
    assert all(_gone(judge.pid) for judge in judges)
    assert not log.exists()  # nothing of the pool's is left in the scratch root


@pytest.mark.skipif(not can_fork_judges(), reason="needs pidfd_open and send_fds")
def test_a_forker_that_dies_mid_batch_costs_no_verdict(pool):
    """Its judges die with it; the next verdicts run in judges started the plain way."""
    pool.probes()
    pool.forker.process.kill()
    pool.forker.process.wait()
    with pool.session() as session:
        assert session.verdict("q1-0", _reply(_got=6), values.MAX_BYTES).passed
        assert isinstance(session.judge.process, subprocess.Popen)
        assert not session.verdict("q1-0", _reply(_got=5), values.MAX_BYTES).passed


def test_judges_start_the_plain_way_when_the_forker_cannot_serve(tmp_path, capfd):
    """A preload that fails (or a forker that leaves threads behind) costs speed, never a
    verdict: the pool says so and starts every judge on its own."""
    zip_path = make_zip(tmp_path, [DOUBLES])
    config = JudgeConfig(zip_path, tmp_path, judge_env(1, "cpu"), memory_mb=0,
                         preload=("hwkit_no_such_module",))
    pool = JudgePool(config, size=1)
    try:
        helper = threading.Thread(target=pool.probes)  # starts the judge, then ends
        helper.start()
        helper.join()
        with pool.session() as session:
            judge = session.judge.process
            assert isinstance(judge, subprocess.Popen)
            assert _parent_pid(judge.pid) == os.getpid()
            time.sleep(0.5)  # a judge tied to the helper thread would be killed by now
            assert session.verdict("q1-0", _reply(_got=6), values.MAX_BYTES).passed
            assert session.judge.process is judge  # not restarted
    finally:
        pool.close()
    said = capfd.readouterr().err
    assert "not forked (import failed: ModuleNotFoundError" in said
    kept = Path(said.split("; see ", 1)[1].split(")", 1)[0])
    assert "hwkit_no_such_module" in kept.read_text()  # the log that says why stays


@pytest.mark.parametrize("name", ["nested_100000_deep", "unknown_compression",
                                  "header_claims_2_to_40_elements", "zip_bomb_member"])
def test_a_hostile_reply_fails_its_case_in_the_same_judge(pool, name):
    with pool.session() as session:
        before = session.judge.process.pid
        bad = session.verdict("q1-0", base64.b64encode(HOSTILE[name]).decode(), values.MAX_BYTES)
        assert not bad.passed and "unreadable test values" in bad.error_line
        assert session.verdict("q1-0", _reply(_got=6), values.MAX_BYTES).passed
        assert session.judge.process.pid == before  # decoded safely: nothing restarted


def test_recorded_predictions_come_back_with_the_verdict_pass_or_fail(pool):
    with pool.session() as session:
        good = session.verdict("q1-3", _reply(_pred=np.ones(4, dtype=np.int64)), values.MAX_BYTES)
        bad = session.verdict("q1-3", _reply(_pred=np.zeros(4, dtype=np.int64)), values.MAX_BYTES)
    assert good.passed and good.recorded["nn"].tolist() == [[1, 1, 1, 1]]
    assert not bad.passed and bad.recorded["nn"].tolist() == [[0, 0, 0, 0]]


def test_a_slow_verdict_never_holds_another_submission(pool):
    """Two grading threads, two judges: the fast one finishes while the slow one waits."""
    finished = []

    def judge(key: str, reply: str) -> None:
        with pool.session() as session:
            session.verdict(key, reply, values.MAX_BYTES)
        finished.append(key)

    pool.probes()  # both judges have run their setups
    slow = threading.Thread(target=judge, args=("q1-1", _reply(_got="slow")))
    slow.start()
    judge("q1-0", _reply(_got=6))
    slow.join()
    assert finished == ["q1-0", "q1-1"]


@pytest.mark.parametrize("fork", [True, False])
@pytest.mark.parametrize("draw", ["np.random.default_rng().uniform()", "np.random.uniform()"])
def test_a_setup_that_is_not_deterministic_stops_the_batch_naming_its_case(tmp_path, draw, fork):
    """Also NumPy's global generator, which a fork would copy if nothing reseeded it."""
    random_setup = (f"_x = float({draw})", "_got = f(_x)", "assert _got == 2 * _x")
    zip_path = make_zip(tmp_path, [DOUBLES, random_setup])
    pool = JudgePool(JudgeConfig(zip_path, tmp_path, judge_env(1, "cpu"), memory_mb=0,
                                 fork=fork), size=2)
    try:
        pool.probes()
        with pytest.raises(JudgeSetupError, match="q1-1"):
            with pool.session():
                pass
    finally:
        pool.close()
