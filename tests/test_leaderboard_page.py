"""The leaderboard page in a real headless Chromium (Playwright): rows, reveal, sorting, tabs,
empty cohort, hostile nicknames, no network, Find me and a 2,000-row board.

Needs Playwright for Python and Debian's chromium (``apt-get install chromium``); never
``playwright install``. Screenshots go to ``hwkit-out/test-artifacts/``.
"""

from datetime import timedelta
from pathlib import Path

import pytest

from hwkit.leaderboard.page import render_page, write_page

ARTIFACTS = Path(__file__).resolve().parents[1] / "hwkit-out" / "test-artifacts"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# name, score, public, private, submissions, late -- in rank order before the reveal.
STUDENTS = [
    ("小明 (xm)", 31.0, 0.9731, 0.9702, 2, False),
    ("alice", 31.0, 0.9650, 0.9811, 1, False),
    ("Bob", 27.5, 0.9123, 0.9044, 3, True),
    ("carol", 20.0, None, None, 1, False),
    ("dave", 12.25, 0.5012, 0.4987, 5, False),
]
PRIVATE_TEXTS = ["97.02%", "98.11%", "90.44%", "49.87%"]
HISTOGRAM = {"edges": [0, 6.2, 12.4, 18.6, 24.8, 31.0], "counts": [0, 1, 0, 1, 3]}
PERCENTILES = {"p25": 20.0, "p50": 27.5, "p75": 31.0, "p90": 31.0}


def board_row(rank, student, revealed):
    """One standings row of assignment a1 in the view's shape."""
    name, score, public, private, submissions, late = student
    row = {
        "rank": rank,
        "name": name,
        "score": score,
        "public": public,
        "submissions": submissions,
        "last": f"2026-11-{10 + rank % 10:02d}T07:{rank % 60:02d}:00Z",
        "late": late,
    }
    if revealed:
        row["private"] = private
    return row


def make_view(students=STUDENTS, revealed=False, with_a2=True):
    """A view with board a1 (ranked `students`), optionally a2 (no metric), and the total."""
    rows = [board_row(i + 1, s, revealed) for i, s in enumerate(students)]
    filled = bool(rows)
    a1 = {
        "id": "a1",
        "title": "A1 MNIST：一对多逻辑回归 · NN vs MNIST / MNIST: one-vs-all",
        "max_score": 31.0,
        "metric": "nn",
        "revealed": revealed,
        "deadline": "2026-12-06T15:59:00Z",
        "percentiles": PERCENTILES if filled else {},
        "histogram": HISTOGRAM if filled else {"edges": [], "counts": []},
        "rows": rows,
    }
    assignments = [a1]
    if with_a2:
        a2_rows = [dict(r, public=None) for r in rows]
        assignments.append(dict(a1, id="a2", title="A2 小哥哥检测器", metric=None, rows=a2_rows))
    total_rows = [
        {
            "rank": r["rank"],
            "name": r["name"],
            "scores": {"a1": r["score"], "a2": None},
            "total": r["score"],
            "late": int(r["late"]),
        }
        for r in rows
    ]
    total = dict(max_score=62.0, percentiles=a1["percentiles"], histogram=a1["histogram"])
    return {
        "course": "青年AI自强计划 · 计算机视觉课",
        "generated_at": "2026-11-23T09:00:00Z",
        "rule": "latest",
        "assignments": assignments,
        "total": dict(total, rows=total_rows),
    }


@pytest.fixture
def page(browser):
    """A fresh page (own context) that records uncaught script errors in `page.errors`."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def open_view(page, view, folder: Path):
    """Write the page for `view` under `folder`, open it from file:// and wait for the JS."""
    path = write_page(view, folder)
    assert path == folder / "leaderboard.html"
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready=true]", timeout=10_000)
    assert page.errors == []
    return path


def visible_rows(page, board="a1"):
    """The rendered rows' texts of `board`, top to bottom, cells joined by tabs."""
    return page.locator(f'section.board[data-board="{board}"] tr.row').all_inner_texts()


def names(page, board="a1"):
    """The nickname column of `board`, top to bottom."""
    cells = page.locator(f'section.board[data-board="{board}"] tr.row td.name')
    return cells.all_inner_texts()


def screenshot(page, name: str) -> Path:
    """A full-page screenshot saved as a test artifact; checked to be a real, non-trivial PNG."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 20_000, f"{name} is only {len(data)} bytes"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width >= 1000 and height >= 600
    return path


def test_before_reveal_rows_in_rank_order_without_private(page, tmp_path):
    """Before the reveal: a1 is the selected board, its 5 rows come in rank order with the
    late badge, a dash for the missing accuracy and times titled with the ISO string; there
    is no private column, no private value anywhere, and the reveal notice is shown."""
    open_view(page, make_view(), tmp_path)
    assert page.locator('button.tab[data-board="a1"]').get_attribute("aria-selected") == "true"
    assert page.locator('section.board[data-board="a1"]').is_visible()
    rows = visible_rows(page)
    assert [r.split("\t")[0] for r in rows] == ["1", "2", "3", "4", "5"]
    assert names(page) == [s[0] for s in STUDENTS]
    assert "迟交 / late" in rows[2] and "late" not in rows[0]
    assert "97.31%" in rows[0] and "\u2014" in rows[3]
    first_time = page.locator('section.board[data-board="a1"] tr.row td.time').first
    assert first_time.get_attribute("title") == "2026-11-11T07:01:00Z"
    assert page.locator("th[data-col=private]").count() == 0
    text, html = page.locator("body").inner_text(), page.content()
    for value in PRIVATE_TEXTS + ["0.9702", "0.9811"]:
        assert value not in text and value not in html
    assert "private part revealed after the deadline" in text
    assert page.locator('section.board[data-board="a1"] svg text', has_text="P50").count() == 1
    screenshot(page, "leaderboard-before-reveal.png")


def test_after_reveal_shows_private_column(page, tmp_path):
    """After the reveal (same students, ranked on private accuracy): the private header is
    visible, every private value is shown in its row, and the page says the ranking is final."""
    order = [1, 0, 2, 3, 4]
    open_view(page, make_view([STUDENTS[i] for i in order], revealed=True), tmp_path)
    header = page.locator('section.board[data-board="a1"] th[data-col="private"]')
    assert header.is_visible()
    assert "私有准确率 / Private accuracy" in header.inner_text()
    rows = visible_rows(page)
    assert names(page) == ["alice", "小明 (xm)", "Bob", "carol", "dave"]
    assert "98.11%" in rows[0] and "97.02%" in rows[1]
    assert "90.44%" in rows[2] and "49.87%" in rows[4]
    assert "final ranking" in page.locator('section.board[data-board="a1"]').inner_text()
    screenshot(page, "leaderboard-after-reveal.png")


def test_clicking_headers_sorts_and_reverses(page, tmp_path):
    """Clicking Public accuracy sorts high to low (missing last), clicking again low to high;
    Nickname sorts alphabetically (case-insensitive) then reversed; the arrow follows."""
    open_view(page, make_view(), tmp_path)
    public = page.locator('section.board[data-board="a1"] th[data-col="public"]')
    public.click()
    assert names(page) == ["小明 (xm)", "alice", "Bob", "dave", "carol"]
    assert public.get_attribute("aria-sort") == "descending"
    assert "▼" in public.inner_text()
    public.click()
    assert names(page) == ["dave", "Bob", "alice", "小明 (xm)", "carol"]
    assert public.get_attribute("aria-sort") == "ascending"
    rank = page.locator('section.board[data-board="a1"] th[data-col="rank"]')
    assert rank.get_attribute("aria-sort") == "none"
    page.locator('section.board[data-board="a1"] th[data-col="name"]').click()
    latin = [n for n in names(page) if n.isascii()]
    assert latin == ["alice", "Bob", "carol", "dave"]
    page.locator('section.board[data-board="a1"] th[data-col="name"]').click()
    latin = [n for n in names(page) if n.isascii()]
    assert latin == ["dave", "carol", "Bob", "alice"]


def test_tabs_switch_boards(page, tmp_path):
    """The Total tab shows the total board (and hides a1); the a2 tab shows a board without
    accuracy columns, since A2 has no metric."""
    open_view(page, make_view(), tmp_path)
    a1 = page.locator('section.board[data-board="a1"]')
    total = page.locator('section.board[data-board="total"]')
    assert a1.is_visible() and not total.is_visible()
    page.locator('button.tab[data-board="total"]').click()
    assert total.is_visible() and not a1.is_visible()
    assert page.locator('button.tab[data-board="total"]').get_attribute("aria-selected") == "true"
    assert page.locator('button.tab[data-board="a1"]').get_attribute("aria-selected") == "false"
    assert len(visible_rows(page, "total")) == 5
    assert "迟交 / late ×1" in visible_rows(page, "total")[2]
    page.locator('button.tab[data-board="a2"]').click()
    a2 = page.locator('section.board[data-board="a2"]')
    assert a2.is_visible() and not total.is_visible()
    assert a2.locator("th[data-col=public]").count() == 0
    assert a2.locator("th[data-col=score]").is_visible()


def test_empty_cohort_shows_no_submissions_yet(page, tmp_path):
    """With no rows the board says "No submissions yet" instead of a table; with no
    assignments at all the Total tab is selected and says the same."""
    open_view(page, make_view(students=[]), tmp_path / "no-rows")
    a1 = page.locator('section.board[data-board="a1"]')
    assert "还没有提交 / No submissions yet" in a1.inner_text()
    assert page.locator("tr.row").count() == 0
    assert a1.locator("table.standings").count() == 0
    view = dict(make_view(students=[]), assignments=[])
    open_view(page, view, tmp_path / "no-assignments")
    total = page.locator('section.board[data-board="total"]')
    assert total.is_visible()
    assert page.locator('button.tab[data-board="total"]').get_attribute("aria-selected") == "true"
    assert "No submissions yet" in total.inner_text()


def test_hostile_nicknames_stay_text(page, tmp_path):
    """Nicknames with HTML and a </script> breakout show literally and run no script."""
    hostile = [
        "<img src=x onerror=\"window.pwned=1;document.title='pwned'\">",
        "</script><script>window.pwned=2;document.title='pwned'</script>",
        "<!--<script>",
    ]
    students = [(name, 30.0 - i, 0.9 - i / 10, None, 1, False) for i, name in enumerate(hostile)]
    html_path = open_view(page, make_view(students), tmp_path)
    assert names(page) == hostile
    assert page.evaluate("window.pwned") is None
    assert "pwned" not in page.title()
    assert page.locator("img").count() == 0
    assert html_path.read_text(encoding="utf-8").count("</script>") == 2


def test_page_needs_no_network(page, tmp_path):
    """Opened from file:// with every non-file request aborted, the page loads and asks for
    nothing outside the file; its HTML holds no http(s) src/href/url()."""
    attempted = []

    def record(request):
        if not request.url.startswith(("file:", "data:")):
            attempted.append(request.url)

    def offline(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            route.abort()

    page.on("request", record)
    page.route("**/*", offline)
    open_view(page, make_view(), tmp_path)
    page.locator('button.tab[data-board="total"]').click()
    assert attempted == []
    html = render_page(make_view()).lower()
    for marker in ('src="http', "src='http", 'href="http', "href='http", "url(http", "@import"):
        assert marker not in html
    assert "<link" not in html


def test_find_me_highlights_my_row(page, tmp_path):
    """Typing a nickname (any case, part of it) highlights that row and shows the rank and the
    share of the cohort with a strictly lower score; clearing the box removes the highlight."""
    open_view(page, make_view(), tmp_path)
    box = page.locator("#find-me")
    box.fill("BOB")
    highlighted = page.locator('section.board[data-board="a1"] tr.row.me')
    assert highlighted.count() == 1
    assert "Bob" in highlighted.inner_text()
    result = page.locator("#find-me-result").inner_text()
    assert "your rank 3 of 5" in result and "ahead of 40% of the cohort" in result
    box.fill("xm")
    assert "小明 (xm)" in highlighted.inner_text()
    assert "ahead of 60%" in page.locator("#find-me-result").inner_text()
    box.fill("")
    assert highlighted.count() == 0


def test_two_thousand_rows_render(page, tmp_path):
    """A 2,000-row board renders every row, and sorting it keeps all 2,000 rows."""
    students = [
        (f"student{i:04d}", 31.0 - i / 100, 0.99 - i / 10_000, None, 1 + i % 4, i % 7 == 0)
        for i in range(2000)
    ]
    open_view(page, make_view(students, with_a2=False), tmp_path)
    rows = page.locator('section.board[data-board="a1"] tr.row')
    assert rows.count() == 2000
    page.locator('section.board[data-board="a1"] th[data-col="score"]').click()
    page.locator('section.board[data-board="a1"] th[data-col="score"]').click()
    assert rows.count() == 2000
    assert names(page)[0] == "student1999"


def test_a_board_written_from_a_gradebook_shows_its_ranking_then_the_reveal(page, tmp_path):
    """The whole path: runs in a gradebook → ``write_leaderboard`` → Chromium. The rows come
    in the gradebook's ranking (tie on score and accuracy → earlier first), no student id is on
    screen, and after ``reveal`` the private column appears and the order follows it."""
    from hwkit.assignments import get_assignment
    from hwkit.gradebook import Gradebook, Student
    from hwkit.leaderboard import reveal, write_leaderboard
    from tests.test_leaderboard import COURSE, run

    course = tmp_path / "course"
    course.mkdir()
    with Gradebook(course / "gradebook.sqlite") as book:
        book.import_roster([Student("s1", nickname="ann"), Student("s2", nickname="ben"),
                            Student("s3", nickname="cat")])
        book.record(run("s1.ipynb", 35, "2026-12-02T00:00:00+00:00", public=0.95, private=0.98))
        book.record(run("s2.ipynb", 35, "2026-12-01T00:00:00+00:00", public=0.95, private=0.90))
        book.record(run("s3.ipynb", 30, "2026-12-01T00:00:00+00:00", public=0.99, private=0.99))
    a1 = [get_assignment("a1")]
    output = write_leaderboard(course, tmp_path / "before", COURSE, a1)
    page.goto(output.page.as_uri())
    page.wait_for_selector("body[data-ready=true]")
    assert names(page) == ["ben", "ann", "cat"]
    assert page.locator("th[data-col=private]").count() == 0
    assert "s1" not in page.locator("body").inner_text().split()
    reveal(course, "a1", COURSE, now=COURSE.deadline("a1") + timedelta(minutes=1))
    output = write_leaderboard(course, tmp_path / "after", COURSE, a1)
    page.goto(output.page.as_uri())
    page.wait_for_selector("body[data-ready=true]")
    assert names(page) == ["ann", "ben", "cat"]  # private 0.98 > 0.90
    assert page.locator('section.board[data-board="a1"] th[data-col="private"]').is_visible()
    assert "98.00%" in visible_rows(page)[0] and "90.00%" in visible_rows(page)[1]
    screenshot(page, "leaderboard-from-gradebook-revealed.png")
