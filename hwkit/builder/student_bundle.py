"""The student bundle ``autograder/dist/<id>/<id>-student.zip``: what a student downloads.

The zip unpacks to one folder, ``<id>/``, holding:

- every file of the release folder (the notebook, ``tests/qN.py``, ``tutor.py``, data files);
- ``requirements.txt``: what the release's first code cell checks (its ``needs``, with the
  kit's own version bounds), plus ``ipykernel``, the kernel Jupyter or VS Code runs the
  notebook in; so ``pip install -r requirements.txt`` in that folder is the whole setup;
- for an assignment whose notebook imports the kit (``Assignment.student_kit``), a small wheel
  ``hwkit-<version>+<id>.<digest>-py3-none-any.whl`` that ``requirements.txt`` names. It holds
  only the ``hwkit`` modules that the notebook's imports and its public tests' imports reach
  (found with ``ast``, transitively), their packages' ``__init__.py`` and, as
  ``Requires-Dist``, the third-party packages those modules import, except TensorFlow and
  Keras, which ``requirements.txt`` names (a Colab or GPU install has its own build of them).
  The first cell's install hint for it (``KIT_WHEEL``) is a glob that this name matches; the
  ``+<id>.<digest>`` local version makes pip replace another assignment's kit, or an older
  build of this one, instead of calling it already installed.

What the wheel can never hold: the grading side of the kit (``GRADING_MODULES``) and the
assignment's own grading modules (its ``prepare_module`` and ``heldout_labels``); reaching
one is a ``BuildError``. A package whose ``__init__.py`` imports anything (``hwkit.assignments``
discovers every assignment, whose declarations name lines of the solution) and that is needed
only as a namespace gets a one-line stub instead.
Imports made by name at run time (``importlib``) are not followed.

The wheel is built by pip and setuptools (offline, no build isolation) from a staged copy;
file times in both the wheel and the zip are fixed, and entries sorted, so a rebuild of the
same sources gives the same bytes.
"""

import ast
import doctest
import fnmatch
import functools
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import hwkit
from hwkit.assignments import Assignment
from hwkit.builder.master import BuildError

KIT = "hwkit"
KIT_SOURCE = Path(hwkit.__file__).resolve().parent
REQUIREMENTS_NAME = "requirements.txt"
# The kernel a notebook runs in; the first cell cannot check it (it is already running in one).
KERNEL_PACKAGE = "ipykernel"
# Frameworks a student's platform may bring its own build of: named in requirements.txt only.
STUDENT_BRINGS = frozenset({"tensorflow", "keras"})
GRADING_MODULES = (
    "hwkit.autograder", "hwkit.builder", "hwkit.cli", "hwkit.__main__", "hwkit.course",
    "hwkit.demo", "hwkit.gradebook", "hwkit.grading", "hwkit.intake", "hwkit.leaderboard",
    "hwkit.metrics", "hwkit.reports", "hwkit.results", "hwkit.review", "hwkit.sandbox",
    "hwkit.similarity", "hwkit.testkit",
)
FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold
SOURCE_DATE_EPOCH = "315532800"  # the same instant, for the wheel (1980-01-01 UTC)
IGNORED_PARTS = frozenset({"__pycache__", ".ipynb_checkpoints"})


@dataclass(frozen=True)
class KitSelection:
    """The kit modules a notebook needs.

    - files: path inside the wheel ("hwkit/datasets/mnist.py") → its source text
    - packages: dotted names of the packages among them ("hwkit", "hwkit.datasets")
    - third_party: top-level import names of the non-kit, non-stdlib modules they import
    """

    files: dict[str, str]
    packages: tuple[str, ...]
    third_party: frozenset[str]


def code_sources(notebook: nbformat.NotebookNode) -> list[str]:
    """Each code cell's source, IPython's ``%`` and ``!`` lines left out."""
    return ["\n".join(line for line in cell.source.splitlines()
                      if not line.lstrip().startswith(("%", "!")))
            for cell in notebook.cells if cell.cell_type == "code"]


def public_test_sources(tests_dir: Path) -> list[str]:
    """The code of every public test case in the release's ``tests/qN.py`` (otter's format: a
    ``test`` dict whose cases hold doctest examples). They run in the student's notebook, so the
    kit modules they import belong in the wheel too."""
    parser = doctest.DocTestParser()
    sources = []
    for path in sorted(tests_dir.glob("*.py")):
        namespace: dict = {}
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
        for case in namespace.get("test", {}).get("suites", [{}])[0].get("cases", []):
            sources.append("\n".join(e.source for e in parser.get_examples(case["code"])))
    return sources


def setup_needs(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """The ``needs`` of the ``setup(...)`` call in the release's first code cell: module →
    what to ``pip install`` for it (``hwkit.builder.student_setup``)."""
    first = code_sources(notebook)[0] if code_sources(notebook) else ""
    for node in ast.walk(ast.parse(first)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "setup":
            for keyword in node.keywords:
                if keyword.arg == "needs":
                    return ast.literal_eval(keyword.value)
    raise BuildError("the release's first code cell has no `setup(..., needs={...})` call")


def _module_file(name: str) -> Path | None:
    """The source file of kit module ``name`` (a package's ``__init__.py``), if it exists."""
    base = KIT_SOURCE.parent.joinpath(*name.split("."))
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    return None


def _imports(tree: ast.AST, module: str, is_package: bool):
    """``(name, for_names)`` for every module ``tree`` imports; ``for_names`` unless it is a
    submodule taken by ``from pkg import submodule`` (then ``pkg``'s own names are not used)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, True
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                child = f"{base}.{alias.name}"
                if base.split(".")[0] == KIT and _module_file(child) is not None:
                    yield child, False
                else:
                    yield base, True


def _imports_nothing(tree: ast.AST) -> bool:
    return not any(isinstance(node, ast.Import | ast.ImportFrom) for node in ast.walk(tree))


def _is_within(name: str, prefixes) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def select_kit_modules(sources: list[str], forbidden=GRADING_MODULES) -> KitSelection:
    """Every kit module that ``sources`` (the notebook's code) import, transitively, with the
    ``__init__.py`` of each package on the way: verbatim when its names are imported or it
    imports nothing, else a stub. ``BuildError`` when one is missing or ``forbidden``."""
    verbatim: dict[str, bool] = {}
    queue = [(name, names) for source in sources
             for name, names in _imports(ast.parse(source), "__main__", False)
             if name.split(".")[0] == KIT]
    third_party: set[str] = set()
    while queue:
        name, for_names = queue.pop()
        top = name.split(".")[0]
        if top != KIT:
            if top and top not in sys.stdlib_module_names:
                third_party.add(top)
            continue
        if _is_within(name, forbidden):
            raise BuildError(f"the student kit would need {name}, which is grading code")
        path = _module_file(name)
        if path is None:
            raise BuildError(f"the release imports {name}, which the kit does not have")
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        whole = for_names or not is_package or _imports_nothing(tree)
        if name in verbatim and (verbatim[name] or not whole):
            continue
        verbatim[name] = whole
        parts = name.split(".")
        queue += [(".".join(parts[:i]), False) for i in range(1, len(parts))]
        if whole:
            queue += list(_imports(tree, name, is_package))
    files, packages = {}, []
    for name, whole in sorted(verbatim.items()):
        path = _module_file(name)
        if path.name == "__init__.py":
            packages.append(name)
        files[path.relative_to(KIT_SOURCE.parent).as_posix()] = (
            path.read_text(encoding="utf-8") if whole else
            f'"""{name}: 学生工具包只带本作业用到的模块 / the student kit holds only the modules '
            'this assignment uses."""\n')
    return KitSelection(files, tuple(packages), frozenset(third_party))


@functools.cache
def kit_requirements() -> dict[str, Requirement]:
    """The kit's own requirements (no extras), by canonical distribution name; none when the
    kit runs from a checkout that was never installed."""
    try:
        lines = importlib.metadata.requires(KIT) or ()
    except importlib.metadata.PackageNotFoundError:
        lines = ()
    found = {}
    for line in lines:
        requirement = Requirement(line)
        if requirement.marker is None:
            found[canonicalize_name(requirement.name)] = requirement
    return found


def requirement_for(pip_name: str) -> str:
    """``pip_name`` with the kit's version bounds for it ("otter-grader" → "otter-grader<8,>=7")."""
    requirement = kit_requirements().get(canonicalize_name(pip_name))
    return str(requirement) if requirement is not None else pip_name


@functools.cache
def _packages_distributions() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def distribution_of(import_name: str) -> str:
    """The distribution that provides top-level module ``import_name`` in this Python."""
    found = sorted(_packages_distributions().get(import_name, ()))
    preferred = [d for d in found if canonicalize_name(d) in kit_requirements()]
    if not (preferred or found):
        raise BuildError(f"the student kit imports {import_name}, and no installed package "
                         "provides it: install it, or keep its import out of those modules")
    return (preferred or found)[0]


def forbidden_modules(assignment: Assignment) -> tuple[str, ...]:
    """Modules no student bundle may carry: the kit's grading side and this assignment's own
    grading modules (the step before a batch, the held-out labels). Its kernels' data view may
    live in the dataset module the notebook loads (A1's in ``hwkit.datasets.mnist``): that
    writes what a kernel may read, it holds nothing a student may not see."""
    own = [assignment.prepare_module or "", assignment.heldout_labels.partition(":")[0]]
    return GRADING_MODULES + tuple(name for name in own if name)


def build_kit_wheel(selection: KitSelection, requires: list[str], local: str,
                    out_dir: Path) -> Path:
    """Build the wheel of ``selection`` with pip and setuptools into ``out_dir``; its version is
    the kit's with local label ``local`` plus a digest of the contents. Returns its path."""
    digest = hashlib.sha256(json.dumps([selection.files, requires], sort_keys=True).encode())
    version = f"{hwkit.__version__}+{local}.{digest.hexdigest()[:8]}"
    description = f"hwkit student kit for {local}: only the modules its notebook imports"
    with tempfile.TemporaryDirectory(prefix="hwkit-student-kit-") as tmp:
        stage = Path(tmp) / "stage"
        for inside, text in selection.files.items():
            (stage / inside).parent.mkdir(parents=True, exist_ok=True)
            (stage / inside).write_text(text, encoding="utf-8")
        (stage / "pyproject.toml").write_text(
            "[build-system]\n"
            'requires = ["setuptools>=61"]\n'
            'build-backend = "setuptools.build_meta"\n\n'
            "[project]\n"
            f"name = {json.dumps(KIT)}\n"
            f"version = {json.dumps(version)}\n"
            f"description = {json.dumps(description)}\n"
            'requires-python = ">=3.11"\n'
            f"dependencies = {json.dumps(requires)}\n\n"
            "[tool.setuptools]\n"
            f"packages = {json.dumps(list(selection.packages))}\n", encoding="utf-8")
        built = Path(tmp) / "wheel"
        result = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
             "--no-index", "--disable-pip-version-check", "-q", "-w", str(built), str(stage)],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH})
        wheels = sorted(built.glob("*.whl"))
        if result.returncode != 0 or len(wheels) != 1:
            raise BuildError(f"pip could not build the student kit wheel:\n{result.stderr}")
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / wheels[0].name
        shutil.copyfile(wheels[0], target)
    return target


def _release_files(release_dir: Path) -> list[Path]:
    return sorted(path for path in release_dir.rglob("*") if path.is_file()
                  and not IGNORED_PARTS & set(path.relative_to(release_dir).parts))


def requirements_text(assignment_id: str, needs: dict[str, str], wheel: Path | None) -> str:
    """``requirements.txt``: each of ``needs``' install hints with the kit's version bounds, the
    hint that is a file glob replaced by the wheel's relative path, and the kernel."""
    lines = [f"# 作业 {assignment_id} 的环境：在本文件夹里运行 pip install -r {REQUIREMENTS_NAME}",
             f"# What assignment {assignment_id} needs: in this folder, run "
             f"pip install -r {REQUIREMENTS_NAME}"]
    for hint in needs.values():
        if any(char in hint for char in "*?["):
            if wheel is None or not fnmatch.fnmatch(wheel.name, hint):
                raise BuildError(f"the first cell says `pip install {hint}`, but the bundle's "
                                 f"wheel is {wheel.name if wheel else 'missing'}")
            lines.append(f"./{wheel.name}")
        else:
            lines.append(requirement_for(hint))
    lines.append(f"{requirement_for(KERNEL_PACKAGE)}  # 运行笔记本的内核 / the notebook's kernel")
    return "\n".join(lines) + "\n"


def write_zip(entries: dict[str, bytes], path: Path) -> Path:
    """A zip of ``entries`` (name → bytes), sorted, with fixed times and modes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name])
    return path


def build_student_bundle(assignment: Assignment, release_dir: Path, out_dir: Path) -> Path:
    """Write ``out_dir/<id>-student.zip`` from the release in ``release_dir``; returns its path."""
    notebook = nbformat.read(release_dir / assignment.master.name, as_version=4)
    needs = setup_needs(notebook)
    entries = {f"{assignment.id}/{path.relative_to(release_dir).as_posix()}": path.read_bytes()
               for path in _release_files(release_dir)}
    wheel = None
    with tempfile.TemporaryDirectory(prefix=f"hwkit-bundle-{assignment.id}-") as tmp:
        if assignment.student_kit:
            sources = code_sources(notebook) + public_test_sources(release_dir / "tests")
            selection = select_kit_modules(sources, forbidden_modules(assignment))
            requires = []
            for name in sorted(selection.third_party, key=str.lower):
                if name in STUDENT_BRINGS:
                    if name not in needs:
                        raise BuildError(f"the student kit imports {name}, which the first "
                                         "cell does not check")
                    continue
                requires.append(requirement_for(distribution_of(name)))
            wheel = build_kit_wheel(selection, requires, assignment.id, Path(tmp))
            entries[f"{assignment.id}/{wheel.name}"] = wheel.read_bytes()
        entries[f"{assignment.id}/{REQUIREMENTS_NAME}"] = requirements_text(
            assignment.id, needs, wheel).encode("utf-8")
        return write_zip(entries, out_dir / f"{assignment.id}-student.zip")
