"""Photos → small grayscale arrays: decode, convert to gray, resize; bad files are skipped.

Pillow decodes every format it knows (JPEG, PNG, GIF, BMP, WebP, ...). For JPEGs it first asks
the decoder for a reduced scale (``Image.draft``), which makes large photos several times
cheaper to shrink. Gray is ITU-R 601 luma (Pillow's mode "L"): L = 0.299 R + 0.587 G + 0.114 B.
Images are squashed to ``side × side`` without cropping, as the course's 227 × 227 set is.
"""

import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

# A photo bigger than this many pixels is refused (Pillow's guard against decompression bombs).
Image.MAX_IMAGE_PIXELS = 100_000_000


def decode_gray(path: Path, side: int) -> np.ndarray:
    """One image file → (side, side) uint8 gray pixels in 0..255. Raises on unreadable files."""
    with Image.open(path) as image:
        image.draft("L", (side, side))
        gray = image.convert("L")
    return np.asarray(gray.resize((side, side), Image.Resampling.BILINEAR), dtype=np.uint8)


def gray_from_rgb(rgb: np.ndarray, side: int) -> np.ndarray:
    """(h, w, 3) uint8 RGB → (side, side) uint8 gray, the same conversion as ``decode_gray``."""
    gray = Image.fromarray(np.asarray(rgb, dtype=np.uint8), mode="RGB").convert("L")
    return np.asarray(gray.resize((side, side), Image.Resampling.BILINEAR), dtype=np.uint8)


def _attempt(read: Callable[[], np.ndarray]) -> np.ndarray | str:
    try:
        return read()
    except Exception as error:  # any broken or non-image file: recorded and skipped, not fatal
        return f"{type(error).__name__}: {str(error)[:160]}"


def decode_many(
    readers: Iterable[Callable[[], np.ndarray]], threads: int | None = None, chunk: int = 512
) -> Iterator[np.ndarray | str]:
    """Run the readers on a thread pool (Pillow releases the GIL while decoding), in order.

    Yields each image, or a one-line reason string for a file that could not be read. At most
    ``chunk`` decoded images are held at a time, whatever the number of files.
    """
    threads = threads or min(8, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        readers = iter(readers)
        while batch := list(itertools.islice(readers, chunk)):
            yield from pool.map(_attempt, batch)
