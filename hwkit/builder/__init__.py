"""``hwkit build``: master notebook + test files → student release + autograder zip + manifest.

The steps, in order (each a small function of its own module):
1. ``master.stage_master``: the master with each question's test cells written from
   ``solutions/<id>/tests/qN.py`` (``tests``: checked on the way), its support files, and
   the reference module extracted from it;
2. ``otter_assign.run_otter_assign``: ``otter assign`` (with its own check of the solution
   unless ``run_tests`` is off);
3. the student notebook (cell ids made stable) and support files to ``assignments/<id>/``;
4. the zip to ``autograder/dist/<id>/``, its ``run_otter.py`` replaced by one that adds
   Gradescope leaderboard entries (``gradescope``), and ``manifest.json``
   (``hwkit.autograder.manifest``): the one contract with ``hwkit grade``;
5. ``student_bundle.build_student_bundle``: ``<id>-student.zip`` beside it for the LMS, the
   release plus a ``requirements.txt`` and, for an assignment that imports the kit, a wheel of
   only the ``hwkit`` modules its notebook needs;
6. with ``run_tests``, ``check.check_solution``: the solution graded the way ``hwkit grade``
   grades, refused unless it passes every case.
"""

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from hwkit.assignments import Assignment
from hwkit.autograder.cases import ok_cases, read_cases
from hwkit.autograder.manifest import MANIFEST_NAME, CaseRecord, Manifest, fingerprint
from hwkit.builder.check import check_solution
from hwkit.builder.gradescope import add_gradescope_leaderboard
from hwkit.builder.master import BuildError, question_functions, stage_master
from hwkit.builder.otter_assign import run_otter_assign, stabilise_cell_ids
from hwkit.builder.student_bundle import build_student_bundle
from hwkit.course import load_config

__all__ = ["BuildError", "BuildOutput", "build"]


@dataclass(frozen=True)
class BuildOutput:
    release_dir: Path
    autograder_zip: Path
    manifest_path: Path
    student_zip: Path


def case_records(autograder_zip: Path) -> tuple[CaseRecord, ...]:
    """Every test case in the zip, as the manifest records it."""
    return tuple(CaseRecord(question, index, case.name, float(case.points), bool(case.hidden),
                            case.failure_message or "")
                 for question, index, case in ok_cases(autograder_zip))


def write_manifest(assignment: Assignment, master: nbformat.NotebookNode, autograder_zip: Path,
                   path: Path) -> Manifest:
    """``manifest.json``: the zip's fingerprint, max score, every case, each question's
    functions; every case must split into setup / probe / verdict."""
    cases = case_records(autograder_zip)
    read_cases(autograder_zip)
    manifest = Manifest(assignment.id, assignment.title, fingerprint(autograder_zip),
                        sum(case.points for case in cases), question_functions(master), cases)
    manifest.write(path)
    return manifest


def _replace_dir(source: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)


def build(
    assignment: Assignment,
    *,
    release_dir: Path | None = None,
    autograder_dir: Path | None = None,
    run_tests: bool = True,
) -> BuildOutput:
    """Build one assignment; by default into ``assignments/<id>/`` and ``autograder/dist/<id>/``."""
    release_dir = release_dir or assignment.release_dir
    autograder_dir = autograder_dir or assignment.autograder_dir
    if not assignment.master.is_file():
        raise BuildError(f"master notebook not found: {assignment.master}")
    with tempfile.TemporaryDirectory(prefix=f"hwkit-build-{assignment.id}-") as tmp:
        staged, master = stage_master(assignment, Path(tmp) / "master")
        dist = Path(tmp) / "dist"
        run_otter_assign(staged, dist, run_tests)
        zips = sorted((dist / "autograder").glob("*-autograder_*.zip"))
        if len(zips) != 1:
            raise BuildError(f"expected one autograder zip in {dist / 'autograder'}, got {zips}")
        stabilise_cell_ids(dist / "student" / assignment.master.name)
        _replace_dir(dist / "student", release_dir)
        autograder_dir.mkdir(parents=True, exist_ok=True)
        zip_path = autograder_dir / f"{assignment.id}-autograder.zip"
        add_gradescope_leaderboard(zips[0], zip_path, assignment.id, load_config())
        solution = autograder_dir / f"{assignment.id}-solution.ipynb"
        shutil.copy2(dist / "autograder" / assignment.master.name, solution)
    manifest_path = autograder_dir / MANIFEST_NAME
    write_manifest(assignment, master, zip_path, manifest_path)
    student_zip = build_student_bundle(assignment, release_dir, autograder_dir)
    if run_tests:
        check_solution(assignment, autograder_dir, solution)
    return BuildOutput(release_dir, zip_path, manifest_path, student_zip)
