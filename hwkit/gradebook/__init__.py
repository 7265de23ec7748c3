"""What the course keeps: the SQLite gradebook (``store``), the roster and whose file is
whose (``roster``), and when each file was handed in (``submission_time``)."""

from hwkit.gradebook.store import Gradebook, Student

__all__ = ["Gradebook", "Student"]
