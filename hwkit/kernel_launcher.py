"""Starts a submission's IPython kernel inside the sandbox the worker prepared.

Run by the worker's kernel spec as ``python -m hwkit.kernel_launcher --scratch DIR
[--hide PATH ...] -- -f CONNECTION_FILE``. Before it becomes the kernel (``exec`` of
``ipykernel_launcher``) it moves into a PID namespace of its own, hides the grader's
files and drops every privilege (``hwkit.sandbox``); what could not be done goes to
stderr, the worker's log.
"""

import argparse
import os
import sys

from hwkit.sandbox import confine_kernel, enter_pid_namespace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scratch", required=True)
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("kernel_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    notes = [enter_pid_namespace()]  # first: the launcher is still single-threaded here
    notes += confine_kernel(args.hide, args.scratch)
    for note in filter(None, notes):
        print(f"hwkit sandbox: {note}", file=sys.stderr)
    kernel_args = [a for a in args.kernel_args if a != "--"]
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *kernel_args])


if __name__ == "__main__":
    main()
