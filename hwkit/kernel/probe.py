"""Kernel side of a split test (``hwkit.autograder.cases``): run a probe, hand back its values.

The worker sends one cell per test case that calls ``run``. It runs the probe in a copy of the
notebook's namespace with the grader's inputs added (so a notebook global that shares an
input's name is left as it was), and publishes the probe's declared outputs that are data
(``hwkit.values``) as one display output of type ``MIME``, base64 encoded. Nothing
here decides a test: a submission that tampers with this module can only send other values,
which the grader judges like any others.
"""

import base64
import traceback

from hwkit import values

MIME = "application/x-hwkit-probe"


def error_line(error: BaseException) -> str:
    """The exception's last line, as the traceback prints it (300 characters at most)."""
    lines = traceback.format_exception_only(type(error), error)
    return (lines[-1].strip() if lines else type(error).__name__)[:300]


def run(namespace: dict, inputs_b64: str, source: str, names: list[str],
        max_bytes: int = values.MAX_BYTES) -> None:
    """Run ``source`` in a copy of ``namespace`` with the inputs added; publish ``names``'
    values (the probe's declared outputs)."""
    from IPython.display import publish_display_data

    payload: dict = {"values": {}, "skipped": {}}
    namespace = dict(namespace)
    try:
        namespace.update(values.decode(base64.b64decode(inputs_b64)))
        exec(compile(source, "<test probe>", "exec"), namespace)  # noqa: S102
    except BaseException as error:  # the student's code raised: the case fails with this line
        payload["error"] = error_line(error)
    for name in names:
        if name not in namespace:
            continue
        try:
            values.encode(namespace[name], max_bytes)
            payload["values"][name] = namespace[name]
        except (values.NotData, ValueError) as error:
            payload["skipped"][name] = str(error)[:200]
    try:
        blob = values.encode(payload, max_bytes)
    except (values.NotData, ValueError) as error:
        blob = values.encode({"error": f"the values could not be sent: {error}"[:300]})
    publish_display_data({MIME: base64.b64encode(blob).decode("ascii")})
