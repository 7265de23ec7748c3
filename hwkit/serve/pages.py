"""The live service's pages and the TA's actions: login, "my submissions", a result, the
curves, the leaderboard, the TA dashboard (regrade, reveal, exports)."""

import csv
import io
import json
import secrets
import tempfile
import time
from pathlib import Path

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hwkit.gradebook import Gradebook
from hwkit.leaderboard import RevealRefused, load_board, reveal
from hwkit.leaderboard.exports import write_grades_csv
from hwkit.leaderboard.page import content_security_policy, render_page
from hwkit.leaderboard.view import public_view
from hwkit.serve.auth import csrf_ok, from_token, log_in
from hwkit.serve.service import Service, check_csrf, client_address, iso

BOARD_TTL_S = 5.0  # the leaderboard page is rebuilt at most this often


def add_pages(app: FastAPI, service: Service, page) -> None:
    """``page(request, template, status=200, **context)`` renders a template."""
    def login_with(request: Request, token: str):
        address = client_address(request)
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
        who = service.principal(request)
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


    # pages
    @app.get("/me", response_class=HTMLResponse)
    def me(request: Request):
        who = service.required(request)
        if who.is_ta:
            return RedirectResponse("/ta", 303)
        rows = service.store.of_student(who.student_id)
        waiting = any(r.status in ("queued", "running") for r in rows)
        return page(request, "me.html", rows=rows, positions=service.store.positions(),
                    quota=service.quota(who.student_id), assignments=service.assignments,
                    per_day=service.course.serve.submissions_per_day,
                    picks=service.course.serve.picks, refresh=waiting,
                    resets_at=iso(service.day_window()[1]))

    @app.get("/submissions/{submission_id}", response_class=HTMLResponse)
    def result_page(request: Request, submission_id: int):
        row = service.readable(service.required(request), submission_id)
        result = json.loads(row.result_json) if row.result_json else {}
        return page(request, "result.html", row=row, result=result,
                    position=service.store.positions().get(row.id),
                    title=service.assignments.get(row.assignment, row.assignment),
                    refresh=row.status in ("queued", "running"))

    @app.get("/submissions/{submission_id}/curves.png")
    def curves(request: Request, submission_id: int):
        row = service.readable(service.required(request), submission_id)
        png = b""
        if row.run_id:
            with Gradebook(service.course_dir / "gradebook.sqlite") as gradebook:
                png = gradebook.curves_png(row.run_id)
        if not png:
            raise HTTPException(404, "没有训练曲线 / no training curves for this submission")
        return Response(png, media_type="image/png")

    @app.get("/leaderboard", response_class=HTMLResponse)
    def leaderboard():
        built, text = service.board_cache
        if time.monotonic() - built > BOARD_TTL_S:
            board, gradebook = load_board(service.course_dir, service.course,
                                          picks=service.store.picks())
            gradebook.close()
            text = render_page(public_view(board))
            service.board_cache = (time.monotonic(), text)
        return HTMLResponse(text, headers={"Refresh": "60",
                                           "Content-Security-Policy": content_security_policy()})

    @app.get("/ta", response_class=HTMLResponse)
    def ta_dashboard(request: Request):
        service.required(request, ta=True)
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
        service.required(request, ta=True)
        check_csrf(request, csrf)
        done = service.store.requeue(submission_id)
        service.queue.wake()
        message = f"s{submission_id} queued again" if done else f"s{submission_id}: not finished"
        return RedirectResponse(f"/ta?m={message}", 303)

    @app.post("/ta/reveal")
    def reveal_private(request: Request, assignment: str = Form(""), force: str = Form(""),
                       csrf: str = Form("")):
        service.required(request, ta=True)
        check_csrf(request, csrf)
        try:
            when = reveal(service.course_dir, assignment, service.course, force=bool(force))
        except (RevealRefused, KeyError) as error:
            raise HTTPException(400, str(error.args[0] if error.args else error)) from None
        service.board_cache = (0.0, "")
        return RedirectResponse(f"/ta?m={assignment} revealed at {when}", 303)

    @app.get("/ta/grades.csv")
    def grades_csv(request: Request):
        service.required(request, ta=True)
        board, gradebook = load_board(service.course_dir, service.course,
                                      picks=service.store.picks())
        gradebook.close()
        with tempfile.TemporaryDirectory() as folder:
            data = write_grades_csv(board, Path(folder) / "grades.csv").read_bytes()  # BOM kept
        return Response(data, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="grades.csv"'})

    @app.get("/ta/queue.csv")
    def queue_csv(request: Request):
        service.required(request, ta=True)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "student_id", "assignment", "status", "score", "max_score",
                         "submitted_at", "finished_at", "picked"])
        for r in service.store.all(limit=1_000_000):
            writer.writerow([r.id, r.student_id, r.assignment, r.status, r.score, r.max_score,
                             iso(r.created_at), iso(r.finished_at), int(r.picked)])
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
