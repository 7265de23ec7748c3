"""The TA's copying report: ``index.html`` (ranked pairs), ``pairs.csv`` and one side-by-side
page per listed pair with the shared code highlighted. TA only: it names submission files.

Every name and every line of code is a student's and is escaped (HTML) or made formula-proof
(CSV, ``hwkit.textsafe.csv_cell``) before it is written.
"""

import csv
import html
from pathlib import Path

from copydetect.utils import highlight_overlap

from hwkit.similarity import Pair
from hwkit.textsafe import csv_cell

PAIRS_COLUMNS = ("rank", "similarity", "first", "second", "first_share", "second_share",
                 "shared_tokens")
_STYLE = """body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd}
td.n{text-align:right;font-variant-numeric:tabular-nums}.sides{display:flex;gap:1rem}
.sides>div{flex:1;min-width:0}pre{background:#f7f7f7;padding:.6rem;overflow-x:auto;
font-size:.8rem}mark{background:#ffd54f}"""


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="zh"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
            f"<body>{body}</body></html>\n")


def _percent(x: float) -> str:
    return f"{100 * x:.0f} %"


def _side(name: str, code: str, slices) -> str:
    if len(slices) and slices.shape[1]:
        marked, _ = highlight_overlap(code, slices, "<mark>", "</mark>", escape_html=True)
    else:
        marked = html.escape(code)
    return f"<div><h2>{html.escape(name)}</h2><pre>{marked}</pre></div>"


def write_report(pairs: list[Pair], code: dict[str, str], out_dir: Path, assignment_id: str,
                 unreadable: list[tuple[str, str]], top: int = 100) -> Path:
    """Write the report for the ``top`` most similar pairs (pairs.csv holds all of them);
    returns the path of ``index.html``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("pair-*.html"):
        old.unlink()
    with (out_dir / "pairs.csv").open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(PAIRS_COLUMNS)
        for rank, p in enumerate(pairs, 1):
            writer.writerow([rank, f"{p.similarity:.4f}", csv_cell(p.first), csv_cell(p.second),
                             f"{p.first_share:.4f}", f"{p.second_share:.4f}", p.shared_tokens])
    rows = []
    for rank, p in enumerate(pairs[:top], 1):
        page = f"pair-{rank:04d}.html"
        title = f"{assignment_id} #{rank}: {p.first} ↔ {p.second}"
        sides = (_side(p.first, code[p.first], p.slices[0])
                 + _side(p.second, code[p.second], p.slices[1]))
        body = (f"<h1>{html.escape(title)}</h1><p>相似度 / similarity "
                f"{_percent(p.similarity)} (shares: {_percent(p.first_share)}, "
                f"{_percent(p.second_share)}; {p.shared_tokens} tokens)</p>"
                f'<p><a href="index.html">← 列表 / all pairs</a></p>'
                f'<div class="sides">{sides}</div>')
        (out_dir / page).write_text(_page(title, body), encoding="utf-8")
        rows.append(f'<tr><td class="n">{rank}</td><td class="n">{_percent(p.similarity)}</td>'
                    f'<td><a href="{page}">{html.escape(p.first)}</a></td>'
                    f"<td>{html.escape(p.second)}</td></tr>")
    skipped = "".join(f"<li>{html.escape(n)}: {html.escape(w)}</li>" for n, w in unreadable)
    body = (f"<h1>{html.escape(assignment_id)}: 代码相似度 / code similarity</h1>"
            f"<p>{len(code)} 份提交 / submissions, {len(pairs)} 对有共同代码 / pairs share "
            "code that the release did not give. 相似不等于抄袭：请打开每一对自己判断。 "
            "Similar is not copied: open each pair and judge.</p>"
            "<table><tr><th>#</th><th>相似度 / similarity</th><th>A</th><th>B</th></tr>"
            f"{''.join(rows)}</table>"
            + (f"<h2>未读取 / not read</h2><ul>{skipped}</ul>" if skipped else ""))
    index = out_dir / "index.html"
    index.write_text(_page(f"{assignment_id} similarity", body), encoding="utf-8")
    return index
