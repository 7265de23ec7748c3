"""Grader side of split tests (``hwkit.cases``): setups, reference and verdicts.

A ``Judge`` holds one autograder zip's cases, unpacked into a folder of the grader's that no
submission's kernel can see (``hwkit.sandbox`` hides the scratch root). It runs each case's
setup once (they are seeded, so every submission gets the same inputs), and for each
submission runs the verdicts on the values its kernel sent back. The reference module is
loaded from the zip, once per judge, and placed in ``sys.modules`` only while a setup or
verdict runs, so two builds in one process never share one.
"""

import atexit
import base64
import importlib.util
import os
import shutil
import sys
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import values
from .build import autograder_fingerprint
from .cases import PHASE_NAME, SplitCase, read_cases
from .probe import error_line as _error_line

REPORT_PREFIX = "REPORT: "
REFERENCE_SUFFIX = "_reference.py"


@dataclass(frozen=True)
class Verdict:
    """One case's result: whether it passed, and the line that says why not.

    - error_line: for a public test the first error line (its assertion message); for a
      hidden one only a ``REPORT:`` message the test wrote for students, else ""
    """

    passed: bool
    error_line: str = ""


def _inputs(namespace: dict, wanted: set[str]) -> dict:
    """The setup's values the probe reads, those that are data: the probe's inputs."""
    found = {}
    for name, value in namespace.items():
        if name not in wanted or name == PHASE_NAME:
            continue
        try:
            values.encode(value)
        except (values.NotData, ValueError):
            continue
        found[name] = value
    return found


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
        self._lock = threading.RLock()
        self._setups: dict[str, tuple[dict, str, str]] = {}
        self._run_setups()

    def _run_setups(self) -> None:
        """Every case's setup, now, with the zip's files as the working folder (setups read
        data files by name, as the notebook does). Done while the judge is made, before any
        grading thread runs, because the working folder belongs to the whole process."""
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
                      if p.is_file() and not p.name.endswith(REFERENCE_SUFFIX))  # fmt: skip

    def stage_support_files(self, folder: Path) -> None:
        for path in self.support_files():
            shutil.copyfile(path, folder / path.name)

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
        with self._lock:
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
        """What the worker sends to the kernel: each case's key, probe, names and inputs."""
        probes = []
        for case in self.cases:
            _, inputs, error = self.setup(case)
            if not error:
                probes.append({"key": case.key, "probe": case.probe,
                               "names": case.probe_names(), "inputs": inputs})  # fmt: skip
        return probes

    def verdict(self, case: SplitCase, payload_b64: str | None) -> Verdict:
        """Judge one case from the probe's published payload (None: the probe never ran)."""
        namespace, _, setup_error = self.setup(case)
        if setup_error:
            return Verdict(False, "" if case.hidden else setup_error)
        if payload_b64 is None:
            return Verdict(False, "" if case.hidden else "the test did not run (see the status)")
        try:
            payload = values.decode(base64.b64decode(payload_b64, validate=True))
            if not isinstance(payload, dict):
                raise ValueError("not a probe payload")
        except ValueError as error:
            return Verdict(False, "" if case.hidden else f"unreadable test values ({error})")
        if payload.get("error"):
            return Verdict(False, "" if case.hidden else str(payload["error"])[:300])
        probed = payload.get("values", {})
        if not isinstance(probed, dict):
            return Verdict(False, "")
        local = dict(namespace)
        local.update({k: v for k, v in probed.items() if isinstance(k, str) and k.startswith("_")})
        with self._lock:
            try:
                self._run(case.verdict, local, f"<verdict {case.key}>")
            except AssertionError as error:
                message = str(error)
                if case.hidden:
                    report = message.startswith(REPORT_PREFIX)
                    return Verdict(False, message[len(REPORT_PREFIX):][:300] if report else "")
                return Verdict(False, _error_line(error))
            except Exception as error:  # a wrong shape or type from the student's code
                skipped = payload.get("skipped", {})
                if isinstance(error, NameError) and isinstance(skipped, dict) and skipped:
                    name, why = next(iter(skipped.items()))
                    error = NameError(f"{name} could not be sent back ({why})")
                return Verdict(False, "" if case.hidden else _error_line(error))
        return Verdict(True)

    def close(self) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)


DATA_ENV = ("HWKIT_DATA", "HWKIT_CACHE", "KERAS_HOME", "HWKIT_OFFLINE")
_JUDGES: dict[tuple[str, ...], Judge] = {}
_JUDGES_LOCK = threading.Lock()


def judge_for(autograder_zip: Path, workdir: Path | None = None, fingerprint: str = "") -> Judge:
    """One judge per zip content and data location per process (setups are computed once,
    on the data the kernels will see). ``fingerprint``: the manifest's ``autograder_sha256``
    (saves hashing the zip for every submission); computed when not given."""
    data = tuple(os.environ.get(name, "") for name in DATA_ENV)
    fingerprint = fingerprint or autograder_fingerprint(autograder_zip)
    key = (str(autograder_zip.resolve()), fingerprint, *data)
    with _JUDGES_LOCK:
        if key not in _JUDGES:
            if not _JUDGES:
                atexit.register(_close_all)
            _JUDGES[key] = Judge(autograder_zip, workdir)
        return _JUDGES[key]


def _close_all() -> None:
    for judge in _JUDGES.values():
        judge.close()
