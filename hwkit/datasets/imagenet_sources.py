"""Where ImageNet-dog's photos come from, before anything is decoded (``find_source``).

In order: ``<data>/imagenet_dog/dog/`` + ``other/`` (two folders of images, as a course hands
the set out); a selection from an ImageNet train tree (``select_from_imagenet_tree``, stored as
``imagenet_tree.json``: the 118 dog synsets are dog, the rest other); a plainly labelled
stand-in, CIFAR-10's dogs against its other classes, from Keras's cache or download. Each is a
``Source``: the items (name, label), how to read one, and a fingerprint of the files.
"""


import hashlib
import json
import os
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hwkit.datasets.images import decode_gray, gray_from_rgb

DATASET = "imagenet_dog"
SPLIT_SEED = 2017
SLIDE_TEST_COUNT, SLIDE_MIN_SET, SMALL_TEST_FRACTION = 5_000, 25_000, 0.2
TREE_SELECTION = "imagenet_tree.json"
OFFLINE_ENV_VAR = "HWKIT_OFFLINE"
DOG, OTHER = 1, 0
LABEL_NAMES = {DOG: "dog", OTHER: "other"}
FOLDER, TREE, STANDIN = "imagenet-dog folders", "imagenet-tree", "cifar10-standin"
CIFAR10_DOG = 5

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
                  _file_fingerprint(dogs + others))


def scan_imagenet_tree(tree: Path) -> dict[str, list[Path]]:
    """An ImageNet train tree → {wnid: its image files}; folders not named like a synset
    (``n`` + 8 digits) are ignored. Raises when there is none."""
    if not tree.is_dir():
        raise ImageNetDogDataError(f"{tree} is not a folder; pass the ImageNet train folder")
    synsets = {p.name: _image_files(p) for p in sorted(tree.iterdir())
               if p.is_dir() and WNID.fullmatch(p.name)}
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
                      "dog_synsets": len(dogs), "other_synsets": len(others)},
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
                                   "forbids downloading it")
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
                             for c in range(10) if c != CIFAR10_DOG])[: len(dogs)]
    items = [(f"cifar10:{i}", DOG) for i in dogs] + [(f"cifar10:{i}", OTHER) for i in others]

    def read(name: str, side: int) -> np.ndarray:
        return gray_from_rgb(images[int(name.split(":")[1])], side)

    fingerprint = hashlib.sha256(b"cifar10" + images[:16].tobytes() + repr(items).encode())
    description = (f"CIFAR-10 via Keras ({len(dogs):,} dogs vs {len(others):,} of its nine other "
                   f"classes, seed {seed})")
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




def save_tree_selection(folder: Path, tree: Path, size: int, dog_fraction: float,
                        seed: int) -> str:
    """Choose from an ImageNet train tree (``select_from_imagenet_tree``) and store the choice
    as ``folder/imagenet_tree.json``; returns one line saying what was chosen."""
    from hwkit.datapaths import writable_dir

    if not writable_dir(folder):
        raise ImageNetDogDataError(f"{folder} is not writable; set $HWKIT_DATA to a folder "
                                   "you can write to")
    selection = select_from_imagenet_tree(tree, size, dog_fraction, seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TREE_SELECTION).write_text(json.dumps(selection, indent=1), encoding="utf-8")
    chosen = np.bincount([label for _, label in selection["files"]], minlength=2)
    return (f"selected {chosen[DOG]:,} dog + {chosen[OTHER]:,} other images from "
            f"{selection['tree']} (available {selection['available']}) → "
            f"{folder / TREE_SELECTION}")
