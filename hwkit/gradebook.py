"""A SQLite gradebook: stores grading runs (one row per run, one row per test) and reads them back.

Runs are never updated or deleted here: regrading adds a new run, and "latest" means the highest
run id (the one recorded last).
"""

import sqlite3
from pathlib import Path

from hwkit.results import SubmissionResult, TestOutcome

SCHEMA_VERSION = 1

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
    detail TEXT NOT NULL DEFAULT ''
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
"""

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
)
_TEST_FIELDS = ("question", "name", "score", "max_score", "hidden", "passed", "message")
_SELECT_RUNS = f"SELECT id, {', '.join(_RUN_FIELDS)} FROM runs"


class Gradebook:
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
        self._conn.executescript(_SCHEMA)
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
        run_row = tuple(getattr(result, name) for name in _RUN_FIELDS)
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
        return run_id

    def find_graded(
        self, assignment: str, sha256: str, autograder_sha256: str
    ) -> SubmissionResult | None:
        """The latest run of this exact file content under this exact autograder, or None."""
        row = self._conn.execute(
            f"{_SELECT_RUNS} WHERE assignment = ? AND sha256 = ? AND autograder_sha256 = ? "
            "ORDER BY id DESC LIMIT 1",
            (assignment, sha256, autograder_sha256),
        ).fetchone()
        return None if row is None else self._result(row)

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

    def _results(self, rows: sqlite3.Cursor) -> list[SubmissionResult]:
        return [self._result(row) for row in rows.fetchall()]

    def _result(self, row: sqlite3.Row) -> SubmissionResult:
        tests = self._conn.execute(
            f"SELECT {', '.join(_TEST_FIELDS)} FROM test_results WHERE run_id = ? ORDER BY rowid",
            (row["id"],),
        )
        return SubmissionResult(
            **{name: row[name] for name in _RUN_FIELDS},
            tests=[_test_outcome(test) for test in tests],
        )


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
