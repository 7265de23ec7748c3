"""Which of the sandbox's protections this host allows, checked once per batch.

``missing_protections()`` runs ``python -m hwkit.sandbox.report`` (a child, so nothing it
tries touches the grader): it builds a kernel's sandbox for a trivial program exactly as a
grading kernel gets it (network and PID namespaces, the allowlist root, the unprivileged
user) and reports each step, and checks that control groups can be made. The grader prints
each missing protection at the start of the batch; grading goes on with the rest.
"""

import functools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHECK_TIMEOUT_S = 60


def _check() -> dict:
    """In this (child) process: try each protection; {name: "" or why it is missing}."""
    from hwkit.sandbox.cgroups import available
    from hwkit.sandbox.process import enter_pid_namespace, isolate_network
    from hwkit.sandbox.root import confine
    from hwkit.sandbox.spec import SandboxSpec, python_paths

    found = {"control groups (process and memory caps)": available()}
    if os.getuid() != 0:
        found["root (namespaces, allowlist file system, unprivileged user)"] = (
            "the grader is not root: kernels run as the grader's user, see everything it can "
            "read and keep the network; run `hwkit grade` as root or in a container that grants "
            "namespaces")
        return found
    found["network namespace (no network)"] = isolate_network()
    with tempfile.TemporaryDirectory(prefix="hwkit-sandbox-check-") as folder:
        home = Path(folder) / "home"
        home.mkdir()
        (Path(folder) / "root").mkdir()
        os.chown(home, 65534, 65534)
        spec = SandboxSpec(root=f"{folder}/root", home=str(home), cwd=str(home),
                           env={"PATH": "/usr/bin:/bin"}, read_only=tuple(python_paths()))
        read, write = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read)
            result = {"processes (PID namespace)": enter_pid_namespace()}
            try:
                notes = confine(spec)
                result["allowlist file system and unprivileged user"] = "; ".join(notes)
                if not os.path.exists("/proc/1") or os.getuid() == 0:
                    result["allowlist file system and unprivileged user"] = "not confined"
            except OSError as error:
                result["allowlist file system and unprivileged user"] = str(error)
            os.write(write, json.dumps(result).encode())
            os._exit(0)
        os.close(write)
        data = b""
        while chunk := os.read(read, 65536):
            data += chunk
        os.close(read)
        os.waitpid(child, 0)
    found.update(json.loads(data or b"{}") or
                 {"allowlist file system": "the check's child reported nothing"})
    return found


@functools.lru_cache(maxsize=1)
def missing_protections() -> tuple[str, ...]:
    """One line per protection this host does not allow (empty when all of them work)."""
    try:
        done = subprocess.run([sys.executable, "-m", "hwkit.sandbox.report"],
                              capture_output=True, text=True, timeout=CHECK_TIMEOUT_S)
        found = json.loads(done.stdout)
    except (subprocess.TimeoutExpired, ValueError) as error:
        return (f"the sandbox check failed ({type(error).__name__}): kernels may run without "
                "some protections",)
    return tuple(f"MISSING {name}: {why}" for name, why in found.items() if why)


if __name__ == "__main__":
    print(json.dumps(_check()))
