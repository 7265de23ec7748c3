"""a1 q8: its test cases (hwkit.testkit)."""

import keras
import numpy as np
import tensorflow as tf

from hwkit.datasets.mnist import one_hot
from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    with probe():
        m = student.build_nn()
        before = [w.copy() for w in m.get_weights()]
        J_before = float(student.cross_entropy(tf.constant(student.Y_train[:8]), m(tf.constant(student.X_train[:8]))))
        loss = student.train_step(
            m,
            keras.optimizers.SGD(learning_rate=0.001),
            tf.constant(student.X_train[:8]),
            tf.constant(student.Y_train[:8]),
        )
        after = m.get_weights()
    assert np.ndim(loss) == 0, "train_step 必须返回这一批的损失（标量）/ train_step must return the batch's loss, a scalar"
    assert any((not np.allclose(a, b) for a, b in zip(before, after, strict=True))), (
        "train_step 必须更新权重 / train_step must change the weights"
    )
    assert np.isclose(float(loss), J_before, rtol=0.0001), (
        "train_step 应返回这一步之前的损失（在 apply_gradients 之前算出的那个）/ "
        "train_step must return the loss before the step (the one computed before apply_gradients)"
    )


@case(
    points=2,
    hidden=True,
    message="train_step：从固定的权重出发，一步必须让三层的每个权重和偏置恰好移动 -learning_rate * 梯度，并返回这一步之前的损失（在 model.trainable_variables 上用 tape.gradient，再 optimizer.apply_gradients；本测试用正确的 cross_entropy 代替你的）/ train_step: from fixed weights, one step must move every weight and bias of the three layers by exactly -learning_rate * gradient and return the loss before the step (tape.gradient over model.trainable_variables, then optimizer.apply_gradients; this test runs it with a correct cross_entropy in place of yours).",
)
def hidden_2():
    import a1_reference as ref

    rng = np.random.default_rng(3801)
    r = ref.build_nn()
    ws = [rng.normal(0, 0.08, size=w.shape).astype("float32") for w in r.get_weights()]
    x = rng.uniform(0, 1, size=(8, 784)).astype("float32")
    y = one_hot(rng.integers(0, 10, size=8))
    with probe():
        m = keras.Sequential(
            [
                keras.Input(shape=(784,)),
                keras.layers.Dense(units=256, activation="relu"),
                keras.layers.Dense(units=128, activation="relu"),
                keras.layers.Dense(units=10, activation="softmax"),
            ]
        )
        m.set_weights(ws)
        # q8 judges train_step alone: a correct cross_entropy stands in for the notebook's while it runs
        notebook = getattr(student.train_step, "python_function", student.train_step).__globals__
        own = notebook.get("cross_entropy")
        notebook["cross_entropy"] = lambda y_, A3: -tf.reduce_sum(y_ * tf.math.log(tf.clip_by_value(A3, 1e-10, 1.0)))
        try:
            step_loss = student.train_step(
                m, keras.optimizers.SGD(learning_rate=0.01), tf.constant(x), tf.constant(y)
            )
        finally:
            notebook["cross_entropy"] = own
        w1 = [v.numpy() for v in m.trainable_variables]
    r.set_weights(ws)
    w0 = [v.numpy().copy() for v in r.trainable_variables]
    with tf.GradientTape() as tape:
        J = ref.cross_entropy(tf.constant(y), r(tf.constant(x), training=True))
    _g = [g.numpy() for g in tape.gradient(J, r.trainable_variables)]
    assert all(
        (
            np.allclose(v, w - 0.01 * g, rtol=0.0001, atol=1e-06)
            for v, w, g in zip(w1, w0, _g, strict=True)
        )
    )
    assert np.ndim(step_loss) == 0 and np.isclose(float(np.asarray(step_loss)), float(J), rtol=0.0001)
