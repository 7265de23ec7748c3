"""Judge processes for a batch: every verdict runs outside the grading threads, under a limit.

A ``JudgePool`` starts one judge process (``hwkit.grading.judge.server``) per grading thread. A
grading
thread takes one with ``pool.session()`` for all of its submission's cases, so no lock is ever
shared between submissions. Each verdict has its own time limit: a judge that runs past it,
or dies (a decoder or a verdict crashed on a hostile reply), is killed and replaced, and only
that case fails — with a line that says so. A judge that dies twice on the same case fails
the case; one that cannot even start is a grader error (``JudgeUnavailable``), which the
engine records as such so the next run grades the file again.

Setups are seeded, so every judge computes the same probe inputs; each judge's inputs are
checked against the first one's (``digests``), and a setup that is not deterministic stops the
batch with the case named (``JudgeSetupError``): its verdicts could not be trusted.
"""

import atexit
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hwkit import values
from hwkit.grading.judge.frames import FrameClosed, FrameTimeout, read_frame, write_frame
from hwkit.grading.judge.verdicts import Verdict

READY_TIMEOUT_S = 600.0  # A3's setups read the measured bar; A1's build Keras models
REPLY_BYTES = 1 << 20
DEFAULT_VERDICT_TIMEOUT_S = 60.0


class JudgeUnavailable(RuntimeError):
    """A judge process could not start or keep running (the grader's fault, not the file's)."""


class JudgeSetupError(RuntimeError):
    """A test's setup failed to start a judge or is not deterministic: the author must fix it."""


@dataclass(frozen=True)
class JudgeConfig:
    """How a batch's judges run.

    - autograder_zip: the zip whose tests they judge; workdir: the grader's hidden folder
    - env: their environment (the grader's data paths, no GPU, BLAS threads)
    - memory_mb: address-space limit per judge (0: none); verdict_timeout_s: per verdict
    """

    autograder_zip: Path
    workdir: Path
    env: dict
    memory_mb: int = 8192
    verdict_timeout_s: float = DEFAULT_VERDICT_TIMEOUT_S


class JudgeProcess:
    """One ``hwkit.grading.judge.server`` process and its two pipes."""

    def __init__(self, config: JudgeConfig):
        self.config = config
        self.folder = Path(tempfile.mkdtemp(prefix="hwkit-judge-", dir=config.workdir))
        self.log_path = self.folder / "judge.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hwkit.grading.judge.server", str(config.autograder_zip),
                 str(self.folder), str(os.getpid()), str(config.memory_mb)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=config.env,
                cwd=self.folder,
            )
        self._ready: dict | None = None

    def ready(self) -> dict:
        """The judge's first frame (probes and digests), waiting for its setups."""
        if self._ready is None:
            deadline = time.monotonic() + READY_TIMEOUT_S
            try:
                self._ready = json.loads(read_frame(self.process.stdout.fileno(), 1 << 30,
                                                    deadline))
            except (FrameTimeout, FrameClosed, ValueError) as error:
                self.kill()
                raise JudgeUnavailable(f"judge did not start ({error}); "
                                       f"log: {self.tail()}") from None
            if not self._ready.get("ready"):
                raise JudgeSetupError(f"the tests' setups failed: {self._ready.get('error')}")
        return self._ready

    def verdict(self, key: str, payload: str | None, max_bytes: int) -> Verdict:
        """One case judged within the time limit; raises FrameTimeout or FrameClosed."""
        deadline = time.monotonic() + self.config.verdict_timeout_s
        try:
            write_frame(self.process.stdin.fileno(),
                        json.dumps({"case": key, "max_bytes": max_bytes}).encode())
            write_frame(self.process.stdin.fileno(), (payload or "").encode("ascii", "replace"))
        except (BrokenPipeError, OSError) as error:
            raise FrameClosed(str(error)) from None
        reply = json.loads(read_frame(self.process.stdout.fileno(), REPLY_BYTES, deadline))
        recorded = values.decode(read_frame(self.process.stdout.fileno(), values.MAX_BYTES,
                                            deadline))
        return Verdict(bool(reply["passed"]), str(reply["error_line"]), recorded)

    def tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-1000:]
        except OSError:
            return ""

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


class JudgeSession:
    """A grading thread's judge for one submission: verdicts with restarts on timeout/death."""

    def __init__(self, pool: "JudgePool", judge: JudgeProcess):
        self._pool, self.judge = pool, judge

    def restart(self) -> None:
        self.judge.kill()
        self._pool.forget(self.judge)
        self.judge = self._pool.started()

    def verdict(self, key: str, payload: str | None, max_bytes: int) -> Verdict:
        limit = self.judge.config.verdict_timeout_s
        for attempt in (1, 2):
            try:
                return self.judge.verdict(key, payload, max_bytes)
            except FrameTimeout:
                self.restart()
                return Verdict(False, f"检查超时 / checking your values took longer than "
                                      f"{limit:g} s")
            except (FrameClosed, ValueError, KeyError, TypeError):
                self.restart()
                if attempt == 2:
                    return Verdict(False, "无法评判 / your values could not be judged (the "
                                          "check failed on them twice)")
        raise AssertionError("unreachable")


class JudgePool:
    """``size`` judge processes for one autograder zip, started at once (they do their setups
    while the first kernels run)."""

    def __init__(self, config: JudgeConfig, size: int):
        self.config = config
        self._idle: queue.Queue[JudgeProcess] = queue.Queue()
        self._digests: dict | None = None
        self._probes: list[dict] | None = None
        self._lock = threading.Lock()
        self._all: list[JudgeProcess] = []
        for _ in range(max(1, size)):
            self._idle.put(self._spawn())

    def _spawn(self) -> JudgeProcess:
        judge = JudgeProcess(self.config)
        with self._lock:
            self._all.append(judge)
        return judge

    def _check(self, judge: JudgeProcess) -> dict:
        ready = judge.ready()
        with self._lock:
            if self._digests is None:
                self._digests, self._probes = ready["digests"], ready["probes"]
            elif ready["digests"] != self._digests:
                changed = sorted(k for k in self._digests if ready["digests"].get(k) !=
                                 self._digests[k])
                raise JudgeSetupError(
                    f"the setup of {', '.join(changed) or 'a test'} gives other inputs each time "
                    "it runs: seed its random numbers (np.random.default_rng(SEED))")
        return ready

    def started(self) -> JudgeProcess:
        """A new judge, ready and checked."""
        judge = self._spawn()
        self._check(judge)
        return judge

    def probes(self) -> list[dict]:
        """The probes every kernel runs (from the first judge that is ready)."""
        if self._probes is None:
            judge = self._idle.get()
            try:
                self._check(judge)
            finally:
                self._idle.put(judge)
        return self._probes

    @contextmanager
    def session(self):
        """A judge of this pool's for one submission's cases (it waits for an idle one)."""
        session = JudgeSession(self, self._idle.get())
        try:
            if session.judge.process.poll() is not None:
                session.restart()
            else:
                self._check(session.judge)
            yield session
        finally:
            self._idle.put(session.judge)

    def forget(self, judge: JudgeProcess) -> None:
        with self._lock:
            if judge in self._all:
                self._all.remove(judge)

    def close(self) -> None:
        with self._lock:
            for judge in self._all:
                judge.kill()
            self._all.clear()


_POOLS: dict[tuple, JudgePool] = {}
_POOLS_LOCK = threading.Lock()


def judge_pool(config: JudgeConfig, size: int, fingerprint: str) -> JudgePool:
    """The pool of this process for one autograder (zip fingerprint and data location), made
    on first use; ``close_pools`` ends them (at the end of a batch, or at exit)."""
    key = (str(config.autograder_zip), fingerprint, config.env.get("HWKIT_DATA", ""),
           config.env.get("HWKIT_GRADING_DEVICE", ""))
    with _POOLS_LOCK:
        if key not in _POOLS:
            if not _POOLS:
                atexit.register(close_pools)
            _POOLS[key] = JudgePool(config, size)
        return _POOLS[key]


def close_pools() -> None:
    with _POOLS_LOCK:
        for pool in _POOLS.values():
            pool.close()
        _POOLS.clear()
