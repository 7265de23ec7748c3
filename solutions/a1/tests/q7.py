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
        J_edge = student.cross_entropy(
            tf.constant(student.one_hot(np.array([3, 7]))), tf.constant(np.eye(2, 10, dtype="float32"))
        )
    assert np.ndim(J) == 0, "cross_entropy 必须返回一个标量 / cross_entropy must return a scalar"
    assert np.isclose(float(J), 2 * np.log(10), rtol=1e-05), (
        "两个样本、A3 处处为 0.1：求和应为 2 log 10（是求和，不是平均）/ "
        "two samples with A3 = 0.1 everywhere: the sum is 2 log 10 (a sum, not a mean)"
    )
    assert np.isfinite(float(J_edge)), (
        "A3 里有 0 时 J 变成了 inf/nan：先用 tf.clip_by_value(A3, 1e-10, 1.0) 截断 / "
        "with zeros in A3 your J is inf/nan: clip first with tf.clip_by_value(A3, 1e-10, 1.0)"
    )


@case(
    points=1,
    hidden=True,
    message="cross_entropy：固定批次上的值与参考不同，或 A3 里有 0 时不是有限值。应为对所有样本和类别求和的 -y_ log A3（求和，不是平均），并先用 tf.clip_by_value(A3, 1e-10, 1.0) 截断 / cross_entropy: on a fixed batch the value differs from -sum over samples and classes of y_ log A3 (a sum, not a mean), or it is not finite when A3 has zeros (clip first with tf.clip_by_value(A3, 1e-10, 1.0)).",
)
def hidden_2():
    import a1_reference as ref

    rng = np.random.default_rng(3701)
    Y = one_hot(rng.integers(0, 10, size=9))
    P = tf.nn.softmax(tf.constant(rng.normal(0, 1, size=(9, 10)).astype("float32"))).numpy()
    P_edge = P.copy()
    P_edge[0] = Y[1]  # zeros in A3: log(0) without the clip
    with probe():
        J = student.cross_entropy(tf.constant(Y), tf.constant(P))
        J_edge = student.cross_entropy(tf.constant(Y), tf.constant(P_edge))
    assert np.isclose(
        float(J), float(ref.cross_entropy(tf.constant(Y), tf.constant(P))), rtol=1e-05
    )
    assert np.isfinite(float(J_edge))


@case(
    points=1,
    hidden=True,
    message="cross_entropy：对 A3 的梯度（用 tf.GradientTape 求）与参考不同：只用 TensorFlow 运算（不要 NumPy、不要 .numpy()）/ cross_entropy: its gradient with respect to A3 (through tf.GradientTape) differs from the reference: TensorFlow ops only (no NumPy, no .numpy()).",
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
