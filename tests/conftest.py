"""Shared fixtures: one build per assignment per test session, notebooks made from its release,
and the test tiers.

Tiers: a test that uses a build (``*_build`` and the fixtures made from one) or sits in a
module marked ``pytestmark = pytest.mark.e2e`` (it grades notebooks in kernels) is ``e2e``;
every other test is the unit tier, ``make test-fast`` (``pytest -m "not e2e"``).
"""

import copy
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from hwkit.assignments import get_assignment
from hwkit.builder import BuildOutput, build

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BUILD_FIXTURES = {"a1_build", "a2_build", "a3_build", "a1_release_notebook",
                  "a2_release_notebook", "a3_release_notebook", "a2_solution_path"}


def pytest_collection_modifyitems(items):
    for item in items:
        if BUILD_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True, scope="session")
def _shared_data_home(tmp_path_factory):
    """Point $HWKIT_DATA at ../shared/data when this workplace has it (never copied), and keep
    derived caches (decoded photos, reference accuracies) in this session's own folder."""
    if SHARED_DATA.is_dir() and "HWKIT_DATA" not in os.environ:
        os.environ["HWKIT_DATA"] = str(SHARED_DATA)
    os.environ["HWKIT_CACHE"] = str(tmp_path_factory.mktemp("hwkit-cache"))
    yield


@pytest.fixture(scope="session")
def a2():
    return get_assignment("a2")


def fresh_build(assignment, tmp_path_factory, run_tests: bool) -> BuildOutput:
    """Build ``assignment`` into a temporary folder (never over the committed release)."""
    root = tmp_path_factory.mktemp(f"{assignment.id}-build")
    return build(
        assignment,
        release_dir=root / "release",
        autograder_dir=root / "autograder",
        run_tests=run_tests,
    )


@pytest.fixture(scope="session")
def a2_build(a2, tmp_path_factory) -> BuildOutput:
    """A fresh build of A2, with otter's solution check on."""
    return fresh_build(a2, tmp_path_factory, run_tests=True)


@pytest.fixture(scope="session")
def a2_project(a2_build, tmp_path_factory) -> Path:
    """A kit checkout holding this session's A2 build, for the CLI (``hwkit --project``)."""
    root = tmp_path_factory.mktemp("kit")
    (root / "solutions").mkdir()
    (root / "setup.cfg").write_text("[metadata]\nname = hwkit\n", encoding="utf-8")
    shutil.copytree(a2_build.autograder_zip.parent, root / "autograder" / "dist" / "a2")
    shutil.copytree(a2_build.release_dir, root / "assignments" / "a2")
    return root


@pytest.fixture(scope="session")
def a2_release_notebook(a2_build, a2) -> nbformat.NotebookNode:
    return nbformat.read(a2_build.release_dir / a2.master.name, as_version=4)


@pytest.fixture(scope="session")
def a2_solution_path(a2_build, a2) -> Path:
    return a2_build.autograder_zip.parent / f"{a2.id}-solution.ipynb"


def release_with_code(release: nbformat.NotebookNode, code: str, path: Path) -> Path:
    """Write the release with one extra code cell first (a submission that does ``code``)."""
    notebook = copy.deepcopy(release)
    notebook.cells.insert(1, nbformat.v4.new_code_cell(code))
    nbformat.write(notebook, path)
    return path


@pytest.fixture(scope="session")
def a1():
    return get_assignment("a1")


@pytest.fixture(scope="session")
def a1_build(a1, tmp_path_factory) -> BuildOutput:
    """A fresh build of A1 without otter's solution run (the grading tests grade the master)."""
    return fresh_build(a1, tmp_path_factory, run_tests=False)


@pytest.fixture(scope="session")
def a1_release_notebook(a1_build, a1) -> nbformat.NotebookNode:
    return nbformat.read(a1_build.release_dir / a1.master.name, as_version=4)


@pytest.fixture(scope="session")
def a3():
    return get_assignment("a3")


@pytest.fixture(scope="session")
def a3_build(a3, tmp_path_factory) -> BuildOutput:
    """A fresh build of A3 without otter's solution run (the grading tests grade the master)."""
    return fresh_build(a3, tmp_path_factory, run_tests=False)


@pytest.fixture(scope="session")
def a3_release_notebook(a3_build, a3) -> nbformat.NotebookNode:
    return nbformat.read(a3_build.release_dir / a3.master.name, as_version=4)


# Headless Chromium for the page tests (the leaderboard, the live service): Debian's chromium,
# driven by Playwright, never a browser download of its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Debian's chromium, if installed."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module."""
    path = chromium_path()
    if path is None:
        pytest.skip("no chromium: `apt-get install chromium` (Debian) to run the page tests")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="needs Playwright for Python: pip install -e '.[dev]'"
    )
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
