"""Grader side of split tests (``hwkit.autograder.cases``): setups, reference and verdicts.

A ``Judge`` holds one autograder zip's cases, unpacked into a folder of the grader's that no
submission's kernel can see. It runs each case's setup once (they are seeded, so every
submission gets the same inputs), and judges the values a kernel sent back. It runs inside a
judge process (``hwkit.grading.judge.server``), never in a grading thread: a verdict that a hostile
reply makes slow, or a decoder that a hostile reply makes crash, costs only the judge process
of that submission (``hwkit.grading.judge.pool`` gives each verdict its own time limit and
restarts it).

What a verdict sees: the setup's values exactly as the setup made them, and from the kernel
only the probe's declared outputs (``SplitCase.probe_names``), decoded by ``hwkit.values``
within the reply's byte bound. The reference module is loaded from the zip, once, and is in
``sys.modules`` only while a setup or verdict runs.
"""

import base64
import importlib.util
import os
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hwkit import metrics, values
from hwkit.autograder.cases import PHASE_NAME, SplitCase, read_cases
from hwkit.kernel.probe import error_line as _error_line

REPORT_PREFIX = "REPORT: "
REFERENCE_SUFFIX = "_reference.py"


@dataclass(frozen=True)
class Verdict:
    """One case's result: whether it passed, and the line that says why not.

    - error_line: for a public test the first error line (its assertion message); for a
      hidden one only a ``REPORT:`` message the test wrote for students, else ""
    - recorded: held-out predictions the verdict recorded (``hwkit.metrics.record``), by name
    """

    passed: bool
    error_line: str = ""
    recorded: dict = field(default_factory=dict, compare=False)


def _inputs(namespace: dict, wanted: set[str]) -> dict:
    """The setup's values the probe reads: the probe's inputs. Each must be data
    (``hwkit.values``): a value that is not (a model, a module, a function) is refused here,
    naming it, rather than left out to fail later as a NameError in every kernel."""
    found = {}
    for name, value in namespace.items():
        if name not in wanted or name == PHASE_NAME:
            continue
        try:
            values.encode(value)
        except (values.NotData, ValueError) as problem:
            raise ValueError(f"the probe reads {name}, which the setup made as "
                             f"{type(value).__name__}, not data ({problem}): only numbers, "
                             "arrays, text, lists and dicts reach the kernel; make it in the "
                             "probe, or send the data it is made from") from None
        found[name] = value
    return found


class SetupFailed(ValueError):
    """A test's setup raised or made a probe input that is not data; names every such case."""


class Judge:
    """The cases of one autograder zip, their setups, and verdicts on probe values."""

    def __init__(self, autograder_zip: Path, workdir: Path | None = None):
        self.cases = read_cases(autograder_zip)
        self._folder = Path(tempfile.mkdtemp(prefix="hwkit-judge-", dir=workdir))
        with zipfile.ZipFile(autograder_zip) as zf:
            members = [n for n in zf.namelist() if n.startswith("files/")]
            zf.extractall(self._folder, members)
        self.files_dir = self._folder / "files"
        self._modules = {}
        for path in sorted(self.files_dir.glob(f"*{REFERENCE_SUFFIX}")):
            spec = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(spec)
            self._modules[path.stem] = (spec, module, False)
        self._setups: dict[str, tuple[dict, str, str]] = {}
        self._run_setups()

    def _run_setups(self) -> None:
        """Every case's setup, now, with the zip's files as the working folder (setups read
        data files by name, as the notebook does)."""
        here = os.getcwd()
        os.chdir(self.files_dir if self.files_dir.is_dir() else self._folder)
        try:
            for case in self.cases:
                self.setup(case)
        finally:
            os.chdir(here)

    def support_files(self) -> list[Path]:
        """The zip's files that a submission may see (data files; never the reference)."""
        if not self.files_dir.is_dir():
            return []
        return sorted(p for p in self.files_dir.iterdir()
                      if p.is_file() and not p.name.endswith(REFERENCE_SUFFIX))

    def _run(self, source: str, namespace: dict, label: str) -> None:
        saved = {name: sys.modules.get(name) for name in self._modules}
        try:
            for name, (spec, module, loaded) in self._modules.items():
                sys.modules[name] = module
                if not loaded:
                    spec.loader.exec_module(module)
                    self._modules[name] = (spec, module, True)
            exec(compile(source, label, "exec"), namespace)  # noqa: S102
        finally:
            for name, module in saved.items():
                if module is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = module

    def setup(self, case: SplitCase) -> tuple[dict, str, str]:
        """``(namespace, inputs base64, error)`` of a case's setup, computed once."""
        if case.key not in self._setups:
            namespace = {"np": np, "numpy": np, "__name__": "hwkit_setup"}
            error = ""
            try:
                self._run(case.setup, namespace, f"<setup {case.key}>")
                sent = _inputs(namespace, case.input_names())
                inputs = base64.b64encode(values.encode(sent)).decode()
            except Exception as problem:  # an author's error: every submission fails it
                error, inputs = f"test setup failed: {_error_line(problem)}", ""
            self._setups[case.key] = (namespace, inputs, error)
        return self._setups[case.key]

    def probes(self) -> list[dict]:
        """What the worker sends to the kernel: each case's key, probe, names and inputs.
        Raises ``SetupFailed`` when any setup failed: the tests are broken, so no submission
        is graded by them (the batch stops and the author sees which case and why)."""
        probes, failed = [], []
        for case in self.cases:
            _, inputs, error = self.setup(case)
            if error:
                failed.append(f"{case.name}: {error}")
            probes.append({"key": case.key, "probe": case.probe,
                           "names": case.probe_names(), "inputs": inputs})
        if failed:
            raise SetupFailed("; ".join(failed))
        return probes

    def case(self, key: str) -> SplitCase:
        return next(case for case in self.cases if case.key == key)

    def verdict(
        self, case: SplitCase, payload_b64: str | None, max_bytes: int = values.MAX_BYTES
    ) -> Verdict:
        """Judge one case from the probe's published payload (None: the probe never ran)."""
        namespace, _, setup_error = self.setup(case)
        if setup_error:
            return Verdict(False, "" if case.hidden else setup_error)
        if payload_b64 is None:
            return Verdict(False, "" if case.hidden else "the test did not run (see the status)")
        try:
            payload = values.decode(base64.b64decode(payload_b64, validate=True), max_bytes)
            if not isinstance(payload, dict):
                raise ValueError("not a probe payload")
        except ValueError as error:
            return Verdict(False, "" if case.hidden else f"unreadable test values ({error})")
        if payload.get("error"):
            return Verdict(False, "" if case.hidden else str(payload["error"])[:300])
        probed = payload.get("values", {})
        if not isinstance(probed, dict):
            return Verdict(False, "")
        declared = set(case.probe_names())
        local = {name: value for name, value in probed.items() if name in declared}
        local.update(namespace)  # the setup's values win: a reply never replaces them
        with metrics.collecting() as recorded:  # kept whether the case passes or not
            passed, line = self._judge(case, local, payload)
        return Verdict(passed, line, dict(recorded))

    def _judge(self, case: SplitCase, local: dict, payload: dict) -> tuple[bool, str]:
        try:
            self._run(case.verdict, local, f"<verdict {case.key}>")
        except AssertionError as error:
            message = str(error)
            if case.hidden:
                report = message.startswith(REPORT_PREFIX)
                return False, message[len(REPORT_PREFIX):][:300] if report else ""
            return False, _error_line(error)
        except Exception as error:  # a wrong shape or type from the student's code
            skipped = payload.get("skipped", {})
            if isinstance(error, NameError) and isinstance(skipped, dict) and skipped:
                name, why = next(iter(skipped.items()))
                error = NameError(f"{name} could not be sent back ({why})")
            return False, "" if case.hidden else _error_line(error)
        return True, ""

    def close(self) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)
