"""a1 q9: its test cases (hwkit.testkit)."""

import numpy as np

from hwkit.assignments.a1.budget import budget_for
from hwkit.assignments.a1.training import held_out_labels, train_and_describe
from hwkit.datasets.mnist import load_mnist
from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    with probe():
        val_acc = student.nn_history["val_acc"][-1]
    assert val_acc > 0.9, (
        f"validation accuracy {val_acc:.1%} is below 90 %: try another LEARNING_RATE"
    )


@case(
    points=5,
    hidden=True,
    message="NN held-out accuracy: retrained with your code under the grading budget, your network does not reach the threshold on the held-out digits (check q6-q8 and LEARNING_RATE).",
)
def hidden_2():
    mn = load_mnist(verbose=False)
    b = budget_for("nn", mn.kind)
    seed, epochs, batch_size = (b.seed, b.epochs, b.batch_size)
    with probe():
        model = train_and_describe(
            student.build_nn, student.train_step, student.optimizer, seed, epochs, batch_size
        )
    pred = held_out_labels("nn", model, mn.X_test)
    acc = float(np.mean(pred == mn.y_test))
    assert acc >= b.threshold, (
        f"REPORT: below the bar {b.threshold:.0%} on the held-out digits (your public-part accuracy is in your report; {b.epochs} epochs on {mn.kind} MNIST, {len(mn.y_train)} training digits)"
    )
