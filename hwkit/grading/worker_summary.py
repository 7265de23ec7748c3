"""What the worker sends back for one submission: ``WorkerSummary``, as JSON over its pipe.

The worker (``hwkit.grading.worker``) writes it once, at the end; the grader
(``hwkit.grading.worker_run``) reads it back with ``WorkerSummary.from_json``, which checks
every field's type, so nothing downstream looks a key up in a dict. The kernel never holds
the pipe, but the text in it (error messages, probe payloads) came from the submission: it is
data to judge and show, never to trust.
"""

import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class CellError:
    """The first error output of one code cell: cell index, exception name and value (cut to
    100 / 300 characters), and the cell's first non-empty line (120) for context."""

    cell: int
    ename: str
    evalue: str
    first_line: str


@dataclass(frozen=True)
class WorkerSummary:
    """One worker run, as the worker saw it.

    - printed_bytes: bytes of text the notebook printed (the part past the cap was dropped)
    - timings: seconds per stage (``notebook_s``, ``probes_s``, ``total_s``, ...)
    - error: why the notebook's run stopped early ("" when it ran to the end)
    - kernel_started: whether a kernel ever answered (False: the grader's fault, not the file's)
    - restarts: kernel restarts after a probe hung or crashed
    - probes: each test case's encoded reply by case key, None where its probe sent nothing
    - probe_notes: the grader's note on a probe that timed out or crashed, by case key
    - cell_errors: the first error of each cell that raised, in notebook order
    - curves_png: base64 PNG of the cell tagged ``training-curves`` ("" when none)
    - notes: lines for the TA's detail (e.g. a protection the machine could not give)
    """

    printed_bytes: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    error: str = ""
    kernel_started: bool = False
    restarts: int = 0
    probes: dict[str, str | None] = field(default_factory=dict)
    probe_notes: dict[str, str] = field(default_factory=dict)
    cell_errors: tuple[CellError, ...] = ()
    curves_png: str = ""
    notes: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "WorkerSummary":
        """The summary in ``text``; ValueError naming the first field that is not what the
        worker writes (a summary is all or nothing)."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("the worker's summary is not a JSON object")
        return cls(
            printed_bytes=_typed(data, "printed_bytes", int, 0),
            timings={k: float(v) for k, v in _mapping(data, "timings", (int, float)).items()},
            error=_typed(data, "error", str, ""),
            kernel_started=_typed(data, "kernel_started", bool, False),
            restarts=_typed(data, "restarts", int, 0),
            probes=_mapping(data, "probes", (str, type(None))),
            probe_notes=_mapping(data, "probe_notes", str),
            cell_errors=tuple(_cell_error(e) for e in _typed(data, "cell_errors", list, [])),
            curves_png=_typed(data, "curves_png", str, ""),
            notes=tuple(_strings(_typed(data, "notes", list, []), "notes")),
        )


def _typed(data: dict, key: str, kind: type, default):
    value = data.get(key, default)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"the worker's summary has {key} of type {type(value).__name__}")
    return value


def _mapping(data: dict, key: str, kinds) -> dict:
    value = _typed(data, key, dict, {})
    for name, item in value.items():
        if not isinstance(item, kinds) or isinstance(item, bool):
            raise ValueError(f"the worker's summary has {key}[{name[:40]!r}] of type "
                             f"{type(item).__name__}")
    return value


def _strings(items: list, key: str) -> list[str]:
    if not all(isinstance(item, str) for item in items):
        raise ValueError(f"the worker's summary has a {key} entry that is not text")
    return items


def _cell_error(entry) -> CellError:
    if not isinstance(entry, dict):
        raise ValueError("the worker's summary has a cell_errors entry that is not an object")
    try:
        return CellError(cell=_typed(entry, "cell", int, 0),
                         ename=_typed(entry, "ename", str, ""),
                         evalue=_typed(entry, "evalue", str, ""),
                         first_line=_typed(entry, "first_line", str, ""))
    except ValueError as problem:
        raise ValueError(f"cell_errors: {problem}") from None
