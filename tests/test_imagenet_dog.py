"""ImageNet-dog data: the dog/other folders, the ImageNet-tree path, the cache and its manifest,
bad files, the stand-in's refusal offline, and the tf.data pipeline.

The real photos come from ../shared/data (never copied); tests that need them skip where this
workplace has none. The mechanics tests write small generated JPEGs into tmp folders.
"""

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hwkit.datasets import imagenet_dog, imagenet_sources
from hwkit.datasets.imagenet_dog import ImageNetDogDataError, held_out_count, load_imagenet_dog
from hwkit.datasets.imagenet_sources import DOG_WNIDS, select_from_imagenet_tree
from tests.conftest import SHARED_DATA

needs_shared = pytest.mark.skipif(not (SHARED_DATA / "imagenet_dog").is_dir(),
                                  reason="no ../shared/data/imagenet_dog here")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HWKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HWKIT_OFFLINE", "1")


def _photo(path: Path, shade: int, size=(48, 40), mode="RGB") -> Path:
    rng = np.random.default_rng(shade)
    pixels = np.clip(shade + rng.normal(0, 20, (*size[::-1], 3)), 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels, mode="RGB").convert(mode)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def _folder_set(root: Path, dogs: int = 10, others: int = 10) -> Path:
    folder = root / "imagenet_dog"
    for i in range(dogs):
        _photo(folder / "dog" / f"d{i}.jpg", 200)
    for i in range(others):
        _photo(folder / "other" / f"o{i}.png", 40)
    return folder


def _sha256_of_arrays(cache_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in imagenet_dog.ARRAYS:
        digest.update((cache_dir / f"{name}.npy").read_bytes())
    return digest.hexdigest()


def test_dog_synsets_are_the_118_ilsvrc_dog_classes():
    assert len(DOG_WNIDS) == 118
    assert min(DOG_WNIDS) == "n02085620" and max(DOG_WNIDS) == "n02113978"
    sample_labels = SHARED_DATA / "imagenet_sample" / "labels.csv"
    if sample_labels.is_file():
        with sample_labels.open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        dogs = {r["wnid"] for r in rows if 151 <= int(r["imagenet_class_index"]) <= 268}
        assert dogs == DOG_WNIDS


def test_slide_split_size_for_full_sets_and_a_fifth_for_small_ones():
    assert held_out_count(42_214) == 5_000
    assert held_out_count(6_000) == 1_200
    assert held_out_count(24_999) == 5_000


@needs_shared
def test_shared_folder_set_is_cached_split_and_described(tmp_path):
    data = load_imagenet_dog(32, data_dir=SHARED_DATA / "imagenet_dog", verbose=False)
    assert data.X_train.shape == (4_800, 32, 32) and data.X_test.shape == (1_200, 32, 32)
    assert data.X_train.dtype == np.uint8 and not data.X_train.flags.writeable
    assert data.manifest["counts"] == {"train": {"dog": 2400, "other": 2400},
                                       "test": {"dog": 600, "other": 600}}
    assert data.manifest["skipped"]["count"] == 0
    assert data.manifest["sha256"] == _sha256_of_arrays(data.cache_dir)
    assert data.cache_dir.is_relative_to(tmp_path / "cache")  # shared data stays read-only
    assert not (SHARED_DATA / "imagenet_dog" / "cache").exists()
    assert 60 < data.X_train.std() < 90  # real photos, not blank frames
    again = load_imagenet_dog(32, data_dir=SHARED_DATA / "imagenet_dog", verbose=False)
    assert again.cache_dir == data.cache_dir and again.manifest == data.manifest
    other_seed = load_imagenet_dog(32, data_dir=SHARED_DATA / "imagenet_dog", seed=1,
                                   verbose=False)
    assert other_seed.manifest["sha256"] != data.manifest["sha256"]
    X, y = data.flat("test")
    assert X.shape == (1_200, 1_024) and X.dtype == np.float32 and 0 <= X.min() < X.max() <= 1
    assert set(np.unique(y)) == {0, 1}


@needs_shared
def test_imagenet_tree_path_selects_by_synset_and_builds_from_the_command_line(tmp_path):
    """imagenet_sample's 1,000 photos regrouped into one folder per synset, as in ILSVRC."""
    tree = tmp_path / "train"
    for photo in sorted((SHARED_DATA / "imagenet_sample").glob("*/*.jpg")):
        wnid = photo.name.split("_")[0]
        (tree / wnid).mkdir(parents=True, exist_ok=True)
        (tree / wnid / photo.name).symlink_to(photo)
    (tree / "not_a_synset").mkdir()
    _photo(tree / "not_a_synset" / "x.jpg", 1)
    data_dir = tmp_path / "data" / "imagenet_dog"
    env = {**os.environ, "HWKIT_DATA": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "hwkit", "data", "imagenet-dog", "--imagenet-tree", str(tree),
         "--size", "200", "--dog-fraction", "0.5", "--side", "96"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "selected 100 dog + 100 other images" in done.stdout
    selection = json.loads((data_dir / "imagenet_tree.json").read_text(encoding="utf-8"))
    for name, label in selection["files"]:
        assert (name.split("/")[0] in DOG_WNIDS) == (label == 1)
    assert len({name.split("/")[0] for name, _ in selection["files"]}) == 200  # spread evenly
    assert selection["available"] == {"dog": 118, "other": 882, "dog_synsets": 118,
                                      "other_synsets": 882}
    data = load_imagenet_dog(96, data_dir=data_dir, verbose=False)
    assert data.kind == "imagenet-tree" and data.side == 96
    assert data.manifest["counts"] == {"train": {"dog": 80, "other": 80},
                                       "test": {"dog": 20, "other": 20}}
    assert data.cache_dir.parent == data_dir / "cache"  # a writable data folder holds its cache
    assert data.X_train.std() > 30


def test_tree_selection_caps_at_what_the_tree_has(tmp_path):
    for wnid, shade in (("n02085620", 200), ("n01440764", 30), ("n01443537", 60)):
        for i in range(3):
            _photo(tmp_path / "tree" / wnid / f"{wnid}_{i}.jpg", shade)
    selection = select_from_imagenet_tree(tmp_path / "tree", size=100, dog_fraction=0.5)
    labels = [label for _, label in selection["files"]]
    assert labels.count(1) == 3 and labels.count(0) == 6
    with pytest.raises(ImageNetDogDataError, match="no synset folders"):
        select_from_imagenet_tree(tmp_path / "tree" / "n02085620")


def test_unreadable_files_are_skipped_counted_and_named(tmp_path):
    folder = _folder_set(tmp_path, dogs=12, others=12)
    (folder / "dog" / "notes.txt").write_text("not an image")
    (folder / "other" / "empty.jpg").write_bytes(b"")
    good = (folder / "dog" / "d0.jpg").read_bytes()
    (folder / "dog" / "truncated.jpg").write_bytes(good[: len(good) // 3])
    _photo(folder / "other" / "gray.jpg", 50, mode="L")
    data = load_imagenet_dog(16, data_dir=folder, verbose=False)
    skipped = data.manifest["skipped"]
    assert skipped["count"] in (2, 3)  # Pillow may decode a truncated JPEG's top part
    named = {Path(e["file"]).name for e in skipped["examples"]}
    assert {"notes.txt", "empty.jpg"} <= named
    total = len(data.y_train) + len(data.y_test)
    assert total == 12 + 12 + 4 - skipped["count"]
    assert "unreadable files skipped" in data.description


def test_dog_pixels_and_labels_stay_together(tmp_path):
    folder = _folder_set(tmp_path, dogs=15, others=15)  # dogs bright (200), others dark (40)
    data = load_imagenet_dog(16, data_dir=folder, verbose=False)
    for X, y in ((data.X_train, data.y_train), (data.X_test, data.y_test)):
        means = X.reshape(len(X), -1).mean(axis=1)
        assert np.all((means > 120) == (y == 1))


def test_interrupted_cache_is_rebuilt_not_read(tmp_path):
    folder = _folder_set(tmp_path)
    first = load_imagenet_dog(16, data_dir=folder, verbose=False)
    (first.cache_dir / "manifest.json").unlink()
    (first.cache_dir / "test_images.npy").write_bytes(b"half")
    again = load_imagenet_dog(16, data_dir=folder, verbose=False)
    assert again.cache_dir == first.cache_dir
    assert again.manifest["sha256"] == first.manifest["sha256"]


def test_changed_photos_give_a_new_cache(tmp_path):
    folder = _folder_set(tmp_path)
    first = load_imagenet_dog(16, data_dir=folder, verbose=False)
    _photo(folder / "dog" / "d_new.jpg", 210)
    second = load_imagenet_dog(16, data_dir=folder, verbose=False)
    assert second.cache_dir != first.cache_dir
    assert len(second.y_train) + len(second.y_test) == 21


def test_no_data_offline_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    with pytest.raises(ImageNetDogDataError) as error:
        load_imagenet_dog(16, data_dir=tmp_path / "nothing", verbose=False)
    message = str(error.value)
    assert "dog/" in message and "--imagenet-tree" in message and "HWKIT_OFFLINE" in message


def test_an_empty_class_folder_is_a_clear_error(tmp_path):
    folder = tmp_path / "imagenet_dog"
    _photo(folder / "dog" / "d.jpg", 200)
    (folder / "other").mkdir()
    with pytest.raises(ImageNetDogDataError, match="other has no files"):
        load_imagenet_dog(16, data_dir=folder, verbose=False)


def test_pipeline_visits_every_image_once_per_epoch_in_a_seeded_order(tmp_path):
    from hwkit.datasets.pipeline import Augmentation, batches

    m, side = 203, 8
    images = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=np.uint8,
                                       shape=(m, side, side))
    images[:] = (np.arange(m) % 256).astype(np.uint8)[:, None, None]  # pixel value = row id
    labels = np.arange(m) % 2
    dataset = batches(images, labels, 32, seed=5)
    epochs = [[(x.numpy(), y.numpy()) for x, y in dataset] for _ in range(2)]
    for epoch in epochs:
        rows = np.concatenate([np.rint(x[:, 0] * 255).astype(int) for x, _ in epoch])
        assert sorted(rows.tolist()) == list(range(m))
        assert all(np.array_equal(x[:, 0] * 255 % 2 > 0.5, y == 1) for x, y in epoch)
        assert epoch[0][0].shape == (32, side * side) and epoch[-1][0].shape == (m % 32, 64)
    order = [np.rint(x[:, 0] * 255) for x, _ in epochs[0]]
    assert not all(np.array_equal(a, np.rint(b[:, 0] * 255))
                   for a, (b, _) in zip(order, epochs[1], strict=True))  # reshuffled
    replay = [np.rint(x.numpy()[:, 0] * 255) for x, _ in batches(images, labels, 32, seed=5)]
    assert all(np.array_equal(a, b) for a, b in zip(order, replay, strict=True))
    jittered = next(iter(batches(images, labels, 64, seed=5, augment=Augmentation(),
                                 flatten=False)))[0].numpy()
    assert jittered.shape == (64, side, side, 1)
    assert 0.0 <= jittered.min() and jittered.max() <= 1.0
    assert jittered.std(axis=(1, 2, 3)).mean() > 0.005  # flat images gained noise


def test_cifar10_stand_in_is_balanced_labelled_and_says_it_is_a_stand_in(tmp_path, monkeypatch):
    """The stand-in path with small CIFAR-like arrays in place of Keras's 170 MB download."""
    rng = np.random.default_rng(0)
    classes = np.repeat(np.arange(10), 30)
    images = np.where((classes == imagenet_sources.CIFAR10_DOG)[:, None, None, None], 220, 30)
    images = (images + rng.integers(0, 20, size=(300, 32, 32, 3))).astype(np.uint8)
    monkeypatch.setattr(imagenet_sources, "_cifar10_arrays", lambda allow: (images, classes))
    data = load_imagenet_dog(16, data_dir=tmp_path / "nothing", verbose=False)
    assert data.kind == "cifar10-standin" and "STAND-IN" in data.description
    assert data.manifest["counts"] == {"train": {"dog": 24, "other": 24},
                                       "test": {"dog": 6, "other": 6}}
    for X, y in ((data.X_train, data.y_train), (data.X_test, data.y_test)):
        assert np.all((X.reshape(len(X), -1).mean(axis=1) > 120) == (y == 1))
