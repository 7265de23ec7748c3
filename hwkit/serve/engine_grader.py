"""The live service's grader: the batch engine's pieces, kept warm between submissions.

Per assignment, on its first submission (or at start, ``warm_up``): the build's zip and
manifest, the prepare step, the data view, the judges, the held-out split and the zygote of
warm kernels (``hwkit.grading.batch.prepare_batch``, ``hwkit.grading.warm``) — what a batch
does once, the service does once per run. Then every submission is one
``grade_submission`` (or one Ray task, ``--engine ray``). A file whose exact content this
autograder already graded is not graded again: its run is copied under the new name (as
``hwkit grade`` does).

Everything is started from a grader thread (``hwkit.serve.queue``), never from a short-lived
one: the judges and the zygote are killed when the thread that started them ends.

Restart the service after ``hwkit build`` changes an assignment: a running service keeps the
build it started with.
"""

import dataclasses
import sys
import threading
from contextlib import ExitStack
from pathlib import Path

from hwkit.assignments import get_assignment
from hwkit.autograder.manifest import read_build
from hwkit.course import CourseConfig
from hwkit.gradebook import Gradebook
from hwkit.grading.batch import (
    GradeOptions,
    copied_result,
    grading_device,
    job_for,
    prepare_batch,
)
from hwkit.grading.engine import GradingJob, grade_submission
from hwkit.grading.judge.pool import close_pools
from hwkit.grading.warm import warm_kernels
from hwkit.intake import Entry
from hwkit.results import SubmissionResult
from hwkit.sandbox import reap_orphans
from hwkit.serve.queue import GradeRequest


class EngineGrader:
    """``grade(request)`` for the assignments whose autograder is built."""

    def __init__(self, course_dir: Path, course: CourseConfig, options: GradeOptions,
                 autograder_dirs: dict[str, Path] | None = None):
        """``autograder_dirs``: assignment id → its build folder, where it is not the
        project's ``autograder/dist/<id>``."""
        self.course_dir = Path(course_dir)
        self.autograder_dirs = autograder_dirs or {}
        self.course = course
        self.options = options
        self._jobs: dict[str, GradingJob] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._stack = ExitStack()
        reap_orphans()

    def _template(self, assignment_id: str, request_path: Path, name: str) -> GradingJob:
        with self._guard:
            lock = self._locks.setdefault(assignment_id, threading.Lock())
        with lock:
            if assignment_id not in self._jobs:
                assignment = get_assignment(assignment_id)
                folder = self.autograder_dirs.get(assignment.id, assignment.autograder_dir)
                autograder_zip = folder / assignment.autograder_zip.name
                manifest = read_build(autograder_zip, assignment.id)
                options = dataclasses.replace(self.options, timeout_s=assignment.timeout_s,
                                              memory_mb=assignment.memory_mb)
                device = grading_device(assignment, options)
                job = job_for(assignment, Entry(name, request_path), autograder_zip, manifest,
                              options, device)
                jobs = prepare_batch(assignment, [job], autograder_zip, self.course)
                if self.options.engine == "ray":  # one connection for the service's life
                    from hwkit.grading.ray_engine import connect_ray, import_ray

                    connect_ray(import_ray(), self.options.address)
                else:
                    socket = self._stack.enter_context(
                        warm_kernels(assignment, jobs, self.options.warm))
                    jobs = [dataclasses.replace(jobs[0], zygote=socket)]
                self._jobs[assignment_id] = jobs[0]
                print(f"hwkit serve: {assignment_id} ready ({device})", file=sys.stderr)
            return self._jobs[assignment_id]

    def warm_up(self, assignment_ids: list[str], sample: Path) -> None:
        """Prepare these assignments now (``sample``: any file; only its path is used)."""
        for assignment_id in assignment_ids:
            try:
                self._template(assignment_id, sample, "warm-up.ipynb")
            except Exception as error:  # noqa: BLE001 - said; the first submission retries
                print(f"hwkit serve: {assignment_id} not prepared yet: {error}", file=sys.stderr)

    def __call__(self, request: GradeRequest) -> SubmissionResult:
        template = self._template(request.assignment, request.path, request.name)
        job = dataclasses.replace(template, submission=request.path, name=request.name)
        with Gradebook(self.course_dir / "gradebook.sqlite") as gradebook:
            previous = gradebook.find_graded(request.assignment, request.submission.sha256,
                                             job.manifest.autograder_sha256, request.name)
            if previous is not None:  # recorded by the queue under this name
                return copied_result(gradebook, previous, Entry(request.name, request.path))
        if self.options.engine == "ray":
            from hwkit.grading.ray_engine import grade_batch_ray

            results: list[SubmissionResult] = []
            grade_batch_ray([job], results.append, address=self.options.address,
                            warm=self.options.warm, batch_id=f"serve-{request.assignment}")
            return results[0]
        return grade_submission(job)

    def close(self) -> None:
        self._stack.close()
        close_pools()
