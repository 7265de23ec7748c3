"""Replies a kernel sends back are bounded before they are decoded (``hwkit.values``): every
hostile encoding fails with ``ValueError`` and nothing else, quickly and without allocating
what it claims."""

import io
import json
import zipfile

import numpy as np
import pytest

from hwkit import values


def _archive(members: dict[str, bytes], compression=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _tree(text: str) -> bytes:
    return _npy(np.frombuffer(text.encode(), dtype=np.uint8))


def _header_claiming(shape: tuple, dtype: str = "<f8") -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False,
                                                  "shape": shape})
    return buffer.getvalue() + b"\0" * 64


def _unknown_compression() -> bytes:
    raw = bytearray(_archive({"tree.npy": _tree('{"a": 0}')}))
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = raw.find(signature)
        raw[at + offset : at + offset + 2] = (99).to_bytes(2, "little")
    return bytes(raw)


HOSTILE = {
    "nested_100000_deep": _archive({"tree.npy": _tree("[" * 100_000 + "]" * 100_000)}),
    "unknown_compression": _unknown_compression(),
    "header_claims_2_to_40_elements": _archive({"tree.npy": _tree('{"a": 0, "scalar": false}'),
                                                "a0.npy": _header_claiming((2**40,))}),
    "header_shape_not_a_shape": _archive({"tree.npy": _tree('{"a": 0}'),
                                          "a0.npy": _header_claiming((-5,))}),
    "object_dtype": _archive({"tree.npy": _tree('{"a": 0}'),
                              "a0.npy": _header_claiming((1,), "|O")}),
    "structured_dtype": _archive({"tree.npy": _tree('{"a": 0}'),
                                  "a0.npy": _npy(np.zeros(2, dtype=[("x", "i4")]))}),
    "zip_bomb_member": _archive({"tree.npy": _tree('{"a": 0}'),
                                 "a0.npy": b"\0" * (80 << 20)}, zipfile.ZIP_DEFLATED),
    "ten_thousand_arrays": _archive({"tree.npy": _tree("0"),
                                     **{f"a{i}.npy": _npy(np.zeros(1)) for i in range(10_002)}}),
    "huge_tree": _archive({"tree.npy": _tree("[" + "0," * (3 << 20) + "0]")}),
    "a_million_values": _archive({"tree.npy": _tree(json.dumps([[0] * 1000] * 1001))}),
    "missing_array": _archive({"tree.npy": _tree('{"a": 7}')}),
    "member_name_with_path": _archive({"tree.npy": _tree("0"), "../x.npy": _npy(np.zeros(1))}),
    "no_tree": _archive({"a0.npy": _npy(np.zeros(1))}),
    "not_a_zip": b"\x93NUMPY garbage",
    "pickle_in_dict_key": _archive({"tree.npy": _tree('{"d": [[[1, 2], 3]]}')}),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_reply_fails_with_value_error_and_nothing_else(name):
    with pytest.raises(ValueError):
        values.decode(HOSTILE[name])


def test_a_claimed_huge_array_is_refused_by_its_header_before_any_allocation():
    """8 TiB claimed over 64 bytes of data: refused by comparing the header with the data
    (a decoder that allocated first would raise MemoryError, or take the machine)."""
    with pytest.raises(ValueError, match="other size"):
        values.decode(HOSTILE["header_claims_2_to_40_elements"])


def test_the_byte_bound_is_the_callers():
    blob = values.encode({"w": np.zeros((1024, 1024), dtype=np.float32)})  # 4 MiB
    assert values.decode(blob)["w"].shape == (1024, 1024)
    with pytest.raises(ValueError, match="larger than 1 MiB"):
        values.decode(blob, max_bytes=1 << 20)
    with pytest.raises(ValueError, match="larger than 1 MiB"):
        values.encode({"w": np.zeros((1024, 1024), dtype=np.float32)}, max_bytes=1 << 20)


def test_honest_replies_keep_nesting_up_to_the_bound():
    deep = 0
    for _ in range(values.MAX_DEPTH - 2):
        deep = [deep]
    assert values.decode(values.encode(deep)) == deep
