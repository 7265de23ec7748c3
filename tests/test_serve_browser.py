"""The live service in a real headless Chromium (Playwright): a student logs in with the mailed
link, uploads a notebook, sees it queued then graded, opens the result (failed tests' messages,
the training curves) and finds themself on the live leaderboard; the TA's dashboard shows it.

A real uvicorn server on loopback with the fake grader (the grading itself is
test_serve_e2e.py's); Debian's chromium, never ``playwright install``."""

import threading

import pytest
import uvicorn

from tests.serve_helpers import Running, free_port, make_course, notebook_bytes, wait_for


@pytest.fixture
def live(tmp_path):
    running = Running(make_course(tmp_path / "course"))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(running.app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, 20)
    running.base = f"http://127.0.0.1:{port}"
    yield running
    server.should_exit = True
    thread.join(20)


def test_upload_result_leaderboard_journey(browser, live, tmp_path):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live.base}/login?token={live.tokens['2026001']}")
    page.click("#login")
    assert page.url.endswith("/me")
    assert "我的提交 / My submissions" in page.inner_text("h1")

    wrong = tmp_path / "wrong.ipynb"
    wrong.write_bytes(notebook_bytes("x = 0"))
    page.set_input_files("#notebook", str(wrong))
    page.click("#submit")
    row = page.locator("tr.submission").first
    assert row.get_attribute("data-status") in ("queued", "running", "graded")
    assert live.queue.wait_idle(30)
    page.reload()
    assert page.locator("tr.submission").first.get_attribute("data-status") == "graded"
    assert "a2: 9" in page.inner_text("#quota")

    page.click("tr.submission a")
    assert "0 / 5" in page.inner_text("#total")
    failed = page.inner_text("#failed-tests")
    assert "forward() 的输出不对 / forward() is wrong" in failed
    assert "梯度不对 / the gradient is wrong" in failed
    page.wait_for_function("document.querySelector('#curves').naturalWidth > 0")

    right = tmp_path / "right.ipynb"
    right.write_bytes(notebook_bytes("RIGHT"))
    page.goto(f"{live.base}/me")
    page.set_input_files("#notebook", str(right))
    page.click("#submit")
    assert live.queue.wait_idle(30)

    page.goto(f"{live.base}/leaderboard")
    page.wait_for_selector("body[data-ready=true]", timeout=10_000)
    row = page.locator('section.board[data-board="a2"] tr.row').first.inner_text()
    assert "明明" in row and "5" in row
    assert "2026001" not in page.content()
    assert errors == []

    ta = browser.new_context().new_page()
    ta.goto(f"{live.base}/login?token={live.ta_token}")
    ta.click("#login")
    assert ta.url.endswith("/ta")
    stats = ta.inner_text('#stats tr[data-assignment="a2"]')
    assert stats.split()[:4] == ["a2", "0", "0", "2"]
    context.close()
