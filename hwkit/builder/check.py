"""The build's own check: the solution graded through the split path ``hwkit grade`` uses.

otter's check (``otter assign`` without ``--no-run-tests``) runs every test top to bottom in
one kernel, which is not how the grader runs them: there the setup and the verdict run in a
judge process, the probe in a sandboxed kernel, and only plain data crosses. A case that
passes one way can fail the other (a setup value that is not data, a verdict that reads a
name only the kernel had), so the build grades the solution notebook with the grader itself
and refuses a build where any case fails, naming it and why.
"""

from pathlib import Path

from hwkit.assignments import Assignment
from hwkit.builder.master import BuildError


def check_solution(assignment: Assignment, autograder_dir: Path, solution: Path) -> None:
    """Grade ``solution`` with the build in ``autograder_dir``; BuildError unless every case
    passes."""
    import tempfile

    from hwkit.grading.batch import GradeOptions, grade_folder

    with tempfile.TemporaryDirectory(prefix=f"hwkit-check-{assignment.id}-") as folder:
        submissions = Path(folder) / "submissions"
        submissions.mkdir()
        (submissions / solution.name).write_bytes(solution.read_bytes())
        options = GradeOptions(workers=1, timeout_s=assignment.timeout_s,
                               memory_mb=assignment.memory_mb, progress=False, warm=False)
        report = grade_folder(assignment, submissions, Path(folder) / "course", options,
                              autograder_dir=autograder_dir)
    (result,) = report.results
    failed = [t for t in result.tests if not t.passed]
    if failed:
        lines = "; ".join(f"{t.name}: {t.message[:160]}" for t in failed[:5])
        raise BuildError(f"{assignment.id}: the solution fails {len(failed)} case(s) when graded "
                         f"the way `hwkit grade` grades ({result.status.text[:120]}): {lines}")
