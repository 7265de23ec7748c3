"""End to end on A3: grade the master and deliberate mistakes on real photos, assert exact
scores. Graded on the ImageNet-dog set the grader finds (../shared/data/imagenet_dog here: 6,000
Tiny ImageNet photos) under the CPU budget, with the bars measured from the reference before the
batch; skipped where no ImageNet-dog data can be found.
"""

import json
import shutil

import pytest

from hwkit.builder.samples import write_samples
from hwkit.datapaths import dataset_dir
from hwkit.datasets.imagenet_sources import ImageNetDogDataError, find_source
from hwkit.grading.batch import GradeOptions, grade_folder
from tests.helpers import failed_names, points_of

pytestmark = pytest.mark.e2e

# q2's public check (inputs x100 change nothing), BN's place, BN's training forward, BN in the DNN
BATCHNORM_CASES = {"q2 - 1", "q2 - 2", "q2 - 3", "q3 - 3"}


@pytest.fixture(scope="module")
def photos():
    try:
        find_source(dataset_dir("imagenet_dog"), allow_download=False)
    except ImageNetDogDataError as error:
        pytest.skip(f"no ImageNet-dog data here: {str(error)[:120]}")


@pytest.fixture(scope="module")
def manifest(a3_build):
    return json.loads(a3_build.manifest_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def graded(photos, a3, a3_build, tmp_path_factory):
    folder = tmp_path_factory.mktemp("a3-submissions")
    solution = a3_build.autograder_zip.parent / "a3-solution.ipynb"
    samples = write_samples("a3", a3_build.release_dir / "a3.ipynb", solution, folder)
    samples["reference"].unlink()  # the same code as the master, graded below
    shutil.copyfile(a3.master, folder / "master.ipynb")
    options = GradeOptions(workers=2, timeout_s=a3.timeout_s, memory_mb=a3.memory_mb,
                           progress=False)
    out = tmp_path_factory.mktemp("a3-graded")
    report = grade_folder(a3, folder, out, options, autograder_dir=a3_build.autograder_zip.parent)
    return {r.submission: r for r in report.results}


def test_master_gets_full_marks_on_real_photos(graded, manifest):
    result = graded["master.ipynb"]
    assert (result.score, result.max_score) == (31, 31), failed_names(result)
    assert result.status.text == "ok", result.status.text
    assert len(result.tests) == len(manifest["test_cases"])
    assert result.device == "cpu" or result.device.startswith("gpu: ")


def test_blank_release_scores_zero(graded):
    result = graded["blank_release.ipynb"]
    assert result.score == 0 and result.max_score == 31
    assert all(not t.passed for t in result.tests)


def test_dnn_without_batchnorm_loses_exactly_the_batchnorm_points(graded, manifest):
    result = graded["no_batchnorm.ipynb"]
    assert failed_names(result) == BATCHNORM_CASES
    assert result.score == 31 - points_of(manifest, BATCHNORM_CASES) == 27


def test_not_a_notebook_is_an_error_for_that_file_only(graded):
    result = graded["not_a_notebook.ipynb"]
    assert result.score == 0 and result.status.text.startswith("error: not a notebook")


def test_master_records_both_parts_of_the_held_out_accuracy_and_its_curves(graded):
    """The DNN's held-out predictions reach the grader, which splits them into the course's
    public and private parts; the training-curve figure comes back as a PNG."""
    from hwkit.assignments.a3.budget import CPU_BUDGET, GPU_BUDGET
    from hwkit.course import load_config
    from hwkit.datasets.imagenet_dog import load_imagenet_dog

    result = graded["master.ipynb"]
    (dnn,) = result.accuracies
    side = (GPU_BUDGET if result.device.startswith("gpu") else CPU_BUDGET).side
    n_test = len(load_imagenet_dog(side, allow_download=False, verbose=False).y_test)
    assert dnn.name == "dnn" and dnn.n_public + dnn.n_private == n_test
    assert dnn.n_public == round(load_config().public_fraction * n_test)
    assert 0.5 < dnn.public < 1 and 0.5 < dnn.private < 1  # the reference DNN is ≈ 59 %
    assert result.curves_png.startswith(b"\x89PNG")


def test_a_blank_release_records_no_accuracy(graded):
    assert graded["blank_release.ipynb"].accuracies == []


def test_master_gets_full_marks_with_a_writable_data_folder(photos, a3, a3_build, tmp_path,
                                                             monkeypatch):
    """The same photos in a writable data folder (the TA's default): the cache is built there,
    the kernel reads its training part through the grader's view, and the master scores as on
    the read-only folder (which once cost it 7 points: the two sides found other caches)."""
    shared = dataset_dir("imagenet_dog")
    writable = tmp_path / "data" / "imagenet_dog"
    for label in ("dog", "other"):
        (writable / label).mkdir(parents=True)
        for path in (shared / label).iterdir():
            (writable / label / path.name).symlink_to(path)
    monkeypatch.setenv("HWKIT_DATA", str(tmp_path / "data"))
    folder = tmp_path / "submissions"
    folder.mkdir()
    shutil.copyfile(a3.master, folder / "master.ipynb")
    options = GradeOptions(workers=1, timeout_s=a3.timeout_s, memory_mb=a3.memory_mb,
                           progress=False)
    (result,) = grade_folder(a3, folder, tmp_path / "out", options,
                             autograder_dir=a3_build.autograder_zip.parent).results
    assert result.score == 31, failed_names(result)
    assert (writable / "cache").is_dir()  # the grader's cache, in the writable folder
