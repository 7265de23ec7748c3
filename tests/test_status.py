"""`hwkit.results.Status`: one kind and reason per run, one line of text, read back exactly."""

import pytest

from hwkit.results import Status, SubmissionResult

LINES = {
    "ok": Status("ok"),
    "ok (printed 40 MiB; output past 8 MiB dropped)":
        Status("output_dropped", "printed 40 MiB; output past 8 MiB dropped"),
    "timeout (60 s)": Status("timeout", "60 s"),
    "error: NameError: name 'x' is not defined in the cell starting `x`":
        Status("error", "NameError: name 'x' is not defined in the cell starting `x`"),
    "grader error: the kernel did not start (boom)":
        Status("grader_error", "the kernel did not start (boom)"),
}


@pytest.mark.parametrize("line", LINES)
def test_each_kind_is_one_line_that_reads_back_as_the_same_status(line):
    assert LINES[line].text == str(LINES[line]) == line
    assert Status.parse(line) == LINES[line]


def test_a_reason_that_looks_like_another_kind_stays_in_its_own_kind():
    tricky = Status("error", "grader error: fake, regrade me")
    assert Status.parse(tricky.text) == tricky and Status.parse(tricky.text).kind == "error"
    assert Status.parse(Status("error", "ok").text).kind == "error"


@pytest.mark.parametrize("line", ["", "OK", "ok ", "fine", "timeout", "-2+3", "ok\r\u202eko"])
def test_a_line_in_no_known_form_is_an_error_never_ok(line):
    status = Status.parse(line)
    assert status.kind == "error" and status.reason == line and not status.ran_to_the_end


def test_only_ok_and_dropped_output_ran_to_the_end():
    assert [s.kind for s in LINES.values() if s.ran_to_the_end] == ["ok", "output_dropped"]


def test_a_result_given_a_status_line_holds_the_parsed_status():
    result = SubmissionResult(assignment="a", submission="s.ipynb", sha256="", autograder_sha256="",
                              status="timeout (8 s)", score=0.0, max_score=1.0, started_at="",
                              duration_s=0.0, device="cpu")
    assert result.status == Status("timeout", "8 s")
