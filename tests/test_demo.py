"""`hwkit demo` (the README's first command) runs the whole path and ends with the leaderboard."""

import csv

import pytest

from hwkit.assignments import get_assignment
from hwkit.cli import DEMO_ASSIGNMENT
from hwkit.demo import DEMO_ROSTER, run_demo

pytestmark = pytest.mark.e2e


def test_demo_grades_a_small_cohort_and_writes_the_leaderboard(tmp_path):
    said = []
    report, board = run_demo(get_assignment(DEMO_ASSIGNMENT), tmp_path, workers=2, say=said.append)
    assert len(report.results) == 7
    a2 = next(b for b in board.board.boards if b.assignment.id == "a2")
    # Three full marks: on time Dec 3, on time Dec 10, late Dec 21; then 24; then 6 (whose
    # second, better-scoring try counts: the latest counts).
    assert [s.student_id for s in a2.standings] == ["2026002", "2026005", "2026004", "2026003",
                                                     "2026001"]
    assert [s.counted.late for s in a2.standings] == [False, False, True, False, False]
    assert next(s for s in a2.standings if s.student_id == "2026001").submissions == 2
    assert [u.submission for u in board.board.unmatched] == ["unnamed_upload.ipynb"]
    printed = "\n".join(map(str, said))
    assert "Hua" in printed and "迟交 late" in printed and str(board.page) in printed
    html = board.page.read_text(encoding="utf-8")
    for student_id, name, _, _ in DEMO_ROSTER:
        assert student_id not in html and name not in html
    with board.grades_csv.open(encoding="utf-8-sig") as f:
        assert {r["student_id"]: r["a2"] for r in csv.DictReader(f)} == {
            "2026001": "6", "2026002": "30", "2026003": "24", "2026004": "30", "2026005": "30"
        }
