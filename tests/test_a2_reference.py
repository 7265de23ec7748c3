"""The A2 reference solution (extracted from the master) against hand-computed values and
against an independent implementation: TensorFlow's automatic differentiation."""

import types

import nbformat
import numpy as np
import pytest

from hwkit.builder.master import extract_reference_source


@pytest.fixture(scope="module")
def ref(a2):
    """The reference module exactly as `hwkit build` extracts it from the master."""
    master = nbformat.read(a2.master, as_version=4)
    module = types.ModuleType(a2.reference_module)
    exec(compile(extract_reference_source(master, a2.title), a2.reference_module, "exec"),
         module.__dict__)
    module.DATA_PATH = str(next(f for f in a2.support_files if f.name == "xiaogege.csv"))
    return module


@pytest.fixture(scope="module")
def data(ref):
    X_raw, y = ref.load_xiaogege(ref.DATA_PATH)
    return ref.mean_normalize(X_raw), y


def test_normalisations_match_hand_computed_columns(ref):
    X = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 60.0]])
    assert np.allclose(ref.mean_normalize(X), [[-0.5, -0.4], [0, -0.2], [0.5, 0.6]])
    assert np.allclose(ref.min_max_normalize(X), [[-1, -1], [0, -0.6], [1, 1]])
    assert np.allclose(ref.z_score_normalize(X)[:, 0], [-np.sqrt(1.5), 0, np.sqrt(1.5)])


def test_sigmoid_and_its_derivative_at_known_points(ref):
    assert ref.sigmoid(0.0) == 0.5
    assert np.isclose(ref.sigmoid(np.log(3.0)), 0.75)
    assert np.isclose(ref.sigmoid_gradient(0.0), 0.25)
    assert np.isclose(ref.sigmoid_gradient(np.log(3.0)), 0.75 * 0.25)


def test_forward_and_backward_on_a_one_neuron_chain_by_hand(ref):
    """x = 0, w1 = [bias 0, 1], w2 = [bias 0, 2], y = 1: every number computed on paper."""
    weights = [np.array([[0.0, 1.0]]), np.array([[0.0, 2.0]])]
    cache = ref.forward(np.array([[0.0]]), weights)
    assert np.isclose(cache["a2"][0, 0], 0.5) and np.isclose(cache["z3"][0, 0], 1.0)
    a3 = 1 / (1 + np.exp(-1.0))
    grads = ref.backward(cache, np.array([[1.0]]), weights)
    assert np.allclose(grads["delta3"], a3 - 1)
    assert np.allclose(grads["D2"], [[a3 - 1, 0.5 * (a3 - 1)]])
    assert np.allclose(grads["delta2"], 2 * (a3 - 1) * 0.25)
    assert np.allclose(grads["D1"], [[2 * (a3 - 1) * 0.25, 0.0]])


def test_backward_matches_tensorflow_autodiff(ref):
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(9, 2))
    y = (rng.uniform(size=(9, 1)) > 0.5).astype(float)
    weights = ref.init_weights((2, 5, 3, 1), seed=3, scale=1.5)
    variables = [tf.Variable(w) for w in weights]
    with tf.GradientTape() as tape:
        a = tf.constant(X)
        for w in variables:
            a = tf.sigmoid(tf.concat([tf.ones((9, 1), tf.float64), a], axis=1) @ tf.transpose(w))
        loss = -tf.reduce_mean(y * tf.math.log(a) + (1 - y) * tf.math.log(1 - a))
    expected = tape.gradient(loss, variables)
    got = ref.backward(ref.forward(X, weights), y, weights)
    for layer, tf_grad in enumerate(expected, start=1):
        np.testing.assert_allclose(got[f"D{layer}"], tf_grad.numpy(), rtol=1e-10, atol=1e-14)
    assert np.isclose(ref.cross_entropy(ref.forward(X, weights)["a4"], y), float(loss))


def test_per_sample_loop_equals_vectorised_backward(ref, data):
    X, y = data
    weights = ref.init_weights(seed=5)
    vectorised = ref.backward(ref.forward(X, weights), y, weights)
    loop = ref.backward_loop(X, y, weights)
    for name in ("D1", "D2", "D3"):
        np.testing.assert_allclose(loop[name], vectorised[name], rtol=1e-12, atol=1e-15)


def test_gradient_check_accepts_right_and_flags_wrong_gradients(ref, data):
    X, y = data
    good = ref.gradient_check(X, y, ref.init_weights(seed=1))
    assert max(good) <= 1e-7, good

    def halved(cache, labels, weights):
        return {k: v / 2 for k, v in ref.backward(cache, labels, weights).items()}

    assert min(ref.gradient_check(X, y, ref.init_weights(seed=1), backward_fn=halved)) > 0.1


def test_one_training_step_is_w_minus_alpha_d(ref, data):
    X, y = data
    start = ref.init_weights(seed=2)
    grads = ref.backward(ref.forward(X, start), y, start)
    trained, losses = ref.train(X, y, alpha=0.5, iterations=1, seed=2)
    for layer, (w_after, w_before) in enumerate(zip(trained, start, strict=True), start=1):
        np.testing.assert_allclose(w_after, w_before - 0.5 * grads[f"D{layer}"])
    assert losses.shape == (1,)


def test_training_overfits_the_xiaogege_data(ref, data):
    """The slide: 成功过拟合. The 2-5-3-1 net fits the 50 rows far better than chance."""
    X, y = data
    weights, losses = ref.train(X, y)
    accuracy = np.mean(ref.predict(X, weights) == y)
    assert accuracy >= 0.9, accuracy
    assert losses[-1] < 0.5 * losses[0]


def test_vanishing_gradient_first_iteration_matches_the_slide(ref):
    """The slide prints a6 and delta6 to 9 significant digits and D(5) to 7."""
    first = ref.vanishing_gradient_experiment()[0]
    assert f"{first['a6']:.9g}" == "0.865990147"
    assert f"{first['delta6']:.9g}" == "-0.134009853"
    assert f"{first['D5']:.7g}" == "-0.1160472"


def test_vanishing_gradient_table_matches_tensorflow_and_shrinks_per_layer(ref):
    """Each iteration's D(l) equals TensorFlow's gradient of the cross-entropy w.r.t. w(l),
    given the weights that iteration used; every layer nearer the input gets a smaller |D|."""
    tf = pytest.importorskip("tensorflow")
    records = ref.vanishing_gradient_experiment()
    assert len(records) == 5
    for record in records:
        w = [tf.Variable(np.asarray(record[f"w{i}"], dtype=np.float64)) for i in range(1, 6)]
        b = [tf.constant(record[f"b{i}"], dtype=tf.float64) for i in range(1, 6)]
        with tf.GradientTape() as tape:
            a = tf.sigmoid(tf.tensordot(w[0], tf.constant(record["a1"]), 1) + b[0])
            for layer in range(1, 5):
                a = tf.sigmoid(w[layer] * a + b[layer])
            loss = -tf.math.log(a)  # y = 1
        grads = tape.gradient(loss, w)
        assert np.isclose(float(a), record["a6"], rtol=1e-12)
        for layer in range(1, 6):
            np.testing.assert_allclose(record[f"D{layer}"], grads[layer - 1].numpy(), rtol=1e-9)
        sizes = [np.linalg.norm(record[f"D{layer}"]) for layer in range(1, 6)]
        assert sizes == sorted(sizes), sizes
