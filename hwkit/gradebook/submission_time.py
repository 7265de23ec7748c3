"""When a submission was handed in: a timestamp in its file name, else its modification time.

A name timestamp is ``YYYYMMDDTHHMM[SS]`` or ``YYYY-MM-DDTHH-MM[-SS]`` (the ``T`` is required,
so a student id such as ``2026012345`` is never read as a date), in UTC, optionally followed by
``Z``: e.g. ``2026012345_20261205T1530.ipynb``. LMS exports keep one of the two; a folder of
files copied by hand keeps at least the modification time.

``file_time`` is the file's own modification time, kept beside the submission time so that
``name_time_flag`` can tell the TA when a name claims "on time" but the file was last changed
after the deadline (a renamed late file). A copy or an unzip that does not keep file times
makes every file look modified when it was copied: the flag then means nothing (unzip with
times kept, e.g. ``unzip`` does, ``cp`` needs ``-p``).
"""

import re
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

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


def file_time(path: Path) -> str:
    """ISO 8601 UTC (seconds) of ``path``'s own modification time (a symlink's, not its
    target's); "" if it cannot be read."""
    try:
        when = datetime.fromtimestamp(Path(path).lstat().st_mtime, UTC)
    except (OSError, OverflowError, ValueError):
        return ""
    return when.isoformat(timespec="seconds")


def submission_time(path: Path, name: str = "") -> str:
    """ISO 8601 UTC (seconds) of when ``path`` was submitted; "" if the file is unreadable.

    ``name``: the submission's name when it is not the file's (a path inside an export, whose
    file name or folders may hold the stamp)."""
    when = stamp_in_name(Path(path).name)
    if name:
        when = stamp_in_name(PurePosixPath(name).name) or stamp_in_name(name)
    if when is None:
        return file_time(path)
    return when.isoformat(timespec="seconds")


def _minutes(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def name_time_flag(submission: str, modified: str, deadline: datetime | None) -> str:
    """What a TA should check when the time stamp in ``submission``'s name (the file name,
    else a folder of its path) is on time (<= ``deadline``) but the file's modification time
    ``modified`` (ISO 8601, see ``file_time``) is after it; "" otherwise or when unknown."""
    stamp = stamp_in_name(PurePosixPath(submission).name) or stamp_in_name(submission)
    if stamp is None or deadline is None or not modified:
        return ""
    try:
        changed = datetime.fromisoformat(modified)
    except ValueError:
        return ""
    if changed.tzinfo is None:
        changed = changed.replace(tzinfo=UTC)
    if stamp > deadline or changed <= deadline:
        return ""
    return (f"name says {_minutes(stamp)}, file modified {_minutes(changed)} (UTC; deadline "
            f"{_minutes(deadline)}): check before trusting the name")
