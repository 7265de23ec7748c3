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
        J_edge = student.ova_cross_entropy(
            tf.constant(student.one_hot(np.array([3, 7]))), tf.constant(np.eye(2, 10, dtype="float32"))
        )
    assert np.ndim(J) == 0, "ova_cross_entropy 必须返回一个标量 / ova_cross_entropy must return a scalar"
    assert np.isclose(float(J), 10 * np.log(2), rtol=1e-05), (
        "h 处处为 0.5 时 J 应为 10 log 2（十个分类器，各 log 2）/ "
        "with h = 0.5 everywhere J should be 10 log 2 (ten classifiers, each log 2)"
    )
    assert np.isfinite(float(J_edge)), (
        "h 恰好为 0 或 1 时 J 变成了 inf/nan：先用 tf.clip_by_value(h, 1e-7, 1 - 1e-7) 截断 / "
        "with h exactly 0 or 1 your J is inf/nan: clip first with tf.clip_by_value(h, 1e-7, 1 - 1e-7)"
    )


@case(
    points=1,
    hidden=True,
    message="ova_cross_entropy：固定批次上的值与参考不同，或 h 恰好是 0 或 1 时不是有限值。应为对 m 个样本求平均、对 10 列求和的 -[y log h + (1 - y) log(1 - h)]，并先用 tf.clip_by_value(h, 1e-7, 1 - 1e-7) 截断 / ova_cross_entropy: on a fixed batch the value differs from -mean over samples of the sum over the 10 columns of [y log h + (1 - y) log(1 - h)], or it is not finite when some h is exactly 0 or 1 (clip first with tf.clip_by_value(h, 1e-7, 1 - 1e-7)).",
)
def hidden_2():
    import a1_reference as ref

    rng = np.random.default_rng(3201)
    Y = one_hot(rng.integers(0, 10, size=12))
    H = rng.uniform(0.05, 0.95, size=(12, 10)).astype("float32")
    H_edge = H.copy()
    H_edge[0, :3], H_edge[1, :3] = 0.0, 1.0  # without the clip log(0) makes J infinite
    with probe():
        J = student.ova_cross_entropy(tf.constant(Y), tf.constant(H))
        J_edge = student.ova_cross_entropy(tf.constant(Y), tf.constant(H_edge))
    assert np.isclose(
        float(J), float(ref.ova_cross_entropy(tf.constant(Y), tf.constant(H))), rtol=1e-05
    )
    assert np.isfinite(float(J_edge))


@case(
    points=1,
    hidden=True,
    message="ova_cross_entropy：对 A1 的梯度（用 tf.GradientTape 求）与参考不同：只用 TensorFlow 运算（不要 NumPy、不要 .numpy()），并对样本求平均 / ova_cross_entropy: its gradient with respect to A1 (through tf.GradientTape) differs from the reference: use TensorFlow ops only (no NumPy, no .numpy()) and the mean over samples.",
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
