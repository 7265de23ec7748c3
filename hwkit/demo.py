"""``hwkit demo``: the whole path once, on A2, ending with the cohort leaderboard.

Build A2 (student release + autograder), write sample submissions (the reference, a partly
right one, the blank release, broken ones) as a small cohort of five students — one who
submitted twice, one who submitted late, one file nobody's — import their roster, grade
them, and write the leaderboard page, grades.csv and one report per student.

The files are named the LMS way, ``<student id>_<time stamp>.ipynb`` (the name decides whose
a file is), and each keeps its stamp as its modification time, as an LMS export does.
"""

import csv
import os
import shutil
from pathlib import Path

from hwkit.assignments import Assignment
from hwkit.builder import build
from hwkit.builder.samples import write_samples
from hwkit.gradebook.submission_time import stamp_in_name
from hwkit.grading.batch import GradeOptions, GradeReport, grade_folder
from hwkit.leaderboard import LeaderboardOutput, import_roster, write_leaderboard
from hwkit.reports import score_table

# (student id, name, nickname, show_name); the course requires nicknames, so names stay off.
DEMO_ROSTER = (
    ("2026001", "陈明", "明明", "yes"),
    ("2026002", "李华", "Hua", "no"),
    ("2026003", "王芳", "", "no"),
    ("2026004", "张伟", "Wei", "no"),
    ("2026005", "赵丽", "丽丽", "no"),
)
# (file name with its submission time in UTC, sample it is); A2's deadline in course.toml is
# 2026-12-20T15:59Z, so 2026004's file is late.
DEMO_COHORT = (
    ("2026001_20261201T0900.ipynb", "blank_release"),
    ("2026001_20261205T1400.ipynb", "forward_only"),
    ("2026002_20261203T1000.ipynb", "reference"),
    ("2026003_20261219T2000.ipynb", "broken_forward"),
    ("2026004_20261221T0100.ipynb", "reference"),
    ("2026005_20261210T1200.ipynb", "reference"),
    ("unnamed_upload.ipynb", "not_a_notebook"),
)


def write_demo_cohort(samples: dict[str, Path], folder: Path, roster_csv: Path) -> list[Path]:
    """Copy the samples into ``folder`` under the cohort's file names; write the roster."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    paths = []
    for name, sample in DEMO_COHORT:
        paths.append(folder / name)
        shutil.copyfile(samples[sample], paths[-1])
        stamp = stamp_in_name(name)
        if stamp is not None:  # a copy is "modified" now; the export kept the upload's time
            os.utime(paths[-1], (stamp.timestamp(), stamp.timestamp()))
    with roster_csv.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["student_id", "name", "nickname", "show_name"])
        writer.writerows(DEMO_ROSTER)
    return paths


def run_demo(
    assignment: Assignment, out_dir: Path, workers: int | None = None, say=print
) -> tuple[GradeReport, LeaderboardOutput]:
    """Build ``assignment``, grade its samples as a small cohort, publish the leaderboard."""
    say(f"1/4 building {assignment.id} from {assignment.master} (otter assign + solution check) …")
    output = build(assignment)
    say(f"    student release: {output.release_dir}")
    say(f"    autograder zip:  {output.autograder_zip}")
    samples = write_samples(
        assignment.id,
        output.release_dir / assignment.master.name,
        output.autograder_zip.parent / f"{assignment.id}-solution.ipynb",
        out_dir / "samples",
    )
    submissions = out_dir / "submissions"
    course_dir = out_dir / "course"
    course_dir.mkdir(parents=True, exist_ok=True)
    files = write_demo_cohort(samples, submissions, out_dir / "roster.csv")
    imported, _ = import_roster(course_dir, out_dir / "roster.csv")
    say(f"2/4 wrote {len(files)} submissions of {imported} students to {submissions}")
    options = GradeOptions(
        workers=workers or os.cpu_count() or 1,
        timeout_s=assignment.timeout_s,
        memory_mb=assignment.memory_mb,
        regrade=True,
    )
    say(f"3/4 grading them with {options.workers} workers …")
    report = grade_folder(assignment, submissions, course_dir, options)
    say("")
    say(score_table(report.results))
    say(f"gradebook:  {report.gradebook}")
    say(f"feedback:   {report.feedback_dir}/ (one report per submission)")
    say("")
    say("4/4 the cohort leaderboard / 排行榜")
    board = write_leaderboard(course_dir, out_dir / "leaderboard")
    say(board.terminal)
    if board.checks:
        say(board.checks)
    say(f"page:       {board.page}  ← 用浏览器打开 / open it in a browser")
    say(f"grades.csv: {board.grades_csv} (for the LMS)")
    say(f"reports:    {board.page.parent / 'reports'}/ (one per student)")
    if board.board.unmatched:
        say(f"unmatched:  {board.unmatched_csv} ({len(board.board.unmatched)} files)")
    return report, board
