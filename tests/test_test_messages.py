"""Every message a student can see from a test — a hidden case's ``message`` and each public
case's assertion message — is bilingual: Chinese first, then English after " / "."""

import ast
import re
from pathlib import Path

import pytest

from hwkit.project import project_root

TEST_FILES = sorted((project_root() / "solutions").glob("*/tests/q*.py"))
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _text(node: ast.expr) -> str:
    """A message's literal text (an f-string's constant parts)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_text(v) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp):  # "REPORT: " + ...
        return _text(node.left) + _text(node.right)
    return ""


def _messages(path: Path) -> list[tuple[str, str]]:
    """(where, text) for each student-facing message in a test file."""
    found = []
    for function in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(function, ast.FunctionDef):
            continue
        config = next((d for d in function.decorator_list if isinstance(d, ast.Call)
                       and getattr(d.func, "id", "") == "case"), None)
        if config is None:
            continue
        keywords = {k.arg: k.value for k in config.keywords}
        hidden = isinstance(keywords.get("hidden"), ast.Constant) and keywords["hidden"].value
        if hidden:
            found.append((f"{path.parent.parent.name}/{path.stem} {function.name}",
                          _text(keywords["message"])))
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Assert):
                where = f"{path.parent.parent.name}/{path.stem} {function.name}:{node.lineno}"
                found.append((where, _text(node.msg) if node.msg is not None else ""))
    return found


def test_there_are_test_files():
    assert len(TEST_FILES) == 24


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda p: f"{p.parent.parent.name}-{p.stem}")
def test_every_student_facing_message_is_chinese_then_english(path):
    for where, text in _messages(path):
        assert text, f"{where}: a public assertion without a message"
        # 小哥哥 is the dataset's name, in both halves
        plain = text.removeprefix("REPORT: ").replace("小哥哥", "xiaogege")
        splits = [m.start() for m in re.finditer(r"/ ", plain)]
        assert any(CHINESE.search(plain[:at]) and not CHINESE.search(plain[at:])
                   and re.search(r"[A-Za-z]{3,}", plain[at:]) for at in splits), (
            f"{where}: not '中文 / English' (Chinese first, then ' / ' and English): {text!r}")
