"""A3: ImageNet-dog — a DNN against the shallow "50 %" baseline.

Its own modules: ``budget`` (the grading budget, the measured bars, the step before a batch,
the kernels' data view, the held-out labels), ``training`` (the notebook's training loop,
shared with the hidden tests) and ``checks`` (a student's network inspected as data).
"""

from hwkit.assignments.spec import Assignment, Samples, TaskResources

ASSIGNMENT = Assignment(
    id="a3",
    title=("A3 ImageNet-dog：DNN vs 浅层网络 / "
           "ImageNet-dog: a DNN vs the shallow baseline"),
    timeout_s=600.0,
    memory_mb=8192,
    uses_tensorflow=True,
    student_kit=True,
    prepare_module="hwkit.assignments.a3.budget",
    accuracies=("dnn",),
    ranked_accuracy="dnn",
    ranked_accuracy_label="DNN（按评分预算重新训练）/ your DNN, retrained under the budget",
    heldout_labels="hwkit.assignments.a3.budget:heldout_labels",
    grading_view="hwkit.assignments.a3.budget:grading_view",
    probe_timeout_s=400.0,
    verdict_timeout_s=120.0,
    max_reply_mb=320,
    resources=TaskResources(memory_gib=4, cpus_from_threads=True, gpu_fraction=0.25,
                            typical_s=40),
    samples=Samples(mutated={
        # A DNN built without batch-norm (and so without the dropout that BN's noise replaces)
        "no_batchnorm": (
            ("    z = keras.layers.BatchNormalization(momentum=0.9)(z)\n", ""),
            ("DROPOUT = 0.3\n", "DROPOUT = 0.0\n"),
        ),
    }),
)
