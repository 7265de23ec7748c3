"""The live service's tables (SQLAlchemy Core), in the course's database beside the gradebook.

- ``serve_tokens``: one row per roster student: the sha256 of the student's login token and
  the token's generation (``hwkit roster tokens --rotate`` bumps it); the token itself is
  never stored (``hwkit.serve.tokens`` derives it from the course secret).
- ``serve_submissions``: every accepted upload, in order: who, which assignment, the notebook's
  sha256 (its bytes are ``uploads/<sha[:2]>/<sha>.ipynb``), the phase (``queued`` → ``running``
  → ``graded`` or ``error``), when (seconds since the epoch, UTC), and once graded the score,
  the gradebook's run id and the student-visible result as JSON. ``picked``: the student chose
  it for the private ranking. ``error`` is the grader's own failure (not counted in the quota).

The schema is made and upgraded by Alembic (``hwkit.serve.migrations``), never by
``create_all``: a course that ran an older hwkit keeps its rows.
"""

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
)

metadata = MetaData()

STUDENT_ID_CHARS = 64  # the roster's ids are at most this long (hwkit.gradebook.roster)
PHASES = ("queued", "running", "graded", "error")

tokens = Table(
    "serve_tokens", metadata,
    Column("student_id", String(STUDENT_ID_CHARS), primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("generation", Integer, nullable=False, server_default="0"),
)

submissions = Table(
    "serve_submissions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("student_id", String(STUDENT_ID_CHARS), nullable=False),
    Column("assignment", String(16), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("status", String(8), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("started_at", Float),
    Column("finished_at", Float),
    Column("run_id", Integer),
    Column("score", Float),
    Column("max_score", Float),
    Column("result_json", Text),
    Column("picked", Boolean, nullable=False, server_default=false()),
    Index("ix_serve_submissions_student", "student_id", "assignment"),
    Index("ix_serve_submissions_status", "status"),
)
