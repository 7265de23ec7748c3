"""a1 q3: its test cases (hwkit.testkit)."""

import keras
import numpy as np
import tensorflow as tf

from hwkit.datasets.mnist import one_hot
from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    with probe():
        m = student.build_ova_model()
        before = [w.copy() for w in m.get_weights()]
        J_before = float(student.ova_cross_entropy(tf.constant(student.Y_train[:8]), m(tf.constant(student.X_train[:8]))))
        loss = student.ova_train_step(
            m,
            keras.optimizers.SGD(learning_rate=0.1),
            tf.constant(student.X_train[:8]),
            tf.constant(student.Y_train[:8]),
        )
        after = m.get_weights()
    assert np.ndim(loss) == 0, "ova_train_step 必须返回这一批的损失（标量）/ ova_train_step must return the batch's loss, a scalar"
    assert any((not np.allclose(a, b) for a, b in zip(before, after, strict=True))), (
        "ova_train_step 必须更新权重 / ova_train_step must change the weights"
    )
    assert np.isclose(float(loss), J_before, rtol=0.0001), (
        "ova_train_step 应返回这一步之前的损失（在 apply_gradients 之前算出的那个）/ "
        "ova_train_step must return the loss before the step (the one computed before apply_gradients)"
    )


@case(
    points=2,
    hidden=True,
    message="ova_train_step：从固定的权重出发，一步必须让每个权重恰好移动 -learning_rate * dJ/dtheta，并返回这一步之前的损失（在 model.trainable_variables 上用 tape.gradient，再 optimizer.apply_gradients；本测试用正确的 ova_cross_entropy 代替你的）/ ova_train_step: from fixed weights, one step must move every weight by exactly -learning_rate * dJ/dtheta and return the loss before the step (tape.gradient on the model's trainable_variables, then optimizer.apply_gradients; this test runs it with a correct ova_cross_entropy in place of yours).",
)
def hidden_2():
    import a1_reference as ref

    rng = np.random.default_rng(3301)
    r = ref.build_ova_model()
    ws = [rng.normal(0, 0.05, size=w.shape).astype("float32") for w in r.get_weights()]
    x = rng.uniform(0, 1, size=(8, 784)).astype("float32")
    y = one_hot(rng.integers(0, 10, size=8))
    with probe():
        m = keras.Sequential(
            [keras.Input(shape=(784,)), keras.layers.Dense(units=10, activation="sigmoid")]
        )
        m.set_weights(ws)
        # q3 judges ova_train_step alone: a correct ova_cross_entropy stands in for the notebook's while it runs
        notebook = getattr(student.ova_train_step, "python_function", student.ova_train_step).__globals__
        own = notebook.get("ova_cross_entropy")
        notebook["ova_cross_entropy"] = lambda y_, A1: -tf.reduce_mean(tf.reduce_sum(y_ * tf.math.log(tf.clip_by_value(A1, 1e-7, 1 - 1e-7)) + (1 - y_) * tf.math.log(1 - tf.clip_by_value(A1, 1e-7, 1 - 1e-7)), axis=1))
        try:
            step_loss = student.ova_train_step(
                m, keras.optimizers.SGD(learning_rate=0.5), tf.constant(x), tf.constant(y)
            )
        finally:
            notebook["ova_cross_entropy"] = own
        w1 = [v.numpy() for v in m.trainable_variables]
    r.set_weights(ws)
    w0 = [v.numpy().copy() for v in r.trainable_variables]
    with tf.GradientTape() as tape:
        J = ref.ova_cross_entropy(tf.constant(y), r(tf.constant(x), training=True))
    _g = [g.numpy() for g in tape.gradient(J, r.trainable_variables)]
    assert all(
        (
            np.allclose(v, w - 0.5 * g, rtol=0.0001, atol=1e-06)
            for v, w, g in zip(w1, w0, _g, strict=True)
        )
    )
    assert np.ndim(step_loss) == 0 and np.isclose(float(np.asarray(step_loss)), float(J), rtol=0.0001)
