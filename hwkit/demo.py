"""``hwkit demo``: the whole path once, on A2.

Build A2 (student release + autograder), write sample submissions (the reference, a partly
right one, the blank release, broken ones), grade them, print the score table and where the
gradebook and feedback went.
"""

import os
from pathlib import Path

from .assignments import get_assignment
from .build import build
from .grading import GradeOptions, GradeReport, grade_folder
from .reports import score_table
from .samples import write_samples


def run_demo(out_dir: Path, workers: int | None = None, say=print) -> GradeReport:
    assignment = get_assignment("a2")
    say(f"1/3 building {assignment.id} from {assignment.master} (otter assign + solution check) …")
    output = build(assignment)
    say(f"    student release: {output.release_dir}")
    say(f"    autograder zip:  {output.autograder_zip}")
    submissions = out_dir / "submissions"
    samples = write_samples(
        assignment.id,
        output.release_dir / assignment.master.name,
        output.autograder_zip.parent / f"{assignment.id}-solution.ipynb",
        submissions,
    )
    say(f"2/3 wrote {len(samples)} sample submissions to {submissions}")
    options = GradeOptions(
        workers=workers or os.cpu_count() or 1,
        timeout_s=assignment.timeout_s,
        memory_mb=assignment.memory_mb,
        regrade=True,
    )
    say(f"3/3 grading them with {options.workers} workers …")
    report = grade_folder(assignment, submissions, out_dir / "graded", options)
    say("")
    say(score_table(report.results))
    say("")
    say(f"gradebook:  {report.gradebook}")
    say(f"grades.csv: {report.grades_csv}")
    say(f"feedback:   {report.feedback_dir}/")
    return report
