"""Reading what a student attempted from a notebook's source."""

import nbformat

from hwkit.notebook_text import ATTEMPTED, BLANK, SYNTAX_ERROR, function_states, question_note


def _notebook(*sources):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def test_states_tell_blank_attempted_and_syntax_error_apart():
    notebook = _notebook(
        "def f(x):\n    '''doc'''\n    x = 1\n    ...",
        "def g(x):\n    return x",
        "def h(x)\n    return x",
    )
    assert function_states(notebook) == {"f": BLANK, "g": ATTEMPTED, "h": SYNTAX_ERROR}


def test_a_skeleton_blank_inside_a_call_counts_as_blank():
    notebook = _notebook(
        "def build():\n    A1 = Dense(units=..., activation='relu')(x)\n    return A1",
        "def done():\n    A1 = Dense(units=10, activation='relu')(x)\n    return A1",
    )
    assert function_states(notebook) == {"build": BLANK, "done": ATTEMPTED}


def test_the_last_definition_wins():
    notebook = _notebook("def f():\n    ...", "def f():\n    return 1")
    assert function_states(notebook)["f"] == ATTEMPTED


def test_question_note_only_when_nothing_was_attempted():
    states = function_states(_notebook("def f():\n    ...", "def g():\n    return 1", "def h(\n"))
    assert question_note(states, ["f", "g"]) == ""
    assert "not attempted: f still" in question_note(states, ["f"])
    assert "syntax error" in question_note(states, ["h", "f"])
    assert "not attempted: missing" in question_note(states, ["missing"])
