"""The 小哥哥 dataset: the committed CSV, its slide statistics and why it needs a hidden layer."""

from itertools import combinations

import numpy as np
import pytest

from hwkit.datasets import xiaogege

SLIDE = np.array(xiaogege.SLIDE_ROWS)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return xiaogege.load()


def mean_normalise(X: np.ndarray) -> np.ndarray:
    return (X - X.mean(axis=0)) / (X.max(axis=0) - X.min(axis=0))


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def with_bias(a: np.ndarray) -> np.ndarray:
    return np.hstack([np.ones((len(a), 1)), a])


def logistic_regression_accuracy(X: np.ndarray, y: np.ndarray, iters: int, lr: float) -> float:
    """Full-batch gradient descent on cross-entropy from w = 0; training accuracy."""
    A = with_bias(X)
    w = np.zeros(A.shape[1])
    for _ in range(iters):
        w -= lr * A.T @ (sigmoid(A @ w) - y) / len(y)
    return float(((sigmoid(A @ w) > 0.5) == y).mean())


def network_accuracy(X: np.ndarray, y: np.ndarray, iters: int, lr: float, seed: int) -> float:
    """A 2-5-3-1 all-sigmoid net with bias inputs, full-batch GD on cross-entropy."""
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(-1, 1, (n_in + 1, n_out)) for n_in, n_out in ((2, 5), (5, 3), (3, 1))]
    target = y[:, None]
    for _ in range(iters):
        activations = [X]
        for W in weights:
            activations.append(sigmoid(with_bias(activations[-1]) @ W))
        delta = (activations[-1] - target) / len(y)  # cross-entropy + sigmoid output
        for layer in reversed(range(len(weights))):
            grad = with_bias(activations[layer]).T @ delta
            a = activations[layer]
            delta = (delta @ weights[layer][1:].T) * a * (1 - a)
            weights[layer] -= lr * grad
    return float(((activations[-1][:, 0] > 0.5) == y).mean())


def test_generator_rebuilds_the_committed_csv_byte_for_byte(tmp_path):
    rebuilt = tmp_path / "xiaogege.csv"
    xiaogege.write_csv(rebuilt, *xiaogege.generate(xiaogege.SEED))
    assert rebuilt.read_bytes() == xiaogege.default_path().read_bytes()


def test_shape_labels_and_slide_rows_first(data):
    X, y = data
    assert X.shape == (50, 2) and X.dtype == np.float64
    assert y.shape == (50,) and y.dtype == np.int64
    assert set(np.unique(y)) == {0, 1}
    np.testing.assert_array_equal(X[:5], SLIDE)
    np.testing.assert_array_equal(y[:5], 1)


def test_loaded_values_equal_the_generator_output(data):
    X, y = xiaogege.generate()
    np.testing.assert_array_equal(data[0], X)
    np.testing.assert_array_equal(data[1], y)


def test_mean_normalisation_reproduces_the_slide_values(data):
    """Rounded as the slide prints them (6 decimals; the negative one 5) and near full precision."""
    norm = mean_normalise(data[0])[:5]
    printed = np.array(xiaogege.SLIDE_NORMALISED_PRINTED)
    for i, j in np.ndindex(printed.shape):
        decimals = xiaogege.SLIDE_PRINTED_DECIMALS[i][j]
        assert round(float(norm[i, j]), decimals) == printed[i, j], (i, j, norm[i, j])
    np.testing.assert_allclose(norm, xiaogege.SLIDE_NORMALISED_FULL, rtol=0, atol=1e-6)


def test_other_seeds_keep_the_slide_rows_and_statistics():
    X, y = xiaogege.generate(seed=1)
    np.testing.assert_array_equal(X[:5], SLIDE)
    assert not np.array_equal(X, xiaogege.generate()[0])
    assert (xiaogege.slide_rounding_margins(X) > 0).all()


def test_classes_are_not_linearly_separable(data):
    """A point of one class strictly inside a triangle of the other: no line separates them."""
    X, y = data
    X = mean_normalise(X)
    for label in (0, 1):
        inside, corners = X[y != label], X[y == label]
        tri = corners[np.array(list(combinations(range(len(corners)), 3)))]  # (t, 3, 2)
        a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
        # Barycentric coordinates of every point in every triangle: (t, p).
        m = np.stack([b - a, c - a], axis=-1)  # (t, 2, 2)
        ok = np.abs(np.linalg.det(m)) > 1e-12
        rel = inside[None, :, :] - a[ok][:, None, :]
        uv = np.linalg.solve(m[ok][:, None], rel[..., None])[..., 0]
        u, v = uv[..., 0], uv[..., 1]
        if ((u > 1e-9) & (v > 1e-9) & (u + v < 1 - 1e-9)).any():
            return
    pytest.fail("no point lies inside a triangle of the other class")


def test_hidden_layers_beat_logistic_regression(data):
    X, y = data
    X = mean_normalise(X)
    lr_acc = logistic_regression_accuracy(X, y, iters=20_000, lr=1.0)
    nn_acc = network_accuracy(X, y, iters=20_000, lr=2.0, seed=0)
    assert nn_acc >= 0.9, f"2-5-3-1 net train accuracy {nn_acc:.2f} < 0.90"
    assert nn_acc - lr_acc >= 0.04, f"net {nn_acc:.2f} vs logistic regression {lr_acc:.2f}"


def test_load_missing_file_names_the_file(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        xiaogege.load(missing)


@pytest.mark.parametrize(
    "text",
    [
        "h,s,y\n1.7,5000,1\n",
        "height_m,salary_yuan_per_month,popular\n1.7,lots,1\n",
        "height_m,salary_yuan_per_month,popular\n1.7,5000.000,2\n",
        "height_m,salary_yuan_per_month,popular\n1.7,5000.000\n",
    ],
    ids=["bad-header", "not-a-number", "bad-label", "missing-field"],
)
def test_load_malformed_file_names_the_file(tmp_path, text):
    bad = tmp_path / "broken.csv"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="broken.csv"):
        xiaogege.load(bad)
