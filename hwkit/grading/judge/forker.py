"""One process per judge pool that imports the judges' modules once and forks every judge.

A judge started the plain way (``python -m hwkit.grading.judge.server``) imports otter, NumPy,
matplotlib and, for A1 and A3, TensorFlow and Keras before its setups run (about 1 s for A2 and
3–7 s for A1 and A3 on a 2-core machine), once per judge, i.e. once per grading thread and
again after every restart. The forker pays that once per pool; each judge is a fork of it that
runs its own setups (so the pool's check that every judge made the same probe inputs still
means something) and serves one grading thread exactly as an exec'd judge does: same frames,
same address-space limit.

Protocol, over a ``SOCK_SEQPACKET`` socket pair made by the grader (nothing else can reach it):

- forker → grader, once: ``{"ready": true}`` or ``{"ready": false, "error": "..."}`` (a
  preload failed, or left threads behind: fork is unsafe then);
- grader → forker: ``{"zip": ..., "folder": ..., "memory_mb": N}`` with three descriptors (the
  judge's stdin, stdout and log) → ``{"pid": N}`` with a pidfd of the new judge, or
  ``{"error": "..."}``.

The grader holds each judge by its pidfd (``ForkedJudge``): it signals and waits for that very
process, never for a pid that may have been reused. The forker dies with the grader, and every
judge with the forker (``PR_SET_PDEATHSIG``); exited judges are reaped by the kernel
(``SIGCHLD`` ignored in the forker, restored in each judge).
"""

import importlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from hwkit.sandbox.process import ONE_BLAS_THREAD, thread_count

BASE_PRELOAD = ("numpy", "hwkit.values", "hwkit.grading.judge.frames",
                "hwkit.grading.judge.verdicts", "otter", "matplotlib.pyplot")
MESSAGE_BYTES = 1 << 16
READY_TIMEOUT_S = 300.0


class ForkerUnavailable(RuntimeError):
    """The forker could not start or fork (the pool then starts judges the plain way)."""


def _send(sock: socket.socket, message: dict, fds: tuple[int, ...] = ()) -> None:
    socket.send_fds(sock, [json.dumps(message).encode()], list(fds))


def _receive(sock: socket.socket, max_fds: int) -> tuple[dict, list[int]]:
    data, fds, _, _ = socket.recv_fds(sock, MESSAGE_BYTES, max_fds)
    if not data:
        for fd in fds:
            os.close(fd)
        raise EOFError("the other side closed the socket")
    return json.loads(data), fds


def _become_judge(request: dict, fds: list[int], sock: socket.socket, forker_pid: int) -> None:
    """In the forked child: the judge's descriptors as 0, 1, 2, then the judge's own run."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        sock.close()
        # A fork copies NumPy's global generator: reseed it from the OS, as an exec'd judge
        # is, or an unseeded setup would look deterministic to the pool's digest check.
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        from hwkit.grading.judge import server
        from hwkit.sandbox import die_with_parent

        die_with_parent(forker_pid)
        os.chdir(request["folder"])
        server.run(Path(request["zip"]), Path(request["folder"]), int(request["memory_mb"]))
    except BaseException as error:  # noqa: BLE001 - the child must never return to the loop
        print(f"hwkit judge forker: judge failed: {type(error).__name__}: {error}",
              file=sys.stderr)
        os._exit(70)
    os._exit(0)


def serve(grader_pid: int, fd: int, preload: list[str]) -> None:
    """Import ``preload``, then fork a judge per request until the grader closes the socket."""
    from hwkit.sandbox import die_with_parent

    die_with_parent(grader_pid)
    sock = socket.socket(fileno=fd)
    why = ""
    try:
        for module in preload:
            importlib.import_module(module)
    except Exception as error:  # noqa: BLE001 - reported; the pool starts judges the plain way
        why = f"import failed: {type(error).__name__}: {error}"
    if not why and thread_count() != 1:
        why = f"{thread_count()} threads after imports"
    if why:
        print(f"hwkit judge forker: not serving: {why}", file=sys.stderr, flush=True)
        _send(sock, {"ready": False, "error": why})
        return
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # judges are reaped as they exit
    _send(sock, {"ready": True})
    while True:
        try:
            request, fds = _receive(sock, 3)
        except (EOFError, OSError, ValueError):
            return
        if len(fds) != 3:
            for received in fds:
                os.close(received)
            _send(sock, {"error": f"expected 3 descriptors, got {len(fds)}"})
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        forker_pid = os.getpid()
        pid = os.fork()
        if pid == 0:
            _become_judge(request, fds, sock, forker_pid)
        for received in fds:
            os.close(received)
        pidfd = os.pidfd_open(pid)
        try:
            _send(sock, {"pid": pid}, (pidfd,))
        finally:
            os.close(pidfd)


class ForkedJudge:
    """A judge process forked by the forker, held by its pidfd; the subset of ``Popen`` that
    the pool uses (``pid``, ``stdin``, ``stdout``, ``poll``, ``kill``, ``wait``)."""

    def __init__(self, pid: int, pidfd: int, stdin, stdout):
        self.pid, self._pidfd, self.stdin, self.stdout = pid, pidfd, stdin, stdout
        self.returncode: int | None = None

    def _exited(self, timeout_s: float | None) -> bool:
        if self.returncode is None:
            readable, _, _ = select.select([self._pidfd], [], [], timeout_s)
            if readable:
                self.returncode = -1  # not our child: its status is the forker's to reap
                os.close(self._pidfd)
        return self.returncode is not None

    def poll(self) -> int | None:
        return self.returncode if self._exited(0) else None

    def wait(self, timeout: float | None = None) -> int:
        if not self._exited(timeout):
            raise subprocess.TimeoutExpired(f"judge {self.pid}", timeout)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            try:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass


class Forker:
    """The grader's side: start the forker, then ``fork(zip, folder, memory_mb, log)`` judges.

    Forks may come from any thread (one at a time); the forker itself must be started by a
    thread that lives as long as it serves (the pool's launcher): ``PR_SET_PDEATHSIG`` follows
    the starting thread, not the process."""

    def __init__(self, env: dict[str, str], preload: tuple[str, ...], log_path: Path, cwd: Path):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._sock, self._lock, self._ready = ours, threading.RLock(), None
        self._keep_log = False
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hwkit.grading.judge.forker", str(os.getpid()),
                 str(theirs.fileno()), *BASE_PRELOAD, *preload],
                env={**env, **ONE_BLAS_THREAD}, pass_fds=(theirs.fileno(),), cwd=cwd,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        theirs.close()

    def ready(self) -> bool:
        """Whether it serves (waits for its imports once); False if it cannot."""
        with self._lock:
            if self._ready is None:
                self._ready = self._wait_ready()
            return self._ready

    def _wait_ready(self) -> bool:
        readable, _, _ = select.select([self._sock], [], [], READY_TIMEOUT_S)
        try:
            message, _ = _receive(self._sock, 0) if readable else ({}, [])
        except (EOFError, OSError, ValueError):
            message = {}
        if not message.get("ready"):
            why = message.get("error") or "no answer"
            print(f"hwkit: judges start one by one, not forked ({why}; see {self.log_path})",
                  file=sys.stderr)
            self.close(keep_log=True)
            return False
        return True

    def fork(self, autograder_zip: Path, folder: Path, memory_mb: int, log_fd: int) -> ForkedJudge:
        """A new judge of ``autograder_zip`` in ``folder``; raises ForkerUnavailable."""
        if not self.ready():
            raise ForkerUnavailable("the forker is not serving")
        stdin_read, stdin_write = os.pipe()
        stdout_read, stdout_write = os.pipe()
        try:
            with self._lock:
                _send(self._sock, {"zip": str(autograder_zip), "folder": str(folder),
                                   "memory_mb": memory_mb}, (stdin_read, stdout_write, log_fd))
                message, fds = _receive(self._sock, 1)
        except (EOFError, OSError, ValueError) as error:
            for fd in (stdin_write, stdout_read):
                os.close(fd)
            raise ForkerUnavailable(f"the forker stopped ({error})") from None
        finally:
            os.close(stdin_read)
            os.close(stdout_write)
        if "pid" not in message or len(fds) != 1:
            for fd in (*fds, stdin_write, stdout_read):
                os.close(fd)
            raise ForkerUnavailable(message.get("error", "no judge forked"))
        return ForkedJudge(int(message["pid"]), fds[0], os.fdopen(stdin_write, "wb", 0),
                           os.fdopen(stdout_read, "rb", 0))

    def close(self, keep_log: bool = False) -> None:
        """End it (its judges die with it) and remove its log, unless ``keep_log`` (it says why
        it could not serve). The process first: a thread waiting on the socket wakes up to its
        end and lets go of the lock before the socket is closed."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        with self._lock:
            self._ready = False
            self._sock.close()
            self._keep_log = self._keep_log or keep_log
        if not self._keep_log:
            self.log_path.unlink(missing_ok=True)


def main(argv: list[str]) -> None:
    grader_pid, fd, *preload = argv
    serve(int(grader_pid), int(fd), preload)


if __name__ == "__main__":
    main(sys.argv[1:])
