"""Commands act on the kit checkout they run in (or ``--project``), never on wherever the
package was installed from."""

import pytest

from hwkit.assignments import get_assignment
from hwkit.cli import main as hwkit_main
from hwkit.course import find_config
from hwkit.project import PACKAGE_CHECKOUT, PROJECT_ENV_VAR, project_root


def _checkout(folder):
    (folder / "solutions").mkdir(parents=True)
    (folder / "setup.cfg").write_text("[metadata]\nname = hwkit\n", encoding="utf-8")
    (folder / "course.toml").write_text('[course]\nname = "a copy"\n', encoding="utf-8")
    return folder


def test_the_working_folder_or_one_above_it_is_the_project(tmp_path, monkeypatch):
    copy = _checkout(tmp_path / "my-kit")
    (copy / "solutions" / "a2").mkdir()
    monkeypatch.delenv(PROJECT_ENV_VAR, raising=False)
    monkeypatch.chdir(copy / "solutions" / "a2")
    assert project_root() == copy.resolve()
    a2 = get_assignment("a2")
    assert a2.master == copy.resolve() / "solutions" / "a2" / "a2.ipynb"
    assert a2.autograder_dir == copy.resolve() / "autograder" / "dist" / "a2"
    assert find_config() == copy.resolve() / "course.toml"


def test_outside_any_checkout_the_package_checkout_is_used(tmp_path, monkeypatch):
    monkeypatch.delenv(PROJECT_ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    assert project_root() == PACKAGE_CHECKOUT


def test_project_flag_names_the_checkout_and_refuses_a_folder_that_is_not_one(tmp_path,
                                                                               monkeypatch,
                                                                               capsys):
    copy = _checkout(tmp_path / "kit")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(PROJECT_ENV_VAR, str(copy))
    assert get_assignment("a1").release_dir == copy.resolve() / "assignments" / "a1"
    monkeypatch.setenv(PROJECT_ENV_VAR, str(tmp_path))
    with pytest.raises(NotADirectoryError, match="is not a kit checkout"):
        project_root()
    monkeypatch.delenv(PROJECT_ENV_VAR)
    code = hwkit_main(["--project", str(tmp_path), "build", "a2", "--no-run-tests"])
    assert code == 2 and "is not a kit checkout" in capsys.readouterr().err
