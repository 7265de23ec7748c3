"""What an assignment declares about itself (``Assignment``), as one record.

One source of truth per assignment: its master notebook in ``solutions/<id>/`` and its hidden
tests beside it (``solutions/<id>/tests/``); everything else (the student release in
``assignments/<id>/``, the autograder zip in ``autograder/dist/<id>/``) is generated from them
by ``hwkit build``. Everything else the kit must know about the assignment — limits, data,
what a grading task asks a cluster for, sample submissions, the step before a batch — is in
its folder's ``ASSIGNMENT`` (``hwkit/assignments/<id>/__init__.py``); generic code never
names an assignment.
"""

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from hwkit.project import project_root

TENSORFLOW_PRELOAD = ("tensorflow", "keras")


# What a student installs to get the kit: the wheel ``hwkit build`` puts in the student bundle.
KIT_WHEEL = "hwkit-*.whl"


@dataclass(frozen=True)
class TaskResources:
    """What one submission asks a Ray cluster for.

    - memory_gib: memory reserved on the node (Ray's ``memory`` resource), GiB
    - cpus_from_threads: ask for the job's ``cpu_threads`` CPUs (its kernel's BLAS and
      TensorFlow threads: the machine's cores ÷ ``--workers``) instead of one CPU
    - gpu_fraction: the share of one GPU a job whose device is a GPU asks for (it then asks
      for one CPU: TensorFlow trains on the GPU); 0: the assignment does not use a GPU
    - typical_s: seconds one submission typically takes on a 2-core CPU (for the README)
    """

    memory_gib: float
    cpus_from_threads: bool = False
    gpu_fraction: float = 0.0
    typical_s: float = 0.0


@dataclass(frozen=True)
class Samples:
    """Sample submissions made from a build (``hwkit.builder.samples``), each named by what it
    should score: ``partial`` name → functions filled into the blank release; ``broken`` name
    → the function whose ``def`` line loses its colon; ``mutated`` name → ((line in the
    solution, its replacement), ...), one deliberate mistake each."""

    partial: dict[str, tuple[str, ...]] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)
    mutated: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Assignment:
    """One assignment of the course.

    - id: short id used on the command line ("a2"); title: bilingual title shown in reports
    - support_files: files copied next to the master (and so into the release and the zip)
    - timeout_s: default wall-clock limit for grading one submission, seconds
    - memory_mb: default address-space limit per grading process, MiB
    - uses_tensorflow: grading kernels run TensorFlow (the grader then finds out whether
      TensorFlow sees a GPU, uses it, and records the device; warm kernels preload it)
    - prepare_module: run as ``python -m <module> <autograder zip> <device>`` once before a
      batch (e.g. to cache data and measure the reference); a failure stops the batch
    - accuracies: held-out accuracies its hidden tests record (``hwkit.metrics.record``);
      ranked_accuracy: the one the leaderboard ranks by (None: score only), described to
      students as ranked_accuracy_label; heldout_labels: ``module:function(device)`` giving
      the held-out labels those accuracies are scored on
    - grading_view: ``module:function`` making the kernels' view of its data
      (``hwkit.datapaths``; "" when it reads no dataset)
    - probe_timeout_s: limit of one test's probe in the kernel (a hanging function costs
      only the cases that call it); verdict_timeout_s: of one verdict in a judge process
    - max_reply_mb: the largest reply one probe may send back (a trained model's weights)
    - resources: what one submission asks a Ray cluster for; samples: the sample submissions
    - student_kit: the release imports the kit (``hwkit``: its datasets and training helpers)
    """

    id: str
    title: str
    support_files: tuple[Path, ...] = ()
    timeout_s: float = 300.0
    memory_mb: int = 4096
    uses_tensorflow: bool = False
    prepare_module: str | None = None
    accuracies: tuple[str, ...] = ()
    ranked_accuracy: str | None = None
    ranked_accuracy_label: str = ""
    heldout_labels: str = ""
    grading_view: str = ""
    probe_timeout_s: float = 60.0
    verdict_timeout_s: float = 60.0
    max_reply_mb: int = 64
    resources: TaskResources = TaskResources(memory_gib=4, cpus_from_threads=True,
                                             gpu_fraction=0.25)
    samples: Samples = Samples()
    student_kit: bool = False

    @property
    def student_packages(self) -> dict[str, str]:
        """Module → what a student installs for it (the release's first cell checks them)."""
        needs = {"numpy": "numpy", "matplotlib": "matplotlib", "otter": "otter-grader"}
        if self.uses_tensorflow:
            needs |= {"tensorflow": "tensorflow", "keras": "keras"}
        if self.student_kit:
            needs["hwkit"] = KIT_WHEEL
        return needs

    @property
    def preload(self) -> tuple[str, ...]:
        """What a warm kernel has imported before it is forked, besides the base modules."""
        return TENSORFLOW_PRELOAD if self.uses_tensorflow else ()

    @property
    def master(self) -> Path:
        return project_root() / "solutions" / self.id / f"{self.id}.ipynb"

    @property
    def tests_dir(self) -> Path:
        """The master's test files (``hwkit.testkit``), one per question."""
        return self.master.parent / "tests"

    @property
    def release_dir(self) -> Path:
        return project_root() / "assignments" / self.id

    @property
    def autograder_dir(self) -> Path:
        return project_root() / "autograder" / "dist" / self.id

    @property
    def autograder_zip(self) -> Path:
        return self.autograder_dir / f"{self.id}-autograder.zip"

    @property
    def manifest_path(self) -> Path:
        return self.autograder_dir / "manifest.json"

    @property
    def reference_module(self) -> str:
        """Module name of the reference code that hidden tests import (never in the release)."""
        return f"{self.id}_reference"


def load_function(path: str):
    """The function an assignment names as ``"package.module:function"``."""
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)
