"""What the TA takes away from a ``Board``: the terminal board, grades.csv for the LMS, the
submissions to check, and one feedback report per student.

grades.csv and the reports carry student ids (they go to the LMS and to each student); the
terminal board shows what the page shows.

What a TA must check is kept apart from everything students see:

- ``unmatched.csv``: one row per file to check. ``student_id`` empty: no student could be
  found for it (``reason`` says why, e.g. the ``STUDENT_ID`` it claims); it counts for no one
  until it is renamed ``<id>_…`` and graded again. ``student_id`` set: the file counts for that
  student (by its name), and ``flag`` says what disagrees (a ``STUDENT_ID`` naming someone
  else, a name time stamp on time for a file modified after the deadline).
- ``ta-report.md`` beside it: the same list to read, with the roster's names; never put in
  ``reports/`` (those go to the students).
- ``terminal_checks``: the same list, shortened, for ``hwkit leaderboard`` to print.

Every student-controlled text goes through ``hwkit.textsafe``: CSV cells cannot become
formulas, the terminal sees no control characters, Markdown cannot open HTML or structure.
"""

import bisect
import csv
from dataclasses import dataclass
from pathlib import Path

from hwkit.leaderboard.standings import AssignmentBoard, Board, Standing
from hwkit.reports import (
    CELL_WIDTH,
    failed_test_lines,
    num,
    safe_name,
    status_explanation,
    text_table,
)
from hwkit.textsafe import csv_cell, markdown_code, markdown_text, terminal_text

TA_REPORT_NAME = "ta-report.md"
UNMATCHED_COLUMNS = ("assignment", "submission", "student_id", "student_field", "reason", "flag")


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
    ]
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
    written_ids = [a for a in ids if board.written.get(a)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:  # the BOM: for Excel
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["student_id", "name", *ids, *(f"{a}_written" for a in written_ids),
                         "total", "late", "missing"])
        for sid in sorted(scores):
            row = scores[sid]
            extra = [board.written[a].get(sid, 0.0) for a in written_ids]
            name = board.roster[sid].name if sid in board.roster else ""
            writer.writerow([csv_cell(sid), csv_cell(name), *(num(row.get(a, 0.0)) for a in ids),
                             *(num(x) for x in extra), num(sum(row.values()) + sum(extra)),
                             ";".join(late.get(sid, [])),
                             ";".join(a for a in ids if a not in row)])
    return path


def to_check(board: Board) -> list[tuple[str, str, str, str, str, str]]:
    """The files a TA should look at, as ``UNMATCHED_COLUMNS`` rows (raw text): the unmatched
    ones first, then the flagged ones filed under a student, each in board order."""
    rows = [(u.assignment, u.submission, "", u.student_field, u.reason, u.flag)
            for u in board.unmatched]
    rows += [(f.assignment, f.submission, f.student_id, f.student_field,
              f"filed under {f.student_id} by its name", f.flag)
             for f in board.flagged]
    return rows


def write_unmatched_csv(board: Board, path: Path) -> Path:
    """The files to check (see the module docstring; TA only), under ``UNMATCHED_COLUMNS``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:  # the BOM: for Excel
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(UNMATCHED_COLUMNS)
        for row in to_check(board):
            writer.writerow([csv_cell(cell) for cell in row])
    return path


def terminal_checks(board: Board, limit: int | None = 20) -> str:
    """The files to check as terminal lines (first ``limit``), "" when there are none. TA
    only: it names student ids."""
    rows = to_check(board)
    if not rows:
        return ""
    shown = rows if limit is None else rows[:limit]
    lines = ["需要核对 / to check (TA only):"]
    for assignment, submission, student_id, _, reason, flag in shown:
        name = terminal_text(submission, CELL_WIDTH)
        if student_id:
            who, why = f"flagged / 需核对  {name} → {terminal_text(student_id, CELL_WIDTH)}", flag
        else:
            who, why = f"unmatched / 未匹配  {name}", "; ".join(t for t in (reason, flag) if t)
        lines.append(f"  {assignment}  {who}: {terminal_text(why, 3 * CELL_WIDTH)}")
    if len(rows) > len(shown):
        more = len(rows) - len(shown)
        lines.append(f"  … {more} more / 另有 {more} 个")
    times = sum("file modified" in row[5] for row in rows)
    if times >= 5:
        lines.append("  (many files modified after the deadline: if they were copied or unzipped "
                     "without keeping file times, those time flags mean nothing)")
    return "\n".join(lines) + "\n"


def write_ta_report(board: Board, path: Path) -> Path:
    """``to_check`` as Markdown for the TA (roster names beside the ids), by assignment."""
    lines = [f"# {markdown_text(board.course.name)} · 需要核对的提交 / Submissions to check", "",
             "仅供助教，不要发给学生 / For TAs only: do not hand this out.", ""]
    rows = to_check(board)
    if not rows:
        lines.append("没有需要核对的提交 / Nothing to check.")
    for b in board.boards:
        mine = [r for r in rows if r[0] == b.assignment.id]
        if not mine:
            continue
        lines += [f"## {b.assignment.id}: {b.assignment.title}", ""]
        for _, submission, student_id, field, reason, flag in mine:
            said = f" · STUDENT_ID {markdown_code(field)}" if field else ""
            if student_id:
                student = board.roster.get(student_id)
                name = f" ({markdown_text(student.name)})" if student and student.name else ""
                who = f"计入 / counted for {markdown_text(student_id)}{name}"
                lines.append(f"- {markdown_code(submission)} → {who}{said}: "
                             f"{markdown_text(flag)}")
            else:
                extra = f"; {markdown_text(flag)}" if flag else ""
                lines.append(f"- {markdown_code(submission)} → 未匹配 / unmatched{said}: "
                             f"{markdown_text(reason)}{extra}")
        lines.append("")
    if board.time_unknown:
        lines += ["## 时间未知 / Time unknown", "",
                  "文件名里没有时间戳，用的是文件的修改时间（复制时可能被改）/ No time stamp in "
                  "the name: the file's modification time was used, which a copy may have "
                  "changed. Check these before trusting late / on time.", ""]
        lines += [f"- {markdown_text(s.result.assignment)}: {markdown_code(s.result.submission)}"
                  f" → {markdown_text(s.student_id)} ({markdown_text(s.submitted_at)})"
                  for s in board.time_unknown]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
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
                   sorted(a.private for a in accuracies))


def ahead_of(value: float, ordered: list[float]) -> float:
    """Share of ``ordered`` (sorted) strictly below ``value``, in [0, 1]."""
    return bisect.bisect_left(ordered, value) / max(len(ordered), 1)


def _accuracy_lines(board: AssignmentBoard, standing: Standing, cohort: Cohort) -> list[str]:
    if standing.accuracy is None:
        return []
    median = cohort.publics[len(cohort.publics) // 2]
    lines = [f"- 公开准确率 / Public accuracy: {standing.accuracy.public:.2%} · 全班中位数 / "
             f"cohort median {median:.2%} · 超过 / ahead of "
             f"{ahead_of(standing.accuracy.public, cohort.publics):.0%}"]
    if board.revealed:
        private = standing.accuracy.private
        lines.append(f"- 私有准确率 / Private accuracy: {private:.2%} · 超过 / "
                     f"ahead of {ahead_of(private, cohort.privates):.0%}")
    return lines


def _assignment_section(
    board: AssignmentBoard, standing: Standing, cohort: Cohort, curves: str
) -> list[str]:
    counted = standing.counted
    result = counted.result
    late = " · **迟交 / late**" if counted.late else ""
    lines = [
        f"## {board.assignment.title}",
        "",
        f"- 计入的提交 / Counted submission: {markdown_code(result.submission)} "
        f"({markdown_text(standing.counted.submitted_at)}){late}; 共 / in all "
        f"{standing.submissions}",
        f"- 得分 / Score: {num(counted.score)} / {num(result.max_score)} · 排名 / rank "
        f"{standing.rank} / {len(board.standings)} · 超过 / ahead of "
        f"{ahead_of(counted.score, cohort.scores):.0%}",
        *([f"- 迟交 {counted.days_late} 天，扣 {counted.penalty:.0%} / {counted.days_late} "
           f"day(s) late, {counted.penalty:.0%} off: the tests gave {num(result.score)} "
           f"({markdown_text(board.late_policy)})"] if counted.penalty else []),
        *_accuracy_lines(board, standing, cohort),
    ]
    explanation = status_explanation(result.status)
    if explanation:
        lines += ["", f"> {markdown_text(explanation)}"]
    failed = failed_test_lines(result)
    lines += ["", "### 未通过的测试 / Failed tests", "", *failed] if failed else []
    if curves:
        lines += ["", f"![训练曲线 / training curves]({curves})"]
    return [*lines, ""]


def write_student_reports(board: Board, folder: Path, curves_png) -> list[Path]:
    """One Markdown report per student on any board: ``folder/<id>.md``, with each counted
    submission's training curves beside it (``<id>-<assignment>-curves.png``) when the
    notebook drew them. ``curves_png(run_id) -> bytes`` reads them from the gradebook.
    Students read these: no flags, nothing of other students; their own text escaped."""
    folder.mkdir(parents=True, exist_ok=True)
    sections: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for b in board.boards:
        cohort = Cohort.of(b)
        for s in b.standings:
            stem = safe_name(s.student_id)
            png = curves_png(s.counted.result.run_id)
            curves = ""
            if png:
                curves = f"{stem}-{b.assignment.id}-curves.png"
                (folder / curves).write_bytes(png)
            names[s.student_id] = s.display_name
            sections.setdefault(s.student_id, []).extend(_assignment_section(b, s, cohort, curves))
    paths = []
    for sid, lines in sorted(sections.items()):
        title = (f"# {markdown_text(board.course.name)} · 个人报告 / Personal report: "
                 f"{markdown_text(names[sid])} ({markdown_text(sid)})")
        path = folder / f"{safe_name(sid)}.md"
        path.write_text("\n".join([title, "", *lines]), encoding="utf-8")
        paths.append(path)
    return paths
