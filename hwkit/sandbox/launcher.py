"""Starts a submission's IPython kernel inside the sandbox the grader decided on (cold path).

Run by the worker's kernel spec as ``python -m hwkit.sandbox.launcher --spec SPEC -- -f
CONNECTION_FILE``. Before it becomes the kernel (``exec`` of ``ipykernel_launcher``) it moves
into a PID namespace of its own, builds the allowlist file system and drops every privilege
(``hwkit.sandbox``, from ``SPEC``). What could not be done goes to stderr, the worker's log;
a sandbox that namespaces allow but that cannot be built stops the kernel from starting.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

from hwkit.sandbox import SandboxError, SandboxSpec, confine, enter_pid_namespace

CONNECTION_PREFIX = ".kernel-connection-"


def hand_over_connection_file(path: str, spec: SandboxSpec) -> str:
    """A copy of the connection file in the kernel's home, readable by the kernel's user
    (the original stays in the worker's folder, which the kernel never sees). The home is
    the kernel's: an earlier kernel of the same submission may have left a symbolic link
    there, so the copy is a new file made with ``O_EXCL`` (never through a link)."""
    data = Path(path).read_bytes()
    fd, target = tempfile.mkstemp(prefix=CONNECTION_PREFIX, suffix=".json", dir=spec.home)
    try:
        os.write(fd, data)
        if os.getuid() == 0:
            os.fchown(fd, spec.uid, spec.gid)
    finally:
        os.close(fd)
    return target


def kernel_argv(kernel_args: list[str], spec: SandboxSpec) -> list[str]:
    """``kernel_args`` with the connection file replaced by the kernel's own copy."""
    args = [a for a in kernel_args if a != "--"]
    if "-f" in args:
        index = args.index("-f") + 1
        args[index] = hand_over_connection_file(args[index], spec)
    return args


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", required=True)
    parser.add_argument("kernel_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    spec = SandboxSpec.read(args.spec)
    kernel_args = kernel_argv(args.kernel_args, spec)
    notes = [enter_pid_namespace()]  # first: the launcher is still single-threaded here
    try:
        notes += confine(spec)
    except (SandboxError, OSError) as error:
        print(f"hwkit sandbox: refused to start the kernel: {error}", file=sys.stderr)
        os._exit(70)
    for note in filter(None, notes):
        print(f"hwkit sandbox: {note}", file=sys.stderr)
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *kernel_args])


if __name__ == "__main__":
    main()
