"""When a submission was handed in: a timestamp in its file name, else its modification time.

A name timestamp is ``YYYYMMDDTHHMM[SS]`` or ``YYYY-MM-DDTHH-MM[-SS]`` (the ``T`` is required,
so a student id such as ``2026012345`` is never read as a date), in UTC, optionally followed by
``Z``: e.g. ``2026012345_20261205T1530.ipynb``. LMS exports keep one of the two; a folder of
files copied by hand keeps at least the modification time.
"""

import re
from datetime import UTC, datetime
from pathlib import Path

NAME_STAMP = re.compile(
    r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})T(\d{2})[-:]?(\d{2})(?:[-:]?(\d{2}))?Z?(?!\d)"
)


def stamp_in_name(name: str) -> datetime | None:
    """The UTC time written in ``name`` (see the module docstring), or None."""
    match = NAME_STAMP.search(name)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g or 0) for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:  # 2026-13-40T99…: not a time after all
        return None


def submission_time(path: Path) -> str:
    """ISO 8601 UTC (seconds) of when ``path`` was submitted; "" if the file is unreadable."""
    when = stamp_in_name(Path(path).name)
    if when is None:
        try:
            when = datetime.fromtimestamp(Path(path).stat().st_mtime, UTC)
        except OSError:
            return ""
    return when.isoformat(timespec="seconds")
