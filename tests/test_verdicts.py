"""Split tests: the value codec, the setup / probe / verdict split, and the judge's verdicts
on values a kernel could send (``hwkit.values``, ``hwkit.autograder.cases``,
``hwkit.grading.judge.verdicts``)."""

import base64
import io
import pickle

import numpy as np
import pytest

from hwkit import values
from hwkit.autograder.cases import CaseFormatError, SplitCase, assigned_names, split_source
from hwkit.grading.judge.verdicts import Judge, SetupFailed


def test_values_round_trip_keeps_types_shapes_and_dtypes():
    tree = {
        "a": np.arange(6, dtype=np.float32).reshape(2, 3),
        "t": (1, 2.5, None, True, "x"),
        "l": [np.int64(3), np.bool_(False)],
        7: float("nan"),
    }
    back = values.decode(values.encode(tree))
    assert back["a"].dtype == np.float32 and np.array_equal(back["a"], tree["a"])
    assert back["t"] == (1, 2.5, None, True, "x") and isinstance(back["t"], tuple)
    assert back["l"][0] == 3 and isinstance(back["l"][0], np.integer)
    assert np.isnan(back[7])


@pytest.mark.parametrize(
    "value",
    [lambda x: x, np.array([object()]), {(1, 2): 3}, type("Evil", (), {})()],
    ids=["function", "object-array", "tuple-key", "object"],
)
def test_values_refuse_what_is_not_data(value):
    with pytest.raises(values.NotData):
        values.encode(value)


def test_decode_never_unpickles():
    class Boom:
        def __reduce__(self):
            return (print, ("unpickled!",))

    buffer = io.BytesIO()
    np.savez(buffer, tree=np.frombuffer(b'{"a": 0}', dtype=np.uint8),
             a0=np.array([Boom()], dtype=object))
    with pytest.raises(ValueError):
        values.decode(buffer.getvalue())
    with pytest.raises(ValueError):
        values.decode(pickle.dumps({"values": {}}))


def test_an_eq_that_always_agrees_does_not_survive_the_trip():
    class Agreeable(np.ndarray):
        def __eq__(self, other):
            return True

    sent = np.zeros(3).view(Agreeable)
    back = values.decode(values.encode(sent))
    assert type(back) is np.ndarray and not np.array_equal(back, np.ones(3))


SOURCE = """import numpy as _np2
_x = 3
_phase = "probe"
_got = f(_x)
for _i in range(2):
    _acc = _i
_phase = "verdict"
_expected = 2 * _x
assert _got == _expected"""


def test_split_source_cuts_at_the_markers():
    setup, probe, verdict = split_source(SOURCE, "q1 case 1")
    assert setup == "import numpy as _np2\n_x = 3"
    assert probe == "_got = f(_x)\nfor _i in range(2):\n    _acc = _i"
    assert verdict.startswith("_expected = 2 * _x")
    assert assigned_names(probe) == ["_got", "_i", "_acc"]


@pytest.mark.parametrize("source", ["assert f(1) == 2", '_phase = "verdict"\n_phase = "probe"'])
def test_a_test_without_markers_is_refused_with_its_name(source):
    with pytest.raises(CaseFormatError, match="q2 case 3"):
        split_source(source, "q2 case 3")


def _case(setup: str, probe: str, verdict: str, hidden: bool = False) -> SplitCase:
    return SplitCase("q1", 0, "q1 - 1", hidden, setup, probe, verdict)


def _payload(tree) -> str:
    return base64.b64encode(values.encode(tree)).decode()


class _Judge(Judge):
    """A judge over hand-written cases (no zip)."""

    def __init__(self, cases):
        import threading

        self.cases = cases
        self._modules = {}
        self._lock = threading.RLock()
        self._setups = {}


def test_only_names_the_probe_reads_are_sent_and_expected_values_stay():
    case = _case("_z = np.arange(3.0)\n_expected = _z * 2", "_got = double(_z)",
                 "assert np.allclose(_got, _expected)")
    judge = _Judge([case])
    (probe,) = judge.probes()
    sent = values.decode(base64.b64decode(probe["inputs"]))
    assert set(sent) == {"_z"} and probe["names"] == ["_got"]


def test_a_probe_input_that_is_not_data_is_refused_naming_it():
    """Today's silent failure: the value would be left out and the probe die with a
    NameError in every kernel. The judge refuses it, so the batch stops before grading."""
    case = _case("_model = lambda v: v\n_z = 1.0", "_got = f(_model(_z))", "assert _got == 1")
    with pytest.raises(SetupFailed, match=r"q1 - 1: .*the probe reads _model, which the setup "
                                          r"made as function, not data"):
        _Judge([case]).probes()


def test_a_setup_that_raises_is_refused_naming_its_case():
    fine = _case("_z = 1.0", "_got = f(_z)", "assert _got == 1")
    broken = SplitCase("q2", 0, "q2 - 1", True, "_z = 1 / 0", "_got = f(_z)", "assert _got")
    with pytest.raises(SetupFailed, match="q2 - 1: test setup failed: ZeroDivisionError") as e:
        _Judge([fine, broken]).probes()
    assert "q1 - 1" not in str(e.value)


def test_verdicts_follow_the_values_not_the_kernels_word():
    case = _case("_z = np.arange(3.0)", "_got = double(_z)",
                 "assert np.allclose(_got, 2 * _z), 'doubles'")
    judge = _Judge([case])
    assert judge.verdict(case, _payload({"values": {"_got": np.arange(3.0) * 2}})).passed
    wrong = judge.verdict(case, _payload({"values": {"_got": np.arange(3.0)}}))
    assert not wrong.passed and "doubles" in wrong.error_line
    said_passed = judge.verdict(case, _payload({"values": {}, "passed": True}))
    assert not said_passed.passed  # no value, no pass, whatever else the payload says
    assert not judge.verdict(case, None).passed
    assert not judge.verdict(case, base64.b64encode(b"garbage").decode()).passed
    raised = judge.verdict(case, _payload({"values": {}, "error": "ValueError: bad shape"}))
    assert not raised.passed and raised.error_line == "ValueError: bad shape"


def test_hidden_verdicts_show_only_report_lines():
    case = _case("_z = 1.0", "_got = f(_z)", "assert _got == 5.0, f'secret expected {5.0}'",
                 hidden=True)
    judge = _Judge([case])
    assert judge.verdict(case, _payload({"values": {"_got": 1.0}})).error_line == ""
    report = _case("_z = 1.0", "_got = f(_z)", "assert _got > 0.9, 'REPORT: 100 % needed'", True)
    judge = _Judge([report])
    assert judge.verdict(report, _payload({"values": {"_got": 0.5}})).error_line == "100 % needed"


def test_a2_probes_carry_no_expected_values(a2_build):
    """Every input the A2 kernel receives is read by its probe; none is a reference output."""
    judge = Judge(a2_build.autograder_zip)
    for case, probe in zip(judge.cases, judge.probes(), strict=True):
        sent = values.decode(base64.b64decode(probe["inputs"]))
        assert set(sent) <= case.input_names(), case.key
        assert not {"_exp", "_expected", "_ref_acc", "_D0"} & set(sent), case.key
        assert "_ref" not in case.probe, case.key
    judge.close()
