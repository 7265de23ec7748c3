"""A SQLite gradebook: the schema, and the grading runs (one row per run, one per test, one per
held-out accuracy); the course's own records in the same file (roster, reveals, withdrawals,
written scores, the log of the TA's actions) are ``course_records``'.

Runs are never updated or deleted here: regrading adds a new run, and "latest" means the highest
run id (the one recorded last). Older files are upgraded in place when opened: schema 1
(before submission times and accuracies), schema 2 (before the files' own modification
times, ``file_time``) and schema 3 (before ``data``, what a run was graded on).
"""

import sqlite3
from pathlib import Path

from hwkit.gradebook.course_records import CourseRecords
from hwkit.results import HeldOutAccuracy, Status, SubmissionResult, TestOutcome

SCHEMA_VERSION = 4

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    assignment TEXT NOT NULL,
    submission TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    autograder_sha256 TEXT NOT NULL,
    status TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    started_at TEXT NOT NULL,
    duration_s REAL NOT NULL,
    device TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    submitted_at TEXT NOT NULL DEFAULT '',
    student_field TEXT NOT NULL DEFAULT '',
    file_time TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS runs_by_content ON runs (assignment, sha256, autograder_sha256);
CREATE TABLE IF NOT EXISTS test_results (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    question TEXT,
    name TEXT,
    score REAL,
    max_score REAL,
    hidden INTEGER,
    passed INTEGER,
    message TEXT
);
CREATE INDEX IF NOT EXISTS test_results_by_run ON test_results (run_id);
CREATE TABLE IF NOT EXISTS accuracies (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    public REAL NOT NULL,
    private REAL NOT NULL,
    n_public INTEGER NOT NULL,
    n_private INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS accuracies_by_run ON accuracies (run_id);
CREATE TABLE IF NOT EXISTS artifacts (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS roster (
    student_id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    nickname TEXT NOT NULL DEFAULT '',
    grp TEXT NOT NULL DEFAULT '',
    show_name INTEGER NOT NULL DEFAULT 0,
    lms_id TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS reveals (
    assignment TEXT PRIMARY KEY,
    revealed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS written_scores (
    assignment TEXT NOT NULL,
    student_id TEXT NOT NULL,
    question TEXT NOT NULL,
    score REAL NOT NULL,
    submission TEXT NOT NULL DEFAULT '',
    scored_at TEXT NOT NULL,
    scored_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (assignment, student_id, question)
);
CREATE TABLE IF NOT EXISTS withdrawn (
    assignment TEXT NOT NULL,
    submission TEXT NOT NULL,
    withdrawn_at TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (assignment, submission)
);
CREATE TABLE IF NOT EXISTS course_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    assignment TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
"""
# Columns added to `runs` by schema 2 (ALTER TABLE on a schema 1 file).
_RUN_COLUMNS_V2 = (
    "submitted_at TEXT NOT NULL DEFAULT ''",
    "student_field TEXT NOT NULL DEFAULT ''",
)
# Columns added to `runs` by schema 3 (on a schema 1 or 2 file).
_RUN_COLUMNS_V3 = ("file_time TEXT NOT NULL DEFAULT ''",)
# Column added by schema 4: the data a run was graded on (``SubmissionResult.data``).
_RUN_COLUMNS_V4 = ("data TEXT NOT NULL DEFAULT ''",)

_RUN_FIELDS = (
    "assignment",
    "submission",
    "sha256",
    "autograder_sha256",
    "status",
    "score",
    "max_score",
    "started_at",
    "duration_s",
    "device",
    "detail",
    "submitted_at",
    "student_field",
    "file_time",
    "data",
)
_TEST_FIELDS = ("question", "name", "score", "max_score", "hidden", "passed", "message")
_ACCURACY_FIELDS = ("name", "public", "private", "n_public", "n_private")
_SELECT_RUNS = f"SELECT id, {', '.join(_RUN_FIELDS)} FROM runs"
_CURVES = "curves.png"


class Gradebook(CourseRecords):
    """One SQLite file of grading runs; use as a context manager or call `close()`."""

    def __init__(self, path: Path):
        """Open (or create, with parent folders and schema) the gradebook at `path`."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._create_schema()

    def _create_schema(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            self._conn.close()
            raise RuntimeError(
                f"{self.path} has gradebook schema {version}; this hwkit knows {SCHEMA_VERSION}"
            )
        with self._conn:
            added = ((_RUN_COLUMNS_V2 if version == 1 else ())
                     + (_RUN_COLUMNS_V3 if version in (1, 2) else ())
                     + (_RUN_COLUMNS_V4 if version in (1, 2, 3) else ()))
            for column in added:
                self._conn.execute(f"ALTER TABLE runs ADD COLUMN {column}")
            self._conn.executescript(_SCHEMA)
            roster = {r[1] for r in self._conn.execute("PRAGMA table_info(roster)")}
            if "lms_id" not in roster:  # a roster made before LMS ids
                self._conn.execute("ALTER TABLE roster ADD COLUMN lms_id TEXT NOT NULL DEFAULT ''")
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def __enter__(self) -> "Gradebook":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._conn.close()

    def record(self, result: SubmissionResult) -> int:
        """Store one run and all its tests atomically; returns the new run id."""
        run_row = tuple(str(result.status) if name == "status" else getattr(result, name)
                        for name in _RUN_FIELDS)
        placeholders = ", ".join("?" * len(_RUN_FIELDS))
        test_placeholders = ", ".join("?" * (len(_TEST_FIELDS) + 1))
        with self._conn:  # one transaction: commits both inserts or rolls both back
            cursor = self._conn.execute(
                f"INSERT INTO runs ({', '.join(_RUN_FIELDS)}) VALUES ({placeholders})", run_row
            )
            run_id = cursor.lastrowid
            self._conn.executemany(
                f"INSERT INTO test_results (run_id, {', '.join(_TEST_FIELDS)}) "
                f"VALUES ({test_placeholders})",
                [(run_id, *_test_row(test)) for test in result.tests],
            )
            self._conn.executemany(
                f"INSERT INTO accuracies (run_id, {', '.join(_ACCURACY_FIELDS)}) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(run_id, *(getattr(a, f) for f in _ACCURACY_FIELDS)) for a in result.accuracies],
            )
            if result.curves_png:
                self._conn.execute(
                    "INSERT INTO artifacts (run_id, name, data) VALUES (?, ?, ?)",
                    (run_id, _CURVES, result.curves_png),
                )
        result.run_id = run_id
        return run_id

    def curves_png(self, run_id: int) -> bytes:
        """The training-curve PNG recorded with run ``run_id`` (b"" when there is none)."""
        row = self._conn.execute(
            "SELECT data FROM artifacts WHERE run_id = ? AND name = ?", (run_id, _CURVES)
        ).fetchone()
        return bytes(row[0]) if row else b""

    def find_graded(
        self, assignment: str, sha256: str, autograder_sha256: str | None, submission: str = ""
    ) -> SubmissionResult | None:
        """The latest run of this exact file content under this exact autograder (under any,
        when ``autograder_sha256`` is None; one under the file name ``submission`` first, when
        there is one), or None — also when that run ended in a ``grader error``: the file is
        graded again."""
        same_autograder = "AND autograder_sha256 = ? " if autograder_sha256 is not None else ""
        keys = (autograder_sha256,) if autograder_sha256 is not None else ()
        row = self._conn.execute(
            f"{_SELECT_RUNS} WHERE assignment = ? AND sha256 = ? {same_autograder}"
            "ORDER BY submission = ? DESC, id DESC LIMIT 1",
            (assignment, sha256, *keys, submission),
        ).fetchone()
        if row is None or Status.parse(row["status"]).kind == "grader_error":
            return None
        return self._results([row])[0]

    def runs(self, assignment: str | None = None) -> list[SubmissionResult]:
        """Every run (of `assignment`, or of all assignments when None), with tests, by run id."""
        if assignment is None:
            rows = self._conn.execute(f"{_SELECT_RUNS} ORDER BY id")
        else:
            rows = self._conn.execute(
                f"{_SELECT_RUNS} WHERE assignment = ? ORDER BY id", (assignment,)
            )
        return self._results(rows)

    def latest_by_submission(self, assignment: str) -> list[SubmissionResult]:
        """The latest run of each submission file name of `assignment`, ordered by that name."""
        rows = self._conn.execute(
            f"{_SELECT_RUNS} WHERE id IN "
            "(SELECT MAX(id) FROM runs WHERE assignment = ? GROUP BY submission) "
            "ORDER BY submission",
            (assignment,),
        )
        return self._results(rows)

    def _results(self, rows: sqlite3.Cursor | list[sqlite3.Row]) -> list[SubmissionResult]:
        runs = rows.fetchall() if isinstance(rows, sqlite3.Cursor) else rows
        ids = [row["id"] for row in runs]
        tests = self._children("test_results", _TEST_FIELDS, ids, _test_outcome)
        accuracies = self._children("accuracies", _ACCURACY_FIELDS, ids, _accuracy)
        return [
            SubmissionResult(
                **{name: row[name] for name in _RUN_FIELDS if name != "status"},
                status=Status.parse(row["status"]),
                tests=tests.get(row["id"], []),
                accuracies=accuracies.get(row["id"], []),
                run_id=row["id"],
            )
            for row in runs
        ]

    def _children(self, table: str, fields: tuple[str, ...], run_ids: list[int], make) -> dict:
        """run id -> [make(row), ...] for the rows of ``table`` belonging to ``run_ids``, in
        insertion order; one query per 500 runs rather than one per run."""
        children: dict[int, list] = {}
        for start in range(0, len(run_ids), 500):
            chunk = run_ids[start : start + 500]
            rows = self._conn.execute(
                f"SELECT run_id, {', '.join(fields)} FROM {table} "
                f"WHERE run_id IN ({', '.join('?' * len(chunk))}) ORDER BY rowid",
                chunk,
            )
            for row in rows:
                children.setdefault(row["run_id"], []).append(make(row))
        return children


def _test_row(test: TestOutcome) -> tuple:
    """The `test_results` values of one test, without run_id (bools stored as 0/1)."""
    return (
        test.question,
        test.name,
        test.score,
        test.max_score,
        int(test.hidden),
        int(test.passed),
        test.message,
    )


def _test_outcome(row: sqlite3.Row) -> TestOutcome:
    return TestOutcome(
        question=row["question"],
        name=row["name"],
        score=row["score"],
        max_score=row["max_score"],
        hidden=bool(row["hidden"]),
        passed=bool(row["passed"]),
        message=row["message"] or "",
    )


def _accuracy(row: sqlite3.Row) -> HeldOutAccuracy:
    return HeldOutAccuracy(*(row[name] for name in _ACCURACY_FIELDS))
