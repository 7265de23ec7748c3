"""The hostile corpus on A1 and A3, where the kernel trains on data: it sees the training part
only (never a file, a cache or a package sample with the held-out part), and the held-out
accuracy is the grader's, from the trained model handed back as data — a model that answers
from a table instead of computing cannot be rebuilt and fails that case, nothing else."""

import pytest

from hwkit.datapaths import dataset_dir
from hwkit.datasets.imagenet_sources import ImageNetDogDataError, find_source
from hwkit.grading.batch import GradeOptions, grade_folder
from tests.hostile_corpus import CORPUS_A1, CORPUS_A3, Hostile
from tests.test_hostile import with_cell

pytestmark = pytest.mark.e2e


def _grade(assignment, build, release, corpus: list[Hostile], tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    for entry in corpus:
        with_cell(release, entry.code, entry.where, folder / f"{entry.name}.ipynb")
    options = GradeOptions(workers=2, timeout_s=assignment.timeout_s,
                           memory_mb=assignment.memory_mb, progress=False)
    report = grade_folder(assignment, folder, tmp_path / "out", options,
                          autograder_dir=build.autograder_zip.parent)
    return {r.submission.removesuffix(".ipynb"): r for r in report.results}


@pytest.fixture(scope="module")
def a1_graded(a1, a1_build, a1_release_notebook, tmp_path_factory):
    return _grade(a1, a1_build, a1_release_notebook, CORPUS_A1, tmp_path_factory.mktemp("a1h"))


def _ends_as_it_must(result, entry: Hostile) -> None:
    assert result.status.text.startswith(entry.status), result.status.text
    assert result.score <= entry.max_score


@pytest.mark.parametrize("entry", CORPUS_A1, ids=[e.name for e in CORPUS_A1])
def test_each_a1_member_ends_as_it_must(a1_graded, entry):
    _ends_as_it_must(a1_graded[entry.name], entry)


def test_the_honest_cell_earns_its_points_and_its_accuracies_are_the_graders(a1_graded):
    honest = a1_graded["a1_honest_in_one_cell"]
    assert honest.score == 35, [t.name for t in honest.tests if not t.passed]
    assert {a.name for a in honest.accuracies} == {"ova", "nn"}
    assert all(a.public > 0.85 for a in honest.accuracies)


def test_a_model_that_answers_from_a_table_fails_only_the_accuracy_cases(a1_graded):
    honest, cheat = a1_graded["a1_honest_in_one_cell"], a1_graded["a1_predict_from_a_lookup_table"]
    lost = {t.name for t in cheat.tests if not t.passed} - {t.name for t in honest.tests
                                                             if not t.passed}
    assert lost == {"q9 - 1", "q9 - 2"} and cheat.score == honest.score - 6
    (held_out,) = [t for t in cheat.tests if t.name == "q9 - 2"]
    assert "cannot rebuild your model" in held_out.message
    assert {a.name for a in cheat.accuracies} == {"ova"}  # no accuracy for what it faked


@pytest.fixture(scope="module")
def a3_graded(a3, a3_build, a3_release_notebook, tmp_path_factory):
    try:
        find_source(dataset_dir("imagenet_dog"), allow_download=False)
    except ImageNetDogDataError as error:
        pytest.skip(f"no ImageNet-dog data here: {str(error)[:120]}")
    return _grade(a3, a3_build, a3_release_notebook, CORPUS_A3, tmp_path_factory.mktemp("a3h"))


@pytest.mark.parametrize("entry", CORPUS_A3, ids=[e.name for e in CORPUS_A3])
def test_each_a3_member_ends_as_it_must(a3_graded, entry):
    _ends_as_it_must(a3_graded[entry.name], entry)
