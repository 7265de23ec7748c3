"""Alembic's environment: the connection comes from ``hwkit.serve.store.migrate``."""

from alembic import context

from hwkit.serve.tables import metadata

VERSION_TABLE = "serve_alembic_version"

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  version_table=VERSION_TABLE, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
