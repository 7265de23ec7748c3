"""`hwkit.textsafe`: student text made safe for the terminal, a CSV cell and Markdown."""

import pytest

from hwkit.textsafe import csv_cell, display_width, markdown_code, markdown_text, terminal_text

BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("\x00\x07\x7f", "\\x00\\x07\\x7f"),
        ("\x85\x9b", "\\x85\\x9b"),  # C1: NEL and the 8-bit CSI
        ("abc\u202eexe.txt", "abc\\u202eexe.txt"),
        ("\u2066x\u2069", "\\u2066x\\u2069"),
        ("bad\udcff", "bad\\udcff"),  # an undecodable file name byte cannot even be printed
        ("张三 Hua é ok", "张三 Hua é ok"),  # everything printable stays as it is
    ],
)
def test_terminal_text_writes_control_and_bidi_characters_as_visible_escapes(raw, shown):
    assert terminal_text(raw) == shown


def test_every_c0_c1_del_and_bidi_override_is_escaped():
    unsafe = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))] + BIDI
    out = terminal_text("".join(unsafe))
    assert not any(c in out for c in unsafe) and out.isascii() and out.isprintable()


def test_terminal_text_cuts_to_a_width_in_columns_never_inside_an_escape():
    assert terminal_text("x" * 100, 80) == "x" * 79 + "…"
    assert display_width(terminal_text("张" * 100, 80)) <= 80
    assert terminal_text("张" * 100, 80) == "张" * 39 + "…"
    assert terminal_text("a" * 77 + "\x1b[0m", 80) == "a" * 77 + "…"  # "\x1b" would not fit
    assert terminal_text("short", 80) == "short" and terminal_text("x" * 80, 80) == "x" * 80


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_a_spreadsheet_would_evaluate_get_a_leading_quote(start):
    cell = csv_cell(start + "HYPERLINK(\"http://evil\")")
    assert cell.startswith("'") and "HYPERLINK" in cell


def test_csv_cells_that_are_plain_text_stay_as_they_are():
    assert csv_cell("2026001_a2.ipynb") == "2026001_a2.ipynb"
    assert csv_cell("a=1") == "a=1" and csv_cell("李华") == "李华" and csv_cell("") == ""
    assert csv_cell("x\x1b[2J") == "x\\x1b[2J"


def test_markdown_text_escapes_what_opens_structure_and_keeps_plain_text():
    assert markdown_text("<script>") == "&lt;script>"
    assert markdown_text("[a](b)") == "\\[a\\](b)"
    assert markdown_text("`x` **y** ~~z~~ |") == "\\`x\\` \\*\\*y\\*\\* \\~\\~z\\~\\~ \\|"
    assert markdown_text("# h") == "\\# h" and markdown_text("- i") == "\\- i"
    assert markdown_text("1. i") == "1\\. i" and markdown_text("> q") == "\\> q"
    assert markdown_text("&#60;b&gt;") == "&amp;#60;b&amp;gt;"
    assert markdown_text("_em_ a_b") == "\\_em\\_ a_b"  # only "_" that could emphasise
    assert markdown_text("x > 0 & y (2,): 中文 a_b") == "x > 0 & y (2,): 中文 a_b"
    assert markdown_text("a\nb") == "a b"


def test_markdown_text_multiline_keeps_lines_inside_a_list_item():
    assert markdown_text("a\n# b\n---", multiline=True, indent="  ") == "a\n  \\# b\n  \\---"


def test_markdown_code_uses_a_fence_longer_than_any_backtick_run():
    assert markdown_code("a.ipynb") == "`a.ipynb`"
    assert markdown_code("a`b``c") == "```a`b``c```"
    assert markdown_code("`x`") == "`` `x` ``"
    assert markdown_code("a\nb") == "`a\\nb`"


def test_markdown_output_renders_as_the_text_itself():
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    hostile = ["<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "![i](http://e/x.png)",
               "<http://evil>", "**b** _e_ ~~s~~", "a\\", "`code`", "| a | b |"]
    for text in hostile:
        html = md.render(markdown_text(text))
        assert html.count("<") == 2, (text, html)  # only the paragraph's own <p>…</p>
        html = md.render(markdown_code(text))
        assert html.count("<") == 4, (text, html)  # <p><code>…</code></p>
