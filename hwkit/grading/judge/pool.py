"""Judge processes for a batch: every verdict runs outside the grading threads, under a limit.

A ``JudgePool`` starts one judge process (``hwkit.grading.judge.server``) per grading thread,
each a fork of the pool's forker (``hwkit.grading.judge.forker``: TensorFlow and otter imported
once per pool, not once per judge), or started the plain way where the forker cannot serve.
A grading thread takes one with ``pool.session()`` for all of its submission's cases, so no
lock is ever shared between submissions. Each verdict has its own time limit: a judge that
runs past it, or dies (a decoder or a verdict crashed on a hostile reply), is killed and
replaced, and only that case fails — with a line that says so. A judge that dies twice on the
same case fails the case; one that cannot even start is a grader error (``JudgeUnavailable``),
which the engine records as such so the next run grades the file again.

Setups are seeded, so every judge computes the same probe inputs; each judge's inputs are
checked against the first one's (``digests``), and a setup that is not deterministic stops the
batch with the case named (``JudgeSetupError``): its verdicts could not be trusted.
"""

import atexit
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hwkit import values
from hwkit.grading.judge.forker import Forker, ForkerUnavailable
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
    - preload: modules the forker imports besides its base ones (TensorFlow for A1 and A3)
    - fork: fork judges from one forker (False: every judge starts its own interpreter)
    """

    autograder_zip: Path
    workdir: Path
    env: dict
    memory_mb: int = 8192
    verdict_timeout_s: float = DEFAULT_VERDICT_TIMEOUT_S
    preload: tuple[str, ...] = ()
    fork: bool = True


def can_fork_judges() -> bool:
    """Whether this Python and kernel hold processes by pidfd and pass descriptors (3.9+, 5.3+)."""
    return all(hasattr(module, name) for module, name in
               ((os, "pidfd_open"), (socket, "send_fds"), (signal, "pidfd_send_signal")))


class JudgeProcess:
    """One judge process (forked, or ``hwkit.grading.judge.server`` started the plain way) and
    its two pipes. It starts on first use of ``process``, or early with ``start_forked``."""

    def __init__(self, config: JudgeConfig, forker: Forker | None, launcher: Executor):
        self.config, self._forker, self._launcher = config, forker, launcher
        self.folder = Path(tempfile.mkdtemp(prefix="hwkit-judge-", dir=config.workdir))
        self.log_path = self.folder / "judge.log"
        self._lock = threading.Lock()
        self._process = None
        self._closed = False
        self._ready: dict | None = None

    @property
    def process(self):
        """The running judge (``Popen`` or ``ForkedJudge``), started now if it is not yet."""
        return self.start()

    def start(self):
        """Start it unless it runs: forked, or else the plain way by the pool's launcher
        thread, which lives as long as the pool (a judge dies with the thread that started
        it: ``PR_SET_PDEATHSIG``), whichever thread asks."""
        with self._lock:
            if self._process is None:
                if self._closed:
                    raise JudgeUnavailable("the judge was closed")
                self._process = self._forked() or self._plain()
            return self._process

    def start_forked(self) -> None:
        """Fork it now if the forker serves (the pool's helper thread calls this, so setups
        run while the batch starts its kernels); otherwise leave it to ``process``."""
        with self._lock:
            if self._process is None and not self._closed:
                self._process = self._forked()

    def _forked(self):
        if self._forker is None:
            return None
        try:
            with open(self.log_path, "wb") as log:
                return self._forker.fork(self.config.autograder_zip, self.folder,
                                         self.config.memory_mb, log.fileno())
        except ForkerUnavailable:
            return None

    def _plain(self) -> subprocess.Popen:
        return self._launcher.submit(self._popen).result()

    def _popen(self) -> subprocess.Popen:
        with open(self.log_path, "ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "hwkit.grading.judge.server",
                 str(self.config.autograder_zip), str(self.folder), str(os.getpid()),
                 str(self.config.memory_mb)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=self.config.env,
                cwd=self.folder,
            )

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
        with self._lock:
            self._closed = True
            process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
            for pipe in (process.stdin, process.stdout):
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
    while the first kernels run): forked by a helper thread once the forker has imported its
    modules, or, without a forker, started the plain way. Every process the pool starts
    itself (the forker, plain judges) is started by its launcher thread, which lives until
    ``close``, so no judge dies with a grading thread or a passing helper."""

    def __init__(self, config: JudgeConfig, size: int):
        self.config = config
        self._idle: queue.Queue[JudgeProcess] = queue.Queue()
        self._digests: dict | None = None
        self._probes: list[dict] | None = None
        self._lock = threading.Lock()
        self._all: list[JudgeProcess] = []
        self._launcher = ThreadPoolExecutor(1, thread_name_prefix="hwkit-judge-launcher")
        log = config.workdir / f"hwkit-judge-forker-{os.getpid()}-{time.monotonic_ns()}.log"
        self.forker = (self._launcher.submit(Forker, config.env, config.preload, log,
                                             config.workdir).result()
                       if config.fork and can_fork_judges() else None)
        judges = [self._spawn() for _ in range(max(1, size))]
        if self.forker is None:
            for judge in judges:
                judge.start()
        else:
            threading.Thread(target=lambda: [judge.start_forked() for judge in judges],
                             name="hwkit-judge-forks", daemon=True).start()
        for judge in judges:
            self._idle.put(judge)

    def _spawn(self) -> JudgeProcess:
        judge = JudgeProcess(self.config, self.forker, self._launcher)
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
        """A judge of this pool's for one submission's cases (it waits for an idle one). A
        judge that died while idle (or with its forker) is replaced once; one that cannot be
        replaced raises ``JudgeUnavailable``."""
        session = JudgeSession(self, self._idle.get())
        try:
            try:
                if session.judge.process.poll() is not None:
                    raise JudgeUnavailable("the judge exited while idle")
                self._check(session.judge)
            except JudgeUnavailable:
                session.restart()
            yield session
        finally:
            self._idle.put(session.judge)

    def forget(self, judge: JudgeProcess) -> None:
        with self._lock:
            if judge in self._all:
                self._all.remove(judge)

    def close(self) -> None:
        with self._lock:
            judges, self._all = self._all, []
        if self.forker is not None:
            self.forker.close()  # first: a fork waiting for its imports gives up at once
        for judge in judges:
            judge.kill()
        self._launcher.shutdown(wait=False)


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
