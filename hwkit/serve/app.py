"""The live service's web app (FastAPI): the JSON API, the students' and TAs' pages.

Routes (every one authorised; ``Principal`` in ``hwkit.serve.auth``):

- ``GET /healthz``: 200 once submissions are accepted (503 while starting or stopping)
- ``GET /login?token=…`` (the mail-merge link) and ``POST /login``: a signed session cookie;
  ``POST /logout``
- ``POST /api/v1/submissions`` (multipart: ``assignment``, file ``notebook``): 202
  ``{"id", "status": "queued", "position"}``; 401 no or bad token; 403 a cookie without its CSRF
  token; 400 not a notebook, wrong or unknown assignment; 413 too big; 429 over the day's quota
  (with when it resets). Nothing is queued unless the answer is 202. A browser form gets a 303
  to ``/me`` instead of the JSON.
- ``GET /api/v1/submissions`` (mine, with quota left) and ``GET /api/v1/submissions/{id}``
  (another student's id: 404, as for an id that does not exist)
- ``POST /api/v1/picks``: the submissions that count for the private ranking
- pages: ``/me`` (upload, my submissions with queue position and phase, picks), ``/submissions/
  {id}`` (score, failed tests' messages, the training curves), ``/leaderboard`` (the cohort
  page of ``hwkit leaderboard``, rebuilt at most every few seconds), ``/ta`` (queue, workers,
  per-assignment statistics, regrade, reveal, grades.csv)

Uploads are checked before anything is stored, then kept content-addressed under
``<course>/serve/uploads`` (``hwkit.serve.queue.upload_path``), which no route serves.
"""

import asyncio
import csv
import hashlib
import io
import json
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from hwkit.course import CourseConfig
from hwkit.grading.notebook_file import assignment_of, parse_notebook
from hwkit.leaderboard import RevealRefused, load_board, reveal
from hwkit.leaderboard.exports import write_grades_csv
from hwkit.leaderboard.page import content_security_policy, render_page
from hwkit.leaderboard.view import public_view
from hwkit.serve.auth import LoginLimiter, Principal, csrf_ok, from_token, log_in
from hwkit.serve.body_limit import BodyLimit
from hwkit.serve.queue import GradingQueue, upload_path
from hwkit.serve.store import QueuedSubmission, Store
from hwkit.textsafe import terminal_text

MIB = 1024 * 1024
FORM_OVERHEAD_BYTES = 64 * 1024  # the multipart form around the notebook
BOARD_TTL_S = 5.0  # the leaderboard page is rebuilt at most this often
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")
_PACKAGE = resources.files("hwkit.serve")


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
    _quota_lock: threading.Lock = field(default_factory=threading.Lock)
    _board: tuple[float, str] = (0.0, "")

    @property
    def uploads_dir(self) -> Path:
        return self.course_dir / "serve"

    def day_window(self) -> tuple[float, float]:
        """(start, end) of today in the course's time zone, seconds since the epoch."""
        offset = self.course.serve.utc_offset_hours * 3600
        start = (self.clock() + offset) // 86400 * 86400 - offset
        return start, start + 86400


def _iso(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def create_app(service: Service) -> FastAPI:
    templates = Jinja2Templates(directory=str(_PACKAGE / "templates"))
    templates.env.filters["iso"] = _iso

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        service.queue.start()
        service.accepting = True
        try:
            yield
        finally:
            service.accepting = False
            await asyncio.to_thread(service.queue.stop)  # SIGTERM: finish what is running
            service.on_stop()
            print(f"hwkit serve: stopped after grading {service.queue.graded} "
                  "(what is still queued is graded at the next start)", flush=True)

    app = FastAPI(title="hwkit serve", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.add_middleware(SessionMiddleware, secret_key=service.session_key,
                       session_cookie="hwkit_session", max_age=14 * 86400, same_site="lax",
                       https_only=service.https_only)
    app.mount("/static", StaticFiles(directory=str(_PACKAGE / "static")), name="static")
    limit_mb = service.course.serve.max_upload_mb
    app.add_middleware(BodyLimit, max_bytes=limit_mb * MIB + FORM_OVERHEAD_BYTES,
                       message=f"文件太大 / the request is larger than the {limit_mb} MiB "
                               "notebook limit: clear large outputs and submit again")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        if not request.url.path.startswith("/static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    # who is asking
    def principal(request: Request) -> Principal | None:
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer":
                return None
            return from_token(token.strip(), service.store, service.ta_token)
        return Principal.from_key(request.session.get("who"))

    def required(request: Request, ta: bool = False) -> Principal:
        who = principal(request)
        if who is None:
            raise HTTPException(401, "未登录或令牌无效 / not logged in or bad token: use the "
                                     "login link from your course mail, or "
                                     "Authorization: Bearer <token>",
                                headers={"WWW-Authenticate": "Bearer"})
        if ta and not who.is_ta:
            raise HTTPException(403, "仅限助教 / TAs only")
        return who

    def check_csrf(request: Request, sent: str | None) -> None:
        if request.headers.get("authorization"):
            return  # a bearer token is not sent by the browser on its own
        if not csrf_ok(request.session, sent or request.headers.get("x-csrf-token")):
            raise HTTPException(403, "表单已过期，请刷新页面 / the form's CSRF token is missing or "
                                     "stale: reload the page and submit again")

    def page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
        context.setdefault("who", principal(request))
        context.setdefault("csrf", request.session.get("csrf", ""))
        return templates.TemplateResponse(request, name, context, status_code=status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        headers = getattr(error, "headers", None)
        if _wants_html(request) and not request.url.path.startswith("/api/"):
            return page(request, "error.html", error.status_code, message=error.detail)
        body = error.detail if isinstance(error.detail, dict) else {"detail": error.detail}
        return JSONResponse(body, error.status_code, headers=headers)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return Response(status_code=204)

    # service and login
    @app.get("/healthz")
    def healthz():
        if not service.accepting:
            return JSONResponse({"status": "starting or stopping"}, 503)
        return {"status": "ok", "workers": len(service.queue.busy),
                "assignments": sorted(service.assignments)}

    def login_with(request: Request, token: str):
        address = _client(request)
        wait = service.limiter.retry_after(address)
        if wait:
            raise HTTPException(429, f"登录失败次数过多，请 {wait} 秒后再试 / too many failed "
                                     f"logins from this address: try again in {wait} s",
                                headers={"Retry-After": str(wait)})
        who = from_token(token, service.store, service.ta_token)
        if who is None:
            service.limiter.failed(address)
            raise HTTPException(401, "令牌无效 / unknown token: use the link from your course "
                                     "mail (ask a TA for a new one)")
        log_in(request.session, who)
        return RedirectResponse("/ta" if who.is_ta else "/me", 303)

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request):
        who = principal(request)
        if who is not None:
            return RedirectResponse("/ta" if who.is_ta else "/me", 303)
        return login_page(request)

    def login_page(request: Request, token: str = ""):
        request.session.setdefault("csrf", secrets.token_urlsafe(24))
        return page(request, "login.html", token=token)

    @app.get("/login")
    def login_link(request: Request, token: str = ""):
        # The link only fills in the form: logging in takes the click, so a page elsewhere
        # cannot log a student's browser into its own account (login CSRF) and collect the
        # work the student then uploads.
        return login_page(request, token)

    @app.post("/login")
    def login_form(request: Request, token: str = Form(""), csrf: str = Form("")):
        if not csrf_ok(request.session, csrf):
            raise HTTPException(403, "登录表单已过期，请重新打开登录链接 / the login form is "
                                     "stale: open the login link again")
        return login_with(request, token)

    @app.post("/logout")
    def logout(request: Request, csrf: str = Form("")):
        check_csrf(request, csrf)
        request.session.clear()
        return RedirectResponse("/", 303)

    # submissions
    def quota(student_id: str) -> dict[str, int]:
        start, _ = service.day_window()
        limit = service.course.serve.submissions_per_day
        return {a: max(0, limit - service.store.counted_since(student_id, a, start))
                for a in service.assignments}

    def readable(who: Principal, submission_id: int) -> QueuedSubmission:
        row = service.store.get(submission_id)
        if row is None or not (who.is_ta or row.student_id == who.student_id):
            raise HTTPException(404, "没有这份提交 / no such submission")
        return row

    def as_json(row: QueuedSubmission, positions: dict[int, int]) -> dict:
        result = json.loads(row.result_json) if row.result_json else {}
        return {"id": row.id, "assignment": row.assignment, "filename": row.filename,
                "status": row.status, "position": positions.get(row.id),
                "submitted_at": _iso(row.created_at), "started_at": _iso(row.started_at),
                "finished_at": _iso(row.finished_at), "score": row.score,
                "max_score": row.max_score, "picked": row.picked,
                "tests": result.get("tests", []), "result": result}

    def reject(status: int, message: str, **extra):
        raise HTTPException(status, {"detail": message, **extra})

    @app.post("/api/v1/submissions", status_code=202)
    async def submit(request: Request, assignment: str = Form(""),
                     notebook: Annotated[UploadFile | None, File()] = None, csrf: str = Form("")):
        who = required(request)
        check_csrf(request, csrf)
        if who.is_ta:
            reject(400, "助教账号不能提交 / a TA token cannot submit: log in as a student")
        if assignment not in service.assignments:
            known = ", ".join(sorted(service.assignments)) or "none built"
            reject(400, f"未知作业 {terminal_text(assignment, 20)!s} / unknown assignment "
                        f"{terminal_text(assignment, 20)!r}: one of {known}")
        if notebook is None:
            reject(400, "缺少文件 / no file: send the notebook in the form field 'notebook'")
        limit = service.course.serve.max_upload_mb * MIB
        data = await notebook.read(limit + 1)
        if len(data) > limit:
            reject(413, f"文件太大 / the notebook is larger than "
                        f"{service.course.serve.max_upload_mb} MiB: clear large outputs "
                        "(Kernel → Restart & Clear Output) and submit again")
        parsed, problem = parse_notebook(data)
        if parsed is None:
            reject(400, f"不是笔记本 / {problem}: submit the .ipynb file itself")
        claimed = assignment_of(parsed)
        if claimed and claimed != assignment:
            reject(400, f"交错了作业 / this notebook is {terminal_text(claimed, 20)}'s, not "
                        f"{assignment}'s: choose {terminal_text(claimed, 20)} or upload the "
                        f"{assignment} notebook")
        sha256 = hashlib.sha256(data).hexdigest()
        with service._quota_lock:
            left = quota(who.student_id)[assignment]
            if left <= 0:
                _, end = service.day_window()
                reject(429, f"今日提交次数已用完，{_iso(end)} 重置 / no submissions of "
                            f"{assignment} left today: the quota resets at {_iso(end)}",
                       resets_at=_iso(end))
            path = upload_path(service.uploads_dir, sha256)
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
                    handle.write(data)
                os.replace(handle.name, path)
            filename = terminal_text(Path(notebook.filename or "notebook.ipynb").name, 100)
            submission_id = service.store.add(who.student_id, assignment, sha256, filename,
                                              service.clock())
        service.queue.wake()
        if _wants_html(request):
            return RedirectResponse(f"/me?submitted={submission_id}", 303)
        position = service.store.positions().get(submission_id)
        return {"id": submission_id, "status": "queued", "position": position,
                "left_today": left - 1}

    @app.get("/api/v1/submissions")
    def my_submissions(request: Request):
        who = required(request)
        positions = service.store.positions()
        rows = service.store.of_student(who.student_id)
        return {"student_id": who.student_id, "quota_left": quota(who.student_id),
                "submissions": [as_json(r, positions) for r in rows]}

    @app.get("/api/v1/submissions/{submission_id}")
    def one_submission(request: Request, submission_id: int):
        row = readable(required(request), submission_id)
        return as_json(row, service.store.positions())

    @app.post("/api/v1/picks")
    async def pick(request: Request):
        who = required(request)
        form = await request.form()
        check_csrf(request, str(form.get("csrf", "")))
        assignment = str(form.get("assignment", ""))
        if assignment not in service.assignments:
            reject(400, "未知作业 / unknown assignment")
        try:
            ids = {int(v) for v in form.getlist("ids")}
        except ValueError:
            reject(400, "ids 必须是提交编号 / ids must be submission numbers")
        mine = {r.id for r in service.store.of_student(who.student_id)
                if r.assignment == assignment and r.status == "graded"}
        if not ids <= mine:
            reject(400, "只能选择自己已评分的提交 / pick only your own graded submissions")
        if len(ids) > service.course.serve.picks:
            reject(400, f"最多选 {service.course.serve.picks} 份 / at most "
                        f"{service.course.serve.picks} picks")
        service.store.set_picks(who.student_id, assignment, ids)
        if _wants_html(request):
            return RedirectResponse("/me", 303)
        return {"assignment": assignment, "picked": sorted(ids)}

    # pages
    @app.get("/me", response_class=HTMLResponse)
    def me(request: Request):
        who = required(request)
        if who.is_ta:
            return RedirectResponse("/ta", 303)
        rows = service.store.of_student(who.student_id)
        waiting = any(r.status in ("queued", "running") for r in rows)
        return page(request, "me.html", rows=rows, positions=service.store.positions(),
                    quota=quota(who.student_id), assignments=service.assignments,
                    per_day=service.course.serve.submissions_per_day,
                    picks=service.course.serve.picks, refresh=waiting,
                    resets_at=_iso(service.day_window()[1]))

    @app.get("/submissions/{submission_id}", response_class=HTMLResponse)
    def result_page(request: Request, submission_id: int):
        row = readable(required(request), submission_id)
        result = json.loads(row.result_json) if row.result_json else {}
        return page(request, "result.html", row=row, result=result,
                    position=service.store.positions().get(row.id),
                    title=service.assignments.get(row.assignment, row.assignment),
                    refresh=row.status in ("queued", "running"))

    @app.get("/submissions/{submission_id}/curves.png")
    def curves(request: Request, submission_id: int):
        row = readable(required(request), submission_id)
        from hwkit.gradebook import Gradebook

        png = b""
        if row.run_id:
            with Gradebook(service.course_dir / "gradebook.sqlite") as gradebook:
                png = gradebook.curves_png(row.run_id)
        if not png:
            raise HTTPException(404, "没有训练曲线 / no training curves for this submission")
        return Response(png, media_type="image/png")

    @app.get("/leaderboard", response_class=HTMLResponse)
    def leaderboard():
        built, text = service._board
        if time.monotonic() - built > BOARD_TTL_S:
            board, gradebook = load_board(service.course_dir, service.course,
                                          picks=service.store.picks())
            gradebook.close()
            text = render_page(public_view(board))
            service._board = (time.monotonic(), text)
        return HTMLResponse(text, headers={"Refresh": "60",
                                           "Content-Security-Policy": content_security_policy()})

    @app.get("/ta", response_class=HTMLResponse)
    def ta_dashboard(request: Request):
        required(request, ta=True)
        counts = service.store.phase_counts()
        rows = service.store.all(limit=5000)
        stats = {}
        for assignment in sorted({a for a, _ in counts} | set(service.assignments)):
            done = [r for r in rows if r.assignment == assignment and r.status == "graded"]
            times = sorted(r.finished_at - r.started_at for r in done
                           if r.finished_at and r.started_at)
            stats[assignment] = {
                phase: counts.get((assignment, phase), 0)
                for phase in ("queued", "running", "graded", "error")} | {
                "mean_score": (sum(r.score or 0 for r in done) / len(done)) if done else None,
                "median_s": times[len(times) // 2] if times else None,
                "students": len({r.student_id for r in rows if r.assignment == assignment})}
        return page(request, "ta.html", stats=stats, busy=service.queue.busy,
                    recent=rows[:100], positions=service.store.positions(),
                    assignments=service.assignments, message=request.query_params.get("m", ""))

    @app.post("/ta/regrade")
    def regrade(request: Request, submission_id: int = Form(...), csrf: str = Form("")):
        required(request, ta=True)
        check_csrf(request, csrf)
        done = service.store.requeue(submission_id)
        service.queue.wake()
        message = f"s{submission_id} queued again" if done else f"s{submission_id}: not finished"
        return RedirectResponse(f"/ta?m={message}", 303)

    @app.post("/ta/reveal")
    def reveal_private(request: Request, assignment: str = Form(""), force: str = Form(""),
                       csrf: str = Form("")):
        required(request, ta=True)
        check_csrf(request, csrf)
        try:
            when = reveal(service.course_dir, assignment, service.course, force=bool(force))
        except (RevealRefused, KeyError) as error:
            raise HTTPException(400, str(error.args[0] if error.args else error)) from None
        service._board = (0.0, "")
        return RedirectResponse(f"/ta?m={assignment} revealed at {when}", 303)

    @app.get("/ta/grades.csv")
    def grades_csv(request: Request):
        required(request, ta=True)
        board, gradebook = load_board(service.course_dir, service.course,
                                      picks=service.store.picks())
        gradebook.close()
        with tempfile.TemporaryDirectory() as folder:
            data = write_grades_csv(board, Path(folder) / "grades.csv").read_bytes()  # BOM kept
        return Response(data, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="grades.csv"'})

    @app.get("/ta/queue.csv")
    def queue_csv(request: Request):
        required(request, ta=True)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "student_id", "assignment", "status", "score", "max_score",
                         "submitted_at", "finished_at", "picked"])
        for r in service.store.all(limit=1_000_000):
            writer.writerow([r.id, r.student_id, r.assignment, r.status, r.score, r.max_score,
                             _iso(r.created_at), _iso(r.finished_at), int(r.picked)])
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")

    return app
