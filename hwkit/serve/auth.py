"""Who is asking: a student (by login token) or a TA, from a bearer token or a session.

Logins are pluggable: anything that can tell who someone is — today a token link or form, later
an LTI 1.3 launch from Open edX/学堂在线, Moodle or Canvas (its ``id_token`` names the
student) — ends in ``log_in(session, principal)``; the routes only ever read ``principal``.

- API clients send ``Authorization: Bearer <token>`` (no cookie, so no CSRF to fear).
- Browsers hold a signed session cookie (Starlette's ``SessionMiddleware``, itsdangerous) with
  who they are and a CSRF token; every POST made with that cookie must echo the token in the
  ``csrf`` form field or the ``X-CSRF-Token`` header.
- Failed logins are counted per client address: after ``max_failures`` in ``window_s`` that
  address is refused (429) until the window has passed.
"""

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from hwkit.serve.store import Store
from hwkit.serve.tokens import token_sha256


@dataclass(frozen=True)
class Principal:
    """kind: "student" or "ta"; student_id: the roster id of a student ("" for a TA);
    generation: of the token the student logged in with (a session from an older token —
    rotated, or the student taken off the roster — no longer counts)."""

    kind: str
    student_id: str = ""
    generation: int = 0

    @property
    def is_ta(self) -> bool:
        return self.kind == "ta"

    def key(self) -> str:
        return "ta" if self.is_ta else f"student:{self.generation}:{self.student_id}"

    @classmethod
    def from_key(cls, key: object) -> "Principal | None":
        if key == "ta":
            return cls("ta")
        if not isinstance(key, str) or not key.startswith("student:"):
            return None
        generation, _, student_id = key[8:].partition(":")
        if not generation.isdigit() or not student_id:
            return None
        return cls("student", student_id, int(generation))


def from_token(token: str, store: Store, ta_token: str) -> Principal | None:
    """The principal a token stands for, or None."""
    if not token or len(token) > 200:
        return None
    if hmac.compare_digest(token.encode(), ta_token.encode()):
        return Principal("ta")
    owner = store.token_owner(token_sha256(token))
    return Principal("student", *owner) if owner else None


def log_in(session: dict, principal: Principal) -> None:
    session.clear()
    session["who"] = principal.key()
    session["csrf"] = secrets.token_urlsafe(24)


def csrf_ok(session: dict, sent: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and sent) and hmac.compare_digest(str(expected), str(sent))


class LoginLimiter:
    """Failed logins per client address in a sliding window."""

    def __init__(self, max_failures: int = 10, window_s: float = 600.0):
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque:
        times = self._failures[address]
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def retry_after(self, address: str) -> int:
        """Seconds until ``address`` may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(address, now)
            if len(times) < self.max_failures:
                return 0
            return int(times[0] + self.window_s - now) + 1

    def failed(self, address: str) -> None:
        with self._lock:
            self._recent(address, time.monotonic()).append(time.monotonic())
