"""``hwkit grade``: grade submissions into a gradebook, ``<id>-runs.csv`` and feedback.

What counts as a submission (a flat folder's every entry, the notebooks of per-student
sub-folders and of zips) is ``hwkit.intake``'s; anything handed in but not graded
is said in the terminal. A flat folder's file that is not a notebook, a symbolic link or an
empty folder is graded as an error, never skipped. Files whose
content was already graded by the same autograder are not graded again unless ``regrade``
is set — except those whose last run was a ``grader error``, which are always graded again.
Before the batch: the sandbox's protections are checked and any that this host lacks is
said in the terminal; the assignment's data view is made; the judges start (a broken test
setup stops the batch before any file is graded, naming the test).
"""

import dataclasses
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from hwkit.assignments import Assignment
from hwkit.autograder.manifest import Manifest, read_build
from hwkit.course import CourseConfig, load_config
from hwkit.gradebook import Gradebook
from hwkit.gradebook.submission_time import file_time, submission_time
from hwkit.grading.devices import tensorflow_device
from hwkit.grading.engine import (
    PREPARE_TIMEOUT_S,
    GradingJob,
    grade_batch,
    kernel_data_view,
    pool_for,
    run_prepare,
)
from hwkit.grading.heldout import HeldOutSplit, heldout_split
from hwkit.grading.judge.pool import close_pools
from hwkit.grading.notebook_file import sha256_of
from hwkit.grading.warm import warm_kernels
from hwkit.intake import UNPACK_FOLDER, Entry, collect
from hwkit.reports import runs_csv_name, write_feedback, write_runs_csv
from hwkit.results import SubmissionResult
from hwkit.sandbox import reap_orphans
from hwkit.sandbox.report import missing_protections
from hwkit.textsafe import terminal_text


@dataclass(frozen=True)
class GradeOptions:
    """How to grade: parallel workers, per-submission limits, and whether to regrade.

    - device: "cpu", "gpu: <name>", or None to ask TensorFlow (assignments that use it)
    - course: the course's settings (held-out split); None: ``course.toml`` of the output
      folder or of the project (``hwkit.course.load_config``)
    - engine: "local" (a pool of ``workers`` on this machine) or "ray" (Ray tasks on the
      cluster at ``address``, or on a local Ray instance; ``hwkit.grading.ray_engine``)
    - warm: each kernel is forked from a process that has done the imports
      (``hwkit.sandbox.zygote``; the local engine: one per batch, Ray: one per Ray worker
      process and batch, ``hwkit.grading.warm``); False starts every kernel cold
    - probe_timeout_s: each test's probe limit (None: the assignment's)
    - regrade_stale: grade again the files last graded by an older autograder (a build
      changed the tests since); False keeps their results and lists them (``GradeReport.stale``)
    """

    workers: int
    timeout_s: float
    memory_mb: int
    regrade: bool = False
    progress: bool = True
    device: str | None = None
    course: CourseConfig | None = None
    engine: str = "local"
    address: str | None = None
    warm: bool = True
    probe_timeout_s: float | None = None
    regrade_stale: bool = False


def grading_device(assignment: Assignment, options: GradeOptions) -> str:
    if options.device is not None:
        return options.device
    return tensorflow_device() if assignment.uses_tensorflow else "cpu"


def batch_heldout(assignment: Assignment, device: str, course: CourseConfig) -> HeldOutSplit | None:
    """The held-out split that this batch's recorded predictions are scored on; None (said
    once, not fatal: scores are still graded) when the data cannot be loaded."""
    if not assignment.accuracies:
        return None
    try:
        return heldout_split(assignment, assignment.accuracies, device,
                             course.split_seed, course.public_fraction)
    except Exception as error:  # the data modules raise their own errors, all with a reason
        print(f"hwkit: held-out accuracies not recorded for this batch: {error}", file=sys.stderr)
        return None


@dataclass(frozen=True)
class GradeReport:
    results: list[SubmissionResult]
    graded: int
    reused: int
    gradebook: Path
    runs_csv: Path
    feedback_dir: Path
    grader_errors: int = 0
    not_graded: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    stale: list[str] = dataclasses.field(default_factory=list)


def copied_result(gradebook: Gradebook, previous: SubmissionResult,
                  entry: Entry) -> SubmissionResult:
    """The earlier run of the same content as a run of ``entry`` (its name and times, the
    earlier run's curves), not yet recorded."""
    return dataclasses.replace(previous, submission=entry.name,
                               submitted_at=submission_time(entry.path, entry.name),
                               file_time=file_time(entry.path),
                               curves_png=gradebook.curves_png(previous.run_id))


def _reused(gradebook: Gradebook, previous: SubmissionResult, entry: Entry) -> SubmissionResult:
    """The earlier result of the same content, as the result of ``entry``. Under another
    name (a student who resubmits the same notebook) it is recorded as a run of its own, with
    this file's time, so every submission file has a run; under the same name it stands as is
    (a re-downloaded export must not move a submission's time past the deadline)."""
    if previous.submission == entry.name:
        return previous
    copy = copied_result(gradebook, previous, entry)
    gradebook.record(copy)
    return copy


def _content_sha256(path: Path) -> str:
    try:
        return sha256_of(path) if path.is_file() and not path.is_symlink() else ""
    except OSError:
        return ""


def _say_missing_protections() -> None:
    for line in missing_protections():
        print(f"hwkit: sandbox: {line}", file=sys.stderr)


def job_for(assignment: Assignment, entry: Entry, autograder_zip: Path, manifest: Manifest,
         options: GradeOptions, device: str) -> GradingJob:
    cpu_threads = max(1, (os.cpu_count() or 1) // max(1, options.workers))
    return GradingJob(
        assignment.id, entry.path, autograder_zip, manifest, options.timeout_s,
        options.memory_mb, name=entry.name if entry.name != entry.path.name else "",
        device=device, cpu_threads=cpu_threads if assignment.uses_tensorflow else 1,
        grading_view=assignment.grading_view,
        probe_timeout_s=options.probe_timeout_s or assignment.probe_timeout_s,
        verdict_timeout_s=assignment.verdict_timeout_s, max_reply_mb=assignment.max_reply_mb,
        judges=options.workers if options.engine == "local" else 1,
        judge_preload=assignment.preload,
    )


def prepare_batch(assignment: Assignment, jobs: list[GradingJob], autograder_zip: Path,
                   course: CourseConfig) -> list[GradingJob]:
    """Everything before the first submission: the prepare step, the data view, the judges
    (started here; they run their setups while the zygote starts), the held-out split."""
    first = jobs[0]
    if assignment.prepare_module:
        run_prepare(assignment.prepare_module, autograder_zip, first.device,
                    timeout_s=PREPARE_TIMEOUT_S)
    view = kernel_data_view(first.grading_view, first.device)
    if view.description:
        print(f"hwkit: data: {view.description}", file=sys.stderr)
    pool_for(first)  # the judges start; a broken setup stops the batch at the first probes
    heldout = batch_heldout(assignment, first.device, course)
    return [dataclasses.replace(job, heldout=heldout, data=view.description) for job in jobs]


def grade_folder(
    assignment: Assignment,
    submissions: Path | list[Path],
    out_dir: Path,
    options: GradeOptions,
    autograder_dir: Path | None = None,
) -> GradeReport:
    """Grade every submission in ``submissions`` (a folder, a zip, notebook files, or a list
    of them: ``hwkit.intake``); write the gradebook, feedback, and ``<id>-runs.csv``
    (every submission of the course's gradebook, not only this batch's).

    ``autograder_dir`` holds the build's zip and manifest (default ``autograder/dist/<id>``).
    Raises ``IntakeError`` when there is nothing to grade.
    """
    if options.engine == "ray":
        from hwkit.grading.ray_engine import import_ray

        import_ray()  # no Ray: say so before anything runs
    elif options.engine != "local":
        raise ValueError(f"unknown engine {options.engine!r}: 'local' or 'ray'")
    inputs = submissions if isinstance(submissions, list) else [submissions]
    intake = collect(inputs, Path(out_dir) / UNPACK_FOLDER)
    for name, why in intake.not_graded:
        print(f"hwkit: not graded / 未评分: {terminal_text(name)}: {why}", file=sys.stderr)
    files = intake.entries
    autograder_dir = autograder_dir or assignment.autograder_dir
    autograder_zip = autograder_dir / assignment.autograder_zip.name
    if not autograder_zip.is_file():
        raise FileNotFoundError(
            f"{autograder_zip} is missing: run `hwkit build {assignment.id}` first"
        )
    manifest = read_build(autograder_zip, assignment.id)
    reap_orphans()  # kernels left by a grader that was killed mid-batch
    out_dir.mkdir(parents=True, exist_ok=True)
    course = options.course or load_config(out_dir)
    feedback_dir = out_dir / "feedback"
    gradebook_path = out_dir / "gradebook.sqlite"
    with Gradebook(gradebook_path) as gradebook:
        by_name: dict[str, SubmissionResult] = {}
        jobs, stale = [], []
        device = grading_device(assignment, options) if files else "cpu"
        for entry in files:
            previous = None
            sha256 = _content_sha256(entry.path)
            if not options.regrade and sha256:
                previous = gradebook.find_graded(assignment.id, sha256,
                                                 manifest.autograder_sha256, entry.name)
                if previous is None and not options.regrade_stale:
                    previous = gradebook.find_graded(assignment.id, sha256, None, entry.name)
                    if previous is not None:
                        stale.append(entry.name)
            if previous is not None:
                by_name[entry.name] = _reused(gradebook, previous, entry)
            else:
                jobs.append(job_for(assignment, entry, autograder_zip, manifest, options, device))
        try:
            if jobs:
                _say_missing_protections()
                jobs = prepare_batch(assignment, jobs, autograder_zip, course)
            bar = tqdm(total=len(jobs), desc=f"grading {assignment.id}", unit="nb",
                       disable=not options.progress, file=sys.stderr)

            def keep(result: SubmissionResult) -> None:
                gradebook.record(result)
                by_name[result.submission] = result
                bar.update(1)

            try:
                if options.engine == "ray":
                    from hwkit.grading.ray_engine import grade_batch_ray

                    grade_batch_ray(jobs, keep, address=options.address, warm=options.warm)
                else:
                    with warm_kernels(assignment, jobs, options.warm) as zygote_socket:
                        jobs = [dataclasses.replace(job, zygote=zygote_socket) for job in jobs]
                        grade_batch(jobs, options.workers, keep)
            finally:
                bar.close()
        finally:
            close_pools()
    results = [by_name[entry.name] for entry in files]
    for result in results:
        write_feedback(result, feedback_dir, assignment.title)
    with Gradebook(gradebook_path) as gradebook:
        course_runs = gradebook.latest_by_submission(assignment.id)
    runs_csv = write_runs_csv(course_runs, out_dir / runs_csv_name(assignment.id))
    errors = sum(r.status.kind == "grader_error" for r in results)
    return GradeReport(results, len(jobs), len(files) - len(jobs), gradebook_path, runs_csv,
                       feedback_dir, errors, not_graded=intake.not_graded, stale=stale)
