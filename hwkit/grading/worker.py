"""Runs one submission's notebook in a sandboxed kernel, then the probes of its tests.

Run as ``python -m hwkit.grading.worker --spec SPEC --notebook NB --probes-fd IN --result-fd FD
...`` by the engine. It first joins the submission's control groups and sets its limits, enters a
new network namespace (``hwkit.sandbox``), then starts the kernel through
``hwkit.sandbox.launcher`` (cold) or the grader's zygote (warm), both of which build the
kernel's allowlist file system from the spec and drop every privilege. It runs every cell
(errors do not stop it, as under ``otter run``), then one probe cell per test case
(``hwkit.kernel.probe``), each under its own time limit: a probe that hangs is interrupted, and a
probe that kills or wedges the kernel costs only its own case — the worker starts a fresh
kernel, runs the notebook again and goes on with the next probe, while time allows. It
decides nothing: the summary it writes to the pipe ``FD`` (which the kernel does not inherit,
``hwkit.grading.worker_summary``) holds the probes' raw payloads and the notebook's cell
errors; the grader judges them.

The probes are read from the pipe ``IN`` only once the notebook has run: the grader's judges
make them meanwhile, and the time spent waiting for them is added to the worker's budget.
"""

import argparse
import copy
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from hwkit.grading.worker_summary import CellError, WorkerSummary
from hwkit.sandbox import (
    SandboxSpec,
    die_with_parent,
    isolate_network,
    join_cgroups,
    limit_process,
)

CURVES_TAG = "training-curves"
MAX_CURVES_BASE64 = 2 * 1024 * 1024
MAX_OUTPUT_BYTES = 8 * 1024 * 1024  # printed text kept per notebook
MAX_DISPLAY_BYTES = 32 * 1024 * 1024  # figures, HTML and other display data kept per notebook
MAX_RESTARTS = 3
RECOVERY_TIMEOUT_S = 10
KERNEL_NAME = "hwkit-sandbox"
OTTER_LINE = re.compile(
    r"^\s*(import otter\b.*|grader\s*=\s*otter\.Notebook\(.*\)|grader\.\w+\(.*\))\s*$"
)


def _cell_errors(notebook) -> list[CellError]:
    """The first error output of every code cell, with the cell's first line for context."""
    errors = []
    for index, cell in enumerate(getattr(notebook, "cells", []) or []):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                first_line = next((ln for ln in cell.get("source", "").splitlines() if ln), "")
                errors.append(CellError(cell=index, ename=str(output.get("ename", ""))[:100],
                                        evalue=str(output.get("evalue", ""))[:300],
                                        first_line=first_line[:120]))
                break
    return errors


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


def without_otter(notebook) -> None:
    """Turn otter's own lines (``grader = otter.Notebook(...)``, ``grader.check(...)``) into
    comments: the tests run as probes afterwards, not from the notebook."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = "\n".join(
                f"# {line}" if OTTER_LINE.match(line) else line for line in cell.source.splitlines()
            )


def _display_bytes(content: dict) -> int:
    data = content.get("data", {})
    return sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in data.values())


def capped_client_class():
    """``NotebookClient`` that keeps at most ``MAX_OUTPUT_BYTES`` of printed text and
    ``MAX_DISPLAY_BYTES`` of display data per notebook (a submission printing a gigabyte must
    not fill the worker's memory, nor the grader's); the rest is dropped and a line says so.
    A probe's own reply is not display data: it is bounded by the reply limit instead."""
    from nbclient import NotebookClient

    from hwkit.kernel.probe import MIME

    class CappedClient(NotebookClient):
        printed = 0
        displayed = 0

        def output(self, outs, msg, display_id, cell_index):
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                text = content.get("text", "")
                self.printed += len(text)
                if self.printed > MAX_OUTPUT_BYTES:
                    if self.printed - len(text) > MAX_OUTPUT_BYTES:
                        return None
                    content["text"] = "\n[hwkit: output past 8 MiB dropped]\n"
            elif kind in ("display_data", "execute_result", "update_display_data"):
                if MIME not in content.get("data", {}):
                    self.displayed += _display_bytes(content)
                    if self.displayed > MAX_DISPLAY_BYTES:
                        return None
            return super().output(outs, msg, display_id, cell_index)

    return CappedClient


def write_kernel_spec(folder: Path, spec_path: Path, zygote: str) -> Path:
    """A kernel spec whose kernel starts through ``hwkit.sandbox.launcher`` (cold), or is
    forked by the grader's zygote through ``hwkit.sandbox.zygote_client`` (warm)."""
    spec_dir = folder / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    if zygote:
        argv = [sys.executable, "-m", "hwkit.sandbox.zygote_client", "--socket", zygote]
    else:
        argv = [sys.executable, "-m", "hwkit.sandbox.launcher"]
    argv += ["--spec", str(spec_path), "--", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "hwkit sandbox", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return folder


def _probe_cell(probe: dict, max_bytes: int):
    import nbformat

    call = (
        "import hwkit.kernel.probe as _hwkit_probe\n"
        f"_hwkit_probe.run(globals(), {probe['inputs']!r}, {probe['probe']!r}, "
        f"{probe['names']!r}, {max_bytes!r})"
    )
    return nbformat.v4.new_code_cell(call)


def _probe_payload(cell, max_b64: int) -> tuple[str | None, str]:
    """The probe's one reply, or (None, why not): more than one reply (something in the
    notebook published one too) or one past the size limit is refused."""
    from hwkit.kernel.probe import MIME

    replies = [out.get("data", {}).get(MIME) for out in cell.get("outputs", [])]
    replies = [r for r in replies if r is not None]
    if not replies:
        kinds = [str(out.get("ename") or out.get("output_type")) for out in cell.get("outputs", [])]
        return None, f"the probe sent no reply (outputs: {', '.join(kinds) or 'none'})"
    if len(replies) > 1 or not isinstance(replies[0], str):
        return None, "more than one reply to one probe"
    if len(replies[0]) > max_b64:
        return None, f"the reply is larger than {max_b64 * 3 // 4 >> 20} MiB"
    return replies[0], ""


class _Restart(Exception):
    """The kernel must be replaced (a probe hung past its limit or killed it)."""


class Session:
    """The kernel runs of one submission: the notebook, then its probes, with restarts."""

    def __init__(self, notebook, probes: Callable[[], list[dict]], specs: Path, cwd: Path,
                 options: dict):
        self.notebook = notebook  # the first run's outputs (cell errors, curves) are kept here
        self.original = copy.deepcopy(notebook)
        self._read_probes, self._probes_read = probes, False
        self.specs, self.cwd = specs, cwd
        self.options = options
        self.deadline = time.monotonic() + options["time_budget_s"]
        self.payloads: dict[str, str | None] = {}
        self.probe_notes: dict[str, str] = {}
        self.timings: dict[str, float] = {}
        self.restarts = 0
        self.error = ""
        self.kernel_started = False
        self.printed = 0

    def _client(self, notebook):
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import AsyncKernelManager

        manager = AsyncKernelManager(kernel_name=KERNEL_NAME,
                                     client_class="hwkit.grading.kernel_client.PromptKernelClient",
                                     kernel_spec_manager=KernelSpecManager(
                                         kernel_dirs=[str(self.specs)]))
        resources = {"metadata": {"path": str(self.cwd)}}
        return capped_client_class()(notebook, km=manager, timeout=None, allow_errors=True,
                                     shutdown_kernel="immediate", resources=resources)

    def _run_probe(self, client, notebook, probe: dict) -> None:
        cell = _probe_cell(probe, self.options["max_reply_bytes"])
        notebook.cells.append(cell)  # nbclient writes outputs by the cell's index
        left = max(1.0, self.deadline - time.monotonic())
        limit = math.ceil(min(self.options["probe_timeout_s"], left))
        client.timeout = limit  # nbclient wants whole seconds
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        try:
            client.execute_cell(cell, len(notebook.cells) - 1)
        except CellTimeoutError:
            self.payloads[probe["key"]] = None
            self.probe_notes[probe["key"]] = f"超时 / the test's call ran past {limit} s"
            if not self._recovered(client, notebook):
                raise _Restart from None
            return
        except DeadKernelError:
            self.payloads[probe["key"]] = None
            self.probe_notes[probe["key"]] = "内核崩溃 / the kernel died during this test"
            raise _Restart from None
        payload, why = _probe_payload(cell, self.options["max_reply_bytes"] * 4 // 3 + 4)
        self.payloads[probe["key"]] = payload
        if why:
            self.probe_notes[probe["key"]] = why

    def _recovered(self, client, notebook) -> bool:
        """After a probe timed out: interrupt it and check the kernel answers again. The
        client's channels are replaced first: after a time-out nbclient's old ones drop the
        outputs of every later cell."""
        import nbformat
        from jupyter_core.utils import run_sync

        try:
            run_sync(client.km.interrupt_kernel)()
            client.kc.stop_channels()
            client.kc = None
            client.startup_timeout = RECOVERY_TIMEOUT_S  # a kernel still busy: give up soon
            client.start_new_kernel_client()
            client.timeout = RECOVERY_TIMEOUT_S
            check = nbformat.v4.new_code_cell("pass")
            notebook.cells.append(check)
            client.execute_cell(check, len(notebook.cells) - 1)
            return True
        except Exception:  # noqa: BLE001 - any failure means: start a new kernel
            return False

    def _attempt(self, notebook, remaining: list[dict]) -> None:
        client = self._client(notebook)
        clock = time.monotonic()
        cells = list(notebook.cells)
        try:
            with client.setup_kernel():
                self.kernel_started = True
                self.timings.setdefault("kernel_start_s", round(time.monotonic() - clock, 3))
                started = time.monotonic()
                for index, cell in enumerate(cells):
                    if cell.cell_type == "code":
                        client.execute_cell(cell, index)
                self.timings.setdefault("notebook_s", round(time.monotonic() - started, 3))
                self._add_probes(remaining)
                started = time.monotonic()
                while remaining:
                    self._run_probe(client, notebook, remaining.pop(0))
                self.timings["probes_s"] = round(time.monotonic() - started, 3)
        finally:
            notebook.cells[:] = cells  # probe cells are the grader's, not the notebook's
            self.printed = max(self.printed, client.printed)
            try:
                client._cleanup_kernel()
            except Exception:  # noqa: BLE001 - the kernel is gone either way
                pass

    def _add_probes(self, remaining: list[dict]) -> None:
        """The probes, read once, when the first notebook run is over; the wait is not the
        submission's time."""
        if not self._probes_read:
            clock = time.monotonic()
            remaining.extend(self._read_probes())
            self._probes_read = True
            waited = time.monotonic() - clock
            self.deadline += waited
            self.timings["probes_wait_s"] = round(waited, 3)

    def run(self) -> None:
        remaining: list[dict] = []
        notebook = self.notebook
        while True:
            try:
                self._attempt(notebook, remaining)
                return
            except _Restart:
                self.restarts += 1
                needed = 2 * self.timings.get("notebook_s", 0) + 30
                if self.restarts > MAX_RESTARTS or self.deadline - time.monotonic() < needed:
                    self._add_probes(remaining)
                    for probe in remaining:
                        self.payloads[probe["key"]] = None
                        self.probe_notes[probe["key"]] = ("未运行：没有时间重启内核 / not run: no "
                                                          "time left to restart the kernel")
                    return
                notebook = copy.deepcopy(self.original)  # a fresh run; the first run's outputs stay
            except BaseException as problem:  # the kernel died in the notebook, or never started
                self.error = f"{type(problem).__name__}: {problem}"[:500]
                return


def run_notebook(notebook_path: Path, probes: Callable[[], list[dict]], spec_path: Path,
                 options: dict, notes: tuple[str, ...] = ()) -> WorkerSummary:
    """Execute the notebook, then the probes (``probes()`` is called once, when they are
    needed), in sandboxed kernels; the summary for the grader."""
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    without_otter(notebook)
    specs = write_kernel_spec(spec_path.parent / "kernelspecs", spec_path, options["zygote"])
    session = Session(notebook, probes, specs, notebook_path.parent, options)
    clock = time.monotonic()
    session.run()
    session.timings["total_s"] = round(time.monotonic() - clock, 3)
    return WorkerSummary(
        printed_bytes=session.printed, timings=session.timings, error=session.error,
        kernel_started=session.kernel_started, restarts=session.restarts,
        probes=session.payloads, probe_notes=session.probe_notes,
        cell_errors=tuple(_cell_errors(notebook)), curves_png=_curves_png(notebook),
        notes=notes,
    )


def _read_probes(fd: int) -> list[dict]:
    """The grader's probes from its pipe; none if it closed the pipe without them (it then
    records the grader's own error, not the submission's)."""
    with os.fdopen(fd, "rb") as pipe:
        data = pipe.read()
    try:
        return json.loads(data) if data else []
    except ValueError:
        return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", required=True, type=Path)
    parser.add_argument("--notebook", required=True, type=Path)
    parser.add_argument("--probes-fd", required=True, type=int,
                        help="pipe on which the grader writes the probes (JSON), then closes")
    parser.add_argument("--result-fd", type=int, required=True)
    parser.add_argument("--grader-pid", type=int, required=True)
    parser.add_argument("--zygote", default="", help="socket of the grader's warm kernels")
    parser.add_argument("--probe-timeout", type=float, required=True)
    parser.add_argument("--time-budget", type=float, required=True)
    parser.add_argument("--max-reply-bytes", type=int, required=True)
    args = parser.parse_args(argv)
    die_with_parent(args.grader_pid)
    spec = SandboxSpec.read(args.spec)
    join_cgroups(list(spec.cgroup_procs))  # first: everything started from here on is in them
    limit_process(spec.memory_mb, spec.cpu_seconds)
    notes = [note for note in (isolate_network(),) if note]
    options = {"zygote": args.zygote, "probe_timeout_s": args.probe_timeout,
               "time_budget_s": args.time_budget, "max_reply_bytes": args.max_reply_bytes}
    os.set_inheritable(args.probes_fd, False)
    with os.fdopen(args.result_fd, "w", encoding="utf-8") as channel:
        os.set_inheritable(channel.fileno(), False)
        summary = run_notebook(args.notebook, lambda: _read_probes(args.probes_fd), args.spec,
                               options, tuple(notes))
        channel.write(summary.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
