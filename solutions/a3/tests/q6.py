"""a3 q6: its test cases (hwkit.testkit)."""

import numpy as np

from hwkit.assignments.a3 import checks
from hwkit.testkit import case, probe, student


@case(points=1)
def public_1():
    with probe():
        d0 = student.sigmoid_derivative(0.0)
        d3 = student.sigmoid_derivative(np.array([-3.0, 3.0]))
        dmax = student.SIGMOID_DERIVATIVE_MAX
    assert np.isclose(d0, dmax), (
        "sigmoid_derivative(0) 应等于 SIGMOID_DERIVATIVE_MAX，即 g'(0) = 0.25 / "
        "sigmoid_derivative(0) must equal SIGMOID_DERIVATIVE_MAX, i.e. g'(0) = 0.25"
    )
    assert np.all(d3 < 0.25), (
        "sigmoid_derivative(±3) 应小于 0.25：g'(z) = g(z)(1 - g(z)) "
        "只在 z = 0 处取到最大值 0.25 / "
        "sigmoid_derivative(±3) must be below 0.25: "
        "g'(z) = g(z)(1 - g(z)) peaks at 0.25 only at z = 0"
    )


@case(
    points=1,
    hidden=True,
    message="sigmoid_derivative：结果与 g(z)(1 - g(z)) 不同（|z| 很大时也要检查：不能因溢出而得到 NaN） / sigmoid_derivative: values differ from g(z)(1 - g(z)) (check large |z| too: no overflow warnings turned into NaN).",
)
def hidden_2():
    z = np.array([[-30.0, -2.5, 0.0], [0.7, 4.0, 30.0]])
    with probe():
        got = student.sigmoid_derivative(z)
    g = 1 / (1 + np.exp(-z))
    assert np.shape(got) == (2, 3)
    assert np.allclose(got, g * (1 - g), rtol=1e-06, atol=1e-15)


@case(
    points=1,
    hidden=True,
    message="kernel_gradient_norms：范数与参考不同（损失用二元交叉熵的均值，每个 Dense kernel 一个范数，从第一层到最后一层）；并且 10 层 sigmoid 网络第一层得到的梯度必须远小于 ReLU 网络的 / kernel_gradient_norms: the norms differ from the reference's (mean binary cross-entropy, one norm per Dense kernel, first to last) — and the 10-layer sigmoid stack's first layer must get a much smaller gradient than ReLU's.",
)
def hidden_3():
    import a3_reference as ref

    rng = np.random.default_rng(4601)
    x = rng.normal(size=(64, 64)).astype("float32")
    y = (rng.uniform(size=64) > 0.5).astype("float32")
    m = ref.deep_stack("sigmoid", depth=4, width=8, seed=3)
    ws = m.get_weights()
    ws_sigmoid = ref.deep_stack("sigmoid").get_weights()
    ws_relu = ref.deep_stack("relu").get_weights()
    with probe():
        got = student.kernel_gradient_norms(checks.stack_from_weights("sigmoid", ws), x, y)
        sigmoid = student.kernel_gradient_norms(
            checks.stack_from_weights("sigmoid", ws_sigmoid), x, y
        )
        relu = student.kernel_gradient_norms(checks.stack_from_weights("relu", ws_relu), x, y)
    assert np.allclose(got, ref.kernel_gradient_norms(m, x, y), rtol=0.0001)
    assert len(sigmoid) == 11 and sigmoid[0] / sigmoid[-1] < 0.01 * (relu[0] / relu[-1])
