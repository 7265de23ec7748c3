"""Login tokens: one per roster student, derived from the course's service secret.

A token is HMAC-SHA256(secret, "student:<id>:<generation>"), base64url, 32 characters (192
bits): the same on every ``hwkit roster tokens`` run until ``--rotate`` bumps a generation, and
never stored — the database keeps only its sha256 (``serve_tokens``). The secret lives in
``<course>/serve/secret`` (mode 0600, made on first use); whoever can read it can log in as
anyone, so it sits beside the gradebook, never under anything served.

The TA token is derived the same way ("ta:<generation>") and written to
``<course>/serve/ta-token`` (0600) for ``hwkit serve`` to print.
"""

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from hwkit.serve.store import Store

TOKEN_CHARS = 32


def service_dir(course_dir: Path) -> Path:
    """``<course>/serve``: the secret, the TA token, the uploads (never served as files)."""
    folder = Path(course_dir) / "serve"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def course_secret(course_dir: Path) -> bytes:
    """The service secret of the course (32 random bytes, hex in the file), made once."""
    path = service_dir(course_dir) / "secret"
    if not path.exists():
        try:
            _write_private(path, secrets.token_hex(32) + "\n")
        except FileExistsError:  # another process made it first
            pass
    return bytes.fromhex(path.read_text(encoding="utf-8").strip())


def derive(secret: bytes, label: str) -> str:
    digest = hmac.new(secret, label.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:TOKEN_CHARS]


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def student_tokens(course_dir: Path, store: Store, student_ids: list[str],
                   rotate: bool = False, whole_roster: bool = False) -> list[tuple[str, str]]:
    """(student_id, token) for each student (in the given order); their hashes are saved.
    ``rotate``: every listed student gets a new token and the old one stops working;
    ``whole_roster``: the list is the whole roster, so the tokens of anyone else stop working."""
    secret = course_secret(course_dir)
    generations = store.generations()
    rows, out = [], []
    for student_id in student_ids:
        generation = generations.get(student_id, 0) + (1 if rotate else 0)
        token = derive(secret, f"student:{student_id}:{generation}")
        rows.append((student_id, token_sha256(token), generation))
        out.append((student_id, token))
    store.save_token_hashes(rows)
    if whole_roster:
        store.drop_tokens_except(student_ids)
    return out


def ta_token(course_dir: Path) -> tuple[str, Path]:
    """The TA token and the 0600 file it is written to."""
    token = derive(course_secret(course_dir), "ta:0")
    path = service_dir(course_dir) / "ta-token"
    if not path.exists():
        _write_private(path, token + "\n")
    return token, path


def session_key(course_dir: Path) -> str:
    """The key that signs session cookies (derived: no second secret to keep)."""
    return derive(course_secret(course_dir), "session-cookie") * 2
