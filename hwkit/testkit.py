"""What a TA writes hidden and public tests with: ``solutions/<id>/tests/qN.py``.

One test case is one function::

    import numpy as np

    from hwkit.testkit import case, probe, student


    @case(points=1, hidden=True, message="sigmoid: values differ from 1 / (1 + exp(-z)).")
    def sigmoid_on_random_inputs():
        import a2_reference as ref                          # setup: in the grader
        z = np.random.default_rng(1201).uniform(-30, 30, size=(6, 7))
        with probe():                                       # probe: in the student's kernel
            got = student.sigmoid(z.copy())
        assert np.allclose(got, ref.sigmoid(z))             # verdict: in the grader

- ``@case(points, hidden=False, message="")``: the case's points, whether students see it
  before they submit, and (hidden cases) the message they get when it fails.
- Before ``with probe():``: the setup (seeded inputs, the reference's answers); inside it:
  the probe, the only part that runs in the student's kernel, where ``student.X`` is the
  notebook's ``X``; after it: the verdict, which must ``assert`` something.
- The file's own imports (``numpy``, ``keras``, ``hwkit``…) are available in every part;
  the reference module is imported inside the function (only the grader has it).
- Names the probe reads that the setup made are sent to the kernel: they must be data
  (numbers, strings, NumPy arrays, lists/tuples/dicts of them). Names the probe makes are
  sent back; the verdict sees the setup's names exactly as it made them.

``hwkit build`` turns each function into one otter test case (``hwkit.builder.tests``), so
``grader.check``, ``otter run`` and Gradescope keep working, and checks every rule above
when it builds. Imported by pytest, a case is an ordinary function: ``probe()`` does nothing
and ``student`` reads whatever namespace ``use_notebook`` was given.
"""

from contextlib import contextmanager
from dataclasses import dataclass

CASE_ATTRIBUTE = "__hwkit_case__"


@dataclass(frozen=True)
class CaseConfig:
    """One case's otter configuration: points; hidden (students do not see it before they
    submit); message (what a student sees when a hidden case fails)."""

    points: float
    hidden: bool = False
    message: str = ""


def case(points: float, hidden: bool = False, message: str = ""):
    """Mark a function as a test case (see the module docstring)."""
    if hidden and not message:
        raise ValueError("a hidden case needs a message: students only ever see that")

    def mark(function):
        setattr(function, CASE_ATTRIBUTE, CaseConfig(float(points), hidden, message))
        return function

    return mark


@contextmanager
def probe():
    """Marks the probe: the part of a case that runs in the student's kernel."""
    yield


class _Student:
    """The notebook's names, as ``student.X`` (for running cases outside a build)."""

    def __init__(self):
        self._namespace: dict = {}

    def __getattr__(self, name: str):
        try:
            return self._namespace[name]
        except KeyError:
            raise AttributeError(f"the notebook defines no {name!r}") from None


student = _Student()


def use_notebook(namespace: dict) -> None:
    """Let ``student.X`` read ``namespace`` (a notebook's globals) when cases run directly."""
    student._namespace = namespace
