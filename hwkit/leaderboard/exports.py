"""What the TA takes away from a ``Board``: the terminal board, grades.csv for the LMS, the
unmatched submissions, and one feedback report per student.

grades.csv and the reports carry student ids (they go to the LMS and to each student); the
terminal board shows what the page shows.
"""

import bisect
import csv
from dataclasses import dataclass
from pathlib import Path

from ..reports import failed_test_lines, num, safe_stem, status_explanation, text_table
from .standings import AssignmentBoard, Board, Standing


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


def board_accuracy(standing: Standing, revealed: bool) -> float | None:
    """The accuracy a board ranks by: private once revealed, else public."""
    if standing.accuracy is None:
        return None
    return standing.accuracy.private if revealed else standing.accuracy.public


def terminal_board(board: AssignmentBoard, limit: int | None = None) -> str:
    """The ranking of one assignment as a plain-text table (first ``limit`` rows)."""
    title = f"{board.assignment.id}: {board.assignment.title}"
    if not board.standings:
        return f"{title}\n  还没有提交 / no submissions yet\n"
    accuracy = "私有 / private" if board.revealed else "公开 / public"
    header = ("#", "昵称 / nickname", "score", f"acc {accuracy}", "subs", "last (UTC)", "late")
    rows = [
        (str(s.rank), s.display_name, f"{num(s.score)} / {num(board.max_score)}",
         _percent(board_accuracy(s, board.revealed)), str(s.submissions),
         s.last_submitted_at.replace("+00:00", "")[:16], "迟交 late" if s.counted.late else "")
        for s in board.standings[:limit]
    ]  # fmt: skip
    more = len(board.standings) - len(rows)
    tail = f"  … {more} more / 另有 {more} 人\n" if more > 0 else ""
    right = (True, False, True, True, True, False, False)
    return f"{title}\n" + text_table(header, rows, right) + tail


def write_grades_csv(board: Board, path: Path) -> Path:
    """One row per student (roster students without any submission included, scored 0):
    student_id, name, one column per assignment, total, late (assignments counted late),
    missing (assignments with no submission)."""
    ids = [b.assignment.id for b in board.boards]
    scores: dict[str, dict[str, float]] = {sid: {} for sid in board.roster}
    late: dict[str, list[str]] = {}
    for b in board.boards:
        for s in b.standings:
            scores.setdefault(s.student_id, {})[b.assignment.id] = s.score
            if s.counted.late:
                late.setdefault(s.student_id, []).append(b.assignment.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["student_id", "name", *ids, "total", "late", "missing"])
        for sid in sorted(scores):
            row = scores[sid]
            name = board.roster[sid].name if sid in board.roster else ""
            writer.writerow([sid, name, *(num(row.get(a, 0.0)) for a in ids),
                             num(sum(row.values())), ";".join(late.get(sid, [])),
                             ";".join(a for a in ids if a not in row)])  # fmt: skip
    return path


def write_unmatched_csv(board: Board, path: Path) -> Path:
    """The graded files that no student could be found for, with the reason (TA only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["assignment", "submission", "student_field", "reason"])
        for u in board.unmatched:
            writer.writerow([u.assignment, u.submission, u.student_field, u.reason])
    return path


@dataclass(frozen=True)
class Cohort:
    """One board's values, sorted once, to place each student among them."""

    scores: list[float]
    publics: list[float]
    privates: list[float]

    @classmethod
    def of(cls, board: AssignmentBoard) -> "Cohort":
        accuracies = [s.accuracy for s in board.standings if s.accuracy]
        return cls(sorted(s.score for s in board.standings),
                   sorted(a.public for a in accuracies),
                   sorted(a.private for a in accuracies))  # fmt: skip


def ahead_of(value: float, ordered: list[float]) -> float:
    """Share of ``ordered`` (sorted) strictly below ``value``, in [0, 1]."""
    return bisect.bisect_left(ordered, value) / max(len(ordered), 1)


def _accuracy_lines(board: AssignmentBoard, standing: Standing, cohort: Cohort) -> list[str]:
    if standing.accuracy is None:
        return []
    median = cohort.publics[len(cohort.publics) // 2]
    lines = [f"- 公开准确率 / Public accuracy: {standing.accuracy.public:.2%} · 全班中位数 / "
             f"cohort median {median:.2%} · 超过 / ahead of "
             f"{ahead_of(standing.accuracy.public, cohort.publics):.0%}"]  # fmt: skip
    if board.revealed:
        private = standing.accuracy.private
        lines.append(f"- 私有准确率 / Private accuracy: {private:.2%} · 超过 / "
                     f"ahead of {ahead_of(private, cohort.privates):.0%}")  # fmt: skip
    return lines


def _assignment_section(
    board: AssignmentBoard, standing: Standing, cohort: Cohort, curves: str
) -> list[str]:
    result = standing.counted.result
    late = " · **迟交 / late**" if standing.counted.late else ""
    lines = [
        f"## {board.assignment.title}",
        "",
        f"- 计入的提交 / Counted submission: `{result.submission}` "
        f"({standing.counted.submitted_at}){late}; 共 / in all {standing.submissions}",
        f"- 得分 / Score: {num(result.score)} / {num(result.max_score)} · 排名 / rank "
        f"{standing.rank} / {len(board.standings)} · 超过 / ahead of "
        f"{ahead_of(result.score, cohort.scores):.0%}",
        *_accuracy_lines(board, standing, cohort),
    ]
    explanation = status_explanation(result.status)
    if explanation:
        lines += ["", f"> {explanation}"]
    failed = failed_test_lines(result)
    lines += ["", "### 未通过的测试 / Failed tests", "", *failed] if failed else []
    if curves:
        lines += ["", f"![训练曲线 / training curves]({curves})"]
    return [*lines, ""]


def write_student_reports(board: Board, folder: Path, curves_png) -> list[Path]:
    """One Markdown report per student on any board: ``folder/<id>.md``, with each counted
    submission's training curves beside it (``<id>-<assignment>-curves.png``) when the
    notebook drew them. ``curves_png(run_id) -> bytes`` reads them from the gradebook."""
    folder.mkdir(parents=True, exist_ok=True)
    sections: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for b in board.boards:
        cohort = Cohort.of(b)
        for s in b.standings:
            stem = safe_stem(s.student_id)
            png = curves_png(s.counted.result.run_id)
            curves = ""
            if png:
                curves = f"{stem}-{b.assignment.id}-curves.png"
                (folder / curves).write_bytes(png)
            names[s.student_id] = s.display_name
            sections.setdefault(s.student_id, []).extend(_assignment_section(b, s, cohort, curves))
    paths = []
    for sid, lines in sorted(sections.items()):
        title = f"# {board.course.name} · 个人报告 / Personal report: {names[sid]} ({sid})"
        path = folder / f"{safe_stem(sid)}.md"
        path.write_text("\n".join([title, "", *lines]), encoding="utf-8")
        paths.append(path)
    return paths
