"""A corpus of hostile and broken A2 submissions, each with the outcome the grader must give.

Each entry is made from the A2 solution (honest code: 30 points), the blank release (0
points) or raw bytes, with one cell of hostile code added (``where``: "first" runs it before
the honest code, "last" after it). ``expect`` says how the grading must end: a status that
starts with or contains a text, and the most points the honest code in it earns (the cheat
adds none). ``slow`` members run only with ``pytest -m slow`` (they move gigabytes). A ``code`` with
``{canary!r}`` and ``{submissions!r}`` fields is filled in with a file and the folder the test
watches (``DELETE_OUTSIDE``).
"""

from dataclasses import dataclass

FORK_BOMB = """import os
while True:
    try:
        os.fork()
    except OSError:
        pass"""

DAEMONS = """import os, subprocess
subprocess.Popen(["sleep", "987651"], start_new_session=True)
if os.fork() == 0:  # a classic double fork: the grandchild leaves the process tree
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "987652"])
    os._exit(0)"""

FAKE_RESULTS = """import json, os, pathlib
fake = {"tests": [{"name": "q1", "score": 30, "max_score": 30}], "score": 30}
for folder in (".", "..", "../..", os.environ.get("TMPDIR", ".")):
    for name in ("results.json", "results.pkl", "grades.csv"):
        try:
            pathlib.Path(folder, name).write_text(json.dumps(fake))
        except OSError:
            pass"""

FAKE_FEEDBACK = """import pathlib
for folder in (".", "..", "../.."):
    path = pathlib.Path(folder, "feedback")
    path.mkdir(exist_ok=True)
    (path / "fake_feedback.md").write_text("FAKE: all tests passed, 30 / 30")"""

REPLACE_CHECK = """import otter
grader.check = lambda *args, **kwargs: None
grader.check_all = lambda *args, **kwargs: None
otter.Notebook.check = lambda *args, **kwargs: None"""


READ_HIDDEN_TESTS = """import pathlib, zipfile, hwkit
root = pathlib.Path(hwkit.__file__).resolve().parents[1]
found = [p for pattern in ("solutions/*/*.ipynb", "autograder/dist/*/*", "tests/*.py")
         for p in root.glob(pattern) if "solutions" in str(p) or "autograder" in str(p)]
found += list(pathlib.Path("/tmp").glob("hwkit-scratch-*/**/*_reference.py"))
found += list(pathlib.Path("/tmp").glob("hwkit-scratch-*/**/*.zip"))
leaked = "".join(p.read_text(errors="replace")[:100] for p in found if p.is_file())
raise RuntimeError(f"LEAKED {len(found)} files: {leaked[:200]}")"""

PATCH_NUMPY = """import numpy, numpy.testing
numpy.allclose = lambda *args, **kwargs: True
numpy.isclose = lambda *args, **kwargs: numpy.bool_(True)
numpy.array_equal = lambda *args, **kwargs: True
numpy.all = lambda *args, **kwargs: True
numpy.testing.assert_allclose = lambda *args, **kwargs: None"""

PATCH_IMPORT = """import builtins, types
_real_import = builtins.__import__
_fake = types.SimpleNamespace(allclose=lambda *a, **k: True, isclose=lambda *a, **k: True)
def _import(name, *args, **kwargs):
    if name in ("numpy", "a2_reference", "doctest"):
        return _fake
    return _real_import(name, *args, **kwargs)
builtins.__import__ = _import"""

FORGE_PROBES = """import base64, hwkit.probe, hwkit.values
from IPython.display import publish_display_data
def _forged(namespace, inputs_b64, source, names):
    values = {name: 1.0 for name in names}  # it cannot know the expected values
    blob = hwkit.values.encode({"values": values, "skipped": {}})
    publish_display_data({hwkit.probe.MIME: base64.b64encode(blob).decode()})
hwkit.probe.run = _forged"""

LOOK_AROUND = """import os
raise RuntimeError(f"processes {sorted(int(p) for p in os.listdir('/proc') if p.isdigit())}")"""

DELETE_OUTSIDE = """import glob, os
gone = []
for path in [{canary!r}, *glob.glob({submissions!r} + "/*.ipynb")]:
    try:
        os.remove(path)
        gone.append(path)
    except OSError:
        pass
raise RuntimeError(f"deleted {{len(gone)}}")"""


@dataclass(frozen=True)
class Hostile:
    """- base: "solution", "blank", "a1_release" or "bytes"; code: the hostile cell (or the
      file's bytes for "bytes"); where: "first" or "last"
    - status: the status must start with ``status`` (and contain ``contains`` when given)
    - max_score: what the honest code in the file can earn at most
    """

    name: str
    base: str
    code: str | bytes
    status: str
    max_score: float
    where: str = "first"
    contains: str = ""
    slow: bool = False


CORPUS = [
    Hostile("honest", "solution", "pass", "ok", 30),
    Hostile("syntax_error", "solution", "def broken(:\n    pass", "error: SyntaxError", 30,
            where="last"),
    Hostile("exception_first_cell", "solution", "raise RuntimeError('boom in the first cell')",
            "error: RuntimeError: boom in the first cell", 30),
    Hostile("while_true", "solution", "while True:\n    pass", "timeout", 0),
    Hostile("sleep_forever", "solution", "import time\ntime.sleep(10**6)", "timeout", 0),
    Hostile("allocate_20_gb", "solution", "import numpy\n_big = numpy.ones(20 * 2**30 // 8)",
            "error: MemoryError", 30, contains="memory limit"),
    Hostile("fork_bomb", "solution", FORK_BOMB, "timeout", 0),
    Hostile("background_processes", "solution", DAEMONS, "ok", 30, where="last"),
    Hostile("socket_outside", "solution",
            "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=5)",
            "error: OSError", 30, contains="unreachable", where="last"),
    Hostile("os_exit", "solution", "import os\nos._exit(0)", "error: the notebook's kernel died",
            0),
    Hostile("fake_results", "blank", FAKE_RESULTS, "error", 0),
    Hostile("fake_feedback", "blank", FAKE_FEEDBACK, "error", 0),
    Hostile("replace_grader_check", "blank", REPLACE_CHECK, "error", 0),
    Hostile("fill_the_disk", "solution",
            "with open('big.bin', 'wb') as f:\n    f.write(b'0' * (600 * 2**20))",
            "error: OSError", 30, contains="File too large", where="last"),
    Hostile("not_a_notebook", "bytes", b"print('I am a script, not a notebook')\n",
            "error: not a notebook", 0),
    Hostile("empty_file", "bytes", b"", "error: empty file", 0),
    Hostile("non_utf8", "bytes", b'{"cells": ["\xff\xfe\xfa"]}', "error: not a notebook", 0,
            contains="UTF-8"),
    Hostile("wrong_assignment", "a1_release", "pass", "error: this notebook is for a1, not a2",
            0),
    Hostile("huge_notebook", "bytes", b"", "error: file too large", 0),  # 200 MB, made in place
    Hostile("read_hidden_tests", "solution", READ_HIDDEN_TESTS, "error: RuntimeError: LEAKED 0",
            30, where="last"),
    Hostile("patch_numpy_allclose", "blank", PATCH_NUMPY, "error", 0),
    Hostile("patch_import", "blank", PATCH_IMPORT, "error", 0),
    Hostile("forge_probe_values", "blank", FORGE_PROBES, "error", 0),
    Hostile("look_at_other_processes", "solution", LOOK_AROUND,
            "error: RuntimeError: processes [1]", 30, where="last"),
    Hostile("delete_files_outside", "solution", DELETE_OUTSIDE, "error: RuntimeError: deleted 0",
            30, where="last"),
    Hostile("print_1_gb", "solution",
            "import sys\nfor _ in range(1024):\n    sys.stdout.write('x' * 2**20)",
            "ok (printed 1024 MiB", 30, where="last", contains="output past 8 MiB dropped",
            slow=True),
]  # fmt: skip
