"""a3 q5: its test cases (hwkit.testkit)."""

import dataclasses

import numpy as np

from hwkit.assignments.a3 import budget as ab
from hwkit.assignments.a3 import retraining as ar
from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    budget = dataclasses.asdict(ar.current_budget())
    with probe():
        # The hidden tests' retraining of your DNN (shared with them: it runs once), and your
        # shallow net retrained under the same budget, both on the budget's validation images.
        dnn_val, shallow_val = ar.validation_accuracies(
            student.build_dnn,
            student.make_dnn_optimizer,
            ar.checked_batch_size(student.BATCH_SIZE),
            student.build_shallow,
            student.make_shallow_optimizer,
            ar.checked_batch_size(student.SHALLOW_BATCH_SIZE),
            int(student.SHALLOW_EPOCHS),
            ar.Budget(**budget),
        )
    assert dnn_val > shallow_val, (
        f"按评分预算重新训练后，在验证集图片上 DNN（{dnn_val:.1%}，{len(budget['student_seeds'])} "
        f"个种子的平均）应胜过浅层网络（{shallow_val:.1%}）：检查 q2-q4 和上面的设置 / "
        f"retrained under the grading budget, the DNN ({dnn_val:.1%}, mean of "
        f"{len(budget['student_seeds'])} seeds) should beat the shallow net ({shallow_val:.1%}) "
        "on the validation images: check q2-q4 and the settings above"
    )


@case(
    points=4,
    hidden=True,
    message="DNN 留出集准确率：在评分预算下用你的代码重新训练后，你的 DNN 平均准确率低于实测的门槛（检查 q2-q4、学习率、动量和批大小） / DNN held-out accuracy: retrained with your code under the grading budget, your DNN's mean accuracy is below the measured bar (check q2-q4, the learning rate, momentum and batch size).",
)
def hidden_2():
    import a3_reference as ref

    b = ab.current_budget()
    data = ab.grading_data(b)
    stats = ab.reference_stats(ref, data, b)
    budget = dataclasses.asdict(b)
    with probe():
        models = ab.student_dnn_models(
            student.build_dnn,
            student.make_dnn_optimizer,
            ab.checked_batch_size(student.BATCH_SIZE),
            ab.Budget(**budget),
        )
    assert len(models) == len(b.student_seeds)
    pred = ab.student_dnn_labels(models, data)
    acc = float(np.mean(pred == np.asarray(data.y_test)[None, :]))
    assert acc >= stats["threshold"], "REPORT: " + ab.describe(stats, b)


@case(
    points=2,
    hidden=True,
    message="DNN 对比浅层网络：用你的代码重新训练后，你的 DNN 没有按规定的差距胜过参考浅层网络 / DNN vs shallow: retrained with your code, your DNN does not beat the reference shallow net by the stated gap.",
)
def hidden_3():
    import a3_reference as ref

    b = ab.current_budget()
    data = ab.grading_data(b)
    stats = ab.reference_stats(ref, data, b)
    budget = dataclasses.asdict(b)
    with probe():
        models = ab.student_dnn_models(
            student.build_dnn,
            student.make_dnn_optimizer,
            ab.checked_batch_size(student.BATCH_SIZE),
            ab.Budget(**budget),
        )
    assert len(models) == len(b.student_seeds)
    pred = ab.student_dnn_labels(models, data)
    acc = float(np.mean(pred == np.asarray(data.y_test)[None, :]))
    assert acc >= stats["shallow_mean"] + b.gap, "REPORT: " + ab.describe(stats, b)
