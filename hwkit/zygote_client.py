"""The kernel command of a worker whose grader runs a zygote (``hwkit.zygote``).

``python -m hwkit.zygote_client --socket S --scratch DIR [--hide P ...] [--cgroup-procs F ...]
[--memory-mb M] [--cpu-seconds C] -- -f CONNECTION_FILE``: asks the zygote for a kernel with
this process's environment and working folder, then stands in for it: signals it receives go
to the kernel, and it exits with the kernel's status. When it is killed, the zygote sees its
connection close and kills the kernel. If the zygote cannot be reached, it becomes a cold
kernel (``hwkit.kernel_launcher``) with the same arguments. Imports are kept few: this runs
once per submission.
"""

import argparse
import json
import os
import signal
import socket
import sys


def _cold(args, kernel_args: list[str]) -> None:
    argv = [sys.executable, "-m", "hwkit.kernel_launcher", "--scratch", args.scratch]
    for path in args.hide:
        argv += ["--hide", path]
    os.execv(sys.executable, [*argv, "--", *kernel_args])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--socket", required=True)
    parser.add_argument("--scratch", required=True)
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--cgroup-procs", action="append", default=[])
    parser.add_argument("--memory-mb", type=int, default=0)
    parser.add_argument("--cpu-seconds", type=int, default=0)
    parser.add_argument("kernel_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    kernel_args = [a for a in args.kernel_args if a != "--"]
    connection_file = kernel_args[kernel_args.index("-f") + 1]
    request = {
        "connection_file": os.path.abspath(connection_file),
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "scratch": args.scratch,
        "hide": args.hide,
        "cgroup_procs": args.cgroup_procs,
        "memory_mb": args.memory_mb,
        "cpu_seconds": args.cpu_seconds,
        "log": os.path.join(args.scratch, "kernel.log"),
    }
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
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
