"""``hwkit serve``: the live course service — students submit, the queue grades, the
leaderboard updates itself.

- ``tables`` / ``store`` / ``migrations``: the database (SQLite or PostgreSQL; Alembic)
- ``tokens`` / ``auth``: who may log in, sessions, CSRF, the login rate limit
- ``queue``: worker threads that grade each accepted submission exactly once
- ``engine_grader``: the batch engine kept warm between submissions
- ``app``: the FastAPI routes and the Jinja2 pages (``templates/``, ``static/``)
- ``server``: the foreground process (uvicorn) and its start-up
"""
