"""``hwkit serve``'s API and pages with a fake grader (the unit tier): every error code, who
may read what, the quota, CSRF, the login limit, picks, the TA's pages."""

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from hwkit.course import ServeConfig
from hwkit.gradebook import Gradebook
from tests.serve_helpers import Running, make_course, notebook_bytes, upload


@pytest.fixture
def running(tmp_path):
    return Running(make_course(tmp_path / "course"))


@pytest.fixture
def client(running):
    with TestClient(running.app) as client:
        yield client


def graded(client, running, headers, submission_id):
    assert running.queue.wait_idle(30)
    return client.get(f"/api/v1/submissions/{submission_id}", headers=headers).json()


def test_healthz_once_accepting(client):
    assert client.get("/healthz").json()["status"] == "ok"


def test_upload_is_queued_then_graded_with_each_failed_message(client, running):
    me = running.bearer("2026001")
    answer = upload(client, me, notebook_bytes("y = 2"))
    assert answer.status_code == 202
    body = answer.json()
    assert body["status"] == "queued" and body["position"] in (1, None) and body["id"] >= 1
    result = graded(client, running, me, body["id"])
    assert result["status"] == "graded"
    assert (result["score"], result["max_score"]) == (0.0, 5.0)
    messages = {t["name"]: t["message"] for t in result["tests"] if not t["passed"]}
    assert messages == {"q1 - 1": "forward() 的输出不对 / forward() is wrong",
                        "q2 - 1": "梯度不对 / the gradient is wrong"}
    assert "GRADER-ONLY" not in str(result)  # the run's detail is the TA's
    right = upload(client, me, notebook_bytes("RIGHT")).json()
    assert graded(client, running, me, right["id"])["score"] == 5.0


def test_the_run_is_in_the_gradebook_filed_under_the_student(client, running):
    me = running.bearer("2026002")
    submission_id = upload(client, me, notebook_bytes("RIGHT")).json()["id"]
    graded(client, running, me, submission_id)
    with Gradebook(running.course_dir / "gradebook.sqlite") as gradebook:
        runs = gradebook.runs("a2")
    assert [r.submission.split("/")[0] for r in runs] == ["2026002"]
    assert runs[0].submission.startswith(f"2026002/s{submission_id}_")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"},
                                     {"Authorization": "Basic abc"}])
def test_no_or_bad_token_is_401_and_nothing_is_queued(client, running, headers):
    answer = upload(client, headers, notebook_bytes())
    assert answer.status_code == 401
    assert "token" in answer.json()["detail"]
    assert running.store.all() == []


@pytest.mark.parametrize("data, assignment, code, words", [
    (b"hello", "a2", 400, "not a notebook"),
    (b"", "a2", 400, "empty file"),
    (notebook_bytes(assignment="a1"), "a2", 400, "a1's, not a2's"),
    (notebook_bytes(), "a9", 400, "unknown assignment"),
    (notebook_bytes(), "", 400, "unknown assignment"),
])
def test_bad_uploads_name_the_problem_and_queue_nothing(client, running, data, assignment, code,
                                                        words):
    answer = upload(client, running.bearer("2026001"), data, assignment)
    assert answer.status_code == code
    assert words in answer.json()["detail"]
    assert running.store.all() == []


def test_too_big_is_413(tmp_path):
    running = Running(make_course(tmp_path / "c"), serve=ServeConfig(max_upload_mb=1))
    with TestClient(running.app) as client:
        big = notebook_bytes("x = '" + "a" * (1024 * 1024) + "'")
        answer = upload(client, running.bearer("2026001"), big)
    assert answer.status_code == 413 and "1 MiB" in answer.json()["detail"]
    assert running.store.all() == []


def test_another_students_submission_is_404_like_a_missing_one(client, running):
    mine = upload(client, running.bearer("2026001"), notebook_bytes()).json()["id"]
    graded(client, running, running.bearer("2026001"), mine)
    other = running.bearer("2026002")
    for path in (f"/api/v1/submissions/{mine}", f"/submissions/{mine}",
                 f"/submissions/{mine}/curves.png"):
        assert client.get(path, headers=other).status_code == 404
    assert client.get("/api/v1/submissions/999", headers=other).status_code == 404
    assert client.get("/api/v1/submissions", headers=other).json()["submissions"] == []
    ta = {"Authorization": f"Bearer {running.ta_token}"}
    assert client.get(f"/api/v1/submissions/{mine}", headers=ta).json()["id"] == mine
    curves = client.get(f"/submissions/{mine}/curves.png", headers=running.bearer("2026001"))
    assert curves.status_code == 200 and curves.content.startswith(b"\x89PNG")


def test_quota_per_day_resets_at_local_midnight_and_grader_errors_do_not_count(tmp_path):
    now = [1796256000.0 + 3600]  # 2026-12-03 01:00 UTC = 09:00 in UTC+8
    running = Running(make_course(tmp_path / "c"), serve=ServeConfig(submissions_per_day=2),
                      clock=lambda: now[0])
    me = running.bearer("2026001")
    with TestClient(running.app) as client:
        failed = upload(client, me, notebook_bytes("GRADER_FAILS")).json()["id"]
        assert graded(client, running, me, failed)["status"] == "error"
        assert upload(client, me, notebook_bytes("a")).status_code == 202
        assert upload(client, me, notebook_bytes("b")).status_code == 202
        over = upload(client, me, notebook_bytes("c"))
        assert over.status_code == 429
        assert over.json()["resets_at"] == "2026-12-03T16:00:00Z"  # midnight in UTC+8
        assert "resets" in over.json()["detail"]
        assert upload(client, running.bearer("2026002"), notebook_bytes()).status_code == 202
        assert client.get("/api/v1/submissions", headers=me).json()["quota_left"] == {"a2": 0}
        now[0] += 15 * 3600  # 16:00 UTC: the next day in UTC+8
        assert upload(client, me, notebook_bytes("d")).status_code == 202
    assert len(running.store.of_student("2026001")) == 4


def csrf_of(page) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def login(client, token):
    """The mailed link, then the click: returns the logged-in session's CSRF token."""
    form = client.get(f"/login?token={token}")
    answer = client.post("/login", data={"token": token, "csrf": csrf_of(form)},
                         follow_redirects=False)
    assert answer.status_code == 303
    return csrf_of(client.get(answer.headers["location"]))


def test_a_link_alone_does_not_log_in_and_a_foreign_form_cannot(client, running):
    token = running.tokens["2026001"]
    client.get(f"/login?token={token}")
    assert client.get("/api/v1/submissions").status_code == 401  # the link only fills the form
    forged = client.post("/login", data={"token": token}, follow_redirects=False)
    assert forged.status_code == 403  # a page elsewhere posting the form has no CSRF token
    assert client.get("/api/v1/submissions").status_code == 401


def test_a_body_past_the_limit_is_refused_as_it_arrives(tmp_path):
    running = Running(make_course(tmp_path / "c"), serve=ServeConfig(max_upload_mb=1))

    def chunks():  # chunked: no Content-Length to refuse it by
        yield (b'--b\r\nContent-Disposition: form-data; name="notebook"; filename="a.ipynb"'
               b"\r\nContent-Type: application/json\r\n\r\n")
        for _ in range(40):
            yield b"x" * 65536

    with TestClient(running.app) as client:
        answer = client.post("/api/v1/submissions", content=chunks(),
                             headers={**running.bearer("2026001"),
                                      "Content-Type": "multipart/form-data; boundary=b"})
        declared = client.post("/api/v1/submissions", content=b"x" * 10,
                               headers={"Content-Length": str(50 * 1024 * 1024)})
    assert answer.status_code == 413 and "1 MiB" in answer.json()["detail"]
    assert declared.status_code == 413
    assert running.store.all() == []


def test_browser_form_needs_its_csrf_token(client, running):
    csrf = login(client, running.tokens["2026001"])
    html = {"Accept": "text/html"}
    refused = upload(client, html, notebook_bytes())
    assert refused.status_code == 403 and "CSRF" in refused.text
    wrong = upload(client, html, notebook_bytes(), extra={"csrf": "x" + csrf})
    assert wrong.status_code == 403
    assert running.store.all() == []
    sent = client.post("/api/v1/submissions", headers=html, follow_redirects=False,
                       data={"assignment": "a2", "csrf": csrf},
                       files={"notebook": ("mine.ipynb", notebook_bytes(), "application/json")})
    assert sent.status_code == 303 and sent.headers["location"].startswith("/me")
    page = client.get("/me")
    assert "mine.ipynb" in page.text and "2026001" in page.text
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/api/v1/submissions").status_code == 401


def test_session_cookie_is_signed(client, running):
    login(client, running.tokens["2026001"])
    client.cookies.set("hwkit_session", client.cookies["hwkit_session"][:-3] + "AAA")
    assert client.get("/api/v1/submissions").status_code == 401


def test_failed_logins_are_limited_per_address(client, running):
    csrf = csrf_of(client.get("/login"))
    for _ in range(10):
        answer = client.post("/login", data={"token": "guess", "csrf": csrf})
        assert answer.status_code == 401
    blocked = client.post("/login", data={"token": running.tokens["2026001"], "csrf": csrf},
                          follow_redirects=False)
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


def test_pages_escape_what_a_student_controls(client, running):
    me = running.bearer("2026001")
    upload(client, me, notebook_bytes(), name="<img src=x onerror=alert(1)>.ipynb")
    login(client, running.tokens["2026001"])
    page = client.get("/me")
    assert "<img src=x" not in page.text and "&lt;img src=x" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_picks_choose_what_counts_and_are_checked(client, running):
    me = running.bearer("2026001")
    best = upload(client, me, notebook_bytes("RIGHT")).json()["id"]
    worse = upload(client, me, notebook_bytes("no")).json()["id"]
    assert running.queue.wait_idle(30)
    theirs = upload(client, running.bearer("2026002"), notebook_bytes()).json()["id"]
    assert running.queue.wait_idle(30)
    pick = client.post("/api/v1/picks", headers=me, data={"assignment": "a2", "ids": [theirs]})
    assert pick.status_code == 400
    too_many = client.post("/api/v1/picks", headers=me,
                           data={"assignment": "a2", "ids": [best, worse, theirs]})
    assert too_many.status_code == 400
    assert client.post("/api/v1/picks", headers=me,
                       data={"assignment": "a2", "ids": [worse]}).json()["picked"] == [worse]
    [picked] = running.store.picks()["a2"]["2026001"]
    assert picked.startswith(f"2026001/s{worse}_")
    from hwkit.leaderboard import load_board

    board, gradebook = load_board(running.course_dir, running.service.course,
                                  picks=running.store.picks())
    gradebook.close()
    a2 = next(b for b in board.boards if b.assignment.id == "a2")
    counted = next(s for s in a2.standings if s.student_id == "2026001")
    assert counted.score == 0.0  # the picked (worse) one counts, not the latest or best


def test_leaderboard_is_live_and_shows_no_student_ids(client, running):
    me = running.bearer("2026001")
    upload(client, me, notebook_bytes("RIGHT"))
    assert running.queue.wait_idle(30)
    page = client.get("/leaderboard")
    assert page.status_code == 200 and "明明" in page.text
    assert "2026001" not in page.text
    assert "script-src 'sha256-" in page.headers["content-security-policy"]
    assert page.headers["refresh"] == "60"


def test_ta_dashboard_regrade_and_exports(client, running):
    me = running.bearer("2026001")
    ta = {"Authorization": f"Bearer {running.ta_token}"}
    assert client.get("/ta", headers=me).status_code == 403
    assert client.get("/ta").status_code == 401
    first = upload(client, me, notebook_bytes("RIGHT")).json()["id"]
    assert running.queue.wait_idle(30)
    dashboard = client.get("/ta", headers=ta)
    assert dashboard.status_code == 200 and 'data-assignment="a2"' in dashboard.text
    assert client.post("/ta/regrade", headers=ta, data={"submission_id": first},
                       follow_redirects=False).status_code == 303
    assert running.queue.wait_idle(30)
    name = next(iter(running.grader.calls))
    assert running.grader.calls[name] == 2
    grades = client.get("/ta/grades.csv", headers=ta)
    rows = list(csv.DictReader(io.StringIO(grades.content.decode("utf-8-sig"))))
    assert {r["student_id"]: r["a2"] for r in rows}["2026001"] == "5"
    queue = list(csv.DictReader(io.StringIO(client.get("/ta/queue.csv", headers=ta).text)))
    assert [(r["id"], r["status"]) for r in queue] == [(str(first), "graded")]
    assert client.post("/ta/reveal", headers=ta, data={"assignment": "a2"}).status_code == 400
    assert upload(client, ta, notebook_bytes()).status_code == 400  # a TA cannot submit


def test_tokens_stay_the_same_until_rotated(running):
    from hwkit.serve.tokens import student_tokens

    again = dict(student_tokens(running.course_dir, running.store, ["2026001"]))
    assert again["2026001"] == running.tokens["2026001"]
    rotated = dict(student_tokens(running.course_dir, running.store, ["2026001"], rotate=True))
    assert rotated["2026001"] != running.tokens["2026001"]
    with TestClient(running.app) as client:
        old = upload(client, running.bearer("2026001"), notebook_bytes())
        new = upload(client, {"Authorization": f"Bearer {rotated['2026001']}"},
                     notebook_bytes())
    assert (old.status_code, new.status_code) == (401, 202)


def test_serve_settings_are_read_and_checked():
    from hwkit.course import CourseConfigError, load_config, parse_config

    config = parse_config("[serve]\nsubmissions_per_day = 3\npicks = 0\n", "t.toml").serve
    assert (config.submissions_per_day, config.picks, config.max_upload_mb) == (3, 0, 20)
    assert load_config(None).serve.utc_offset_hours == 8  # the project's course.toml
    for bad, words in (("picks = -1", "picks must be a whole number from 0"),
                       ("max_upload_mb = 500", "max_upload_mb must be a whole number"),
                       ("submissions_per_day = 2.5", "submissions_per_day must be"),
                       ("per_day = 3", "unknown keys ['per_day']")):
        with pytest.raises(CourseConfigError, match=re.escape(words)):
            parse_config(f"[serve]\n{bad}\n", "t.toml")


def test_roster_tokens_prints_a_csv_for_the_mail_merge(tmp_path, capsys):
    from hwkit.cli import main

    course = make_course(tmp_path / "course")
    assert main(["roster", "tokens", "--course", str(course)]) == 0
    first = capsys.readouterr().out
    rows = list(csv.reader(io.StringIO(first)))
    assert rows[0] == ["student_id", "token"] and [r[0] for r in rows[1:]] == [
        "2026001", "2026002", "2026003"]
    assert len({r[1] for r in rows[1:]}) == 3 and all(len(r[1]) == 32 for r in rows[1:])
    assert main(["roster", "tokens", "--course", str(course)]) == 0
    assert capsys.readouterr().out == first
    assert main(["roster", "tokens", "--course", str(course), "--rotate"]) == 0
    rotated = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert all(a[1] != b[1] for a, b in zip(rows[1:], rotated[1:], strict=True))
    assert oct((course / "serve" / "secret").stat().st_mode & 0o777) == "0o600"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["roster", "tokens", "--course", str(empty)]) == 2
    assert "no roster" in capsys.readouterr().err


def test_no_route_gives_out_code_or_the_private_figure(tmp_path):
    from dataclasses import replace

    from hwkit.results import HeldOutAccuracy
    from tests.serve_helpers import FakeGrader

    fake = FakeGrader()

    def with_accuracy(request):
        return replace(fake(request), accuracies=[HeldOutAccuracy("nn", 0.9137, 0.8642, 500,
                                                                  500)])

    running = Running(make_course(tmp_path / "c"), grader=with_accuracy)
    me = running.bearer("2026001")
    with TestClient(running.app) as client:
        submission = upload(client, me, notebook_bytes("SECRET_CODE = 42")).json()["id"]
        assert running.queue.wait_idle(30)
        api = client.get(f"/api/v1/submissions/{submission}", headers=me).text
        login(client, running.tokens["2026001"])
        page = client.get(f"/submissions/{submission}").text
        board = client.get("/leaderboard").text
        sha = running.store.get(submission).sha256
        probes = [client.get(path) for path in (
            f"/static/../serve/uploads/{sha[:2]}/{sha}.ipynb",
            f"/static/%2e%2e/serve/uploads/{sha[:2]}/{sha}.ipynb",
            f"/serve/uploads/{sha[:2]}/{sha}.ipynb", "/static/../gradebook.sqlite")]
    assert "91.37" in page and "0.9137" in api  # the public part is the student's to see
    for text in (api, page, board):
        assert "0.8642" not in text and "86.42" not in text and "SECRET_CODE" not in text
    assert all(p.status_code == 404 for p in probes)


def test_the_commands_reach_their_handlers():
    from hwkit.cli import make_parser

    parser = make_parser()
    serve = parser.parse_args(["serve", "--port", "9000", "--workers", "3"])
    tokens = parser.parse_args(["roster", "tokens", "--rotate"])
    assert callable(serve.func) and serve.func.__name__ == "run_serve"
    assert (serve.port, serve.workers, serve.host) == (9000, 3, "127.0.0.1")
    assert tokens.func.__name__ == "run_roster_tokens" and tokens.rotate


def test_hwkit_leaderboard_counts_the_picks_made_online(client, running, tmp_path, capsys):
    from hwkit.cli import main

    me = running.bearer("2026001")
    best = upload(client, me, notebook_bytes("RIGHT")).json()["id"]
    worse = upload(client, me, notebook_bytes("no")).json()["id"]
    assert running.queue.wait_idle(30)

    def counted() -> str:
        out = tmp_path / "board"
        assert main(["leaderboard", "--course", str(running.course_dir), "--out", str(out)]) == 0
        capsys.readouterr()
        text = (out / "grades.csv").read_text(encoding="utf-8-sig")
        return {r["student_id"]: r["a2"] for r in csv.DictReader(io.StringIO(text))}["2026001"]

    assert counted() == "0"  # latest (the course's rule) with nothing picked
    client.post("/api/v1/picks", headers=me, data={"assignment": "a2", "ids": [best]})
    assert counted() == "5"
    client.post("/api/v1/picks", headers=me, data={"assignment": "a2", "ids": [worse, best]})
    assert counted() == "0"  # latest among the picked


def test_a_student_taken_off_the_roster_can_no_longer_log_in(running):
    from hwkit.gradebook import Gradebook
    from hwkit.gradebook.course_records import Student
    from hwkit.serve.tokens import student_tokens

    with Gradebook(running.course_dir / "gradebook.sqlite") as gradebook:
        gradebook.replace_roster([Student("2026001"), Student("2026002")])
    student_tokens(running.course_dir, running.store, ["2026001", "2026002"], whole_roster=True)
    with TestClient(running.app) as client:
        gone = upload(client, running.bearer("2026003"), notebook_bytes())
        kept = upload(client, running.bearer("2026002"), notebook_bytes())
    assert (gone.status_code, kept.status_code) == (401, 202)


def test_rotating_a_token_ends_the_sessions_made_with_it(client, running):
    from hwkit.serve.tokens import student_tokens

    login(client, running.tokens["2026001"])
    assert client.get("/api/v1/submissions").status_code == 200
    student_tokens(running.course_dir, running.store, ["2026001"], rotate=True)
    assert client.get("/api/v1/submissions").status_code == 401
