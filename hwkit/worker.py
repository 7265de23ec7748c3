"""Runs one submission's notebook in a sandboxed kernel, then the probes of its tests.

Run as ``python -m hwkit.worker --notebook NB --probes JSON --result-fd FD ...`` by the
engine. It first joins the submission's control groups and sets its limits, enters new
network namespace (``hwkit.sandbox``), then starts the kernel through
``hwkit.kernel_launcher`` (which hides the grader's files and drops every privilege), runs
every cell (errors do not stop it, as under ``otter run``), and then one probe cell per test
case (``hwkit.probe``). It decides nothing: the summary it writes to the pipe ``FD`` (which
the kernel does not inherit) holds the probes' raw payloads and the notebook's cell errors;
the grader judges them (``hwkit.verdicts``).
"""

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

from hwkit.sandbox import (
    die_with_parent,
    isolate_network,
    join_cgroups,
    limit_process,
)

CURVES_TAG = "training-curves"
MAX_CURVES_BASE64 = 2 * 1024 * 1024
KERNEL_NAME = "hwkit-sandbox"
OTTER_LINE = re.compile(
    r"^\s*(import otter\b.*|grader\s*=\s*otter\.Notebook\(.*\)|grader\.\w+\(.*\))\s*$"
)


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


MAX_OUTPUT_BYTES = 8 * 1024 * 1024


def capped_client_class():
    """``NotebookClient`` that keeps at most ``MAX_OUTPUT_BYTES`` of printed text per
    notebook (a submission printing a gigabyte must not fill the worker's memory); the
    rest is dropped and a line says so."""
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        printed = 0

        def output(self, outs, msg, display_id, cell_index):
            if msg["msg_type"] == "stream":
                text = msg["content"].get("text", "")
                self.printed += len(text)
                if self.printed > MAX_OUTPUT_BYTES:
                    if self.printed - len(text) <= MAX_OUTPUT_BYTES:
                        msg["content"]["text"] = "\n[hwkit: output past 8 MiB dropped]\n"
                    else:
                        return None
            return super().output(outs, msg, display_id, cell_index)

    return CappedClient


def write_kernel_spec(folder: Path, hide: list[str], scratch: str, warm: dict | None) -> Path:
    """A kernel spec whose kernel starts through ``hwkit.kernel_launcher`` (cold), or is
    forked by the grader's zygote through ``hwkit.zygote_client`` (warm: ``warm`` gives the
    zygote's socket and the limits and groups the forked kernel must take)."""
    spec_dir = folder / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    if warm:
        argv = [sys.executable, "-m", "hwkit.zygote_client", "--socket", warm["socket"],
                "--memory-mb", str(warm["memory_mb"]),
                "--cpu-seconds", str(warm["cpu_seconds"])]  # fmt: skip
        for procs in warm["cgroup_procs"]:
            argv += ["--cgroup-procs", procs]
    else:
        argv = [sys.executable, "-m", "hwkit.kernel_launcher"]
    argv += ["--scratch", scratch]
    for path in hide:
        argv += ["--hide", path]
    argv += ["--", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "hwkit sandbox", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return folder


def _probe_cell(probe: dict):
    import nbformat

    call = (
        "import hwkit.probe as _hwkit_probe\n"
        f"_hwkit_probe.run(globals(), {probe['inputs']!r}, {probe['probe']!r}, {probe['names']!r})"
    )
    return nbformat.v4.new_code_cell(call)


def _probe_payload(cell) -> str | None:
    from hwkit.probe import MIME

    for output in cell.get("outputs", []):
        payload = output.get("data", {}).get(MIME)
        if isinstance(payload, str):
            return payload
    return None


def run_notebook(
    notebook_path: Path, probes: list[dict], hide: list[str], warm: dict | None = None
) -> dict:
    """Execute the notebook, then the probes, in one sandboxed kernel."""
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    notebook = nbformat.read(notebook_path, as_version=4)
    without_otter(notebook)
    scratch = notebook_path.parent.parent
    specs = write_kernel_spec(scratch / "kernelspecs", hide, str(scratch), warm)
    specs_manager = KernelSpecManager(kernel_dirs=[str(specs)])
    manager = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs_manager)
    resources = {"metadata": {"path": str(notebook_path.parent)}}
    client = capped_client_class()(notebook, km=manager, timeout=None, allow_errors=True,
                                   shutdown_kernel="immediate",
                            resources=resources)  # fmt: skip
    payloads: dict[str, str | None] = {}
    error = ""
    cells = list(notebook.cells)
    clock = time.monotonic()
    timings = {}
    try:
        with client.setup_kernel():
            timings["kernel_start_s"] = round(time.monotonic() - clock, 3)
            for index, cell in enumerate(cells):
                if cell.cell_type == "code":
                    client.execute_cell(cell, index)
            timings["notebook_s"] = round(time.monotonic() - clock - timings["kernel_start_s"], 3)
            for probe in probes:
                cell = _probe_cell(probe)
                notebook.cells.append(cell)  # nbclient writes outputs by the cell's index
                client.execute_cell(cell, len(notebook.cells) - 1)
                payloads[probe["key"]] = _probe_payload(cell)
    except BaseException as problem:  # the kernel died (os._exit, a crash), ...
        error = f"{type(problem).__name__}: {problem}"[:500]
    notebook.cells = cells
    timings["total_s"] = round(time.monotonic() - clock, 3)
    return {
        "printed_bytes": client.printed,
        "timings": timings,
        "error": error,
        "probes": payloads,
        "cell_errors": _cell_errors(notebook),
        "curves_png": _curves_png(notebook),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notebook", required=True)
    parser.add_argument("--probes", required=True)
    parser.add_argument("--result-fd", type=int, required=True)
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--cpu-seconds", type=int, default=0)
    parser.add_argument("--cgroup-procs", action="append", default=[])
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--grader-pid", type=int, required=True)
    parser.add_argument("--zygote", default="", help="socket of the grader's warm kernels")
    args = parser.parse_args(argv)
    die_with_parent(args.grader_pid)
    join_cgroups(args.cgroup_procs)  # first: everything started from here on is in them
    limit_process(args.memory_mb, args.cpu_seconds)
    notes = [note for note in (isolate_network(),) if note]
    probes = json.loads(Path(args.probes).read_text(encoding="utf-8"))
    with os.fdopen(args.result_fd, "w", encoding="utf-8") as channel:
        os.set_inheritable(channel.fileno(), False)
        warm = None
        if args.zygote:
            warm = {"socket": args.zygote, "cgroup_procs": args.cgroup_procs,
                    "memory_mb": args.memory_mb, "cpu_seconds": args.cpu_seconds}  # fmt: skip
        payload = run_notebook(Path(args.notebook), probes, args.hide, warm)
        payload["notes"] = notes
        channel.write(json.dumps(payload))
    return 0


if __name__ == "__main__":
    sys.exit(main())
