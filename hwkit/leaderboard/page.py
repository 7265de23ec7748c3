"""The cohort leaderboard as one self-contained HTML page (Chinese first, English beside).

`render_page` turns a *view* (a plain JSON-able dict that already holds only what students may
see) into a single HTML document: inline CSS, inline JS, the view embedded as JSON in
``<script type="application/json" id="board-data">``. No external URL of any kind, so the page
works opened from ``file://`` with the network off; a Content-Security-Policy that allows only
this page's own script and style (by hash) and no network at all backs that up.

The page's CSS, JS and HTML shell are files beside this module (``static/page.css``,
``static/page.js``, ``static/page.html``). The JS builds the DOM from the embedded JSON: one
tab per assignment plus the total, an SVG histogram with P25/P50/P75/P90 markers, sortable
standings tables (all rows rendered through a DocumentFragment, so 2,000+ rows stay quick) and
a "找到我 / Find me" box. Every string from the view (nicknames are untrusted) goes into the
page with ``textContent`` or ``setAttribute``, never as HTML.

Stable hooks for tests: ``section.board[data-board=ID]`` (the total is ``data-board="total"``),
``table.standings`` with ``tbody tr.row``, ``button.tab[data-board=ID]``, ``th[data-col=KEY]``
(``rank``, ``name``, ``score``, ``public``, ``private``, ``submissions``, ``last``, ``late``;
on the total board ``score:ID`` per assignment and ``total``), ``#find-me`` and
``#find-me-result``.
"""

import base64
import hashlib
import html
import json
from importlib import resources
from pathlib import Path

PAGE_NAME = "leaderboard.html"

_STATIC = resources.files("hwkit.leaderboard") / "static"
# Read once: their hashes go into the page's Content-Security-Policy.
_CSS = (_STATIC / "page.css").read_text(encoding="utf-8")
_JS = (_STATIC / "page.js").read_text(encoding="utf-8")
_TEMPLATE = (_STATIC / "page.html").read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    """The CSP source for an inline block: 'sha256-<base64 digest of its UTF-8 text>'."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _csp() -> str:
    """No network at all; only this page's own inline script and style may run."""
    return (
        "default-src 'none'; "
        f"script-src {_sha256(_JS)}; style-src {_sha256(_CSS)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def content_security_policy() -> str:
    """The page's Content-Security-Policy, for a server that sends it as a header."""
    return _csp()


def _embed_json(view: dict) -> str:
    """`view` as JSON that is safe inside a <script> element.

    Every "<" (so "</script>" and "<!--" too), ">" and "&" is written as a JSON \\u escape:
    the browser's HTML parser never sees a tag in it, and JSON.parse restores the text exactly.
    NaN and infinities are refused (JSON.parse would reject them).
    """
    text = json.dumps(view, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_page(view: dict) -> str:
    """The full leaderboard HTML document for `view` (see the module docstring), as text."""
    title = f"{view.get('course', '')} · 排行榜 / Leaderboard"
    return _TEMPLATE.format(
        csp=_csp(),
        title=html.escape(title),
        css=_CSS,
        data=_embed_json(view),
        js=_JS,
    )


def write_page(view: dict, folder: Path) -> Path:
    """Write `render_page(view)` to ``folder/leaderboard.html`` (UTF-8) and return that path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / PAGE_NAME
    path.write_text(render_page(view), encoding="utf-8")
    return path
