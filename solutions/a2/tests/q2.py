"""a2 q2: its test cases (hwkit.testkit)."""

import numpy as np

from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    with probe():
        shape = np.shape(student.sigmoid(np.zeros((2, 3))))
        at0 = student.sigmoid(0.0)
    assert shape == (2, 3), "sigmoid 必须保持输入的形状 / sigmoid must keep the input's shape"
    assert np.allclose(at0, 0.5), "sigmoid(0) 应为 0.5 / sigmoid(0) should be 0.5"


@case(
    points=1,
    hidden=True,
    message="sigmoid：在 [-30, 30] 内的随机输入上，结果与 1 / (1 + exp(-z)) 不同 / sigmoid: values differ from 1 / (1 + exp(-z)) on random inputs in [-30, 30].",
)
def hidden_2():
    import a2_reference as ref

    z = np.random.default_rng(1201).uniform(-30, 30, size=(6, 7))
    with probe():
        got = student.sigmoid(z.copy())
    assert np.allclose(got, ref.sigmoid(z), rtol=1e-12, atol=1e-15)


@case(points=1)
def public_3():
    with probe():
        shape = np.shape(student.sigmoid_gradient(np.zeros(4)))
        at0 = student.sigmoid_gradient(0.0)
    assert shape == (4,), (
        "sigmoid_gradient 必须保持输入的形状 / sigmoid_gradient must keep the input's shape"
    )
    assert np.allclose(at0, 0.25), "g'(0) 应为 0.25 / g'(0) should be 0.25"


@case(
    points=1,
    hidden=True,
    message="sigmoid_gradient：在随机输入上，结果与 g(z) (1 - g(z)) 不同 / sigmoid_gradient: values differ from g(z) (1 - g(z)) on random inputs.",
)
def hidden_4():
    import a2_reference as ref

    z = np.random.default_rng(1202).normal(0, 4, size=(5, 3))
    with probe():
        got = student.sigmoid_gradient(z.copy())
    assert np.allclose(got, ref.sigmoid_gradient(z), rtol=1e-10, atol=1e-15)
