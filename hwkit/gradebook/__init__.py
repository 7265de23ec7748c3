"""What the course keeps: the SQLite gradebook (``store``: runs; ``course_records``: roster,
reveals, withdrawals, written scores, the log), whose file is
whose (``roster``), and when each file was handed in (``submission_time``)."""

from hwkit.gradebook.course_records import Student
from hwkit.gradebook.store import Gradebook

__all__ = ["Gradebook", "Student"]
