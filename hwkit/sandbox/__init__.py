"""The sandbox around one submission's kernel: what it may see and do, built by the grader.

- ``spec``: ``SandboxSpec``, the one description of a kernel's sandbox (paths, environment,
  user, limits), written once by the engine and read by every process that builds it.
- ``cgroups``: per-submission control groups (cgroup v1 or v2): process and memory caps for
  the whole tree, everything killed afterwards.
- ``process``: rlimits, death with the grader, the network and PID namespaces.
- ``root``: the allowlist file system (``pivot_root`` into a tmpfs holding only what the spec
  allows), IPC/UTS namespaces, and the drop to an unprivileged user without capabilities.
- ``report``: which of these protections this host allows, said at the start of a batch.
"""

from hwkit.sandbox.cgroups import Cgroup, group_roots, join_cgroups, reap_orphans
from hwkit.sandbox.process import (
    die_with_parent,
    enter_pid_namespace,
    isolate_network,
    limit_process,
    scratch_root,
)
from hwkit.sandbox.root import SandboxError, confine
from hwkit.sandbox.spec import SandboxSpec

__all__ = [
    "Cgroup",
    "SandboxError",
    "SandboxSpec",
    "confine",
    "die_with_parent",
    "enter_pid_namespace",
    "group_roots",
    "isolate_network",
    "join_cgroups",
    "limit_process",
    "reap_orphans",
    "scratch_root",
]
