"""Length-prefixed frames over a pipe, for the grader and its judge processes.

A frame is 8 bytes of big-endian length, then that many bytes. ``read_frame`` takes a deadline
so the grader never waits on a judge longer than a verdict's time limit, and a size bound so a
judge that misbehaves cannot make the grader allocate without limit.
"""

import os
import select
import struct
import time

HEADER = struct.Struct(">Q")


class FrameTimeout(TimeoutError):
    """No complete frame before the deadline."""


class FrameClosed(EOFError):
    """The other side closed the pipe (it exited or died)."""


def write_frame(fd: int, data: bytes) -> None:
    view = memoryview(HEADER.pack(len(data)) + data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, left = [], size
    while left:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise FrameTimeout(f"no reply within the time limit ({size - left}/{size} bytes)")
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise FrameClosed("the pipe was closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, max_bytes: int, deadline: float | None = None) -> bytes:
    """One frame's bytes; raises FrameTimeout, FrameClosed, or ValueError past ``max_bytes``."""
    (size,) = HEADER.unpack(_read_exact(fd, HEADER.size, deadline))
    if size > max_bytes:
        raise ValueError(f"frame of {size:,} bytes is over the {max_bytes:,}-byte bound")
    return _read_exact(fd, size, deadline)
