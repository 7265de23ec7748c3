"""A1: MNIST — a linear model, one vs all, and NN vs MNIST.

Its own modules: ``budget`` (how the hidden tests retrain, the bars), ``heldout`` (the
held-out labels, grader only) and
``training`` (the notebook's ``fit`` loop, and the retraining the accuracy probes run).
"""

from hwkit.assignments.spec import Assignment, Samples, TaskResources

ASSIGNMENT = Assignment(
    id="a1",
    title=("A1 MNIST：一对多逻辑回归 · NN vs MNIST / "
           "MNIST: one-vs-all logistic regression · NN vs MNIST"),
    timeout_s=600.0,
    memory_mb=8192,
    uses_tensorflow=True,
    student_kit=True,
    accuracies=("ova", "nn"),
    ranked_accuracy="nn",
    ranked_accuracy_label="NN vs MNIST 的网络 / the NN of part 2, on the held-out digits",
    heldout_labels="hwkit.assignments.a1.heldout:heldout_labels",
    grading_view="hwkit.datasets.mnist:grading_view",
    probe_timeout_s=240.0,
    resources=TaskResources(memory_gib=4, cpus_from_threads=True, gpu_fraction=0.25,
                            typical_s=45),
    samples=Samples(mutated={
        "wrong_activation": ((
            'A2 = keras.layers.Dense(units=128, activation="relu")(A1)',
            'A2 = keras.layers.Dense(units=128, activation="sigmoid")(A1)',
        ),),
        "slow_learner": (("LEARNING_RATE = 0.002", "LEARNING_RATE = 1e-06"),),
    }),
)
