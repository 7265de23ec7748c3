"""The live service's first tables: login tokens and the submission queue.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "serve_tokens",
        sa.Column("student_id", sa.String(64), primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("generation", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "serve_submissions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("student_id", sa.String(64), nullable=False),
        sa.Column("assignment", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("started_at", sa.Float),
        sa.Column("finished_at", sa.Float),
        sa.Column("run_id", sa.Integer),
        sa.Column("score", sa.Float),
        sa.Column("max_score", sa.Float),
        sa.Column("result_json", sa.Text),
        sa.Column("picked", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_serve_submissions_student", "serve_submissions",
                    ["student_id", "assignment"])
    op.create_index("ix_serve_submissions_status", "serve_submissions", ["status"])


def downgrade() -> None:
    op.drop_table("serve_submissions")
    op.drop_table("serve_tokens")
