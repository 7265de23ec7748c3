"""Alembic migrations of the live service's tables (``hwkit.serve.tables``); run by
``hwkit.serve.store.open_store`` at every start (``upgrade head``), with their own version
table (``serve_alembic_version``) so they never touch another tool's."""
