"""Plain data that crosses between the grader and a submission's kernel, and nothing else.

A value is ``None``, ``bool``, ``int``, ``float``, ``str``, a NumPy array of numbers or
booleans (anything with ``__array__``, such as a TensorFlow tensor, is converted to one), or a
list, tuple or dict (string or integer keys) of values. ``encode`` writes such a tree as an
``.npz`` archive (arrays as ``.npy`` members, the tree's shape as JSON); ``decode`` reads it
back with ``allow_pickle=False``, so bytes from a submission can only ever become data, never
objects with behaviour of their own (an ``__eq__`` that always says yes).
"""

import io
import json
import math
import zipfile

import numpy as np

MAX_BYTES = 64 * 1024 * 1024
ARRAY_KINDS = "biufc"  # bool, int, uint, float, complex
TREE_MEMBER = "tree"


class NotData(TypeError):
    """A value that cannot cross (a model, a function, an object array); says which."""


def _to_array(value) -> np.ndarray:
    try:
        array = np.asarray(value)
    except Exception as error:  # anything can happen in a foreign __array__
        name = type(value).__name__
        raise NotData(f"{name} could not be converted to an array ({error})") from None
    if array.dtype.kind not in ARRAY_KINDS:
        raise NotData(f"array of dtype {array.dtype} (only numbers and booleans)")
    return np.array(array, copy=True)  # a plain ndarray, not a subclass


def _pack(value, arrays: list[np.ndarray]):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and type(value) in (int, float):
        return value if not (isinstance(value, float) and not math.isfinite(value)) else {
            "f": repr(value)
        }
    if isinstance(value, list):
        return [_pack(v, arrays) for v in value]
    if isinstance(value, tuple) and type(value) is tuple:
        return {"t": [_pack(v, arrays) for v in value]}
    if isinstance(value, dict) and type(value) is dict:
        items = []
        for key, item in value.items():
            if type(key) not in (str, int):
                raise NotData(f"dict key of type {type(key).__name__}")
            items.append([key, _pack(item, arrays)])
        return {"d": items}
    if isinstance(value, (np.ndarray, np.generic)) or hasattr(value, "__array__"):
        arrays.append(_to_array(value))
        return {"a": len(arrays) - 1, "scalar": isinstance(value, np.generic)}
    raise NotData(f"{type(value).__name__} is not data")


def encode(tree) -> bytes:
    """The tree as ``.npz`` bytes; raises ``NotData`` naming the first value that is not data
    and ``ValueError`` past ``MAX_BYTES``."""
    arrays: list[np.ndarray] = []
    shape = json.dumps(_pack(tree, arrays))
    buffer = io.BytesIO()
    members = {f"a{i}": array for i, array in enumerate(arrays)}
    np.savez(buffer, **{TREE_MEMBER: np.frombuffer(shape.encode(), dtype=np.uint8)}, **members)
    if buffer.tell() > MAX_BYTES:
        raise ValueError(f"values larger than {MAX_BYTES >> 20} MiB")
    return buffer.getvalue()


def _unpack(node, arrays):
    if isinstance(node, list):
        return [_unpack(v, arrays) for v in node]
    if not isinstance(node, dict):
        return node
    if "t" in node:
        return tuple(_unpack(v, arrays) for v in node["t"])
    if "d" in node:
        return {key: _unpack(item, arrays) for key, item in node["d"]}
    if "f" in node:
        return float(node["f"])
    array = arrays[f"a{int(node['a'])}"]
    return array[()] if node.get("scalar") else array


def decode(data: bytes):
    """The tree ``encode`` wrote; raises ``ValueError`` for anything else."""
    if len(data) > MAX_BYTES:
        raise ValueError(f"values larger than {MAX_BYTES >> 20} MiB")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise ValueError(f"not an encoded value ({error})") from error
    shape = arrays.pop(TREE_MEMBER, None)
    if shape is None:
        raise ValueError("not an encoded value (no tree)")
    try:
        return _unpack(json.loads(shape.tobytes().decode()), arrays)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValueError(f"malformed encoded value ({error})") from error
