"""a1 q9: its test cases (hwkit.testkit)."""

import numpy as np

from hwkit.assignments.a1.budget import budget_for
from hwkit.assignments.a1.heldout import held_out_labels
from hwkit.assignments.a1.training import train_and_describe, validation_accuracy
from hwkit.datasets.mnist import load_mnist
from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    with probe():
        b = budget_for("nn", student.mnist.kind)
        val_acc = validation_accuracy(
            student.build_nn,
            student.train_step,
            student.optimizer,
            b.seed,
            b.epochs,
            b.batch_size,
        )
        bar, epochs = b.threshold, b.epochs
    assert val_acc >= bar, (
        f"按评分预算重新训练（固定种子、{epochs} 个 epoch）后，验证集准确率 {val_acc:.1%} 低于 {bar:.0%}："
        f"检查 q6-q8，或换一个 LEARNING_RATE / retrained under the grading budget (fixed seed, {epochs} epochs) "
        f"your validation accuracy {val_acc:.1%} is below {bar:.0%}: check q6-q8 or try another LEARNING_RATE"
    )


@case(
    points=5,
    hidden=True,
    message="NN 的留出集准确率：用你的代码按评分预算重新训练后，你的网络在留出的数字上没有达到门槛（检查 q6-q8 和 LEARNING_RATE）/ NN held-out accuracy: retrained with your code under the grading budget, your network does not reach the threshold on the held-out digits (check q6-q8 and LEARNING_RATE).",
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
        f"REPORT: 留出集上低于门槛 {b.threshold:.0%}（公开部分的准确率见你的报告；{b.epochs} 个 epoch，{mn.kind} MNIST，{len(mn.y_train)} 张训练图）/ below the bar {b.threshold:.0%} on the held-out digits (your public-part accuracy is in your report; {b.epochs} epochs on {mn.kind} MNIST, {len(mn.y_train)} training digits)"
    )
