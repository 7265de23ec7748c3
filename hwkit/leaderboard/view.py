"""The students' view of a ``Board``: plain JSON-able data with only what students may see.

No student ids, no real names (``display_name`` already applied the roster and the course's
nickname rule), and no private-part figure of an assignment that has not been revealed: the
key is absent, not hidden. The HTML page and Gradescope's leaderboard are made from this.
"""

import numpy as np

from hwkit.leaderboard.standings import AssignmentBoard, Board, TotalStanding

HISTOGRAM_BINS = 10
PERCENTILES = (25, 50, 75, 90)


def distribution(values: list[float], top: float) -> tuple[dict, dict]:
    """(percentiles {"p25": …}, histogram {"edges": [...], "counts": [...]}) of ``values`` over
    [0, top]; both empty when there are no values."""
    if not values:
        return {}, {"edges": [], "counts": []}
    array = np.asarray(values, dtype=float)
    top = max(top, float(array.max()), 1e-9)
    counts, edges = np.histogram(array, bins=HISTOGRAM_BINS, range=(0.0, top))
    percentiles = {f"p{p}": round(float(np.percentile(array, p)), 2) for p in PERCENTILES}
    return percentiles, {"edges": [round(float(e), 2) for e in edges],
                         "counts": counts.tolist()}


def _accuracy(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def assignment_view(board: AssignmentBoard) -> dict:
    assignment = board.assignment
    metric = (assignment.ranked_accuracy_label or assignment.ranked_accuracy) or None
    rows = []
    for s in board.standings:
        row = {"rank": s.rank, "name": s.display_name, "score": s.score,
               "public": _accuracy(s.accuracy.public if s.accuracy else None),
               "submissions": s.submissions, "last": s.last_submitted_at,
               "late": s.counted.late}
        if s.counted.penalty:
            row["late_penalty"] = round(s.counted.penalty, 4)
        if board.revealed:
            row["private"] = _accuracy(s.accuracy.private if s.accuracy else None)
        rows.append(row)
    percentiles, histogram = distribution([s.score for s in board.standings], board.max_score)
    return {
        "id": board.assignment.id,
        "title": board.assignment.title,
        "max_score": board.max_score,
        "metric": metric,
        "revealed": board.revealed,
        "deadline": board.deadline.isoformat().replace("+00:00", "Z") if board.deadline else None,
        "late_policy": board.late_policy,
        "percentiles": percentiles,
        "histogram": histogram,
        "rows": rows,
    }


def total_view(totals: list[TotalStanding], max_score: float) -> dict:
    percentiles, histogram = distribution([t.total for t in totals], max_score)
    rows = [{"rank": t.rank, "name": t.display_name, "scores": t.scores, "total": t.total,
             "late": t.late} for t in totals]
    return {"max_score": max_score, "percentiles": percentiles, "histogram": histogram,
            "rows": rows}


def public_view(board: Board) -> dict:
    """The page's data (the shape ``hwkit.leaderboard.page.render_page`` takes)."""
    return {
        "course": board.course.name,
        "generated_at": board.generated_at,
        "rule": board.course.counted,
        "assignments": [assignment_view(b) for b in board.boards],
        "total": total_view(board.totals, sum(b.max_score for b in board.boards)),
    }
