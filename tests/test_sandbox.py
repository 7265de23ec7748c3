"""The kernel's sandbox (``hwkit.sandbox``) seen from inside: a file system built from an
allowlist, its own /proc, /dev, /dev/shm and IPC, an unprivileged user without capabilities,
a cleared environment; control groups on cgroup v1 and v2; and the batch's report of what a
host does not allow. Each test starts its own confined process and looks only at it."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from hwkit.sandbox import Cgroup, SandboxSpec
from hwkit.sandbox.cgroups import delegate_v2
from hwkit.sandbox.report import _check
from hwkit.sandbox.spec import NOBODY, python_paths

ROOT = Path(__file__).resolve().parents[1]
IS_ROOT = os.getuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="namespaces and the allowlist need root")

CONFINED = """
import os, sys
from hwkit.sandbox import SandboxSpec, confine, enter_pid_namespace
spec = SandboxSpec.read(sys.argv[1])
enter_pid_namespace()
confine(spec)
os.execv(sys.executable, [sys.executable, "-c", sys.argv[2]])
"""

LOOK_AROUND = r"""
import json, os, pathlib
checks = json.loads(CHECKS)
def status():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    return fields["CapEff"].strip(), fields["CapBnd"].strip()
found = {
    "root": sorted(os.listdir("/")),
    "tmp": sorted(os.listdir("/tmp")),
    "dev": sorted(os.listdir("/dev")),
    "exists": {path: os.path.exists(path) for path in checks},
    "uid": [os.getuid(), os.geteuid(), os.getgid()],
    "groups": os.getgroups(),
    "caps": status(),
    "pid": os.getpid(),
    "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "env": sorted(os.environ),
    "proc_environ": sorted(k.split("=")[0]
                           for k in open("/proc/self/environ").read().split("\0") if k),
    "hostname": os.uname().nodename,
}
writes = {}
for path in ["/proc/sys/kernel/core_pattern", "/usr/hwkit-write-test", "/dev/hwkit-write-test",
             "/etc/passwd"]:
    try:
        with open(path, "a") as handle:
            handle.write("hwkit")
        writes[path] = "written"
    except OSError as error:
        writes[path] = error.strerror
found["writes"] = writes
print("RESULT" + json.dumps(found))
"""


def make_spec(tmp_path: Path, **changes) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "root").mkdir()
    if IS_ROOT:
        os.chown(home, NOBODY, NOBODY)
    fields = {"root": str(tmp_path / "root"), "home": str(home), "cwd": str(home),
              "env": {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"},
              "read_only": tuple(python_paths())}
    fields.update(changes)
    return SandboxSpec(**fields).write(tmp_path / "spec.json")


def run_confined(spec: Path, code: str, env: dict | None = None) -> dict:
    done = subprocess.run([sys.executable, "-c", CONFINED, str(spec), code], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT")), None)
    assert line, done.stdout + done.stderr
    return json.loads(line.removeprefix("RESULT"))


@needs_root
def test_the_kernel_sees_only_what_its_spec_allows(tmp_path):
    canary = Path("/tmp") / f"hwkit-canary-{uuid.uuid4().hex}"
    canary.write_text("the host's /tmp")
    sibling = tmp_path / "another-submission"
    sibling.mkdir()
    checks = [str(ROOT / ".git"), str(ROOT / "solutions"), str(ROOT / "tests"), str(canary),
              str(sibling), "/root/.bashrc", "/etc/shadow", str(Path.home() / ".cache"),
              str(ROOT / "hwkit" / "values.py")]
    spec = make_spec(tmp_path)
    try:
        code = f"CHECKS = {json.dumps(json.dumps(checks))}\n{LOOK_AROUND}"
        found = run_confined(spec, code, env={"HWKIT_TEST_SECRET": "the TA's token"})
    finally:
        canary.unlink()
    visible = {path for path, seen in found["exists"].items() if seen}
    assert visible == {str(ROOT / "hwkit" / "values.py")}  # the kit's package, nothing else
    # /tmp holds this test's folder, and the kit's own checkout when it lives under /tmp
    # (a CI clone): only the package's files of it are bound, as `visible` shows
    allowed = {str(tmp_path).split("/")[2]}
    if ROOT.parts[:2] == ("/", "tmp"):
        allowed.add(ROOT.parts[2])
    assert set(found["tmp"]) <= allowed
    assert set(found["dev"]) <= {"null", "zero", "full", "random", "urandom", "shm", "fd",
                                 "stdin", "stdout", "stderr"}
    assert found["uid"] == [NOBODY, NOBODY, NOBODY] and found["groups"] == []
    assert found["caps"] == ["0000000000000000", "0000000000000000"]
    assert found["pid"] == 1 and found["processes"] == [1]
    assert found["env"] == ["HOME", "LANG", "PATH"]  # the spec's environment, nothing else
    assert "HWKIT_TEST_SECRET" not in found["proc_environ"]
    assert found["hostname"] == "hwkit-sandbox"
    assert all(result != "written" for result in found["writes"].values()), found["writes"]


@needs_root
def test_home_tmp_and_shm_are_its_own_and_gone_with_it(tmp_path):
    """It writes in its home, its /tmp and /dev/shm, and makes a SysV segment; afterwards the
    host's /dev/shm and IPC table hold nothing of it."""
    token = uuid.uuid4().hex
    key = int(token[:7], 16)
    code = f"""
import ctypes, json, os
libc = ctypes.CDLL(None, use_errno=True)
open("written.txt", "w").write("home")
open("/tmp/{token}", "w").write("own tmp")
with open("/dev/shm/{token}", "wb") as f:
    f.write(b"0" * (8 << 20))
segment = libc.shmget({key}, 1 << 20, 0o1000 | 0o600)
print("RESULT" + json.dumps({{"segment": segment, "shm": os.path.getsize("/dev/shm/{token}")}}))
"""
    found = run_confined(make_spec(tmp_path), code)
    assert found["segment"] >= 0 and found["shm"] == 8 << 20
    assert (tmp_path / "home" / "written.txt").read_text() == "home"
    assert not (Path("/dev/shm") / token).exists() and not (Path("/tmp") / token).exists()
    keys = [line.split()[0] for line in Path("/proc/sysvipc/shm").read_text().splitlines()[1:]]
    assert str(key) not in keys


@needs_root
def test_a_masked_file_reads_empty_inside(tmp_path):
    shown = tmp_path / "shared"
    shown.mkdir()
    (shown / "train.txt").write_text("training data")
    (shown / "test.txt").write_text("held-out labels")
    spec = make_spec(tmp_path, read_only=(*python_paths(), str(shown)),
                     masks=(str(shown / "test.txt"),))
    code = (f"import json; print('RESULT' + json.dumps([open('{shown}/train.txt').read(), "
            f"open('{shown}/test.txt').read()]))")
    assert run_confined(spec, code) == ["training data", ""]


@needs_root
def test_a_link_planted_in_home_is_never_written_through(tmp_path):
    """A kernel restarted in the same home gets its connection file as a new file, even when
    the last kernel left a link where the old one was."""
    from hwkit.sandbox.launcher import CONNECTION_PREFIX, hand_over_connection_file

    spec_path = make_spec(tmp_path)
    spec = SandboxSpec.read(spec_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("the grader's file")
    for guess in range(50):  # a kernel cannot know the random name; plant many
        (Path(spec.home) / f"{CONNECTION_PREFIX}{guess}.json").symlink_to(victim)
    source = tmp_path / "connection.json"
    source.write_text('{"key": "k"}')
    copy = Path(hand_over_connection_file(str(source), spec))
    assert copy.read_text() == '{"key": "k"}' and not copy.is_symlink()
    assert copy.stat().st_uid == NOBODY and victim.read_text() == "the grader's file"


def test_a_non_root_grader_is_told_what_is_missing(monkeypatch):
    monkeypatch.setattr(os, "getuid", lambda: 1000)  # the check's own view of who it is
    found = _check()
    missing = {name: why for name, why in found.items() if why}
    assert any("root" in name for name in missing), found
    assert all(why for why in missing.values())


@needs_root
def test_this_host_allows_every_protection():
    found = _check_in_child()
    assert {name: why for name, why in found.items() if why} == {}


def _check_in_child() -> dict:
    done = subprocess.run([sys.executable, "-m", "hwkit.sandbox.report"], capture_output=True,
                          text=True, timeout=60)
    return json.loads(done.stdout)


UNIFIED = Path("/sys/fs/cgroup/unified")


@pytest.mark.skipif(not (IS_ROOT and (UNIFIED / "cgroup.procs").is_file()),
                    reason="needs a cgroup v2 tree (the hybrid layout's unified one) and root")
def test_a_cgroup_v2_group_holds_kills_and_goes_away():
    """On a real v2 tree: a process joins the group, ``kill_all`` (cgroup.kill) ends it and
    everything it forked, and the group is removed."""
    folder = UNIFIED / f"hwkit-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    group = Cgroup((folder,), 2)
    sleeper = subprocess.Popen(["sh", "-c", f"echo $$ > {folder}/cgroup.procs; sleep 600 & "
                                            "sleep 600"])
    try:
        for _ in range(100):
            if len(group.pids()) >= 2:
                break
            subprocess.run(["sleep", "0.05"])
        assert len(group.pids()) >= 2
        group.kill_all()
        assert group.pids() == set()
        sleeper.wait(timeout=10)
    finally:
        group.remove()
    assert not folder.exists()


def test_cgroup_v2_delegation_enables_the_controllers_or_says_why(tmp_path, monkeypatch):
    """On a v2 tree (a fake one here: the files the kernel shows) the grader's own group must
    offer pids and memory; where it does, they are enabled for the submissions' folder."""
    own = tmp_path / "grader"
    own.mkdir()
    (tmp_path / "cgroup.controllers").write_text("cpu memory pids\n")
    (own / "cgroup.controllers").write_text("cpu io\n")
    (own / "cgroup.subtree_control").write_text("")
    monkeypatch.setattr("hwkit.sandbox.cgroups._own_group", lambda root, c: own)
    parent, why = delegate_v2(tmp_path)
    assert parent is None and "pids" in why and "memory" in why and "Delegate=yes" in why
    (own / "cgroup.controllers").write_text("cpu memory pids\n")
    (own / "cgroup.procs").write_text(f"{os.getpid()}\n")
    parent, why = delegate_v2(tmp_path)
    assert (parent, why) == (own / "hwkit", "")
    assert "+pids +memory" in (own / "hwkit" / "cgroup.subtree_control").read_text()
    assert (own / "cgroup.subtree_control").read_text() == "+pids +memory"
