"""`hwkit.grading.worker_summary`: what the worker writes is what the grader reads, field by
field; a summary with any field of the wrong type is refused whole."""

import json

import pytest

from hwkit.grading.worker_summary import CellError, WorkerSummary

FULL = WorkerSummary(
    printed_bytes=12, timings={"notebook_s": 1.5, "total_s": 2.0}, error="", kernel_started=True,
    restarts=1, probes={"q1 - 1": "payload", "q1 - 2": None}, probe_notes={"q1 - 2": "timed out"},
    cell_errors=(CellError(cell=3, ename="NameError", evalue="x", first_line="x + 1"),),
    curves_png="iVBORw0KGgo=", notes=("no network namespace",),
)


def test_a_summary_survives_the_pipe_unchanged():
    assert WorkerSummary.from_json(FULL.to_json()) == FULL
    assert WorkerSummary.from_json("{}") == WorkerSummary()


@pytest.mark.parametrize("field, value", [
    ("printed_bytes", "12"), ("printed_bytes", True), ("kernel_started", 1), ("restarts", 1.5),
    ("error", None), ("timings", {"total_s": "fast"}), ("probes", {"q1 - 1": 7}),
    ("probe_notes", {"q1 - 1": None}), ("cell_errors", [{"cell": "3"}]), ("cell_errors", ["x"]),
    ("curves_png", 0), ("notes", [1]), ("probes", []),
])
def test_a_field_of_the_wrong_type_refuses_the_whole_summary_and_names_the_field(field, value):
    data = json.loads(FULL.to_json())
    data[field] = value
    with pytest.raises(ValueError, match=field):
        WorkerSummary.from_json(json.dumps(data))


@pytest.mark.parametrize("text", ["[]", "null", "7", '"ok"'])
def test_a_reply_that_is_not_an_object_is_refused(text):
    with pytest.raises(ValueError, match="not a JSON object"):
        WorkerSummary.from_json(text)
