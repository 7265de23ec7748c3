"""A ``tf.data`` input pipeline over cached uint8 images: shuffle, batch, augment, prefetch.

Only the indices are shuffled; each batch gathers its rows from the (memory-mapped) uint8 array
when it is needed, so memory stays bounded by a few batches whatever the set's size — the
lecture's point that the whole X does not fit in memory (43,555 × 51,529 floats, ~9 GB).

Augmentation follows the slide's list (flips, random crop/scale, brightness and contrast
jitter, noise) with Keras preprocessing layers; it is applied to training batches only.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Augmentation:
    """Random changes to training images, each off when 0.

    - flip: mirror left-right with probability 1/2
    - zoom: crop a random part whose side shrinks by up to this fraction, resized back (0.2 →
      sides of 80–100 %)
    - brightness: add up to ± this to every pixel of an image (pixels in [0, 1])
    - contrast: scale the deviation from the image mean by a factor in [1 − c, 1 + c]
    - noise: standard deviation of added Gaussian noise
    """

    flip: bool = True
    zoom: float = 0.2
    brightness: float = 0.1
    contrast: float = 0.2
    noise: float = 0.02

    def layers(self, seed: int) -> list:
        import keras

        chosen = []
        if self.flip:
            chosen.append(keras.layers.RandomFlip("horizontal", seed=seed))
        if self.zoom:
            chosen.append(keras.layers.RandomZoom((-self.zoom, 0.0), fill_mode="reflect",
                                                  seed=seed + 1))
        if self.brightness:
            chosen.append(keras.layers.RandomBrightness(self.brightness, value_range=(0.0, 1.0),
                                                        seed=seed + 2))
        if self.contrast:
            chosen.append(keras.layers.RandomContrast(self.contrast, seed=seed + 3))
        if self.noise:
            chosen.append(keras.layers.GaussianNoise(self.noise, seed=seed + 4))
        return chosen


def batches(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    *,
    rows: np.ndarray | None = None,
    shuffle: bool = True,
    seed: int = 0,
    augment: Augmentation | None = None,
    flatten: bool = True,
) -> "tf.data.Dataset":  # noqa: F821 - TensorFlow is imported when a pipeline is made
    """Mini-batches of ``(x, y)`` for ``model.fit`` or a training loop.

    - images: (m, side, side) uint8 in 0..255 (a memory map is fine); labels: (m,) ints
    - rows: which rows to use (e.g. a training or validation part; default all), read in place
    - shuffle: a new order each epoch (seeded; the same seed gives the same orders)
    - augment: random changes for training batches (see ``Augmentation``)
    - flatten: x as (b, side*side) (the dense networks' input), else (b, side, side, 1)
    Yields x: float32 in [0, 1] (augmented pixels are clipped back to [0, 1]), y: (b,) int64.
    """
    import tensorflow as tf  # here, not at the top: reading the data needs no TensorFlow
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    if batch_size < 1:
        raise ValueError(f"batch_size must be ≥ 1, got {batch_size}")
    side = images.shape[1]
    labels = np.asarray(labels, dtype=np.int64)
    rows = np.arange(len(images)) if rows is None else np.asarray(rows, dtype=np.int64)

    def gather(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        chosen = np.sort(rows[positions])  # sequential reads from the memory map
        return images[chosen], labels[chosen]

    order = tf.data.Dataset.range(len(rows))
    if shuffle:
        order = order.shuffle(len(rows), seed=seed, reshuffle_each_iteration=True)
    dataset = order.batch(batch_size).map(
        lambda positions: tf.numpy_function(gather, [positions], (tf.uint8, tf.int64)),
        num_parallel_calls=tf.data.AUTOTUNE,
    )

    def to_float(x, y):
        x = tf.reshape(tf.cast(x, tf.float32) / 255.0, (-1, side, side, 1))
        return x, tf.reshape(y, (-1,))

    dataset = dataset.map(to_float, num_parallel_calls=tf.data.AUTOTUNE)
    if augment is not None:
        layers = augment.layers(seed)

        def jitter(x, y):
            for layer in layers:
                x = layer(x, training=True)
            return tf.clip_by_value(x, 0.0, 1.0), y

        dataset = dataset.map(jitter, num_parallel_calls=tf.data.AUTOTUNE)
    if flatten:
        dataset = dataset.map(lambda x, y: (tf.reshape(x, (-1, side * side)), y))
    return dataset.prefetch(tf.data.AUTOTUNE)
