"""The kit's assignments: where each one's master, release and autograder live.

One source of truth per assignment: its master notebook in ``solutions/<id>/``. Everything
else (the student release in ``assignments/<id>/``, the autograder zip in
``autograder/dist/<id>/``) is generated from it by ``hwkit build``.
"""

from dataclasses import dataclass, field
from pathlib import Path

from .datapaths import PROJECT_ROOT, SHIPPED_DATA_DIR


@dataclass(frozen=True)
class Assignment:
    """One assignment of the course.

    - id: short id used on the command line ("a2")
    - title: bilingual title shown in reports
    - support_files: files copied next to the master (and so into the release and the zip)
    - timeout_s: default wall-clock limit for grading one submission, seconds
    - memory_mb: default address-space limit per grading process, MiB
    - uses_tensorflow: grading kernels run TensorFlow (the grader then finds out whether
      TensorFlow sees a GPU, uses it, and records the device)
    - prepare_module: run as ``python -m <module> <autograder zip> <device>`` once before a
      batch (e.g. to cache data and measure the reference); a failure stops the batch
    - accuracies: held-out accuracies its hidden tests record (``hwkit.metrics.record``);
      ranked_accuracy: the one the leaderboard ranks by (None: score only), described to
      students as ranked_accuracy_label
    - grading_view: ``module:function`` making the kernels' view of its data
      (``hwkit.dataview``; "" when it reads no dataset)
    - probe_timeout_s: limit of one test's probe in the kernel (a hanging function costs
      only the cases that call it); verdict_timeout_s: of one verdict in a judge process
    - max_reply_mb: the largest reply one probe may send back (a trained model's weights)
    """

    id: str
    title: str
    support_files: tuple[Path, ...] = field(default_factory=tuple)
    timeout_s: float = 300.0
    memory_mb: int = 4096
    uses_tensorflow: bool = False
    prepare_module: str | None = None
    accuracies: tuple[str, ...] = ()
    ranked_accuracy: str | None = None
    ranked_accuracy_label: str = ""
    grading_view: str = ""
    probe_timeout_s: float = 60.0
    verdict_timeout_s: float = 60.0
    max_reply_mb: int = 64

    @property
    def master(self) -> Path:
        return PROJECT_ROOT / "solutions" / self.id / f"{self.id}.ipynb"

    @property
    def release_dir(self) -> Path:
        return PROJECT_ROOT / "assignments" / self.id

    @property
    def autograder_dir(self) -> Path:
        return PROJECT_ROOT / "autograder" / "dist" / self.id

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


ASSIGNMENTS: dict[str, Assignment] = {
    "a1": Assignment(
        id="a1",
        title=(
            "A1 MNIST：一对多逻辑回归 · NN vs MNIST / "
            "MNIST: one-vs-all logistic regression · NN vs MNIST"
        ),
        timeout_s=600.0,
        memory_mb=8192,
        uses_tensorflow=True,
        accuracies=("ova", "nn"),
        ranked_accuracy="nn",
        ranked_accuracy_label="NN vs MNIST 的网络 / the NN of part 2, on the held-out digits",
        grading_view="hwkit.datasets.mnist:grading_view",
        probe_timeout_s=240.0,
    ),
    "a2": Assignment(
        id="a2",
        title=(
            "A2 NumPy 前向/反向传播 · 梯度消失 / "
            "NumPy forward & back-propagation · vanishing gradients"
        ),
        support_files=(SHIPPED_DATA_DIR / "xiaogege.csv",),
        timeout_s=300.0,
        memory_mb=4096,
        probe_timeout_s=30.0,
        verdict_timeout_s=30.0,
        max_reply_mb=16,
    ),
    "a3": Assignment(
        id="a3",
        title=(
            "A3 ImageNet-dog：DNN vs 浅层网络 / "
            "ImageNet-dog: a DNN vs the shallow baseline"
        ),
        timeout_s=600.0,
        memory_mb=8192,
        uses_tensorflow=True,
        prepare_module="hwkit.a3_budget",
        accuracies=("dnn",),
        ranked_accuracy="dnn",
        ranked_accuracy_label="DNN（按评分预算重新训练）/ your DNN, retrained under the budget",
        grading_view="hwkit.a3_budget:grading_view",
        probe_timeout_s=400.0,
        verdict_timeout_s=120.0,
        max_reply_mb=320,
    ),
}

PLANNED: dict[str, str] = {}


def get_assignment(assignment_id: str) -> Assignment:
    """The assignment with this id; a clear error naming the known ids otherwise."""
    key = assignment_id.strip().lower()
    if key in ASSIGNMENTS:
        return ASSIGNMENTS[key]
    known = ", ".join(sorted(ASSIGNMENTS))
    if key in PLANNED:
        raise KeyError(
            f"assignment '{key}' ({PLANNED[key]}) is not in this kit yet; available: {known}"
        )
    raise KeyError(f"unknown assignment '{assignment_id}'; available: {known}")
