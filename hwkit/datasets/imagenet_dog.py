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

import argparse
import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..datapaths import cache_home, dataset_dir, writable_dir
from .images import decode_gray, decode_many, gray_from_rgb
from .splits import stratified_test_mask

DATASET = "imagenet_dog"
DEFAULT_SIDE = 64
COURSE_SIDE = 227
SPLIT_SEED = 2017
SLIDE_TEST_COUNT, SLIDE_MIN_SET, SMALL_TEST_FRACTION = 5_000, 25_000, 0.2
TREE_SELECTION = "imagenet_tree.json"
OFFLINE_ENV_VAR = "HWKIT_OFFLINE"
CACHE_FORMAT = 1
DOG, OTHER = 1, 0
LABEL_NAMES = {DOG: "dog", OTHER: "other"}
FOLDER, TREE, STANDIN = "imagenet-dog folders", "imagenet-tree", "cifar10-standin"
CIFAR10_DOG = 5
VIEW_FILE = "grading-view.json"
WITHHELD = " — 测试部分由评分器保管 / test part withheld by the grader"

# ILSVRC-2012 class indices 151..268: the 118 domestic dog synsets (Chihuahua ... Mexican hairless).
DOG_WNIDS = frozenset("""
n02085620 n02085782 n02085936 n02086079 n02086240 n02086646 n02086910 n02087046 n02087394
n02088094 n02088238 n02088364 n02088466 n02088632 n02089078 n02089867 n02089973 n02090379
n02090622 n02090721 n02091032 n02091134 n02091244 n02091467 n02091635 n02091831 n02092002
n02092339 n02093256 n02093428 n02093647 n02093754 n02093859 n02093991 n02094114 n02094258
n02094433 n02095314 n02095570 n02095889 n02096051 n02096177 n02096294 n02096437 n02096585
n02097047 n02097130 n02097209 n02097298 n02097474 n02097658 n02098105 n02098286 n02098413
n02099267 n02099429 n02099601 n02099712 n02099849 n02100236 n02100583 n02100735 n02100877
n02101006 n02101388 n02101556 n02102040 n02102177 n02102318 n02102480 n02102973 n02104029
n02104365 n02105056 n02105162 n02105251 n02105412 n02105505 n02105641 n02105855 n02106030
n02106166 n02106382 n02106550 n02106662 n02107142 n02107312 n02107574 n02107683 n02107908
n02108000 n02108089 n02108422 n02108551 n02108915 n02109047 n02109525 n02109961 n02110063
n02110185 n02110341 n02110627 n02110806 n02110958 n02111129 n02111277 n02111500 n02111889
n02112018 n02112137 n02112350 n02112706 n02113023 n02113186 n02113624 n02113712 n02113799
n02113978
""".split())
WNID = re.compile(r"n\d{8}")


class ImageNetDogDataError(RuntimeError):
    """No usable ImageNet-dog data, or a broken selection; the message names the fix."""


@dataclass(frozen=True)
class Source:
    """Where the images come from, before decoding.

    - items: one (name, label) per image, name a path (or "cifar10:<split>:<index>")
    - read: name → (side, side) uint8 gray; raises on an unreadable file
    - fingerprint: changes whenever the images may have changed (names, sizes, times)
    """

    kind: str
    description: str
    items: list[tuple[str, int]]
    read: Callable[[str, int], np.ndarray] = field(repr=False)
    fingerprint: str


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
                  f"{dogs:,} dog / {total - dogs:,} other")  # fmt: skip
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
                f"from {self.source}{caveat}")  # fmt: skip

    def flat(self, part: str = "train") -> tuple[np.ndarray, np.ndarray]:
        """The whole ``part`` ("train" or "test") in memory: X (m, side*side) float32 in [0, 1],
        y (m,) int64. For sets that fit in memory; stream big ones with ``pipeline.batches``."""
        X, y = (self.X_train, self.y_train) if part == "train" else (self.X_test, self.y_test)
        flat = np.asarray(X, dtype=np.float32).reshape(len(X), -1)
        return flat * np.float32(1 / 255), np.asarray(y, dtype=np.int64)


# ---- sources -------------------------------------------------------------------------------


def _image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def _file_fingerprint(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _read_file(name: str, side: int) -> np.ndarray:
    return decode_gray(Path(name), side)


def folder_source(folder: Path) -> Source | None:
    """``folder/dog/`` + ``folder/other/`` (both needed), or None when either is missing."""
    dog, other = folder / "dog", folder / "other"
    if not (dog.is_dir() and other.is_dir()):
        return None
    dogs, others = _image_files(dog), _image_files(other)
    if not dogs or not others:
        empty = dog if not dogs else other
        raise ImageNetDogDataError(
            f"{empty} has no files; put the photos of each class in its folder / 该文件夹为空"
        )
    items = [(str(p), DOG) for p in dogs] + [(str(p), OTHER) for p in others]
    return Source(FOLDER, f"{folder} (dog/ + other/ folders)", items, _read_file,
                  _file_fingerprint(dogs + others))  # fmt: skip


def scan_imagenet_tree(tree: Path) -> dict[str, list[Path]]:
    """An ImageNet train tree → {wnid: its image files}; folders not named like a synset
    (``n`` + 8 digits) are ignored. Raises when there is none."""
    if not tree.is_dir():
        raise ImageNetDogDataError(f"{tree} is not a folder; pass the ImageNet train folder")
    synsets = {p.name: _image_files(p) for p in sorted(tree.iterdir())
               if p.is_dir() and WNID.fullmatch(p.name)}  # fmt: skip
    if not synsets:
        raise ImageNetDogDataError(
            f"{tree} has no synset folders (n01440764/, n02085620/, ...); pass the folder that "
            "holds ImageNet's one-folder-per-class train images / 未找到按类别分的 ImageNet 文件夹"
        )
    return synsets


def _spread(per_synset: dict[str, list[Path]], count: int, rng: np.random.Generator) -> list:
    """``count`` files drawn evenly across synsets (round robin over shuffled lists)."""
    pools = [list(rng.permutation(files)) for _, files in sorted(per_synset.items()) if files]
    chosen: list[Path] = []
    while len(chosen) < count and pools:
        for pool in pools:
            if len(chosen) < count and pool:
                chosen.append(pool.pop())
        pools = [pool for pool in pools if pool]
    return chosen


def select_from_imagenet_tree(
    tree: Path, size: int = 50_000, dog_fraction: float = 0.45, seed: int = SPLIT_SEED
) -> dict:
    """Choose ``size`` images from an ImageNet train tree, ``dog_fraction`` of them dogs
    (defaults: the slides' set, ~50,000 images with 20,000+ dogs), spread evenly over the
    synsets of each class. Fewer are taken when the tree has fewer; the selection says so.

    Returns the selection: {"tree", "files": [[relative path, label], ...], "requested",
    "available", "seed"}.
    """
    if size < 2 or not 0 < dog_fraction < 1:
        raise ImageNetDogDataError("size must be ≥ 2 and dog_fraction strictly between 0 and 1")
    synsets = scan_imagenet_tree(tree)
    rng = np.random.default_rng(seed)
    dogs = {w: f for w, f in synsets.items() if w in DOG_WNIDS}
    others = {w: f for w, f in synsets.items() if w not in DOG_WNIDS}
    wanted_dogs = round(size * dog_fraction)
    chosen_dogs = _spread(dogs, wanted_dogs, rng)
    chosen_others = _spread(others, size - wanted_dogs, rng)
    if not chosen_dogs or not chosen_others:
        missing = "dog" if not chosen_dogs else "other"
        raise ImageNetDogDataError(f"{tree} has no {missing} synset folders with images")
    files = [[str(p.relative_to(tree)), DOG] for p in chosen_dogs]
    files += [[str(p.relative_to(tree)), OTHER] for p in chosen_others]
    return {
        "tree": str(tree.resolve()),
        "seed": seed,
        "requested": {"size": size, "dog_fraction": dog_fraction},
        "available": {"dog": sum(map(len, dogs.values())),
                      "other": sum(map(len, others.values())),
                      "dog_synsets": len(dogs), "other_synsets": len(others)},  # fmt: skip
        "files": files,
    }


def tree_source(selection_file: Path) -> Source | None:
    if not selection_file.is_file():
        return None
    try:
        selection = json.loads(selection_file.read_text(encoding="utf-8"))
        tree = Path(selection["tree"])
        items = [(str(tree / name), int(label)) for name, label in selection["files"]]
    except (ValueError, KeyError, TypeError) as error:
        raise ImageNetDogDataError(
            f"{selection_file} is not a selection written by `hwkit data imagenet-dog "
            f"--imagenet-tree DIR` ({error}); delete it and run that command again"
        ) from error
    paths = [Path(name) for name, _ in items]
    present = [p for p in paths if p.exists()]
    chosen = f"{len(items):,} files chosen, seed {selection['seed']}"
    description = f"ImageNet train tree {tree} ({chosen})"
    return Source(TREE, description, items, _read_file, _file_fingerprint(present))


def _cifar10_arrays(allow_download: bool) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10 train + test pooled, from the Keras cache or download:
    (60000, 32, 32, 3) uint8 RGB and (60000,) class ids."""
    keras_home = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")
    cached = (keras_home / "datasets" / "cifar-10-batches-py").is_dir()
    if not cached and not allow_download:
        raise ImageNetDogDataError(f"CIFAR-10 is not in the Keras cache and ${OFFLINE_ENV_VAR} "
                                   "forbids downloading it")  # fmt: skip
    from keras.datasets import cifar10

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(30.0)
    try:
        (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    finally:
        socket.setdefaulttimeout(previous)
    return np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test]).ravel()


def cifar10_source(allow_download: bool, seed: int = SPLIT_SEED) -> Source:
    """All 6,000 CIFAR-10 dogs against 6,000 others drawn evenly from its nine other classes."""
    images, classes = _cifar10_arrays(allow_download)
    rng = np.random.default_rng(seed)
    dogs = np.flatnonzero(classes == CIFAR10_DOG)
    others = np.concatenate([rng.permutation(np.flatnonzero(classes == c))[: len(dogs) // 9 + 1]
                             for c in range(10) if c != CIFAR10_DOG])[: len(dogs)]  # fmt: skip
    items = [(f"cifar10:{i}", DOG) for i in dogs] + [(f"cifar10:{i}", OTHER) for i in others]

    def read(name: str, side: int) -> np.ndarray:
        return gray_from_rgb(images[int(name.split(":")[1])], side)

    fingerprint = hashlib.sha256(b"cifar10" + images[:16].tobytes() + repr(items).encode())
    description = (f"CIFAR-10 via Keras ({len(dogs):,} dogs vs {len(others):,} of its nine other "
                   f"classes, seed {seed})")  # fmt: skip
    return Source(STANDIN, description, items, read, fingerprint.hexdigest())


def find_source(folder: Path, allow_download: bool) -> tuple[Source, list[str]]:
    """The first source that has data (see the module docstring), and why others were skipped."""
    notes = []
    for make in (lambda: folder_source(folder), lambda: tree_source(folder / TREE_SELECTION)):
        source = make()
        if source is not None:
            return source, notes
    notes.append(f"no dog/ + other/ folders or {TREE_SELECTION} in {folder}")
    try:
        return cifar10_source(allow_download), notes
    except Exception as error:  # no network, HTTP error, corrupt archive: all mean "not here"
        notes.append(f"CIFAR-10 stand-in unavailable: {str(error)[:120]}")
    raise ImageNetDogDataError(
        "未找到 ImageNet-dog 数据 / no ImageNet-dog data: "
        + "; ".join(notes)
        + f". Fix: put the course's photos in {folder}/dog/ and {folder}/other/, or run "
        "`hwkit data imagenet-dog --imagenet-tree <ImageNet train folder>`, or set $HWKIT_DATA "
        "to a folder that has imagenet_dog/, or allow the network for the CIFAR-10 stand-in."
    )


# ---- cache ---------------------------------------------------------------------------------


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
                                       shape=(len(source.items), side, side))  # fmt: skip
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
                                    shape=(len(rows), *images.shape[1:]))  # fmt: skip
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
                       for part, r in parts.items()},  # fmt: skip
            "skipped": {
                "count": len(skipped),
                "examples": [{"file": n, "reason": r} for n, r in skipped[:20]],
            },
            "sha256": _sha256_of(files),
            "build_seconds": round(time.perf_counter() - started, 2),
            "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False),
                                            encoding="utf-8")  # fmt: skip
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
                     source=manifest["source"], manifest=manifest, cache_dir=folder)  # fmt: skip


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
                     cache_dir=Path(entry["images"]).parent)  # fmt: skip


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
                  f"into {root} (once) ...", flush=True)  # fmt: skip
        cached = build_cache(source, side, root, seed)
    images = read_cache(cached)
    if verbose:
        skipped = f" [{'; '.join(notes)}]" if notes else ""
        print(f"数据 / data: {images.description}{skipped}", flush=True)
    return images


# ---- command line --------------------------------------------------------------------------


def make_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="hwkit data imagenet-dog")
    parser.description = (
        "Build (once) and describe the ImageNet-dog cache. Without options it uses "
        "$HWKIT_DATA/imagenet_dog/dog/ + other/ (or an earlier tree selection, or the CIFAR-10 "
        "stand-in)."
    )
    parser.add_argument("--side", type=int, default=DEFAULT_SIDE,
                        help=f"image side in pixels (default {DEFAULT_SIDE}; the course's "
                             f"{COURSE_SIDE})")  # fmt: skip
    parser.add_argument("--imagenet-tree", type=Path, metavar="DIR",
                        help="ImageNet train folder (one sub-folder per synset) to select "
                             "from")  # fmt: skip
    parser.add_argument("--size", type=int, default=50_000,
                        help="with --imagenet-tree: images to select (default 50,000)")  # fmt: skip
    parser.add_argument("--dog-fraction", type=float, default=0.45,
                        help="with --imagenet-tree: share of dogs (default 0.45)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=SPLIT_SEED, help="selection and split seed")
    parser.add_argument("--data-dir", type=Path, help="default: $HWKIT_DATA/imagenet_dog")
    return parser


def main(argv: list[str] | None = None, args: argparse.Namespace | None = None) -> int:
    """``hwkit data imagenet-dog``: select from a tree (optional), build the cache, report it."""
    args = args or make_parser().parse_args(argv)
    folder = args.data_dir or dataset_dir(DATASET)
    if args.imagenet_tree:
        if not writable_dir(folder):
            raise ImageNetDogDataError(f"{folder} is not writable; set $HWKIT_DATA to a folder "
                                       "you can write to")  # fmt: skip
        selection = select_from_imagenet_tree(args.imagenet_tree, args.size, args.dog_fraction,
                                              args.seed)  # fmt: skip
        folder.mkdir(parents=True, exist_ok=True)
        (folder / TREE_SELECTION).write_text(json.dumps(selection, indent=1), encoding="utf-8")
        chosen = np.bincount([label for _, label in selection["files"]], minlength=2)
        print(f"selected {chosen[DOG]:,} dog + {chosen[OTHER]:,} other images from "
              f"{selection['tree']} (available {selection['available']}) → "
              f"{folder / TREE_SELECTION}")  # fmt: skip
    images = load_imagenet_dog(args.side, data_dir=folder, seed=args.seed)
    summary = ("counts", "skipped", "sha256", "build_seconds")
    print(json.dumps({k: images.manifest[k] for k in summary}, ensure_ascii=False))
    print(f"cache: {images.cache_dir}")
    return 0
