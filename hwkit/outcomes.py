"""From a worker's run and the judge's verdicts to what a submission scored and why.

- ``judge_cases``: every test case of the manifest judged (in a judge process) from the
  payload its probe sent back, with the probe's own note (a time-out, a crash) where it has
  one; returns the outcomes and the held-out predictions the verdicts recorded.
- ``run_status``: one status line: ``ok``, ``timeout (N s)``, ``error: <reason>`` (the
  submission's doing), or ``grader error: <reason>`` (the grader's: not the student's fault,
  regraded by the next run, see ``is_grader_error``).
"""

from .attempts import function_states, question_note
from .results import TestOutcome
from .worker import MAX_OUTPUT_BYTES
from .worker_run import WorkerRun

GRADER_ERROR = "grader error: "


def is_grader_error(status: str) -> bool:
    """Whether a status says the grader failed (the file is graded again by the next run)."""
    return status.startswith(GRADER_ERROR)


def _case_message(case: dict, passed: bool, error_line: str, note: str) -> str:
    if passed:
        return ""
    if note:
        return note
    # A hidden test's error line is only ever its own REPORT line (or the grader's own note).
    message = case["failure_message"]
    if error_line:
        message = f"{message} {error_line}".strip()
    return message or "测试未通过 / test failed"


def judge_cases(manifest: dict, summary: dict | None, notebook, session,
                max_reply_bytes: int) -> tuple[list[TestOutcome], dict]:  # fmt: skip
    """Score every test case in the manifest; ``session``: a ``hwkit.judges.JudgeSession``.
    Returns (outcomes, recorded predictions by name)."""
    payloads = (summary or {}).get("probes", {})
    payloads = payloads if isinstance(payloads, dict) else {}
    probe_notes = (summary or {}).get("probe_notes", {})
    probe_notes = probe_notes if isinstance(probe_notes, dict) else {}
    states = function_states(notebook) if notebook is not None else None
    notes = {question: question_note(states, functions)
             for question, functions in manifest.get("question_functions", {}).items()}
    outcomes, recorded = [], {}
    for case in manifest["test_cases"]:
        key = f"{case['question']}-{case['index']}"
        payload = payloads.get(key)
        verdict = session.verdict(key, payload if isinstance(payload, str) else None,
                                  max_reply_bytes)  # fmt: skip
        recorded.update(verdict.recorded)
        error_line = verdict.error_line
        probe_note = probe_notes.get(key)
        if isinstance(probe_note, str) and probe_note and not verdict.passed:
            error_line = f"{error_line} ({probe_note[:200]})".strip()
        outcomes.append(TestOutcome(
            question=case["question"], name=case["name"],
            score=case["points"] if verdict.passed else 0.0, max_score=case["points"],
            hidden=case["hidden"], passed=verdict.passed,
            message=_case_message(case, verdict.passed, error_line,
                                  notes.get(case["question"], "")),
        ))  # fmt: skip
    return outcomes, recorded


def worker_failed(run: WorkerRun) -> str:
    """Why a run says nothing about the submission (the grader's failure), or ""."""
    summary = run.summary
    if run.timed_out or run.out_of_memory or run.too_large:
        return ""
    if summary is None:
        code = run.returncode  # > 0: the worker itself failed; < 0: killed (memory, signal)
        return f"the worker ended without a result (exit {code})" if code and code > 0 else ""
    if summary.get("error") and not summary.get("kernel_started"):
        return f"the kernel did not start ({str(summary['error'])[:200]})"
    return ""


def run_status(run: WorkerRun, timeout_s: float, memory_mb: int) -> str:
    """The status line of a run (module docstring)."""
    summary = run.summary
    if run.timed_out:
        return f"timeout ({timeout_s:g} s)"
    if run.out_of_memory:
        return f"error: out of memory (limit {memory_mb} MiB for the whole submission)"
    if run.too_large:
        return "error: the notebook's tests sent back more than the grader accepts"
    failed = worker_failed(run)
    if failed:
        return GRADER_ERROR + failed
    if summary is None:
        code = run.returncode
        if code is not None and code < 0:
            return f"error: grading process killed by signal {-code} (memory limit?)"
        return "error: the grader produced no result"
    if summary.get("error"):
        error = str(summary["error"])
        if "DeadKernel" in error or "Kernel died" in error or "kernel died" in error:
            return "error: the notebook's kernel died (os._exit, a crash, or out of memory)"
        return f"error: {error[:300]}"
    errors = summary.get("cell_errors", [])
    if errors:
        first = errors[0]
        more = f" (+{len(errors) - 1} more cells)" if len(errors) > 1 else ""
        memory = f" (memory limit {memory_mb} MiB)" if first["ename"] == "MemoryError" else ""
        return (f"error: {first['ename']}: {first['evalue']}{memory} "
                f"in the cell starting `{first['first_line']}`{more}")  # fmt: skip
    printed = summary.get("printed_bytes", 0)
    if isinstance(printed, int) and printed > MAX_OUTPUT_BYTES:
        kept = MAX_OUTPUT_BYTES >> 20
        return f"ok (printed {printed / 2**20:.0f} MiB; output past {kept} MiB dropped)"
    return "ok"
