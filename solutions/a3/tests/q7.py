"""a3 q7: its test cases (hwkit.testkit)."""

import keras
import numpy as np

from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    Z = np.random.default_rng(1).normal(5, 3, size=(64, 3))
    with probe():
        out = student.batchnorm_forward(Z, np.ones(3), np.zeros(3))
    assert out.shape == (64, 3), (
        "batchnorm_forward 的输出必须与 Z 形状相同 (m, n) = (64, 3)："
        "逐列归一化，不要改变形状 / "
        "batchnorm_forward must return an array shaped like Z, (m, n) = (64, 3): "
        "normalise each column, keep the shape"
    )
    assert np.allclose(out.mean(axis=0), 0, atol=1e-06) and np.allclose(
        out.std(axis=0), 1, atol=0.01
    ), (
        "gamma = 1、beta = 0 时，每一列的均值应为 0、标准差约为 1 / "
        "with gamma = 1, beta = 0 every column has mean 0 and sd about 1"
    )


@case(
    points=2,
    hidden=True,
    message="batchnorm_forward：与 gamma、beta、epsilon 相同的 keras.layers.BatchNormalization(training=True) 结果不同（用本批次的均值和有偏方差，即除以 m） / batchnorm_forward: differs from keras.layers.BatchNormalization(training=True) with the same gamma, beta and epsilon (use the batch mean and the biased variance, 1/m).",
)
def hidden_2():
    rng = np.random.default_rng(4701)
    Z = rng.normal(2.0, 3.0, size=(50, 6)).astype("float32")
    gamma, beta = (
        rng.uniform(0.5, 2, size=6).astype("float32"),
        rng.normal(size=6).astype("float32"),
    )
    layer = keras.layers.BatchNormalization(epsilon=0.001)
    layer.build((None, 6))
    _ = layer.gamma.assign(gamma)
    _ = layer.beta.assign(beta)
    with probe():
        got = student.batchnorm_forward(Z, gamma, beta, eps=0.001)
        got_eps = student.batchnorm_forward(Z, gamma, beta, eps=0.5)
    assert np.allclose(got, np.asarray(layer(Z, training=True)), atol=0.0001)
    assert np.allclose(
        got_eps, (Z - Z.mean(0)) / np.sqrt(Z.var(0) + 0.5) * gamma + beta, atol=0.0001
    )
