"""A2: NumPy forward and back-propagation on the 小哥哥 data, and the vanishing gradient.

Pure NumPy: no dataset view (its data file ships with the release), no TensorFlow.
"""

from hwkit.assignments.spec import Assignment, Samples, TaskResources
from hwkit.datapaths import SHIPPED_DATA_DIR

ASSIGNMENT = Assignment(
    id="a2",
    title=("A2 NumPy 前向/反向传播 · 梯度消失 / "
           "NumPy forward & back-propagation · vanishing gradients"),
    support_files=(SHIPPED_DATA_DIR / "xiaogege.csv",),
    timeout_s=300.0,
    memory_mb=4096,
    probe_timeout_s=30.0,
    verdict_timeout_s=30.0,
    max_reply_mb=16,
    resources=TaskResources(memory_gib=1, typical_s=7),
    samples=Samples(partial={"forward_only": ("sigmoid", "forward", "cross_entropy")},
                    broken={"broken_forward": "forward"}),
)
