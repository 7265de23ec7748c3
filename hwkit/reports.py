"""What a TA hands out, made from `SubmissionResult`s: ``<id>-runs.csv`` (one row per
submission file; the per-student LMS grades.csv is ``hwkit.leaderboard.exports``'),
per-student Markdown feedback (Chinese first, English beside) and a plain-text score table
for the terminal.

Feedback shows only student-safe fields: scores, status and each failed test's `message`;
never `detail` (TA-only logs) nor anything else about hidden tests.

Everything a submission controls (its name, its status with the notebook's exception text, the
test messages quoting it) goes through ``hwkit.textsafe``: escaped for Markdown in feedback,
formula-proof in the CSV, control characters visible and long cells cut in the terminal.
File names made from a submission name are short and safe (``safe_stem``).
"""

import csv
import hashlib
import re
from pathlib import Path, PurePosixPath

from hwkit.results import Status, SubmissionResult
from hwkit.textsafe import csv_cell, display_width, markdown_code, markdown_text, terminal_text

RUNS_COLUMNS = (
    "submission",
    "score",
    "max_score",
    "status",
    "duration_s",
    "device",
    "sha256",
    "started_at",
)

# Kept as is in file names: ASCII letters, digits, ".", "_", "-" and CJK ideographs
# (student names may be Chinese); everything else, "/" and "\" included, becomes "_".
_UNSAFE = re.compile(
    r"[^A-Za-z0-9._\-\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]"
)
_STATUS_WIDTH = 40
CELL_WIDTH = 80  # terminal columns of a table cell at most (longer: cut, with "…")
# A file name is at most 255 bytes (ext4, APFS, NTFS in UTF-16 units); a stem stays well under
# it so that "<stem>.md" and "<stem>-<assignment>-curves.png" always fit.
MAX_STEM_BYTES = 120
_HASH_CHARS = 6


def num(x: float) -> str:
    """`x` with at most 2 decimals and no trailing zeros: 14.0 -> "14", 13.3333 -> "13.33"."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def runs_csv_name(assignment_id: str) -> str:
    """The course folder's file of ``assignment_id``'s submissions: ``a2-runs.csv``."""
    return f"{assignment_id}-runs.csv"


def write_runs_csv(results: list[SubmissionResult], path: Path) -> Path:
    """Write one row per result, in the given order, under `RUNS_COLUMNS`; returns `path`.
    UTF-8 with a BOM (Excel then reads Chinese names right); text cells go through
    ``csv_cell`` (no formulas), numbers are plain numbers."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(RUNS_COLUMNS)
        for r in results:
            writer.writerow(
                [
                    csv_cell(r.submission),
                    num(r.score),
                    num(r.max_score),
                    csv_cell(r.status.text),
                    num(r.duration_s),
                    csv_cell(r.device),
                    csv_cell(r.sha256),
                    csv_cell(r.started_at),
                ]
            )
    return path


def status_explanation(status: Status) -> str | None:
    """A bilingual line explaining a status other than "ok", or None for "ok"."""
    if status.kind == "ok":
        return None
    if status.kind == "timeout":
        return f"运行超时 / ran past the time limit: {status.text}"
    if status.kind == "error":
        return f"运行出错 / the notebook raised or could not be graded: {status.reason}"
    if status.kind == "wrong_assignment":
        return (f"交错了作业：这是另一份作业的笔记本，未评分 / another assignment's notebook, "
                f"not graded: {status.reason}")
    if status.kind == "output_dropped":
        return f"输出过多，超出部分未保留 / too much printed output, the rest was dropped: {status}"
    return f"评分器出错，将重新评分 / the grader failed; this file will be graded again: {status}"


def _question_rows(result: SubmissionResult) -> list[tuple[str, float, float]]:
    """(question, score, max) per question, in the order questions first appear in the tests."""
    totals: dict[str, list[float]] = {}
    for test in result.tests:
        total = totals.setdefault(test.question, [0.0, 0.0])
        total[0] += test.score
        total[1] += test.max_score
    return [(question, score, top) for question, (score, top) in totals.items()]


def failed_test_lines(result: SubmissionResult) -> list[str]:
    """Markdown list items for the failed tests: name, visibility, student-safe message
    (escaped: a public test's message can quote the student's own exception text)."""
    lines = []
    for test in result.tests:
        if test.passed:
            continue
        kind = "(hidden / 隐藏)" if test.hidden else "(public / 公开)"
        # Continuation lines indented so a multi-line message stays inside its list item.
        message = markdown_text(test.message.strip(), multiline=True, indent="  ")
        lines.append(f"- **{markdown_text(test.name)}** {kind}"
                     + (f": {message}" if message else ""))
    return lines


def feedback_markdown(result: SubmissionResult, title: str) -> str:
    """A per-student Markdown report (Chinese first, English beside); never includes `detail`
    nor a private-part accuracy (those reach students only through the revealed leaderboard)."""
    lines = [
        f"# {title}",
        "",
        f"- 提交 / Submission: {markdown_code(result.submission)}",
        f"- 总分 / Total: {num(result.score)} / {num(result.max_score)}",
        f"- 状态 / Status: {markdown_text(result.status.text)}",
    ]
    lines += [
        f"- 留出集公开部分准确率 / Held-out accuracy, public part ({a.name}): "
        f"{a.public:.2%} ({a.n_public:,})"
        for a in result.accuracies
    ]
    if result.data:
        lines.append(f"- 数据 / Data: {markdown_text(result.data)}")
    explanation = status_explanation(result.status)
    if explanation:
        lines += ["", f"> {markdown_text(explanation)}"]
    lines += ["", "## 各题得分 / Per question", ""]
    rows = _question_rows(result)
    if rows:
        lines += ["| 题目 / Question | 得分 / Score | 满分 / Max |", "|---|---:|---:|"]
        lines += [f"| {markdown_text(q)} | {num(s)} | {num(m)} |" for q, s, m in rows]
    else:
        lines.append("没有测试结果 / No test results.")
    failed = failed_test_lines(result)
    if failed:
        lines += ["", "## 未通过的测试 / Failed tests", "", *failed]
    elif result.tests and result.status.ran_to_the_end:
        lines += ["", "全部测试通过，做得好！/ All tests passed, well done!"]
    return "\n".join(lines) + "\n"


def _safe(text: str, hashed: str) -> str:
    safe = _UNSAFE.sub("_", text)
    # A leading dot would hide the file (and "." / ".." are not names).
    safe = f"_{safe}" if not safe or safe.startswith(".") else safe
    if safe == text and len(safe.encode("utf-8")) <= MAX_STEM_BYTES:
        return safe
    digest = "-" + hashlib.sha1(hashed.encode("utf-8", "surrogatepass")).hexdigest()
    room = MAX_STEM_BYTES - 1 - _HASH_CHARS
    # Cut at a byte count; "ignore" drops a character the cut split (UTF-8 stays valid).
    return safe.encode("utf-8")[:room].decode("utf-8", "ignore") + digest[: 1 + _HASH_CHARS]


def safe_name(text: str) -> str:
    """``text`` as a safe file name stem: never empty, no "/", no leading dot, at most
    ``MAX_STEM_BYTES`` bytes of UTF-8; a name that had to change (characters replaced, or
    cut) ends in "-" and a short hash of ``text``, so distinct texts keep distinct names."""
    return _safe(text, text)


def safe_stem(submission: str) -> str:
    """`submission` without its ``.ipynb``, made a safe file name stem as ``safe_name`` does
    (the hash is of the whole name). Any other extension stays in the stem, so that "x.ipynb"
    and "x.txt" (both graded) do not share one feedback file."""
    suffix = PurePosixPath(submission.replace("\\", "/")).suffix
    stem = submission[: -len(suffix)] if suffix == ".ipynb" else submission
    return _safe(stem, submission)


def write_feedback(result: SubmissionResult, out_dir: Path, title: str) -> Path:
    """Write `feedback_markdown` to `out_dir/<safe stem>.md` (UTF-8); returns that path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{safe_stem(result.submission)}.md"
    path.write_text(feedback_markdown(result, title), encoding="utf-8")
    return path


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def text_table(header: tuple[str, ...], rows: list[tuple[str, ...]],
               right: tuple[bool, ...], cell_width: int = CELL_WIDTH) -> str:
    """A plain-text table, columns aligned for the terminal (CJK characters count 2 columns);
    ``right``: which columns are right-aligned. Every cell goes through ``terminal_text``
    (control characters escaped, at most ``cell_width`` columns), so no cell can move the
    cursor or start a row of its own."""
    cells = [[terminal_text(cell, cell_width) for cell in row] for row in [header, *rows]]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "  ".join(_pad(cell, w, r) for cell, w, r in zip(row, widths, right, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def score_table(results: list[SubmissionResult]) -> str:
    """A plain-text table (submission, score / max, status, seconds), columns aligned; names
    and statuses escaped and cut (``text_table``), statuses to 40 columns."""
    rows = [
        (
            r.submission,
            f"{num(r.score)} / {num(r.max_score)}",
            terminal_text(r.status.text, _STATUS_WIDTH),
            f"{r.duration_s:.1f}",
        )
        for r in results
    ]
    return text_table(("submission", "score", "status", "seconds"), rows,
                      (False, True, False, True))
