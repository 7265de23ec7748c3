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

The routes are in ``api`` (JSON) and ``pages`` (HTML); what they share is ``service``.
Uploads are checked before anything is stored, then kept content-addressed under
``<course>/serve/uploads`` (``hwkit.serve.queue.upload_path``), which no route serves.
"""

import asyncio
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from hwkit.serve.api import add_api_routes
from hwkit.serve.body_limit import BodyLimit
from hwkit.serve.pages import add_pages
from hwkit.serve.service import MIB, Service, iso, wants_html

FORM_OVERHEAD_BYTES = 64 * 1024  # the multipart form around the notebook
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")
_PACKAGE = resources.files("hwkit.serve")

__all__ = ["Service", "create_app"]


def create_app(service: Service) -> FastAPI:
    """The app over ``service``; its lifespan starts the graders and drains them at the end."""
    templates = Jinja2Templates(directory=str(_PACKAGE / "templates"))
    templates.env.filters["iso"] = iso

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

    def page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
        context.setdefault("who", service.principal(request))
        context.setdefault("csrf", request.session.get("csrf", ""))
        return templates.TemplateResponse(request, name, context, status_code=status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        headers = getattr(error, "headers", None)
        if wants_html(request) and not request.url.path.startswith("/api/"):
            return page(request, "error.html", error.status_code, message=error.detail)
        body = error.detail if isinstance(error.detail, dict) else {"detail": error.detail}
        return JSONResponse(body, error.status_code, headers=headers)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return Response(status_code=204)


    add_api_routes(app, service)
    add_pages(app, service, page)
    return app
