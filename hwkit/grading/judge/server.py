"""A judge process: one autograder zip's setups and verdicts, serving one grading thread.

``python -m hwkit.grading.judge.server ZIP WORKDIR GRADER_PID MEMORY_MB`` (or a fork of the
pool's forker, ``hwkit.grading.judge.forker``, which calls ``run``) unpacks the zip's tests
into WORKDIR (the grader's, hidden from every kernel), runs every setup, then answers frames
on stdin/stdout (``hwkit.grading.judge.frames``):

- first, once: ``{"ready": true, "probes": [...], "digests": {case: sha256 of its inputs}}``
  or ``{"ready": false, "error": "..."}``;
- then per request ``{"case": KEY, "max_bytes": N}`` + the probe's payload (base64 text, or
  an empty frame when the probe never ran) → ``{"passed": bool, "error_line": str}`` + the
  predictions the verdict recorded (``hwkit.values``-encoded).

It handles bytes from a submission's kernel, so it is bounded: an address-space limit, death
with the grader, and the grader's deadline on every reply (``hwkit.grading.judge.pool`` kills and
restarts it when a verdict runs past its limit or it dies). Anything the verdicts print goes
to stderr (the judge's log), never into the frames.
"""

import hashlib
import json
import os
import resource
import sys
from pathlib import Path

REQUEST_BYTES = 1 << 20


def _frames_fd() -> int:
    """A private copy of stdout for frames; fd 1 then points at stderr (prints go to the log)."""
    fd = os.dup(1)
    os.dup2(2, 1)
    return fd


def serve(autograder_zip: Path, workdir: Path, frames_in: int, frames_out: int) -> None:
    from hwkit import values
    from hwkit.grading.judge.frames import FrameClosed, read_frame, write_frame
    from hwkit.grading.judge.verdicts import Judge

    try:
        judge = Judge(autograder_zip, workdir)
        probes = judge.probes()
    except Exception as error:  # noqa: BLE001 - reported to the grader, which stops the batch
        write_frame(frames_out, json.dumps({"ready": False,
                                            "error": f"{type(error).__name__}: {error}"}).encode())
        return
    digests = {p["key"]: hashlib.sha256(p["inputs"].encode()).hexdigest() for p in probes}
    write_frame(frames_out, json.dumps({"ready": True, "probes": probes,
                                        "digests": digests}).encode())
    while True:
        try:
            request = json.loads(read_frame(frames_in, REQUEST_BYTES))
            max_bytes = int(request["max_bytes"])
            payload = read_frame(frames_in, 2 * max_bytes).decode("ascii", "replace") or None
        except FrameClosed:
            return
        verdict = judge.verdict(judge.case(request["case"]), payload, max_bytes)
        write_frame(frames_out, json.dumps({"passed": verdict.passed,
                                            "error_line": verdict.error_line}).encode())
        write_frame(frames_out, values.encode(verdict.recorded))


def run(autograder_zip: Path, workdir: Path, memory_mb: int) -> None:
    """The judge's life once it dies with its parent: its limit, then ``serve`` on fds 0/1."""
    if memory_mb > 0:
        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    frames_out = _frames_fd()
    serve(autograder_zip, workdir, sys.stdin.fileno(), frames_out)


def main(argv: list[str]) -> None:
    autograder_zip, workdir, grader_pid, memory_mb = argv
    from hwkit.sandbox import die_with_parent

    die_with_parent(int(grader_pid))
    run(Path(autograder_zip), Path(workdir), int(memory_mb))


if __name__ == "__main__":
    main(sys.argv[1:])
