"""The live service's database: login-token hashes and the persistent submission queue.

One ``Store`` per service over a SQLAlchemy engine: SQLite (the course's ``gradebook.sqlite``,
the default) or PostgreSQL (``postgresql://…``, through psycopg). Every change is one
transaction, so a ``kill -9`` at any point leaves each submission in exactly one phase:

- ``add``: an accepted upload becomes ``queued``
- ``claim``: a worker takes the next queued submission in fair order and marks it ``running``
  (one ``UPDATE … WHERE status = 'queued'``: two workers never take the same one)
- ``finish``: ``graded`` (or ``error``: the grader itself failed) with its result
- ``requeue_running``: at start, whatever a dead service left ``running`` is queued again

Fair order is round-robin over students: a student's k-th waiting submission goes in round
k + (that student's submissions already running), rounds in order, ties by upload order; so
one student's ten uploads never hold all the workers while a classmate waits.
"""

import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, func, select, update

from hwkit.serve.tables import submissions, tokens

MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass(frozen=True)
class QueuedSubmission:
    """One row of ``serve_submissions`` (times: seconds since the epoch, UTC)."""

    id: int
    student_id: str
    assignment: str
    sha256: str
    filename: str
    created_at: float
    status: str
    attempts: int
    started_at: float | None
    finished_at: float | None
    run_id: int | None
    score: float | None
    max_score: float | None
    result_json: str | None
    picked: bool


def gradebook_name(row: QueuedSubmission) -> str:
    """``<student>/s<id>_<YYYYMMDDTHHMMSS>Z.ipynb``: filed under the student by its folder
    (``hwkit.gradebook.roster.identify``), submitted at the upload's time (the stamp)."""
    stamp = datetime.fromtimestamp(row.created_at, UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{row.student_id}/s{row.id}_{stamp}.ipynb"


def _picked_names(rows) -> dict[str, dict[str, set[str]]]:
    picked: dict[str, dict[str, set[str]]] = {}
    for row in rows:
        entry = QueuedSubmission(**row._mapping)
        picked.setdefault(entry.assignment, {}).setdefault(entry.student_id, set()).add(
            gradebook_name(entry))
    return picked


def default_url(course_dir: Path) -> str:
    """The course's SQLite gradebook as a SQLAlchemy URL."""
    return f"sqlite:///{(Path(course_dir) / 'gradebook.sqlite').resolve()}"


def _sqlite_pragmas(connection, _record) -> None:
    connection.execute("PRAGMA journal_mode=WAL")  # readers never wait for the grader's writes
    connection.execute("PRAGMA busy_timeout=30000")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; ``postgresql://`` URLs use psycopg 3."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def migrate(engine: Engine) -> None:
    """Bring the service's tables to the newest schema (Alembic ``upgrade head``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def fair_order(queued: list[tuple[int, str]], running: Counter) -> list[int]:
    """Ids of ``queued`` (id, student) rows, oldest first, in the order workers take them."""
    seen: Counter = Counter()
    keyed = []
    for submission_id, student in sorted(queued):
        keyed.append((running[student] + seen[student], submission_id))
        seen[student] += 1
    return [submission_id for _, submission_id in sorted(keyed)]


class Store:
    """The service's tables over ``engine`` (migrated on open)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        migrate(engine)

    @classmethod
    def open(cls, url: str) -> "Store":
        return cls(make_engine(url))

    def close(self) -> None:
        self.engine.dispose()

    # tokens
    def save_token_hashes(self, rows: list[tuple[str, str, int]]) -> None:
        """(student_id, token_sha256, generation) for each student: replaces their rows."""
        with self.engine.begin() as c:
            ids = [r[0] for r in rows]
            for start in range(0, len(ids), 500):
                c.execute(tokens.delete().where(tokens.c.student_id.in_(ids[start:start + 500])))
            if rows:
                c.execute(tokens.insert(), [
                    {"student_id": s, "token_sha256": h, "generation": g} for s, h, g in rows])

    def drop_tokens_except(self, student_ids: list[str]) -> int:
        """Forget the tokens of students no longer on the roster; returns how many."""
        keep = set(student_ids)
        with self.engine.begin() as c:
            gone = [sid for sid in c.execute(select(tokens.c.student_id)).scalars()
                    if sid not in keep]
            for start in range(0, len(gone), 500):
                c.execute(tokens.delete().where(tokens.c.student_id.in_(gone[start:start + 500])))
        return len(gone)

    def generations(self) -> dict[str, int]:
        with self.engine.connect() as c:
            return dict(c.execute(select(tokens.c.student_id, tokens.c.generation)).all())

    def token_owner(self, token_sha256: str) -> tuple[str, int] | None:
        """(student_id, generation) of the token with this hash, or None."""
        with self.engine.connect() as c:
            row = c.execute(select(tokens.c.student_id, tokens.c.generation)
                            .where(tokens.c.token_sha256 == token_sha256)).one_or_none()
        return (row[0], row[1]) if row else None

    def token_generation(self, student_id: str) -> int | None:
        """The generation of the student's current token (None: the student has none)."""
        with self.engine.connect() as c:
            return c.execute(select(tokens.c.generation)
                             .where(tokens.c.student_id == student_id)).scalar()

    # the queue
    def add(self, student_id: str, assignment: str, sha256: str, filename: str,
            now: float | None = None) -> int:
        with self.engine.begin() as c:
            return c.execute(submissions.insert().values(
                student_id=student_id, assignment=assignment, sha256=sha256,
                filename=filename[:200], created_at=now or time.time(), status="queued",
                attempts=0, picked=False)).inserted_primary_key[0]

    def counted_since(self, student_id: str, assignment: str, since: float) -> int:
        """Uploads since ``since`` that count toward the quota (all but the grader's errors)."""
        with self.engine.connect() as c:
            return c.execute(select(func.count()).select_from(submissions).where(
                submissions.c.student_id == student_id,
                submissions.c.assignment == assignment,
                submissions.c.created_at >= since,
                submissions.c.status != "error")).scalar_one()

    def _order(self, c) -> list[int]:
        queued = c.execute(select(submissions.c.id, submissions.c.student_id)
                           .where(submissions.c.status == "queued")).all()
        running = Counter(dict(c.execute(
            select(submissions.c.student_id, func.count())
            .where(submissions.c.status == "running")
            .group_by(submissions.c.student_id)).all()))
        return fair_order([tuple(row) for row in queued], running)

    def positions(self) -> dict[int, int]:
        """Queued id → 1-based place in the order workers will take them."""
        with self.engine.connect() as c:
            return {sid: n for n, sid in enumerate(self._order(c), start=1)}

    def claim(self, now: float | None = None) -> QueuedSubmission | None:
        """Take the next queued submission (``running`` from now on), or None."""
        with self.engine.begin() as c:
            for candidate in self._order(c):
                taken = c.execute(update(submissions).where(
                    submissions.c.id == candidate, submissions.c.status == "queued",
                ).values(status="running", attempts=submissions.c.attempts + 1,
                         started_at=now or time.time()))
                if taken.rowcount == 1:
                    row = c.execute(select(submissions)
                                    .where(submissions.c.id == candidate)).one()
                    return QueuedSubmission(**row._mapping)
        return None

    def finish(self, submission_id: int, status: str, score: float, max_score: float,
               run_id: int | None, result_json: str, now: float | None = None) -> None:
        with self.engine.begin() as c:
            c.execute(update(submissions).where(submissions.c.id == submission_id).values(
                status=status, score=score, max_score=max_score, run_id=run_id,
                result_json=result_json, finished_at=now or time.time()))

    def requeue_running(self) -> int:
        """Queue again what a stopped service left running; returns how many."""
        with self.engine.begin() as c:
            return c.execute(update(submissions).where(submissions.c.status == "running")
                             .values(status="queued", started_at=None)).rowcount

    def requeue(self, submission_id: int) -> bool:
        """Grade a finished submission again (the TA's regrade); False if it is waiting."""
        with self.engine.begin() as c:
            return c.execute(update(submissions).where(
                submissions.c.id == submission_id,
                submissions.c.status.in_(("graded", "error")),
            ).values(status="queued", started_at=None, finished_at=None)).rowcount == 1

    def get(self, submission_id: int) -> QueuedSubmission | None:
        with self.engine.connect() as c:
            row = c.execute(select(submissions)
                            .where(submissions.c.id == submission_id)).one_or_none()
        return QueuedSubmission(**row._mapping) if row else None

    def of_student(self, student_id: str) -> list[QueuedSubmission]:
        """The student's submissions, newest first."""
        with self.engine.connect() as c:
            rows = c.execute(select(submissions).where(submissions.c.student_id == student_id)
                             .order_by(submissions.c.id.desc())).all()
        return [QueuedSubmission(**row._mapping) for row in rows]

    def all(self, status: str | None = None, limit: int = 1000) -> list[QueuedSubmission]:
        query = select(submissions).order_by(submissions.c.id.desc()).limit(limit)
        if status:
            query = query.where(submissions.c.status == status)
        with self.engine.connect() as c:
            return [QueuedSubmission(**row._mapping) for row in c.execute(query).all()]

    def phase_counts(self) -> dict[tuple[str, str], int]:
        """(assignment, phase) → submissions."""
        with self.engine.connect() as c:
            rows = c.execute(select(submissions.c.assignment, submissions.c.status, func.count())
                             .group_by(submissions.c.assignment, submissions.c.status)).all()
        return {(a, s): n for a, s, n in rows}

    def set_picks(self, student_id: str, assignment: str, ids: set[int]) -> None:
        """The student's picked submissions of ``assignment`` become exactly ``ids``
        (ids of other students or assignments are ignored)."""
        mine = submissions.c.student_id == student_id
        with self.engine.begin() as c:
            c.execute(update(submissions).where(mine, submissions.c.assignment == assignment)
                      .values(picked=submissions.c.id.in_(ids) if ids else False))

    def picks(self) -> dict[str, dict[str, set[str]]]:
        """assignment → student → gradebook names of the submissions they picked
        (``hwkit.leaderboard.load_board``'s ``picks``)."""
        with self.engine.connect() as c:
            return _picked_names(c.execute(select(submissions).where(submissions.c.picked)).all())


def course_picks(course_dir: Path, url: str | None = None) -> dict[str, dict[str, set[str]]]:
    """The picks the live service holds for this course ({} when it never ran here)."""
    from sqlalchemy import inspect

    if url is None and not (Path(course_dir) / "gradebook.sqlite").is_file():
        return {}
    engine = make_engine(url or default_url(course_dir))
    try:
        if not inspect(engine).has_table(submissions.name):
            return {}
        with engine.connect() as c:
            rows = c.execute(select(submissions).where(submissions.c.picked)).all()
    finally:
        engine.dispose()
    return _picked_names(rows)
