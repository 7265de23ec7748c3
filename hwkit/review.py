"""``hwkit review``: the written answers of a cohort, for a TA to read and score.

A written question in a release is otter's: a markdown cell with ``<!-- BEGIN QUESTION -->``
and a ``## <name> …`` heading, the student's answer in the cells tagged
``otter_answer_cell`` after it, up to ``<!-- END QUESTION -->``. For each student (their
latest submission by submission time) every written answer goes into:

- ``<course>/review/<id>/answers.html``: one section per question, the answers one below the
  other (escaped: they are the students' text), to read;
- ``<course>/review/<id>/scores.csv`` (UTF-8 with BOM, opens in Excel): student_id,
  submission, question, answer, score — the TA fills in ``score`` and imports it back with
  ``hwkit review <id> --import scores.csv``. Scores go into the gradebook
  (``Gradebook.set_written_scores``) and the board's totals and grades.csv include them.
"""

import csv
import html
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from hwkit.gradebook import Gradebook
from hwkit.gradebook.roster import identify, lms_aliases, student_field
from hwkit.gradebook.submission_time import submission_time
from hwkit.grading.notebook_file import read_notebook
from hwkit.intake import UNPACK_FOLDER, collect
from hwkit.textsafe import csv_cell

BEGIN, END = "<!-- BEGIN QUESTION -->", "<!-- END QUESTION -->"
ANSWER_TAG = "otter_answer_cell"
PLACEHOLDER = "_Type your answer here, replacing this text._"
SCORES_COLUMNS = ("student_id", "submission", "question", "answer", "score")
MAX_ANSWER_CHARS = 20_000


class ReviewError(ValueError):
    """A scores file that cannot be imported: names the line and the fix."""


def written_questions(notebook) -> dict[str, str]:
    """Question name -> the answer's text (its answer cells joined; "" when left blank)."""
    answers: dict[str, str] = {}
    current = None
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        if not isinstance(source, str):
            continue
        if cell.get("cell_type") == "markdown" and BEGIN in source:
            heading = re.search(r"^#+\s+(\S+)", source, re.M)
            current = heading.group(1) if heading else None
            if current is not None:
                answers.setdefault(current, "")
            continue
        if END in source:
            current = None
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if current is not None and isinstance(tags, list) and ANSWER_TAG in tags:
            text = source.strip()
            if text and text != PLACEHOLDER:
                answers[current] = (answers[current] + "\n\n" + text).strip()[:MAX_ANSWER_CHARS]
    return answers


@dataclass(frozen=True)
class ReviewOutput:
    page: Path
    scores_csv: Path
    students: int
    questions: list[str]
    unmatched: list[str]


def export_review(assignment_id: str, inputs: list[Path], course_dir: Path,
                  release_notebook: Path) -> ReviewOutput:
    """Write answers.html and scores.csv for the written questions of ``release_notebook``
    (see the module docstring); returns what was written."""
    questions = list(written_questions(nbformat.read(release_notebook, as_version=4)))
    intake = collect(inputs, Path(course_dir) / UNPACK_FOLDER)
    with Gradebook(Path(course_dir) / "gradebook.sqlite") as gradebook:
        students = gradebook.roster()
        ids = {s.student_id for s in students} or None
        aliases = lms_aliases(students)
        existing = gradebook.written_scores(assignment_id)
    latest: dict[str, tuple[str, str, dict[str, str]]] = {}
    unmatched = []
    for entry in intake.entries:
        notebook, _ = read_notebook(entry.path)  # not a notebook: grading says why
        if notebook is None:
            continue
        who = identify(entry.name, student_field(notebook), ids, aliases).student_id
        if who is None:
            unmatched.append(entry.name)
            continue
        when = submission_time(entry.path, entry.name)
        if who not in latest or (when, entry.name) > latest[who][:2]:
            latest[who] = (when, entry.name, written_questions(notebook))
    out = Path(course_dir) / "review" / assignment_id
    out.mkdir(parents=True, exist_ok=True)
    scores_csv = out / "scores.csv"
    with scores_csv.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(SCORES_COLUMNS)
        for sid in sorted(latest):
            _, name, answers = latest[sid]
            for q in questions:
                score = existing.get(sid, {}).get(q)
                writer.writerow([csv_cell(sid), csv_cell(name), q, csv_cell(answers.get(q, "")),
                                 "" if score is None else f"{score:g}"])
    page = out / "answers.html"
    page.write_text(_page(assignment_id, questions, latest), encoding="utf-8")
    return ReviewOutput(page, scores_csv, len(latest), questions, unmatched)


def _page(assignment_id: str, questions: list[str], latest) -> str:
    parts = [f"<h1>{html.escape(assignment_id)}: 书面回答 / written answers</h1>",
             "<p>在 scores.csv 的 score 列打分，再运行 <code>hwkit review "
             f"{html.escape(assignment_id)} --import scores.csv</code>。/ Score them in "
             "scores.csv's score column, then import it.</p>"]
    for q in questions:
        parts.append(f"<h2>{html.escape(q)}</h2>")
        for sid in sorted(latest):
            answer = latest[sid][2].get(q, "")
            parts.append(f"<h3>{html.escape(sid)}</h3><pre>"
                         f"{html.escape(answer) or '<em>（未作答 / no answer）</em>'}</pre>")
    style = ("body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:1.5rem;max-width:"
             "60rem}pre{white-space:pre-wrap;background:#f7f7f7;padding:.6rem}")
    return (f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>'
            f"{html.escape(assignment_id)} review</title><style>{style}</style></head><body>"
            + "".join(parts) + "</body></html>\n")


def import_scores(course_dir: Path, assignment_id: str, scores_csv: Path, questions: list[str],
                  who: str = "") -> int:
    """Read a filled-in scores.csv (all or nothing) into the gradebook; returns how many
    scores. Blank scores are skipped; anything else must be a number ≥ 0."""
    rows = []
    with Path(scores_csv).open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = set(SCORES_COLUMNS) - set(reader.fieldnames or [])
        if missing:
            raise ReviewError(f"{scores_csv}: no {', '.join(sorted(missing))} column: import the "
                              "scores.csv that `hwkit review` wrote, with its header")
        for line, row in enumerate(reader, start=2):
            text = (row["score"] or "").strip()
            if not text:
                continue
            try:
                score = float(text)
            except ValueError:
                raise ReviewError(f"{scores_csv}: line {line}: score {text!r} is not a number"
                                  ) from None
            if score < 0 or score != score:
                raise ReviewError(f"{scores_csv}: line {line}: score {text!r} must be ≥ 0")
            if row["question"] not in questions:
                raise ReviewError(f"{scores_csv}: line {line}: {row['question']!r} is not a "
                                  f"written question of {assignment_id} ({', '.join(questions)})")
            sid = row["student_id"].removeprefix("'")  # csv_cell's guard against formulas
            rows.append((sid, row["question"], score, row["submission"].removeprefix("'")))
    with Gradebook(Path(course_dir) / "gradebook.sqlite") as gradebook:
        return gradebook.set_written_scores(assignment_id, rows, who)
