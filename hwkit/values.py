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
import re
import zipfile

import numpy as np

MAX_BYTES = 64 * 1024 * 1024
MAX_ARRAYS = 10_000
MAX_TREE_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 1_000_000
MAX_DIMS = 16
MAX_HEADER_BYTES = 10_000
ARRAY_KINDS = "biufc"  # bool, int, uint, float, complex
TREE_MEMBER = "tree"
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")


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


def encode(tree, max_bytes: int = MAX_BYTES) -> bytes:
    """The tree as ``.npz`` bytes; raises ``NotData`` naming the first value that is not data
    and ``ValueError`` past ``max_bytes``."""
    arrays: list[np.ndarray] = []
    shape = json.dumps(_pack(tree, arrays))
    buffer = io.BytesIO()
    members = {f"a{i}": array for i, array in enumerate(arrays)}
    np.savez(buffer, **{TREE_MEMBER: np.frombuffer(shape.encode(), dtype=np.uint8)}, **members)
    if buffer.tell() > max_bytes:
        raise ValueError(f"values larger than {max_bytes >> 20} MiB")
    return buffer.getvalue()


class _Budget:
    """What is left of a reply's allowance while it is unpacked: nodes of the tree."""

    def __init__(self, nodes: int):
        self.nodes = nodes

    def spend(self) -> None:
        self.nodes -= 1
        if self.nodes < 0:
            raise ValueError(f"more than {MAX_NODES:,} values in one reply")


def _unpack(node, arrays, budget: _Budget):
    budget.spend()
    if isinstance(node, list):
        return [_unpack(v, arrays, budget) for v in node]
    if not isinstance(node, dict):
        return node
    if "t" in node:
        return tuple(_unpack(v, arrays, budget) for v in node["t"])
    if "d" in node:
        found = {}
        for key, item in node["d"]:
            if type(key) not in (str, int):
                raise ValueError("malformed encoded value (a dict key that is not str or int)")
            found[key] = _unpack(item, arrays, budget)
        return found
    if "f" in node:
        return float(node["f"])
    array = arrays[f"a{int(node['a'])}"]
    return array[()] if node.get("scalar") else array


def _json_depth(text: bytes) -> int:
    """How deeply ``text`` (JSON) nests brackets, found without recursion (json.loads itself
    would recurse, and a reply nested 100,000 deep must fail cleanly)."""
    outside = _JSON_STRING.sub(b'""', text)
    brackets = np.frombuffer(_NOT_BRACKET.sub(b"", outside), dtype=np.uint8)
    if not len(brackets):
        return 0
    steps = np.where((brackets == ord("[")) | (brackets == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


def _read_npy(member, size: int) -> np.ndarray:
    """One ``.npy`` member, its header checked before any data is read: numbers or booleans
    only, and exactly as many bytes as the header's shape needs (a header that claims 2^40
    elements over a few bytes of data is refused, never allocated)."""
    version = np.lib.format.read_magic(member)
    readers = {(1, 0): np.lib.format.read_array_header_1_0,
               (2, 0): np.lib.format.read_array_header_2_0}
    if version not in readers:
        raise ValueError(f"unsupported .npy version {version}")
    shape, fortran, dtype = readers[version](member, max_header_size=MAX_HEADER_BYTES)
    if dtype.hasobject or dtype.fields or dtype.subdtype or dtype.kind not in ARRAY_KINDS:
        raise ValueError(f"array of dtype {dtype} (only numbers and booleans)")
    if len(shape) > MAX_DIMS or any(not isinstance(d, int) or d < 0 for d in shape):
        raise ValueError(f"array shape {shape} is not a shape")
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes != size - member.tell():
        raise ValueError(f"array header says {shape} but the data has another size")
    data = member.read(nbytes)
    if len(data) != nbytes:
        raise ValueError("array data cut short")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C").copy()


def _members(data: bytes, max_bytes: int) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_ARRAYS + 1:
            raise ValueError(f"more than {MAX_ARRAYS:,} arrays in one reply")
        if sum(info.file_size for info in infos) > max_bytes:
            raise ValueError(f"values larger than {max_bytes >> 20} MiB once unpacked")
        arrays = {}
        for info in infos:
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ValueError(f"unsupported compression {info.compress_type}")
            name = info.filename.removesuffix(".npy")
            if name in arrays or not name.isidentifier():
                raise ValueError(f"unexpected member {info.filename[:40]!r}")
            with archive.open(info) as member:
                arrays[name] = _read_npy(member, info.file_size)
        return arrays


def decode(data: bytes, max_bytes: int = MAX_BYTES):
    """The tree ``encode`` wrote; raises ``ValueError`` (and nothing else) for anything else.

    Every reply is bounded before it is unpacked: ``max_bytes`` in and once unpacked, at most
    ``MAX_ARRAYS`` arrays whose headers must match their data, a tree of at most
    ``MAX_TREE_BYTES`` nested at most ``MAX_DEPTH`` deep with at most ``MAX_NODES`` values."""
    if not isinstance(data, bytes | bytearray) or len(data) > max_bytes:
        raise ValueError(f"values larger than {max_bytes >> 20} MiB (or not bytes)")
    try:
        arrays = _members(bytes(data), max_bytes)
        shape = arrays.pop(TREE_MEMBER, None)
        if shape is None or shape.dtype != np.uint8 or shape.ndim != 1:
            raise ValueError("not an encoded value (no tree)")
        if len(shape) > MAX_TREE_BYTES:
            raise ValueError(f"value tree larger than {MAX_TREE_BYTES >> 10} KiB")
        text = shape.tobytes()
        if _json_depth(text) > MAX_DEPTH:
            raise ValueError(f"values nested deeper than {MAX_DEPTH}")
        return _unpack(json.loads(text.decode()), arrays, _Budget(MAX_NODES))
    except ValueError as error:
        raise ValueError(f"not an encoded value ({error})"[:300]) from None
    except Exception as error:  # zip, npy and json parsers raise many kinds on hostile bytes
        raise ValueError(f"not an encoded value ({type(error).__name__}: {error})"[:300]) from None
