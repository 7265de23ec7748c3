"""a3 q4: its test cases (hwkit.testkit)."""

import numpy as np

from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    with probe():
        s = student.make_lr_schedule(0.1, 34)
        lr0, lr34 = (float(s(0)), float(s(34)))
    assert np.isclose(lr0, 0.1), (
        "第 0 步的学习率应等于初始学习率 / at step 0 the rate is the initial rate"
    )
    assert np.isclose(lr34, 0.098, rtol=1e-05), (
        "一个 epoch（34 步）之后学习率应为 0.1 * 0.98 / after one epoch (34 steps) it is 0.1 * 0.98"
    )


@case(
    points=1,
    hidden=True,
    message="make_lr_schedule：第 17、340、3400 步的学习率必须为 initial_lr * 0.98 ** (step / steps_per_epoch)（平滑衰减，decay_steps = steps_per_epoch） / make_lr_schedule: the values at steps 17, 340 and 3400 must be initial_lr * 0.98 ** (step / steps_per_epoch) (smooth decay, decay_steps = steps_per_epoch).",
)
def hidden_2():
    steps = (17, 340, 3400)
    with probe():
        s = student.make_lr_schedule(0.05, 34)
        lrs = {step: float(s(step)) for step in steps}
    for step in steps:
        assert np.isclose(lrs[step], 0.05 * 0.98 ** (step / 34), rtol=1e-05), step
