"""The kernel command of a worker whose grader runs a zygote (``hwkit.sandbox.zygote``).

``python -m hwkit.sandbox.zygote_client --socket S --spec SPEC -- -f CONNECTION_FILE``: asks the
zygote for a kernel built from the sandbox spec (its environment, folders, user and limits
come from the spec, never from this process), then stands in for it: signals it receives go
to the kernel, and it exits with the kernel's status. When it is killed, the zygote sees its
connection close and kills the kernel. If the zygote cannot be reached or does not answer
within ``ANSWER_TIMEOUT_S``, it becomes a cold kernel (``hwkit.sandbox.launcher``) with the
same spec. Imports are kept few: this runs once per submission.
"""

import argparse
import json
import os
import signal
import socket
import sys

ANSWER_TIMEOUT_S = 20.0


def _cold(args, kernel_args: list[str]) -> None:
    argv = [sys.executable, "-m", "hwkit.sandbox.launcher", "--spec", args.spec]
    os.execv(sys.executable, [*argv, "--", *kernel_args])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--socket", required=True)
    parser.add_argument("--spec", required=True)
    parser.add_argument("kernel_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    kernel_args = [a for a in args.kernel_args if a != "--"]
    connection_file = kernel_args[kernel_args.index("-f") + 1]
    request = {
        "connection_file": os.path.abspath(connection_file),
        "spec": os.path.abspath(args.spec),
        "log": os.path.join(os.path.dirname(os.path.abspath(args.spec)), "kernel.log"),
    }
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(ANSWER_TIMEOUT_S)  # a zygote that stops answering costs seconds, not a kernel
    try:
        conn.connect(args.socket)
        conn.sendall(json.dumps(request).encode() + b"\n")
        reader = conn.makefile("r")
        started = json.loads(reader.readline() or "{}")
    except (OSError, ValueError):
        started = {}
    if "pid" not in started:
        conn.close()
        _cold(args, kernel_args)
    conn.settimeout(None)

    def forward(number, _frame):
        try:
            conn.sendall(json.dumps({"signal": number}).encode() + b"\n")
        except OSError:
            pass

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, forward)
    line = reader.readline()
    try:
        code = int(json.loads(line).get("exit", 1)) if line else 1
    except (ValueError, AttributeError):
        code = 1
    os._exit(code % 256)


if __name__ == "__main__":
    main()
