"""a1 q4: its test cases (hwkit.testkit)."""

import numpy as np

from hwkit.assignments.a1.budget import budget_for
from hwkit.assignments.a1.training import held_out_labels, train_and_describe
from hwkit.datasets.mnist import load_mnist
from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    with probe():
        val_acc = student.ova_history["val_acc"][-1]
    assert val_acc > 0.85, (
        f"validation accuracy {val_acc:.1%} is below 85 %: try another OVA_LEARNING_RATE"
    )


@case(
    points=4,
    hidden=True,
    message="one-vs-all held-out accuracy: retrained with your code under the grading budget, your model does not reach the threshold on the held-out digits (check q1-q3 and OVA_LEARNING_RATE).",
)
def hidden_2():
    mn = load_mnist(verbose=False)
    b = budget_for("ova", mn.kind)
    seed, epochs, batch_size = (b.seed, b.epochs, b.batch_size)
    with probe():
        model = train_and_describe(
            student.build_ova_model,
            student.ova_train_step,
            student.ova_optimizer,
            seed,
            epochs,
            batch_size,
        )
    pred = held_out_labels("ova", model, mn.X_test)
    acc = float(np.mean(pred == mn.y_test))
    assert acc >= b.threshold, (
        f"REPORT: below the bar {b.threshold:.0%} on the held-out digits (your public-part accuracy is in your report; {b.epochs} epochs on {mn.kind} MNIST, {len(mn.y_train)} training digits)"
    )
