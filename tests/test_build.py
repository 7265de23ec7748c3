"""`hwkit build`: the committed student release is what the master builds, and nothing hidden
reaches it."""

import json
import zipfile

import nbformat
import pytest

from hwkit.builder.master import extract_reference_source, question_functions

pytestmark = pytest.mark.e2e


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def assert_release_in_sync(assignment, fresh_build):
    committed = _files(assignment.release_dir)
    built = _files(fresh_build.release_dir)
    assert committed == built
    assert {"tutor.py", "tests/q1.py"} <= set(built)  # checks that work renamed and on Colab
    for name in built:
        fresh = (fresh_build.release_dir / name).read_bytes()
        assert (assignment.release_dir / name).read_bytes() == fresh, (
            f"assignments/{assignment.id}/{name} is out of date: "
            f"run `hwkit build {assignment.id}` and commit the result"
        )


def test_committed_release_is_in_sync_with_its_master(a2, a2_build):
    """Fails when someone edits solutions/a2/a2.ipynb without running `hwkit build a2`."""
    assert_release_in_sync(a2, a2_build)


def test_committed_a1_release_is_in_sync_with_its_master(a1, a1_build):
    assert_release_in_sync(a1, a1_build)


def test_release_has_no_solutions_hidden_tests_or_reference(a2, a2_build, a2_release_notebook):
    text = (a2_build.release_dir / a2.master.name).read_text(encoding="utf-8")
    assert "a2_reference" not in text and "BEGIN SOLUTION" not in text
    assert not (a2_build.release_dir / "a2_reference.py").exists()
    assert "tests" not in a2_release_notebook.metadata["otter"]  # files beside it, not metadata
    files = sorted((a2_build.release_dir / "tests").glob("q*.py"))
    assert len(files) == 7
    for path in files:  # otter's test files: a dict literal named `test`
        namespace = {}
        exec(path.read_text(encoding="utf-8"), namespace)
        cases = namespace["test"]["suites"][0]["cases"]
        assert cases and all(not case.get("hidden", False) for case in cases)
        assert "a2_reference" not in path.read_text(encoding="utf-8")
    assert "np.exp(-np.asarray(z" not in text  # the sigmoid solution line


def test_release_keeps_signatures_docstrings_and_todo_prompts(a2_release_notebook):
    source = "\n".join(c.source for c in a2_release_notebook.cells if c.cell_type == "code")
    signatures = (
        "def forward(X, weights):",
        "def backward(cache, y, weights):",
        "def vanishing_gradient_experiment(rows=SLIDE_ROWS, y=1.0, lr=1.0):",
    )
    assert all(signature in source for signature in signatures)
    assert source.count("# TODO") >= 14
    assert "- X: (m, 2) normalised features, this is a(1)" in source
    assert 'grader.check("q4")' in source


def test_autograder_zip_carries_hidden_tests_and_reference(a2_build):
    with zipfile.ZipFile(a2_build.autograder_zip) as zf:
        names = set(zf.namelist())
        q4 = zf.read("tests/q4.py").decode()
    assert {"files/a2_reference.py", "files/xiaogege.csv", "tests/q7.py"} <= names
    assert "'hidden': True" in q4


def test_manifest_lists_every_case_with_points_summing_to_30(a2_build):
    manifest = json.loads(a2_build.manifest_path.read_text(encoding="utf-8"))
    assert manifest["max_score"] == 30
    per_question = {}
    for case in manifest["test_cases"]:
        per_question[case["question"]] = per_question.get(case["question"], 0) + case["points"]
        assert case["hidden"] == bool(case["failure_message"]), case["name"]
    assert per_question == {"q1": 5, "q2": 4, "q3": 4, "q4": 5, "q5": 4, "q6": 4, "q7": 4}
    assert manifest["question_functions"]["q3"] == ["forward", "cross_entropy"]


def test_reference_extraction_keeps_definitions_and_drops_statements():
    master = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as np\nLAYERS = (2, 1)\nX = np.ones(3)\nprint(X)"),
        nbformat.v4.new_code_cell(
            "def f(x):\n    # BEGIN PROMPT\n    y = ...\n    # END PROMPT\n    return 2 * x"
        ),
        nbformat.v4.new_raw_cell("# BEGIN TESTS"),
        nbformat.v4.new_code_cell("def hidden_helper():\n    pass"),
        nbformat.v4.new_raw_cell("# END TESTS"),
    ])
    source = extract_reference_source(master, "T")
    namespace = {}
    exec(source, namespace)
    assert namespace["f"](3) == 6 and namespace["LAYERS"] == (2, 1)
    assert "X" not in namespace and "print" not in source and "y = ..." not in source
    assert "hidden_helper" not in source


def test_question_functions_come_from_solution_cells_only():
    master = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_raw_cell("# BEGIN QUESTION\nname: q9"),
        nbformat.v4.new_raw_cell("# BEGIN SOLUTION"),
        nbformat.v4.new_code_cell("def g():\n    return 1  # SOLUTION"),
        nbformat.v4.new_raw_cell("# END SOLUTION"),
        nbformat.v4.new_raw_cell("# BEGIN TESTS"),
        nbformat.v4.new_code_cell("def not_a_solution():\n    pass"),
        nbformat.v4.new_raw_cell("# END TESTS"),
        nbformat.v4.new_raw_cell("# END QUESTION"),
    ])
    assert question_functions(master) == {"q9": ["g"]}


def test_committed_a3_release_is_in_sync_with_its_master(a3, a3_build):
    assert_release_in_sync(a3, a3_build)


def test_a_zip_its_manifest_does_not_describe_is_refused_with_the_fix(a2, a2_build, tmp_path):
    import shutil

    from hwkit.autograder.manifest import ManifestMismatch, read_build

    build = tmp_path / "a2"
    shutil.copytree(a2_build.autograder_zip.parent, build)
    zip_path = build / a2.autograder_zip.name
    assert read_build(zip_path, "a2").assignment == "a2"
    with pytest.raises(ManifestMismatch, match="not 'a1': run `hwkit build a1`"):
        read_build(zip_path, "a1")
    with zipfile.ZipFile(zip_path, "a") as zf:
        zf.writestr("tests/q9.py", "OK_FORMAT = True\ntest = {'name': 'q9', 'points': 100}\n")
    with pytest.raises(ManifestMismatch, match="not the zip its manifest.json describes"):
        read_build(zip_path, "a2")


def test_the_a2_master_runs_top_to_bottom_where_it_lives(a2):
    """No build step is needed to run a master: its data files are beside it."""
    from nbclient import NotebookClient

    master = nbformat.read(a2.master, as_version=4)
    before = sorted(p.name for p in a2.master.parent.iterdir())
    NotebookClient(master, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(a2.master.parent)}}).execute()
    errors = [o for c in master.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors, errors[0]
    assert sorted(p.name for p in a2.master.parent.iterdir()) == before  # it wrote nothing
