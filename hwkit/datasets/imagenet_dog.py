"""ImageNet-dog for A3: dog (label 1) vs other (label 0) photos as small grayscale images.

Sources, in order:
1. ``$HWKIT_DATA/imagenet_dog/dog/`` and ``.../other/``: two folders of images, the way a
   course hands the set out (any image format Pillow reads; sub-folders are searched).
2. ``$HWKIT_DATA/imagenet_dog/imagenet_tree.json``: a selection from an ImageNet train tree
   (one folder per WordNet synset), written by ``hwkit data imagenet-dog --imagenet-tree DIR``.
   The 118 dog synsets (class indices 151–268) are dog, every other synset is other.
3. A stand-in, said plainly: CIFAR-10's dog class against an equal, seeded sample of its nine
   other classes (32 × 32 photos upscaled), from the Keras cache or Keras's download (skipped
   when ``HWKIT_OFFLINE`` is set).
Otherwise ``ImageNetDogDataError`` says how to provide the data.

The set is decoded once per image side into uint8 ``.npy`` arrays that are memory-mapped on
load, so memory stays bounded whatever the set's size. Each cache folder has a
``manifest.json`` (source, counts per class, skipped files, sha256 of the arrays) written
last: a folder without it is an unfinished build and is never read. The cache lives in
``$HWKIT_DATA/imagenet_dog/cache/`` when that folder is writable, else in
``$HWKIT_CACHE/imagenet_dog/``. Unreadable or non-image files are skipped and counted.

Split: stratified and seeded; 5,000 test images as on the slide when the set has at least
25,000, else 20 %. Arrays: ``X: (m, side, side) uint8`` gray in 0..255, ``y: (m,) uint8``.

Under grading the kernel sees a *grading view* instead (``write_grading_view``): a folder whose
``grading-view.json`` points at the training arrays of the grader's cache, which are the only
files of it the kernel can read; the held-out part stays with the grader.
"""

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwkit.datapaths import cache_home, dataset_dir, writable_dir
from hwkit.datasets.imagenet_sources import (
    DATASET,
    DOG,
    LABEL_NAMES,
    OFFLINE_ENV_VAR,
    OTHER,
    SPLIT_SEED,
    STANDIN,
    ImageNetDogDataError,
    Source,
    find_source,
)
from hwkit.datasets.images import decode_many
from hwkit.splits import stratified_test_mask

DEFAULT_SIDE = 64
COURSE_SIDE = 227
SLIDE_TEST_COUNT, SLIDE_MIN_SET, SMALL_TEST_FRACTION = 5_000, 25_000, 0.2
CACHE_FORMAT = 1
VIEW_FILE = "grading-view.json"
WITHHELD = " — 测试部分由评分器保管 / test part withheld by the grader"



@dataclass(frozen=True)
class DogImages:
    """ImageNet-dog cut into the student's training part and the grader's held-out part.

    - X_train: (m, side, side) uint8 gray in 0..255, read-only memory map; y_train: (m,) uint8
      in {0 other, 1 dog}
    - X_test, y_test: the held-out part, same layout
    - kind: "imagenet-dog folders", "imagenet-tree" or "cifar10-standin"
    - source: one line naming where the photos came from; manifest: the cache's manifest.json
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    side: int
    kind: str
    source: str
    manifest: dict
    cache_dir: Path

    @property
    def input_dim(self) -> int:
        return self.side * self.side

    @property
    def description(self) -> str:
        dogs = int(self.y_train.sum()) + int(self.y_test.sum())
        total = len(self.y_train) + len(self.y_test)
        counts = (f"{len(self.y_train):,} train / {len(self.y_test):,} test, "
                  f"{dogs:,} dog / {total - dogs:,} other")
        skipped = self.manifest["skipped"]["count"]
        unreadable = f", {skipped} unreadable files skipped" if skipped else ""
        caveat = (
            " — 替代数据：CIFAR-10 的狗 vs 其他类别，不是 ImageNet；准确率不能与课件比较 / "
            "STAND-IN: CIFAR-10 dogs vs its other classes, not ImageNet; accuracies are not "
            "comparable with the slides'"
            if self.kind == STANDIN
            else ""
        )
        return (f"ImageNet-dog ({self.side}×{self.side} gray, {counts}{unreadable}) "
                f"from {self.source}{caveat}")

    def flat(self, part: str = "train") -> tuple[np.ndarray, np.ndarray]:
        """The whole ``part`` ("train" or "test") in memory: X (m, side*side) float32 in [0, 1],
        y (m,) int64. For sets that fit in memory; stream big ones with ``pipeline.batches``."""
        X, y = (self.X_train, self.y_train) if part == "train" else (self.X_test, self.y_test)
        flat = np.asarray(X, dtype=np.float32).reshape(len(X), -1)
        return flat * np.float32(1 / 255), np.asarray(y, dtype=np.int64)


def cache_root(folder: Path) -> Path:
    """``folder/cache`` when writable (the dataset's own folder), else
    ``$HWKIT_CACHE/imagenet_dog``."""
    own = folder / "cache"
    return own if writable_dir(own) else cache_home() / DATASET


def held_out_count(total: int) -> int:
    """The slide's 5,000 test images for a full-size set, else 20 % (rounded)."""
    return SLIDE_TEST_COUNT if total >= SLIDE_MIN_SET else round(total * SMALL_TEST_FRACTION)


def _cache_key(source: Source, side: int, seed: int) -> str:
    text = f"format {CACHE_FORMAT}\nside {side}\nseed {seed}\n{source.kind}\n{source.fingerprint}"
    return f"{side}px-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def _sha256_of(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


ARRAYS = ("train_images", "train_labels", "test_images", "test_labels")


def _decode_all(source: Source, side: int, work: Path) -> tuple[np.ndarray, np.ndarray, list]:
    """Decode every item into a memory-mapped (n, side, side) array; returns it, the mask of
    readable items, and the skipped (name, reason) pairs."""
    images = np.lib.format.open_memmap(work / "all.npy", mode="w+", dtype=np.uint8,
                                       shape=(len(source.items), side, side))
    readable = np.zeros(len(source.items), dtype=bool)
    skipped = []
    readers = (lambda name=name: source.read(name, side) for name, _ in source.items)
    for index, image in enumerate(decode_many(readers)):
        if isinstance(image, str):
            skipped.append((source.items[index][0], image))
        else:
            images[index] = image
            readable[index] = True
    return images, readable, skipped


def _write_part(images: np.ndarray, rows: np.ndarray, path: Path, chunk: int = 2048) -> None:
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8,
                                    shape=(len(rows), *images.shape[1:]))
    for start in range(0, len(rows), chunk):
        out[start : start + chunk] = images[rows[start : start + chunk]]
    out.flush()
    del out


def build_cache(source: Source, side: int, root: Path, seed: int = SPLIT_SEED) -> Path:
    """Decode, split and store ``source`` at ``side`` px under ``root``; returns the folder.

    Built in a temporary sibling folder and renamed into place, so concurrent builders and
    interrupted builds never leave a half-written cache that looks finished.
    """
    started = time.perf_counter()
    root.mkdir(parents=True, exist_ok=True)
    final = root / _cache_key(source, side, seed)
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=root))
    try:
        images, readable, skipped = _decode_all(source, side, work)
        labels = np.array([label for _, label in source.items], dtype=np.uint8)
        rows = np.flatnonzero(readable)
        if len(rows) < 2 or len(np.unique(labels[rows])) < 2:
            raise ImageNetDogDataError(
                f"only {len(rows)} readable images in {source.description} (both classes are "
                f"needed); first problems: {skipped[:3]}"
            )
        is_test = stratified_test_mask(labels[rows], held_out_count(len(rows)), seed)
        parts = {"train": rows[~is_test], "test": rows[is_test]}
        for part, part_rows in parts.items():
            _write_part(images, part_rows, work / f"{part}_images.npy")
            np.save(work / f"{part}_labels.npy", labels[part_rows])
        del images
        (work / "all.npy").unlink()
        files = [work / f"{name}.npy" for name in ARRAYS]
        manifest = {
            "format": CACHE_FORMAT,
            "dataset": DATASET,
            "kind": source.kind,
            "source": source.description,
            "side": side,
            "split_seed": seed,
            "files": len(source.items),
            "counts": {part: {LABEL_NAMES[k]: int((labels[r] == k).sum()) for k in (DOG, OTHER)}
                       for part, r in parts.items()},
            "skipped": {
                "count": len(skipped),
                "examples": [{"file": n, "reason": r} for n, r in skipped[:20]],
            },
            "sha256": _sha256_of(files),
            "build_seconds": round(time.perf_counter() - started, 2),
            "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False),
                                            encoding="utf-8")
        if final.is_dir() and not (final / "manifest.json").is_file():
            shutil.rmtree(final)  # an interrupted build from before
        try:
            work.rename(final)
        except OSError:  # another process finished the same cache first: keep theirs
            if not (final / "manifest.json").is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def read_cache(folder: Path, kind_hint: str = "") -> DogImages:
    """A finished cache folder → DogImages with read-only memory maps."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    arrays = [np.load(folder / f"{name}.npy", mmap_mode="r") for name in ARRAYS]
    return DogImages(*arrays, side=manifest["side"], kind=manifest["kind"] or kind_hint,
                     source=manifest["source"], manifest=manifest, cache_dir=folder)


def write_grading_view(views: Path, side: int) -> tuple[Path, list[str]]:
    """The grader's ImageNet-dog at ``side`` (cached as ``load_imagenet_dog`` caches it, never
    downloaded) as a grading view for kernels. Returns the folder to hand to the kernel as
    its ``$HWKIT_DATA`` and the files of the cache it must be allowed to read (the training
    images and labels, nothing else)."""
    data = load_imagenet_dog(side, allow_download=False, verbose=False)
    images = str(data.cache_dir / "train_images.npy")
    labels = str(data.cache_dir / "train_labels.npy")
    manifest = {k: v for k, v in data.manifest.items() if k != "counts"}
    manifest["counts"] = {"train": data.manifest["counts"]["train"]}
    view = {"sides": {str(side): {"images": images, "labels": labels, "manifest": manifest}}}
    text = json.dumps(view, ensure_ascii=False, indent=1)
    root = views / f"imagenet_dog-{hashlib.sha256(text.encode()).hexdigest()[:16]}"
    if not (root / DATASET / VIEW_FILE).is_file():
        views.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".imagenet_dog-", dir=views))
        (work / DATASET).mkdir()
        (work / DATASET / VIEW_FILE).write_text(text, encoding="utf-8")
        os.chmod(work, 0o755)
        try:
            work.rename(root)
        except OSError:  # another grader wrote the same view first
            shutil.rmtree(work, ignore_errors=True)
    return root, [images, labels]


def _from_view(folder: Path, side: int) -> DogImages:
    view = json.loads((folder / VIEW_FILE).read_text(encoding="utf-8"))["sides"]
    if str(side) not in view:
        raise ImageNetDogDataError(
            f"the grader prepared ImageNet-dog at {', '.join(view)} px, not {side} px: keep "
            "SIDE as the notebook sets it / 请保持笔记本里 SIDE 的设置")
    entry = view[str(side)]
    X = np.load(entry["images"], mmap_mode="r")
    y = np.load(entry["labels"], mmap_mode="r")
    manifest = entry["manifest"]
    empty = np.zeros((0, side, side), np.uint8), np.zeros(0, np.uint8)
    return DogImages(X, y, *empty, side=side, kind=manifest["kind"],
                     source=manifest["source"] + WITHHELD, manifest=manifest,
                     cache_dir=Path(entry["images"]).parent)


def load_imagenet_dog(
    side: int = DEFAULT_SIDE,
    *,
    data_dir: Path | None = None,
    allow_download: bool | None = None,
    seed: int = SPLIT_SEED,
    verbose: bool = True,
) -> DogImages:
    """ImageNet-dog at ``side × side`` gray from the first source that has it, decoded once and
    cached (see the module docstring).

    - side: image side in pixels (the course's 227; 64 keeps CPU training to seconds)
    - data_dir: folder to look in (default ``$HWKIT_DATA/imagenet_dog``)
    - allow_download: allow Keras's CIFAR-10 download for the stand-in (default: unless
      ``$HWKIT_OFFLINE`` is set)
    - seed: the train/test split's seed
    - verbose: print one line naming the source, and progress while building a cache
    """
    if not 8 <= side <= 1024:
        raise ValueError(f"side must be between 8 and 1024 pixels, got {side}")
    folder = Path(data_dir) if data_dir is not None else dataset_dir(DATASET)
    if (folder / VIEW_FILE).is_file():
        images = _from_view(folder, side)
        if verbose:
            print(f"数据 / data: {images.description}", flush=True)
        return images
    if allow_download is None:
        allow_download = not os.environ.get(OFFLINE_ENV_VAR)
    source, notes = find_source(folder.resolve(), bool(allow_download))
    root = cache_root(folder)
    cached = root / _cache_key(source, side, seed)
    if not (cached / "manifest.json").is_file():
        if verbose:
            print(f"解码并缓存 / decoding {len(source.items):,} images to {side}×{side} gray "
                  f"into {root} (once) ...", flush=True)
        cached = build_cache(source, side, root, seed)
    images = read_cache(cached)
    if verbose:
        skipped = f" [{'; '.join(notes)}]" if notes else ""
        print(f"数据 / data: {images.description}{skipped}", flush=True)
    return images


