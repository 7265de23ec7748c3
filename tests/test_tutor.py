"""The student's ``grader.check`` (``hwkit.kernel.tutor``): one short result per question, the
author's message, "not attempted", nothing of otter's doctest plumbing."""

import textwrap

from hwkit.kernel import tutor

DOCTEST_FAILURE = textwrap.dedent("""\
    Trying:
        _phase = 'probe'
    Expecting nothing
    ok
    **********************************************************************
    Line 8, in q1 0
    Failed example:
        assert _shapes == ((50, 2), (50, 2)), 'every normalisation keeps the shape (m, n)'
    Exception raised:
        Traceback (most recent call last):
          File "/usr/lib/python3.11/doctest.py", line 1351, in __run
        AssertionError: every normalisation keeps the shape (m, n)
    **********************************************************************
    Line 9, in q1 0
    Failed example:
        assert np.allclose(_Xn[0], [0.4, 0.2]), 'row 1 should become (0.4, 0.2)'
    Exception raised:
        AssertionError: row 1 should become (0.4, 0.2)
    """)


def test_the_reason_is_the_first_failed_examples_author_message():
    assert tutor._reason(DOCTEST_FAILURE) == "every normalisation keeps the shape (m, n)"
    crash = "Failed example:\n    f(1)\nException raised:\n    TypeError: unsupported operand"
    assert tutor._reason(crash) == "TypeError: unsupported operand"


def test_functions_still_ending_in_ellipsis_are_not_attempted():
    env = {}
    exec(textwrap.dedent('''
        import numpy as np
        def blank(X):
            """doc"""
            X = np.asarray(X)
            ...
        def done(X):
            return X
        '''), env)
    assert tutor._not_attempted(env, {"blank", "done", "np", "missing"}) == []  # no source
    # functions defined from a file have source: write one and import it
    import importlib.util
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "student.py"
        path.write_text("def blank(X):\n    X = 1\n    ...\n\ndef done(X):\n    return X\n"
                        "\ndef argument_blank(x):\n    return dict(units=..., x=x)\n"
                        "\ndef indexing(x):\n    return x[..., 0]\n")
        spec = importlib.util.spec_from_file_location("student_mod", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        names = {"blank", "done", "argument_blank", "indexing"}
        assert tutor._not_attempted(vars(module), names) == ["argument_blank", "blank"]


def test_a_result_is_a_few_lines_without_plumbing():
    result = tutor.Result("q1", 1, 3, ["every normalisation keeps the shape (m, n)"])
    text = repr(result)
    assert text.splitlines() == ["q1: 1 / 3 项通过 / checks passed",
                                 "  ✗ every normalisation keeps the shape (m, n)"]
    assert "<li>every normalisation" in result._repr_html_()
    assert repr(tutor.Result("q2", 2, 2, [])) == "q2: 全部通过 / all 2 checks passed"
    assert "<script>" not in tutor.Result("q3", 0, 1, ["<script>"])._repr_html_()


def test_setup_says_what_to_install_in_both_languages(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    checks = tutor.setup("a9", needs={"numpy": "numpy", "no_such_module_xyz": "xyz-pkg"})
    out = capsys.readouterr().out
    assert "缺少 / missing: xyz-pkg" in out and "pip install xyz-pkg" in out
    assert "numpy" not in out.split("pip install")[1]
    import os
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "1"
    assert isinstance(checks, tutor.Checks)


def test_without_public_tests_a_check_says_so_and_does_nothing(tmp_path, capsys):
    assert tutor.Checks(tmp_path / "tests").check("q1", {}) is None
    assert "no public check here" in capsys.readouterr().out
