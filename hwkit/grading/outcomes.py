"""From a worker's run and the judge's verdicts to what a submission scored and why.

- ``judge_cases``: every test case of the manifest judged (in a judge process) from the
  payload its probe sent back, with the probe's own note (a time-out, a crash) where it has
  one; returns the outcomes and the held-out predictions the verdicts recorded.
- ``run_status``: how the run ended (``hwkit.results.Status``): ok, a time-out, an error
  (the submission's doing) or a grader error (the grader's: not the student's fault,
  regraded by the next run).
"""

from hwkit.autograder.manifest import CaseRecord, Manifest
from hwkit.grading.worker import MAX_OUTPUT_BYTES
from hwkit.grading.worker_run import WorkerRun
from hwkit.grading.worker_summary import WorkerSummary
from hwkit.notebook_text import function_states, question_note
from hwkit.results import Status, TestOutcome


def _case_message(case: CaseRecord, passed: bool, error_line: str, note: str) -> str:
    if passed:
        return ""
    if note:
        return note
    # A hidden test's error line is only ever its own REPORT line (or the grader's own note).
    message = case.failure_message
    if error_line:
        message = f"{message} {error_line}".strip()
    return message or "测试未通过 / test failed"


def judge_cases(manifest: Manifest, summary: WorkerSummary | None, notebook, session,
                max_reply_bytes: int) -> tuple[list[TestOutcome], dict]:
    """Score every test case in the manifest (all fail when ``summary`` is None); ``session``:
    a ``hwkit.grading.judge.pool.JudgeSession``.
    Returns (outcomes, recorded predictions by name)."""
    payloads = summary.probes if summary is not None else {}
    probe_notes = summary.probe_notes if summary is not None else {}
    states = function_states(notebook) if notebook is not None else None
    notes = {question: question_note(states, functions)
             for question, functions in manifest.question_functions.items()}
    outcomes, recorded = [], {}
    for case in manifest.test_cases:
        key = case.key
        verdict = session.verdict(key, payloads.get(key), max_reply_bytes)
        recorded.update(verdict.recorded)
        error_line = verdict.error_line
        probe_note = probe_notes.get(key, "")
        if probe_note and not verdict.passed:
            error_line = f"{error_line} ({probe_note[:200]})".strip()
        outcomes.append(TestOutcome(
            question=case.question, name=case.name,
            score=case.points if verdict.passed else 0.0, max_score=case.points,
            hidden=case.hidden, passed=verdict.passed,
            message=_case_message(case, verdict.passed, error_line, notes.get(case.question, "")),
        ))
    return outcomes, recorded


def worker_failed(run: WorkerRun) -> str:
    """Why a run says nothing about the submission (the grader's failure), or ""."""
    summary = run.summary
    if run.timed_out or run.out_of_memory or run.too_large:
        return ""
    if summary is None:
        code = run.returncode  # > 0: the worker itself failed; < 0: killed (memory, signal)
        return f"the worker ended without a result (exit {code})" if code and code > 0 else ""
    if summary.error and not summary.kernel_started:
        return f"the kernel did not start ({summary.error[:200]})"
    return ""


def run_status(run: WorkerRun, timeout_s: float, memory_mb: int) -> Status:
    """How a run ended (module docstring)."""
    summary = run.summary
    if run.timed_out:
        return Status("timeout", f"{timeout_s:g} s")
    if run.out_of_memory:
        return Status("error", f"out of memory (limit {memory_mb} MiB for the whole submission)")
    if run.too_large:
        return Status("error", "the notebook's tests sent back more than the grader accepts")
    failed = worker_failed(run)
    if failed:
        return Status("grader_error", failed)
    if summary is None:
        code = run.returncode
        if code is not None and code < 0:
            return Status("error", f"grading process killed by signal {-code} (memory limit?)")
        return Status("error", "the grader produced no result")
    if summary.error:
        error = summary.error
        if "DeadKernel" in error or "Kernel died" in error or "kernel died" in error:
            return Status("error", "the notebook's kernel died (os._exit, a crash, or out of "
                                   "memory)")
        return Status("error", error[:300])
    if summary.cell_errors:
        first, errors = summary.cell_errors[0], summary.cell_errors
        more = f" (+{len(errors) - 1} more cells)" if len(errors) > 1 else ""
        memory = f" (memory limit {memory_mb} MiB)" if first.ename == "MemoryError" else ""
        return Status("error", f"{first.ename}: {first.evalue}{memory} "
                               f"in the cell starting `{first.first_line}`{more}")
    if summary.printed_bytes > MAX_OUTPUT_BYTES:
        kept = MAX_OUTPUT_BYTES >> 20
        return Status("output_dropped", f"printed {summary.printed_bytes / 2**20:.0f} MiB; "
                                        f"output past {kept} MiB dropped")
    return Status("ok")
