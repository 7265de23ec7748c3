"""a1 q2: its test cases (hwkit.testkit)."""

import numpy as np
import tensorflow as tf

from hwkit.datasets.mnist import one_hot
from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    with probe():
        J = student.ova_cross_entropy(
            tf.constant(student.one_hot(np.array([3, 7]))), tf.fill((2, 10), 0.5)
        )
    assert np.ndim(J) == 0, "ova_cross_entropy must return a scalar"
    assert np.isclose(float(J), 10 * np.log(2), rtol=1e-05), (
        "with h = 0.5 everywhere J should be 10 log 2 (ten classifiers, each log 2)"
    )


@case(
    points=1,
    hidden=True,
    message="ova_cross_entropy: the value on a fixed batch differs from -mean over samples of the sum over the 10 columns of [y log h + (1 - y) log(1 - h)].",
)
def hidden_2():
    import a1_reference as ref

    rng = np.random.default_rng(3201)
    Y = one_hot(rng.integers(0, 10, size=12))
    H = rng.uniform(0.05, 0.95, size=(12, 10)).astype("float32")
    with probe():
        J = student.ova_cross_entropy(tf.constant(Y), tf.constant(H))
    assert np.isclose(
        float(J), float(ref.ova_cross_entropy(tf.constant(Y), tf.constant(H))), rtol=1e-05
    )


@case(
    points=1,
    hidden=True,
    message="ova_cross_entropy: its gradient with respect to A1 (through tf.GradientTape) differs from the reference: use TensorFlow ops only (no NumPy, no .numpy()) and the mean over samples.",
)
def hidden_3():
    import a1_reference as ref

    rng = np.random.default_rng(3202)
    Y = one_hot(rng.integers(0, 10, size=12))
    H = rng.uniform(0.05, 0.95, size=(12, 10)).astype("float32")
    with probe():
        Hv = tf.Variable(H)
        with tf.GradientTape() as tape:
            J = student.ova_cross_entropy(tf.constant(Y), Hv)
        g = tape.gradient(J, Hv)
    Hr = tf.Variable(H)
    with tf.GradientTape() as tape:
        Jr = ref.ova_cross_entropy(tf.constant(Y), Hr)
    gr = tape.gradient(Jr, Hr)
    assert g is not None
    assert np.allclose(np.asarray(g), np.asarray(gr), rtol=0.0001, atol=1e-06)
