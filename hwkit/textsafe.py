"""Student-controlled text (file names, statuses holding exception messages, nicknames, test
messages) made safe for where it is shown: the TA's terminal, a CSV cell, a Markdown file.

- ``terminal_text``: control characters — C0 (``\\n``, ``\\r``, ``\\t`` included), DEL, C1 —,
  the bidirectional overrides/isolates/marks and lone surrogates (undecodable bytes of a file
  name) are written as visible escapes (``\\x1b``, ``\\n``, ``\\u202e``), so nothing can clear
  the screen, start a fake table row or reorder what a TA reads; optionally shortened to a
  number of terminal columns with "…".
- ``csv_cell``: a text cell that a spreadsheet would run as a formula (it begins with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading ``'`` (OWASP's advice);
  control characters are escaped as in the terminal (a TA may ``cat`` the file).
- ``markdown_text`` / ``markdown_code``: text that cannot open HTML, links, images, headings,
  lists, quotes, emphasis, table cells or code spans, and stays readable (``a_b``, ``x > 0``
  and ``(2,)`` are kept as they are). Bare URLs stay visible text (some renderers link them).

A literal backslash is kept as is (so ``\\x1b`` in a name reads the same as an escaped ESC;
what matters is that the real character never reaches the screen).
"""

import re
import unicodedata

ELLIPSIS = "…"
# Bidi embeddings/overrides, isolates, and the marks that reorder text without being seen;
# U+2028/U+2029 end a line in some viewers.
_INVISIBLE = frozenset("\u061c\u200e\u200f\u2028\u2029") | frozenset(
    chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
)
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Markdown: escaped wherever they are; "_" only where it could open or close emphasis.
_MD_ANYWHERE = {"\\": "\\\\", "`": "\\`", "*": "\\*", "[": "\\[", "]": "\\]", "<": "&lt;",
                "|": "\\|", "~": "\\~"}
_MD_LINE_START = {"#": "\\#", ">": "\\>", "-": "\\-", "+": "\\+", "=": "\\="}
_MD_ORDERED = re.compile(r"(\d{1,9})([.)])")


def is_unsafe(char: str) -> bool:
    """Whether ``char`` must never reach a terminal as is (see the module docstring)."""
    code = ord(char)
    # Lone surrogates (an undecodable byte of a file name) cannot even be printed.
    return code < 0x20 or 0x7F <= code < 0xA0 or 0xD800 <= code < 0xE000 or char in _INVISIBLE


def escape_char(char: str) -> str:
    """The visible escape of one unsafe character: ``\\n``, ``\\x1b``, ``\\u202e``."""
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def char_width(char: str) -> int:
    """Terminal columns of one character: wide/fullwidth (CJK) 2, combining marks 0."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes (CJK characters count 2)."""
    return sum(char_width(c) for c in text)


def terminal_text(text: object, width: int | None = None) -> str:
    """``text`` with every unsafe character as a visible escape; when ``width`` (columns) is
    given and the result is wider, cut to ``width - 1`` columns plus "…" (never inside an
    escape)."""
    pieces = [escape_char(c) if is_unsafe(c) else c for c in str(text)]
    if width is None or sum(display_width(p) for p in pieces) <= width:
        return "".join(pieces)
    kept, used = [], 0
    for piece in pieces:
        columns = display_width(piece)
        if used + columns > width - 1:
            break
        kept.append(piece)
        used += columns
    return "".join(kept) + ELLIPSIS


def csv_cell(text: object) -> str:
    """One text cell for a CSV a spreadsheet may open: formula starts neutralised with a
    leading ``'``, control characters escaped. Numbers are written with ``num``, not this."""
    text = str(text)
    prefix = "'" if text.startswith(_FORMULA_START) else ""
    return prefix + terminal_text(text)


def _markdown_line(line: str) -> str:
    out = []
    for i, char in enumerate(line):
        if is_unsafe(char):
            out.append(escape_char(char))
        elif char in _MD_ANYWHERE:
            out.append(_MD_ANYWHERE[char])
        elif char == "&":  # an entity (``&#60;``, ``&lt;``) would decode; "a & b" is kept
            after = line[i + 1] if i + 1 < len(line) else ""
            out.append("&amp;" if after == "#" or after.isascii() and after.isalpha() else "&")
        elif char == "_":
            before = line[i - 1] if i else ""
            after = line[i + 1] if i + 1 < len(line) else ""
            out.append("_" if before.isalnum() and after.isalnum() else "\\_")
        else:
            out.append(char)
    text = "".join(out)
    # Block structure only opens at the start of a line (after its indentation).
    body = text.lstrip(" ")
    indent = text[: len(text) - len(body)]
    if body[:1] in _MD_LINE_START:
        body = _MD_LINE_START[body[0]] + body[1:]
    elif ordered := _MD_ORDERED.match(body):
        body = f"{ordered[1]}\\{ordered[2]}{body[ordered.end():]}"
    return indent + body


def markdown_text(text: object, multiline: bool = False, indent: str = "") -> str:
    """``text`` as Markdown that shows exactly this text and opens no structure.

    - multiline False: one line (line breaks become spaces), for list items, table cells,
      headings
    - multiline True: lines kept, each after the first prefixed with ``indent`` (e.g. two
      spaces, to stay inside a list item)
    """
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not multiline:
        return _markdown_line(" ".join(lines))
    return ("\n" + indent).join(_markdown_line(line) for line in lines)


def markdown_code(text: object) -> str:
    """``text`` as one inline code span (literal, no HTML), its fence longer than any run of
    backticks inside; control characters and line breaks as visible escapes."""
    body = terminal_text(text)
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    if body.startswith("`") or body.endswith("`") or not body.strip():
        body = f" {body} "
    return f"{fence}{body}{fence}"
