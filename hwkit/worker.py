"""Grades one submission with ``otter run`` inside a child process of the engine.

Run as ``python -m hwkit.worker --autograder ZIP --submission NB --result-fd FD ...``. It
first joins the submission's control groups and sets its limits (``hwkit.sandbox``). The
summary goes to the pipe ``FD``, which the student's kernel does not inherit (Jupyter starts
kernels with ``close_fds``), so nothing the submission writes can stand in for it. The summary
holds pass/fail per test case and public-test error lines only: points are computed by the
engine from the build manifest.
"""

import argparse
import json
import os
import re
import sys

from hwkit.sandbox import die_with_parent, isolate_network, join_cgroups, limit_process

ERROR_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*)$")
REPORT_LINE = re.compile(r"^\s*AssertionError: REPORT: (.*)$")
CURVES_TAG = "training-curves"
MAX_CURVES_BASE64 = 2 * 1024 * 1024


def _first_error_line(doctest_output: str) -> str:
    """The first exception line of a doctest report: the root cause of a public test's failure."""
    lines = [m.group(1) for m in map(ERROR_LINE.match, doctest_output.splitlines()) if m]
    return lines[0][:300] if lines else ""


def _cell_errors(notebook) -> list[dict]:
    """The first error output of every code cell, with the cell's first line for context."""
    errors = []
    for index, cell in enumerate(getattr(notebook, "cells", []) or []):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                first_line = next((ln for ln in cell.get("source", "").splitlines() if ln), "")
                errors.append(
                    {
                        "cell": index,
                        "ename": str(output.get("ename", ""))[:100],
                        "evalue": str(output.get("evalue", ""))[:300],
                        "first_line": first_line[:120],
                    }
                )
                break
    return errors


def _report_line(doctest_output: str) -> str:
    """A hidden test's own ``REPORT:`` assertion message (e.g. the accuracy it measured and on
    which data); nothing else of a hidden test's output leaves the worker."""
    lines = [m.group(1) for m in map(REPORT_LINE.match, doctest_output.splitlines()) if m]
    return lines[0][:300] if lines else ""


def _curves_png(notebook) -> str:
    """The first PNG drawn by a cell tagged ``training-curves`` (base64, as the notebook stores
    it), or "" when there is none or it is larger than ``MAX_CURVES_BASE64``."""
    for cell in getattr(notebook, "cells", []) or []:
        if CURVES_TAG not in cell.get("metadata", {}).get("tags", []):
            continue
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png", "")
            if isinstance(png, str) and 0 < len(png) <= MAX_CURVES_BASE64:
                return png.replace("\n", "")
    return ""


def summarize(results) -> dict:
    """Pass/fail of every test case of an otter ``GradingResults``, plus cell errors."""
    cases = []
    for question, test_file in results.results.items():
        for index, case_result in enumerate(test_file.test_case_results):
            hidden = bool(case_result.test_case.hidden)
            cases.append(
                {
                    "question": question,
                    "index": index,
                    "passed": bool(case_result.passed),
                    "error_line": (_report_line if hidden else _first_error_line)(
                        case_result.message or ""
                    ),
                }
            )
    catastrophic = results.catastrophic_error
    return {
        "cases": cases,
        "cell_errors": _cell_errors(results.notebook),
        "curves_png": _curves_png(results.notebook),
        "catastrophic": f"{type(catastrophic).__name__}: {catastrophic}" if catastrophic else "",
    }


def grade(autograder_zip: str, submission: str) -> dict:
    from otter.run import main as otter_run

    try:
        results = otter_run(submission, autograder=autograder_zip, output_dir=None, no_logo=True)
    except BaseException as error:  # the kernel died, otter refused the file, ...
        return {"error": f"{type(error).__name__}: {error}"[:500]}
    return summarize(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--autograder", required=True)
    parser.add_argument("--submission", required=True)
    parser.add_argument("--result-fd", type=int, required=True)
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--cpu-seconds", type=int, default=0)
    parser.add_argument("--cgroup-procs", action="append", default=[])
    parser.add_argument("--grader-pid", type=int, required=True)
    args = parser.parse_args(argv)
    die_with_parent(args.grader_pid)
    join_cgroups(args.cgroup_procs)  # first: everything started from here on is in them
    limit_process(args.memory_mb, args.cpu_seconds)
    network_note = isolate_network()
    with os.fdopen(args.result_fd, "w", encoding="utf-8") as channel:
        os.set_inheritable(channel.fileno(), False)
        payload = grade(args.autograder, args.submission)
        payload["notes"] = [network_note] if network_note else []
        channel.write(json.dumps(payload))
    return 0


if __name__ == "__main__":
    sys.exit(main())
