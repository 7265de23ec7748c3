"""The course's settings (``course.toml``): held-out split seed, counted-submission rule,
nickname policy, deadlines and the late policy.

Looked up in this order: an explicit path, ``<course folder>/course.toml``, the project's
``course.toml``; with none of them the defaults below hold. Errors name the file and the key.
"""

import math
import os
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hwkit.project import project_root

FILE_NAME = "course.toml"
COURSE_DIR_ENV = "HWKIT_COURSE"
COUNTED_RULES = ("latest", "best")
MAX_UPLOAD_MB = 50  # the grader reads no larger notebook (hwkit.grading.notebook_file)


class CourseConfigError(ValueError):
    """course.toml is malformed; the message names the file, the key and the fix."""


@dataclass(frozen=True)
class LatePolicy:
    """``[late]`` in course.toml: a submission later than the deadline plus ``grace_minutes``
    is late; each started day after that takes ``percent_per_day`` % of its score, at most
    ``max_percent`` % in all (the defaults: late is marked, nothing taken off)."""

    grace_minutes: int = 0
    percent_per_day: float = 0.0
    max_percent: float = 100.0

    def days_late(self, submitted_at: datetime, deadline: datetime | None) -> int:
        """Started days after the deadline and the grace period (0: on time)."""
        if deadline is None:
            return 0
        over = submitted_at - deadline - timedelta(minutes=self.grace_minutes)
        return max(0, math.ceil(over / timedelta(days=1))) if over > timedelta(0) else 0

    def penalty(self, days_late: int) -> float:
        """The fraction of the score taken off, in [0, 1]."""
        return min(self.max_percent, days_late * self.percent_per_day) / 100.0

    @property
    def text(self) -> str:
        """The rule in both languages, for students ("" when nothing is taken off)."""
        if not self.percent_per_day:
            return ""
        grace = (f"宽限 {self.grace_minutes} 分钟后，" if self.grace_minutes else "")
        grace_en = (f"after a {self.grace_minutes}-minute grace period, "
                    if self.grace_minutes else "")
        return (f"迟交：{grace}每迟一天（不足一天按一天）扣 {self.percent_per_day:g}%，最多扣 "
                f"{self.max_percent:g}% / Late: {grace_en}{self.percent_per_day:g} % off per "
                f"started day, at most {self.max_percent:g} %")


@dataclass(frozen=True)
class ServeConfig:
    """``[serve]`` in course.toml, for ``hwkit serve``:

    - submissions_per_day: uploads a student may make per assignment per day (those the grader
      itself failed on are not counted); the day starts at midnight UTC+``utc_offset_hours``
    - picks: submissions a student may pick for the private ranking (0: no picking; the
      course's ``counted`` rule chooses among the picked ones, or among all when none is)
    - max_upload_mb: the largest notebook accepted, MiB
    """

    submissions_per_day: int = 10
    picks: int = 2
    max_upload_mb: int = 20
    utc_offset_hours: int = 8


@dataclass(frozen=True)
class CourseConfig:
    """- split_seed, public_fraction: how each held-out set is cut into public/private parts
    - counted: "latest" or "best" (see course.toml); require_nicknames: never show ids/names
    - deadlines: assignment id -> deadline (timezone-aware, UTC)
    - late: the late policy (``LatePolicy``)
    """

    name: str = "青年AI自强计划 · 计算机视觉课"
    split_seed: int = 2026
    public_fraction: float = 0.5
    counted: str = "latest"
    require_nicknames: bool = True
    deadlines: dict[str, datetime] = field(default_factory=dict)
    source: str = "defaults"
    late: LatePolicy = field(default_factory=LatePolicy)
    serve: ServeConfig = field(default_factory=ServeConfig)

    def deadline(self, assignment_id: str) -> datetime | None:
        return self.deadlines.get(assignment_id)


def default_course_dir() -> Path:
    """Where ``hwkit grade`` and ``hwkit leaderboard`` keep the course's gradebook when no
    folder is given: ``$HWKIT_COURSE``, else ``hwkit-out/course`` under the working folder."""
    return Path(os.environ.get(COURSE_DIR_ENV) or Path("hwkit-out") / "course")


def find_config(course_dir: Path | None = None, explicit: Path | None = None) -> Path | None:
    """The course.toml to use (see the module docstring), or None."""
    if explicit is not None:
        if not Path(explicit).is_file():
            raise FileNotFoundError(f"course settings not found: {explicit}")
        return Path(explicit)
    for candidate in (course_dir and Path(course_dir) / FILE_NAME, project_root() / FILE_NAME):
        if candidate and candidate.is_file():
            return candidate
    return None


def _deadline(value, where: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise CourseConfigError(
            f"{where}: a deadline needs a date, a time and a time zone, "
            f"e.g. 2026-12-06T23:59:00+08:00 (got {value!r})"
        )
    return value.astimezone(UTC)


def _late_policy(section: dict, source: str) -> LatePolicy:
    values = {}
    for key, low, high in (("grace_minutes", 0, 7 * 24 * 60), ("percent_per_day", 0, 100),
                           ("max_percent", 0, 100)):
        value = section.get(key, getattr(LatePolicy, key))
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not low <= value <= high:
            raise CourseConfigError(
                f"{source}: [late] {key} must be a number from {low} to {high}, got {value!r}")
        values[key] = value
    unknown = set(section) - set(values)
    if unknown:
        raise CourseConfigError(f"{source}: [late] has unknown keys {sorted(unknown)}; known: "
                                "grace_minutes, percent_per_day, max_percent")
    return LatePolicy(int(values["grace_minutes"]), float(values["percent_per_day"]),
                      float(values["max_percent"]))


def _serve_config(section: dict, source: str) -> ServeConfig:
    limits = {"submissions_per_day": (1, 10_000), "picks": (0, 100),
              "max_upload_mb": (1, MAX_UPLOAD_MB), "utc_offset_hours": (-12, 14)}
    unknown = set(section) - set(limits)
    if unknown:
        raise CourseConfigError(f"{source}: [serve] has unknown keys {sorted(unknown)}; known: "
                                f"{', '.join(limits)}")
    values = {}
    for key, (low, high) in limits.items():
        value = section.get(key, getattr(ServeConfig, key))
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise CourseConfigError(
                f"{source}: [serve] {key} must be a whole number from {low} to {high}, "
                f"got {value!r}")
        values[key] = value
    return ServeConfig(**values)


def parse_config(text: str, source: str) -> CourseConfig:
    """A ``CourseConfig`` from course.toml's text; ``source`` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CourseConfigError(f"{source}: not valid TOML ({error})") from error
    course = data.get("course", {})
    counted = course.get("counted", "latest")
    if counted not in COUNTED_RULES:
        raise CourseConfigError(
            f"{source}: [course] counted = {counted!r}; use one of {', '.join(COUNTED_RULES)}"
        )
    fraction = course.get("public_fraction", 0.5)
    if not isinstance(fraction, int | float) or not 0 < fraction < 1:
        raise CourseConfigError(
            f"{source}: [course] public_fraction must be between 0 and 1, got {fraction!r}"
        )
    seed = course.get("split_seed", 2026)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise CourseConfigError(f"{source}: [course] split_seed must be an integer, got {seed!r}")
    deadlines = {
        aid: _deadline(section["deadline"], f"{source}: [assignments.{aid}] deadline")
        for aid, section in data.get("assignments", {}).items()
        if "deadline" in section
    }
    return CourseConfig(
        late=_late_policy(data.get("late", {}), source),
        serve=_serve_config(data.get("serve", {}), source),
        name=str(course.get("name", CourseConfig.name)),
        split_seed=seed,
        public_fraction=float(fraction),
        counted=counted,
        require_nicknames=bool(course.get("require_nicknames", True)),
        deadlines=deadlines,
        source=source,
    )


def load_config(course_dir: Path | None = None, explicit: Path | None = None) -> CourseConfig:
    """The course's settings (see ``find_config``), defaults when there is no course.toml."""
    path = find_config(course_dir, explicit)
    if path is None:
        return CourseConfig()
    return parse_config(path.read_text(encoding="utf-8"), str(path))
