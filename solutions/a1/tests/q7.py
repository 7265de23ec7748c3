"""a1 q7: its test cases (hwkit.testkit)."""

import numpy as np
import tensorflow as tf

from hwkit.datasets.mnist import one_hot
from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    with probe():
        J = student.cross_entropy(
            tf.constant(student.one_hot(np.array([3, 7]))), tf.fill((2, 10), 0.1)
        )
    assert np.ndim(J) == 0, "cross_entropy must return a scalar"
    assert np.isclose(float(J), 2 * np.log(10), rtol=1e-05), (
        "two samples with A3 = 0.1 everywhere: the sum is 2 log 10"
    )


@case(
    points=1,
    hidden=True,
    message="cross_entropy: the value on a fixed batch differs from -sum over samples and classes of y_ log A3 (a sum, not a mean).",
)
def hidden_2():
    import a1_reference as ref

    rng = np.random.default_rng(3701)
    Y = one_hot(rng.integers(0, 10, size=9))
    P = tf.nn.softmax(tf.constant(rng.normal(0, 1, size=(9, 10)).astype("float32"))).numpy()
    with probe():
        J = student.cross_entropy(tf.constant(Y), tf.constant(P))
    assert np.isclose(
        float(J), float(ref.cross_entropy(tf.constant(Y), tf.constant(P))), rtol=1e-05
    )


@case(
    points=1,
    hidden=True,
    message="cross_entropy: its gradient with respect to A3 (through tf.GradientTape) differs from the reference: TensorFlow ops only (no NumPy, no .numpy()).",
)
def hidden_3():
    import a1_reference as ref

    rng = np.random.default_rng(3702)
    Y = one_hot(rng.integers(0, 10, size=9))
    P = tf.nn.softmax(tf.constant(rng.normal(0, 1, size=(9, 10)).astype("float32"))).numpy()
    with probe():
        Pv = tf.Variable(P)
        with tf.GradientTape() as tape:
            J = student.cross_entropy(tf.constant(Y), Pv)
        g = tape.gradient(J, Pv)
    Pr = tf.Variable(P)
    with tf.GradientTape() as tape:
        Jr = ref.cross_entropy(tf.constant(Y), Pr)
    gr = tape.gradient(Jr, Pr)
    assert g is not None
    assert np.allclose(np.asarray(g), np.asarray(gr), rtol=0.0001, atol=1e-06)
