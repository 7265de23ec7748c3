"""The A2 release as a student runs it, in Jupyter (nbclient): renamed, blank, half done, with
a typical mistake and finished. Every ``grader.check`` shows a short result, never otter's
doctest plumbing; the release works from its own folder (tests/ and tutor.py beside it)."""

import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from hwkit.builder.samples import fill_functions, mutate
from tests.helpers import shown_text

pytestmark = pytest.mark.e2e

PLUMBING = ("Trying:", "Expecting", "doctest", "_phase", "Traceback", "**********")
NO_BIAS = ('add_bias_column(cache[f"a{l}"]) @ w.T', 'cache[f"a{l}"] @ w[:, 1:].T')


def _run(notebook, folder, name: str) -> dict[str, str]:
    """Execute ``notebook`` as ``folder/name``; the text each ``grader.check`` cell showed."""
    path = folder / name
    nbformat.write(notebook, path)
    executed = nbformat.read(path, as_version=4)
    NotebookClient(executed, timeout=180, allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    shown = {}
    for cell in executed.cells:
        source = cell.source.strip()
        if cell.cell_type != "code" or not source.startswith("grader.check("):
            continue
        shown[source.split('"')[1]] = shown_text(cell)
    return shown


@pytest.fixture(scope="module")
def student_folder(a2_build, tmp_path_factory):
    """A copy of the release folder, as a student downloads it."""
    folder = tmp_path_factory.mktemp("student") / "a2"
    shutil.copytree(a2_build.release_dir, folder)
    assert (folder / "tutor.py").is_file() and (folder / "tests" / "q1.py").is_file()
    return folder


def test_the_blank_release_renamed_shows_not_attempted_for_every_question(student_folder):
    release = nbformat.read(student_folder / "a2.ipynb", as_version=4)
    shown = _run(release, student_folder, "2026012345_a2.ipynb")
    assert sorted(shown) == [f"q{i}" for i in range(1, 8)]
    for question, text in shown.items():
        assert "not attempted yet" in text, (question, text)
        assert len(text.strip().splitlines()) <= 3, (question, text)
        assert not any(word in text for word in PLUMBING), (question, text)
        assert "NameError" not in text and "FileNotFoundError" not in text


def test_a_finished_notebook_passes_every_public_check(student_folder, a2_solution_path):
    solution = nbformat.read(a2_solution_path, as_version=4)
    shown = _run(solution, student_folder, "finished.ipynb")
    assert all(text.startswith(f"{q}: 全部通过 / all") for q, text in shown.items()), shown


def test_forward_without_the_bias_fails_its_public_check_with_the_authors_message(
        student_folder, a2_solution_path):
    solution = nbformat.read(a2_solution_path, as_version=4)
    shown = _run(mutate(solution, *NO_BIAS), student_folder, "no_bias.ipynb")
    assert shown["q3"].startswith("q3: 0 / 1")
    assert "did you keep the bias column?" in shown["q3"]
    assert not any(word in shown["q3"] for word in PLUMBING)
    assert shown["q1"].startswith("q1: 全部通过")  # the other questions are not blamed


def test_half_done_shows_what_passed_and_what_is_left(student_folder, a2_solution_path):
    release = nbformat.read(student_folder / "a2.ipynb", as_version=4)
    solution = nbformat.read(a2_solution_path, as_version=4)
    half = fill_functions(release, solution, ("z_score_normalize", "mean_normalize",
                                              "min_max_normalize", "sigmoid"))
    shown = _run(half, student_folder, "half.ipynb")
    assert shown["q1"].startswith("q1: 全部通过")
    assert shown["q2"].startswith("q2: 1 / 2") and "sigmoid_gradient" in shown["q2"]
    assert "not attempted yet: cross_entropy, forward" in shown["q3"]
