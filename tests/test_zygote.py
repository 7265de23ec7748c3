"""Warm kernels (``hwkit.sandbox.zygote``): a kernel forked from the zygote grades like a cold
one, and
a zygote that cannot be reached costs nothing but speed (the client starts a cold kernel)."""

import pytest

from hwkit.autograder.manifest import read_build
from hwkit.grading.engine import GradingJob, grade_submission

pytestmark = pytest.mark.e2e


def _job(a2, a2_build, a2_solution_path, zygote: str) -> GradingJob:
    manifest = read_build(a2_build.autograder_zip, "a2")
    return GradingJob("a2", a2_solution_path, a2_build.autograder_zip, manifest, 120,
                      a2.memory_mb, zygote=zygote)


def test_an_unreachable_zygote_falls_back_to_a_cold_kernel(a2, a2_build, a2_solution_path,
                                                           tmp_path):
    missing = str(tmp_path / "no-zygote.sock")
    result = grade_submission(_job(a2, a2_build, a2_solution_path, missing))
    assert (result.score, result.status.text) == (30, "ok")


def test_a_warm_kernel_grades_like_a_cold_one(a2, a2_build, a2_solution_path, tmp_path):
    from hwkit.grading.env import zygote_env
    from hwkit.sandbox import scratch_root
    from hwkit.sandbox.zygote import BASE_PRELOAD, Zygote

    zygote = Zygote(zygote_env(tmp_path, ""), BASE_PRELOAD, scratch_root())
    try:
        assert zygote.ready(), zygote.log.read_text()
        warm = grade_submission(_job(a2, a2_build, a2_solution_path, zygote.socket_path))
    finally:
        zygote.close()
    cold = grade_submission(_job(a2, a2_build, a2_solution_path, ""))
    assert (warm.score, warm.status.text) == (cold.score, cold.status.text) == (30, "ok")
    assert [t.passed for t in warm.tests] == [t.passed for t in cold.tests]


def test_a_ray_worker_process_keeps_one_zygote_per_batch(a2, a2_build, a2_solution_path):
    """``process_zygote``: the first task of a batch starts it, later ones reuse it, and the
    next batch's first task closes it before starting its own."""
    from hwkit.grading import warm

    job = _job(a2, a2_build, a2_solution_path, "")
    try:
        first = warm.process_zygote(a2, job, "batch-one")
        zygote = warm._process["batch-one"].zygote
        assert first and warm.process_zygote(a2, job, "batch-one") == first
        warm_result = grade_submission(_job(a2, a2_build, a2_solution_path, first))
        assert (warm_result.score, warm_result.status.text) == (30, "ok")
        second = warm.process_zygote(a2, job, "batch-two")
        assert second and second != first
        assert zygote.process.poll() is not None  # the first batch's zygote is gone
        assert list(warm._process) == ["batch-two"]
    finally:
        warm.close_process_zygote()
    assert not warm._process
