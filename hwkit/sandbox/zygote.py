"""Warm kernels: a process that has already imported IPython, NumPy, matplotlib (and, for the
assignments that use it, TensorFlow) forks a fresh kernel for each submission.

Starting a kernel the cold way costs two interpreter start-ups and every import, per
submission; a fork costs milliseconds and shares the imported modules' memory. Nothing of
one submission can reach the next: every kernel is a new child of the zygote, which itself
never runs student code, and each child goes through the same sandbox as a cold kernel
(``hwkit.sandbox``, from the submission's spec: its control groups and limits, the worker's
network namespace, a PID namespace, the allowlist file system, an unprivileged user without
capabilities, the spec's environment) before it starts. The child first closes every
descriptor it inherited (the zygote's epoll set, its socket, other kernels' connections), so
a kernel cannot touch the zygote's event loop. The zygote itself starts with a kernel's
environment (``hwkit.grading.env.zygote_env``): its start-up environment is what a forked
kernel sees in ``/proc/self/environ``.

- ``Zygote``: started by the grader once per batch (``with Zygote(env, preload) as z``); it
  serves on a Unix socket in the grader's scratch root, which kernels cannot see.
- ``hwkit.sandbox.zygote_client``: the kernel command in the worker's kernel spec. It asks the
zygote
  for a kernel, passes signals on, and exits with the kernel's status; when it dies, the
  zygote kills its kernel. If the zygote cannot be reached it starts a cold kernel instead.

The zygote only forks while it is single-threaded (fork is unsafe otherwise): it imports
with one BLAS thread and checks ``/proc/self/task`` before serving; a preload that leaves
threads behind is refused and the zygote serves nothing (clients then start cold kernels).
"""

import importlib
import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

from hwkit.sandbox.process import ONE_BLAS_THREAD, thread_count

# Not pyplot or the inline backend: imported before the kernel's shell exists, the backend
# would never hook into it and figures would not reach the notebook's outputs.
# ipykernel.debugger imports debugpy: 0.14 s of every kernel's start when left to the kernel.
BASE_PRELOAD = ("numpy", "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel",
                "ipykernel.debugger", "matplotlib", "matplotlib.figure", "matplotlib.font_manager")
MAX_REQUEST_BYTES = 1 << 20
CLONE_NEWNET = 0x40000000


def _send(conn: socket.socket, message: dict) -> None:
    try:
        conn.sendall(json.dumps(message).encode() + b"\n")
    except OSError:
        pass


def _peer_pid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[0]


def _read_request(conn: socket.socket) -> dict:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk or len(data) > MAX_REQUEST_BYTES:
            raise ValueError("incomplete request")
        data += chunk
    return json.loads(data)


def _join_network_of(pid: int) -> str:
    """Enter the network namespace of process ``pid`` (the worker's, through its client)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    try:
        fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
    except OSError as error:
        return f"network not joined ({error.strerror})"
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            return f"network not joined ({os.strerror(ctypes.get_errno())})"
    finally:
        os.close(fd)
    return ""


def _close_inherited(keep: set[int]) -> None:
    """Close every descriptor the zygote had open (its epoll set, its listening socket, other
    kernels' connections) but ``keep``: a kernel must not reach the zygote's event loop."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _become_kernel(request: dict, client_pid: int) -> None:
    """In the forked child: the sandbox, then the kernel. Never returns."""
    from hwkit.sandbox import (
        SandboxSpec,
        confine,
        enter_pid_namespace,
        join_cgroups,
        limit_process,
    )
    from hwkit.sandbox.launcher import kernel_argv

    try:
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.setsid()
        _close_inherited(keep=set())
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(null)
        os.close(log)
        spec = SandboxSpec.read(request["spec"])
        join_cgroups(list(spec.cgroup_procs))
        limit_process(spec.memory_mb, spec.cpu_seconds)
        notes = [_join_network_of(client_pid)]
        kernel_args = kernel_argv(["-f", request["connection_file"]], spec)
        notes.append(enter_pid_namespace())
        notes += confine(spec)  # the allowlist root, the kernel's environment and user
        import tempfile

        tempfile.tempdir = None
        for note in filter(None, notes):
            print(f"hwkit sandbox: {note}", file=sys.stderr, flush=True)
        sys.argv = ["ipykernel_launcher", *kernel_args]
        sys.path[:] = ["", *[p for p in sys.path if p not in ("", spec.cwd)]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
    except BaseException as error:  # noqa: BLE001 - the child must never return to the loop
        print(f"hwkit zygote: kernel failed: {type(error).__name__}: {error}", file=sys.stderr)
        os._exit(70)
    os._exit(0)


def serve(grader_pid: int, socket_path: str, preload: list[str]) -> None:
    """Import ``preload``, then fork a kernel per request until the grader goes away."""
    from hwkit.sandbox import die_with_parent

    die_with_parent(grader_pid)
    for module in preload:
        importlib.import_module(module)
    if thread_count() != 1:
        print(f"hwkit zygote: {thread_count()} threads after imports; not serving", file=sys.stderr)
        return
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    os.chmod(socket_path, 0o600)
    listener.listen(64)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    kernels: dict[int, socket.socket] = {}
    while True:
        for key, _ in selector.select(timeout=0.05):
            if key.fileobj is listener:
                conn, _ = listener.accept()
                try:
                    request, client = _read_request(conn), _peer_pid(conn)
                except (ValueError, OSError):
                    conn.close()
                    continue
                pid = os.fork()
                if pid == 0:
                    selector.close()
                    listener.close()
                    conn.close()
                    for other in kernels.values():
                        other.close()
                    _become_kernel(request, client)
                kernels[pid] = conn
                selector.register(conn, selectors.EVENT_READ, pid)
                _send(conn, {"pid": pid})
            else:
                pid, conn = key.data, key.fileobj
                try:
                    data = conn.recv(4096)
                except OSError:
                    data = b""
                if not data:  # the client died: so does its kernel
                    selector.unregister(conn)
                    _kill(pid)
                    continue
                for line in data.splitlines():
                    try:
                        number = int(json.loads(line).get("signal", 0))
                    except (ValueError, AttributeError):
                        continue
                    if number in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
                        _kill(pid, number)
        _reap(kernels, selector)


def _kill(pid: int, number: int = signal.SIGKILL) -> None:
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        pass


def _reap(kernels: dict[int, socket.socket], selector) -> None:
    while kernels:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = kernels.pop(pid, None)
        if conn is not None:
            _send(conn, {"exit": os.waitstatus_to_exitcode(status)})
            try:
                selector.unregister(conn)
            except (KeyError, ValueError):
                pass
            conn.close()


class Zygote:
    """A zygote process for one batch; ``socket_path`` is what workers pass to their
    kernel specs ("" when it could not start: workers then start cold kernels)."""

    def __init__(self, env: dict[str, str], preload: tuple[str, ...], folder: Path):
        self.socket_path = str(folder / f"zygote-{os.getpid()}-{time.monotonic_ns()}.sock")
        env = {**env, **ONE_BLAS_THREAD}
        self.log = folder / f"{Path(self.socket_path).stem}.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hwkit.sandbox.zygote", str(os.getpid()), self.socket_path,
                 *preload],
                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )

    def ready(self, timeout_s: float = 120.0) -> bool:
        """Wait until it serves (imports done); False if it died or refused to serve."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if os.path.exists(self.socket_path):
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        for path in (self.socket_path, self.log):
            try:
                os.unlink(path)
            except OSError:
                pass


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2], sys.argv[3:])
