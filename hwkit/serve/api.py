"""The JSON API of the live service (the pages post to the same routes): health, uploads,
one's submissions, picks. See ``hwkit.serve.app`` for the list of routes and answers."""

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse

from hwkit.grading.notebook_file import assignment_of, parse_notebook
from hwkit.serve.queue import upload_path
from hwkit.serve.service import MIB, Service, as_json, check_csrf, iso, reject, wants_html
from hwkit.textsafe import terminal_text


def add_api_routes(app: FastAPI, service: Service) -> None:
    @app.get("/healthz")
    def healthz():
        if not service.accepting:
            return JSONResponse({"status": "starting or stopping"}, 503)
        return {"status": "ok", "workers": len(service.queue.busy),
                "assignments": sorted(service.assignments)}

    @app.post("/api/v1/submissions", status_code=202)
    async def submit(request: Request, assignment: str = Form(""),
                     notebook: Annotated[UploadFile | None, File()] = None, csrf: str = Form("")):
        who = service.required(request)
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
        with service.quota_lock:
            left = service.quota(who.student_id)[assignment]
            if left <= 0:
                _, end = service.day_window()
                reject(429, f"今日提交次数已用完，{iso(end)} 重置 / no submissions of "
                            f"{assignment} left today: the quota resets at {iso(end)}",
                       resets_at=iso(end))
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
        if wants_html(request):
            return RedirectResponse(f"/me?submitted={submission_id}", 303)
        position = service.store.positions().get(submission_id)
        return {"id": submission_id, "status": "queued", "position": position,
                "left_today": left - 1}

    @app.get("/api/v1/submissions")
    def my_submissions(request: Request):
        who = service.required(request)
        positions = service.store.positions()
        rows = service.store.of_student(who.student_id)
        return {"student_id": who.student_id, "quota_left": service.quota(who.student_id),
                "submissions": [as_json(r, positions) for r in rows]}

    @app.get("/api/v1/submissions/{submission_id}")
    def one_submission(request: Request, submission_id: int):
        row = service.readable(service.required(request), submission_id)
        return as_json(row, service.store.positions())

    @app.post("/api/v1/picks")
    async def pick(request: Request):
        who = service.required(request)
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
        if wants_html(request):
            return RedirectResponse("/me", 303)
        return {"assignment": assignment, "picked": sorted(ids)}
