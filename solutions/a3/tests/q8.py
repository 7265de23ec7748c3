"""a3 q8: its test cases (hwkit.testkit)."""

import keras
import numpy as np

from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    with probe():
        inverse, exponential = (
            student.inverse_time_decay(0.1, 1.0, 1),
            student.exponential_decay(0.1, 0.5, 2),
        )
    assert np.isclose(inverse, 0.05) and np.isclose(exponential, 0.025), (
        "inverse_time_decay(0.1, 1.0, 1) 应为 0.1/(1 + 1.0 * 1) = 0.05，"
        "exponential_decay(0.1, 0.5, 2) 应为 0.5 ** 2 * 0.1 = 0.025 / "
        "inverse_time_decay(0.1, 1.0, 1) must be 0.1/(1 + 1.0 * 1) = 0.05 and "
        "exponential_decay(0.1, 0.5, 2) must be 0.5 ** 2 * 0.1 = 0.025"
    )


@case(
    points=1,
    hidden=True,
    message="inverse_time_decay：在一组迭代次数上，结果与 keras.optimizers.schedules.InverseTimeDecay(lr0, decay_steps=1, decay_rate) 不同 / inverse_time_decay: differs from keras.optimizers.schedules.InverseTimeDecay(lr0, decay_steps=1, decay_rate) on an array of iterations.",
)
def hidden_2():
    it = np.array([0, 1, 7, 250])
    schedule = keras.optimizers.schedules.InverseTimeDecay(0.3, decay_steps=1, decay_rate=0.05)
    with probe():
        got = student.inverse_time_decay(0.3, 0.05, it)
    assert np.allclose(got, [float(schedule(int(t))) for t in it], rtol=1e-05)


@case(
    points=1,
    hidden=True,
    message="exponential_decay：在一组迭代次数上，结果与 keras.optimizers.schedules.ExponentialDecay(lr0, decay_steps=1, decay_rate) 不同 / exponential_decay: differs from keras.optimizers.schedules.ExponentialDecay(lr0, decay_steps=1, decay_rate) on an array of iterations.",
)
def hidden_3():
    it = np.array([0, 1, 7, 250])
    schedule = keras.optimizers.schedules.ExponentialDecay(0.3, decay_steps=1, decay_rate=0.97)
    with probe():
        got = student.exponential_decay(0.3, 0.97, it)
    assert np.allclose(got, [float(schedule(int(t))) for t in it], rtol=1e-05)
