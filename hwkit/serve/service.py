"""What the live service's routes share: the ``Service`` (its store, queue, settings and
clock), who is asking (``principal``/``required``), the day's quota, the CSRF check, and the
JSON shape of a submission."""

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from fastapi import HTTPException, Request

from hwkit.course import CourseConfig
from hwkit.serve.auth import LoginLimiter, Principal, csrf_ok, from_token
from hwkit.serve.queue import GradingQueue
from hwkit.serve.store import QueuedSubmission, Store

MIB = 1024 * 1024


@dataclass
class Service:
    """What the app serves. ``assignments``: id → title of those whose autograder is built;
    ``clock``: seconds since the epoch (tests move it); ``on_stop``: after the drain."""

    course_dir: Path
    store: Store
    queue: GradingQueue
    course: CourseConfig
    assignments: dict[str, str]
    ta_token: str
    session_key: str
    clock: Callable[[], float] = time.time
    on_stop: Callable[[], None] = lambda: None
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    https_only: bool = False
    accepting: bool = False
    quota_lock: threading.Lock = field(default_factory=threading.Lock)
    board_cache: tuple[float, str] = (0.0, "")

    @property
    def uploads_dir(self) -> Path:
        return self.course_dir / "serve"

    def day_window(self) -> tuple[float, float]:
        """(start, end) of today in the course's time zone, seconds since the epoch."""
        offset = self.course.serve.utc_offset_hours * 3600
        start = (self.clock() + offset) // 86400 * 86400 - offset
        return start, start + 86400

    def principal(self, request: Request) -> Principal | None:
        """Who sent ``request``: its bearer token, else its session; None if no one."""
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer":
                return None
            return from_token(token.strip(), self.store, self.ta_token)
        who = Principal.from_key(request.session.get("who"))
        if who is not None and not who.is_ta:
            if self.store.token_generation(who.student_id) != who.generation:
                return None  # the token was rotated or the student left the roster
        return who

    def required(self, request: Request, ta: bool = False) -> Principal:
        who = self.principal(request)
        if who is None:
            raise HTTPException(401, "未登录或令牌无效 / not logged in or bad token: use the "
                                     "login link from your course mail, or "
                                     "Authorization: Bearer <token>",
                                headers={"WWW-Authenticate": "Bearer"})
        if ta and not who.is_ta:
            raise HTTPException(403, "仅限助教 / TAs only")
        return who

    def quota(self, student_id: str) -> dict[str, int]:
        start, _ = self.day_window()
        limit = self.course.serve.submissions_per_day
        return {a: max(0, limit - self.store.counted_since(student_id, a, start))
                for a in self.assignments}

    def readable(self, who: Principal, submission_id: int) -> QueuedSubmission:
        row = self.store.get(submission_id)
        if row is None or not (who.is_ta or row.student_id == who.student_id):
            raise HTTPException(404, "没有这份提交 / no such submission")
        return row


def iso(seconds: float | None) -> str:
    """Seconds since the epoch as ``YYYY-MM-DDTHH:MM:SSZ`` ("" for None)."""
    if seconds is None:
        return ""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def check_csrf(request: Request, sent: str | None) -> None:
    if request.headers.get("authorization"):
        return  # a bearer token is not sent by the browser on its own
    if not csrf_ok(request.session, sent or request.headers.get("x-csrf-token")):
        raise HTTPException(403, "表单已过期，请刷新页面 / the form's CSRF token is missing or "
                                 "stale: reload the page and submit again")


def as_json(row: QueuedSubmission, positions: dict[int, int]) -> dict:
    result = json.loads(row.result_json) if row.result_json else {}
    return {"id": row.id, "assignment": row.assignment, "filename": row.filename,
            "status": row.status, "position": positions.get(row.id),
            "submitted_at": iso(row.created_at), "started_at": iso(row.started_at),
            "finished_at": iso(row.finished_at), "score": row.score,
            "max_score": row.max_score, "picked": row.picked,
            "tests": result.get("tests", []), "result": result}


def reject(status: int, message: str, **extra):
    """Refuse the request: ``{"detail": message, **extra}`` with ``status``."""
    raise HTTPException(status, {"detail": message, **extra})
