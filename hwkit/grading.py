"""``hwkit grade``: grade a folder of submissions into a gradebook, grades.csv and feedback.

Every regular file in the folder (hidden files aside) is a submission: a file that is not a
notebook is graded as an error, never skipped. Files whose content was already graded by
the same autograder are not graded again unless ``regrade`` is set.
"""

import dataclasses
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from .assignments import Assignment
from .build import sha256_of
from .course import CourseConfig, load_config
from .devices import tensorflow_device
from .engine import GradingJob, grade_batch, load_manifest, run_prepare, zygote_env
from .gradebook import Gradebook
from .heldout import HeldOutSplit, heldout_split
from .reports import write_feedback, write_grades_csv
from .results import SubmissionResult
from .sandbox import reap_orphans, scratch_root
from .submission_time import submission_time
from .verdicts import judge_for
from .zygote import BASE_PRELOAD, TENSORFLOW_PRELOAD, Zygote

PREPARE_TIMEOUT_S = 3600.0  # data decoding and reference training, once per data set


@dataclass(frozen=True)
class GradeOptions:
    """How to grade: parallel workers, per-submission limits, and whether to regrade.

    - device: "cpu", "gpu: <name>", or None to ask TensorFlow (assignments that use it)
    - course: the course's settings (held-out split); None: ``course.toml`` of the output
      folder or of the project (``hwkit.course.load_config``)
    - engine: "local" (a pool of ``workers`` on this machine) or "ray" (Ray tasks on the
      cluster at ``address``, or on a local Ray instance; ``hwkit.ray_engine``)
    - warm: the local engine forks each kernel from a process that has done the imports
      (``hwkit.zygote``); False starts every kernel cold
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
        return heldout_split(assignment.id, assignment.accuracies, device,
                             course.split_seed, course.public_fraction)  # fmt: skip
    except Exception as error:  # the data modules raise their own errors, all with a reason
        print(f"hwkit: held-out accuracies not recorded for this batch: {error}", file=sys.stderr)
        return None


@contextmanager
def warm_kernels(assignment: Assignment, jobs: list[GradingJob], options: GradeOptions):
    """The socket of a zygote for this batch (``hwkit.zygote``), or "" (cold kernels) when
    warm kernels are off, there is nothing to grade, or it could not start."""
    if not (options.warm and jobs):
        yield ""
        return
    preload = BASE_PRELOAD + (TENSORFLOW_PRELOAD if assignment.uses_tensorflow else ())
    zygote = Zygote(zygote_env(jobs[0].cpu_threads), preload, scratch_root())
    try:
        ready = zygote.ready()
        if not ready:
            print("hwkit: warm kernels unavailable, starting each kernel cold "
                  f"(see {zygote.log})", file=sys.stderr)  # fmt: skip
        yield zygote.socket_path if ready else ""
    finally:
        zygote.close()


@dataclass(frozen=True)
class GradeReport:
    results: list[SubmissionResult]
    graded: int
    reused: int
    gradebook: Path
    grades_csv: Path
    feedback_dir: Path


def submission_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise NotADirectoryError(f"submissions folder not found: {folder}")
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def _reused(gradebook: Gradebook, previous: SubmissionResult, path: Path) -> SubmissionResult:
    """The earlier result of the same content, as the result of ``path``. Under another file
    name (a student who resubmits the same notebook) it is recorded as a run of its own, with
    this file's time, so every submission file has a run; under the same name it stands as is
    (a re-downloaded export must not move a submission's time past the deadline)."""
    if previous.submission == path.name:
        return previous
    copy = dataclasses.replace(previous, submission=path.name, submitted_at=submission_time(path),
                               curves_png=gradebook.curves_png(previous.run_id))  # fmt: skip
    gradebook.record(copy)
    return copy


def grade_folder(
    assignment: Assignment,
    folder: Path,
    out_dir: Path,
    options: GradeOptions,
    autograder_dir: Path | None = None,
) -> GradeReport:
    """Grade every submission in ``folder``; write the gradebook, grades.csv and feedback.

    ``autograder_dir`` holds the build's zip and manifest (default ``autograder/dist/<id>``).
    """
    files = submission_files(folder)
    if options.engine == "ray":
        from .ray_engine import import_ray

        import_ray()  # no Ray: say so before anything runs
    elif options.engine != "local":
        raise ValueError(f"unknown engine {options.engine!r}: 'local' or 'ray'")
    autograder_dir = autograder_dir or assignment.autograder_dir
    autograder_zip = autograder_dir / assignment.autograder_zip.name
    if not autograder_zip.is_file():
        raise FileNotFoundError(
            f"{autograder_zip} is missing: run `hwkit build {assignment.id}` first"
        )
    manifest = load_manifest(autograder_dir / assignment.manifest_path.name)
    reap_orphans()  # kernels left by a grader that was killed mid-batch
    out_dir.mkdir(parents=True, exist_ok=True)
    course = options.course or load_config(out_dir)
    feedback_dir = out_dir / "feedback"
    gradebook_path = out_dir / "gradebook.sqlite"
    with Gradebook(gradebook_path) as gradebook:
        by_name: dict[str, SubmissionResult] = {}
        jobs = []
        device = grading_device(assignment, options) if files else "cpu"
        cpu_threads = max(1, (os.cpu_count() or 1) // max(1, options.workers))
        for path in files:
            previous = None
            if not options.regrade:
                previous = gradebook.find_graded(
                    assignment.id, sha256_of(path), manifest["autograder_sha256"], path.name
                )
            if previous is not None:
                by_name[path.name] = _reused(gradebook, previous, path)
            else:
                jobs.append(
                    GradingJob(
                        assignment.id,
                        path,
                        autograder_zip,
                        manifest,
                        options.timeout_s,
                        options.memory_mb,
                        device=device,
                        cpu_threads=cpu_threads if assignment.uses_tensorflow else 1,
                        hide=(str(out_dir.resolve()),),
                    )
                )
        if jobs and assignment.prepare_module:
            run_prepare(assignment.prepare_module, autograder_zip, device,
                        timeout_s=PREPARE_TIMEOUT_S)  # fmt: skip
        if jobs:
            # Setups run here, before any thread (they change the working folder).
            judge_for(autograder_zip, scratch_root(), manifest["autograder_sha256"])
            heldout = batch_heldout(assignment, device, course)
            jobs = [dataclasses.replace(job, heldout=heldout) for job in jobs]
        bar = tqdm(total=len(jobs), desc=f"grading {assignment.id}", unit="nb",
                   disable=not options.progress, file=sys.stderr)  # fmt: skip

        def keep(result: SubmissionResult) -> None:
            gradebook.record(result)
            by_name[result.submission] = result
            bar.update(1)

        try:
            if options.engine == "ray":
                from .ray_engine import grade_batch_ray

                grade_batch_ray(jobs, keep, address=options.address)
            else:
                with warm_kernels(assignment, jobs, options) as zygote_socket:
                    jobs = [dataclasses.replace(job, zygote=zygote_socket) for job in jobs]
                    grade_batch(jobs, options.workers, keep)
        finally:
            bar.close()
    results = [by_name[path.name] for path in files]
    for result in results:
        write_feedback(result, feedback_dir, assignment.title)
    grades_csv = write_grades_csv(results, out_dir / "grades.csv")
    return GradeReport(
        results, len(jobs), len(files) - len(jobs), gradebook_path, grades_csv, feedback_dir
    )
