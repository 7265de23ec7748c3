"""``hwkit serve``: the live service in the foreground (uvicorn), until Ctrl-C or SIGTERM.

At start: the database is migrated, whatever a dead service left ``running`` is queued again,
every roster student's token hash is saved (tokens are derived, so the links already mailed
keep working), the TA's login link is printed, and the built assignments are prepared by the
first grader thread while the service already accepts uploads. On SIGTERM uvicorn stops taking
requests and the graders finish the submissions they hold before the process exits (the rest
stay queued in the database for the next start).
"""

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from hwkit.assignments import ASSIGNMENTS
from hwkit.course import load_config
from hwkit.grading.batch import GradeOptions
from hwkit.leaderboard import open_course
from hwkit.serve.app import Service, create_app
from hwkit.serve.engine_grader import EngineGrader
from hwkit.serve.queue import GradingQueue
from hwkit.serve.store import Store, default_url
from hwkit.serve.tokens import service_dir, session_key, student_tokens, ta_token


@dataclass(frozen=True)
class ServeOptions:
    """host/port: where to listen; workers: submissions graded at once; database: a
    SQLAlchemy URL (None: the course's SQLite gradebook); engine/address: as ``hwkit grade``;
    show_student_links: print every student's login link (a demo; a course mails them);
    secure_cookies: the session cookie only over HTTPS (behind a TLS reverse proxy)."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 0
    database: str | None = None
    engine: str = "local"
    address: str | None = None
    show_student_links: bool = False
    secure_cookies: bool = False


def built_assignments() -> dict[str, str]:
    """id → title of the assignments whose autograder zip exists."""
    return {a.id: a.title for a in (ASSIGNMENTS[k] for k in sorted(ASSIGNMENTS))
            if (a.autograder_dir / a.autograder_zip.name).is_file()}


def grade_options(options: ServeOptions, workers: int) -> GradeOptions:
    # timeout_s and memory_mb: each assignment's own, set by EngineGrader
    return GradeOptions(workers=workers, timeout_s=0.0, memory_mb=0, progress=False,
                        engine=options.engine, address=options.address)


def run(course_dir: Path, options: ServeOptions) -> int:
    import uvicorn

    course_dir = Path(course_dir)
    with open_course(course_dir, create=True) as gradebook:
        roster = [s.student_id for s in gradebook.roster()]
    course = load_config(course_dir)
    store = Store.open(options.database or default_url(course_dir))
    links = student_tokens(course_dir, store, roster, whole_roster=True)
    workers = options.workers or os.cpu_count() or 1
    grader = EngineGrader(course_dir, course, grade_options(options, workers))
    assignments = built_assignments()
    sample = service_dir(course_dir) / "warm-up.ipynb"
    queue = GradingQueue(store, grader, course_dir / "gradebook.sqlite", service_dir(course_dir),
                         workers, prepare=lambda: grader.warm_up(list(assignments), sample))
    token, token_file = ta_token(course_dir)
    service = Service(course_dir, store, queue, course, assignments, token,
                      session_key(course_dir), on_stop=grader.close,
                      https_only=options.secure_cookies)
    base = f"http://{options.host}:{options.port}"
    print(f"hwkit serve: {course_dir} · database {store.engine.url.render_as_string()} · "
          f"{workers} graders · assignments {', '.join(assignments) or 'none built'}")
    if not roster:
        print("hwkit serve: the roster is empty: nobody can log in until `hwkit roster import`",
              file=sys.stderr)
    if not assignments:
        print("hwkit serve: no autograder is built: run `hwkit build` first", file=sys.stderr)
    print(f"  助教登录 / TA login: {base}/login?token={token}  (token in {token_file})")
    if options.show_student_links:
        for student_id, student_token in links:
            print(f"  {student_id}: {base}/login?token={student_token}")
    else:
        print("  学生登录链接 / student links: `hwkit roster tokens --course "
              f"{course_dir}` → {base}/login?token=<token>")
    print(f"  排行榜 / leaderboard: {base}/leaderboard", flush=True)
    uvicorn.run(create_app(service), host=options.host, port=options.port, log_level="warning",
                timeout_graceful_shutdown=None)
    store.close()
    return 0
