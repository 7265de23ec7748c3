"""The copying report: a planted copy (variables renamed, cells reordered, comments changed)
among honest A2 submissions ranks first; honest pairs stay well below it; the release's own
code never counts; hostile names and code reach the page escaped."""

import csv
import re

import nbformat
import pytest

from hwkit.assignments import get_assignment
from hwkit.cli import main as hwkit_main
from hwkit.similarity import notebook_code, rank_pairs

A2 = get_assignment("a2")
RELEASE = A2.release_dir / "a2.ipynb"

# Four students' own answers to A2's first TODOs, written differently (as students do).
HONEST = {
    "2026001": {
        "z_score_normalize": "return (X - X.mean(axis=0)) / X.std(axis=0)",
        "mean_normalize": "return (X - X.mean(axis=0)) / (X.max(axis=0) - X.min(axis=0))",
        "min_max_normalize": "lo, hi = X.min(axis=0), X.max(axis=0)\n"
                             "return 2 * (X - lo) / (hi - lo) - 1",
        "sigmoid": "return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))",
        "sigmoid_gradient": "g = sigmoid(z)\nreturn g * (1 - g)",
        "forward": "cache = {'a1': X}\nactivation = X\n"
                   "for layer, w in enumerate(weights, start=2):\n"
                   "    z = add_bias_column(activation) @ w.T\n"
                   "    activation = sigmoid(z)\n"
                   "    cache[f'z{layer}'] = z\n    cache[f'a{layer}'] = activation\n"
                   "return cache",
        "cross_entropy": "a = np.clip(a_out, 1e-12, 1 - 1e-12)\n"
                         "return float(-np.mean(y * np.log(a) + (1 - y) * np.log(1 - a)))",
        "numerical_gradient": "grad = np.zeros_like(x)\nfor i in np.ndindex(x.shape):\n"
                              "    old = x[i]\n    x[i] = old + h\n    plus = f(x)\n"
                              "    x[i] = old - h\n    minus = f(x)\n    x[i] = old\n"
                              "    grad[i] = (plus - minus) / (2 * h)\nreturn grad",
        "relative_error": "return float(np.max(np.abs(a - b) / np.maximum(1e-8, "
                          "np.abs(a) + np.abs(b))))",
    },
    "2026002": {
        "z_score_normalize": "mu = np.mean(X, 0)\nsd = np.std(X, 0)\nreturn (X - mu) / sd",
        "mean_normalize": "mu = np.mean(X, 0)\nrng = np.ptp(X, 0)\nreturn (X - mu) / rng",
        "min_max_normalize": "scaled = (X - np.min(X, 0)) / np.ptp(X, 0)\n"
                             "return scaled * 2 - 1",
        "sigmoid": "z = np.array(z, dtype=float)\nreturn np.exp(-np.logaddexp(0, -z))",
        "sigmoid_gradient": "s = sigmoid(z)\nreturn s - s ** 2",
        "forward": "out = {}\nout['a1'] = X\nnames = ['2', '3', '4']\n"
                   "prev = X\nidx = 0\nwhile idx < len(weights):\n"
                   "    n = names[idx]\n    out['z' + n] = np.dot(add_bias_column(prev), "
                   "weights[idx].T)\n    out['a' + n] = sigmoid(out['z' + n])\n"
                   "    prev = out['a' + n]\n    idx += 1\nreturn out",
        "cross_entropy": "m = y.shape[0]\neps = 1e-15\np = np.minimum(np.maximum(a_out, eps), "
                         "1 - eps)\ncost = -(np.sum(y * np.log(p)) + np.sum((1 - y) * "
                         "np.log(1 - p))) / m\nreturn float(cost)",
        "numerical_gradient": "result = np.empty(x.shape)\nit = np.nditer(x, "
                              "flags=['multi_index'])\nwhile not it.finished:\n"
                              "    j = it.multi_index\n    keep = float(x[j])\n"
                              "    x[j] = keep + h; up = f(x)\n    x[j] = keep - h; down = f(x)\n"
                              "    x[j] = keep\n    result[j] = (up - down) / h / 2\n"
                              "    it.iternext()\nreturn result",
        "relative_error": "num = np.abs(a - b)\nden = np.abs(a) + np.abs(b)\n"
                          "den[den < 1e-8] = 1e-8\nreturn num.max() / 1 if False else "
                          "float((num / den).max())",
    },
    "2026003": {
        "z_score_normalize": "cols = [(X[:, j] - X[:, j].mean()) / X[:, j].std() "
                             "for j in range(X.shape[1])]\nreturn np.stack(cols, axis=1)",
        "mean_normalize": "out = np.empty_like(X)\nfor j in range(X.shape[1]):\n"
                          "    c = X[:, j]\n    out[:, j] = (c - c.mean()) / (c.max() - c.min())\n"
                          "return out",
        "min_max_normalize": "out = np.empty_like(X)\nfor j in range(X.shape[1]):\n"
                             "    c = X[:, j]\n    out[:, j] = -1 + 2 * (c - c.min()) / "
                             "(c.max() - c.min())\nreturn out",
        "sigmoid": "import math\nz = np.asarray(z, dtype=np.float64)\n"
                   "return np.vectorize(lambda t: 1 / (1 + math.exp(-t)))(z).astype(np.float64)",
        "sigmoid_gradient": "return sigmoid(z) * sigmoid(-z)",
        "forward": "a = [X]\nz = [None]\nfor w in weights:\n"
                   "    z.append(np.hstack([np.ones((a[-1].shape[0], 1)), a[-1]]) @ w.T)\n"
                   "    a.append(sigmoid(z[-1]))\n"
                   "cache = {'a1': a[0]}\nfor k in range(1, len(a)):\n"
                   "    cache['z%d' % (k + 1)] = z[k]\n    cache['a%d' % (k + 1)] = a[k]\n"
                   "return cache",
        "cross_entropy": "total = 0.0\nfor p, t in zip(a_out.ravel(), y.ravel()):\n"
                         "    p = min(max(p, 1e-10), 1 - 1e-10)\n"
                         "    total += t * np.log(p) + (1 - t) * np.log(1 - p)\n"
                         "return -total / len(y)",
        "numerical_gradient": "g = np.zeros(x.shape)\nflat = x.reshape(-1)\n"
                              "for k in range(flat.size):\n    v = flat[k]\n"
                              "    flat[k] = v + h\n    fp = f(x)\n    flat[k] = v - h\n"
                              "    fm = f(x)\n    flat[k] = v\n"
                              "    g.reshape(-1)[k] = (fp - fm) / (2 * h)\nreturn g",
        "relative_error": "best = 0.0\nfor u, v in zip(np.ravel(a), np.ravel(b)):\n"
                          "    best = max(best, abs(u - v) / max(1e-8, abs(u) + abs(v)))\n"
                          "return best",
    },
    "2026004": {
        "z_score_normalize": "centered = X - np.average(X, axis=0)\n"
                             "return centered / np.sqrt(np.mean(centered ** 2, axis=0))",
        "mean_normalize": "span = X.max(0) - X.min(0)\nreturn (X - X.mean(0)) / span",
        "min_max_normalize": "return (2 * X - X.max(0) - X.min(0)) / (X.max(0) - X.min(0))",
        "sigmoid": "return np.reciprocal(1 + np.exp(-1.0 * np.asarray(z, np.float64)))",
        "sigmoid_gradient": "value = sigmoid(z)\ngradient = value * (1.0 - value)\n"
                            "return gradient",
        "forward": "w1, w2, w3 = weights\nz2 = add_bias_column(X) @ w1.T\na2 = sigmoid(z2)\n"
                   "z3 = add_bias_column(a2) @ w2.T\na3 = sigmoid(z3)\n"
                   "z4 = add_bias_column(a3) @ w3.T\na4 = sigmoid(z4)\n"
                   "return dict(a1=X, z2=z2, a2=a2, z3=z3, a3=a3, z4=z4, a4=a4)",
        "cross_entropy": "safe = np.clip(a_out, 1e-9, 1 - 1e-9)\n"
                         "losses = np.where(y == 1, -np.log(safe), -np.log(1 - safe))\n"
                         "return float(losses.mean())",
        "numerical_gradient": "d = np.zeros_like(x, dtype=np.float64)\n"
                              "for pos in np.ndindex(*x.shape):\n    saved = x[pos].copy()\n"
                              "    x[pos] = saved + h\n    hi = f(x)\n    x[pos] = saved - h\n"
                              "    lo = f(x)\n    x[pos] = saved\n"
                              "    d[pos] = (hi - lo) / (2.0 * h)\nreturn d",
        "relative_error": "diff = np.abs(np.subtract(a, b))\n"
                          "scale = np.fmax(np.abs(a) + np.abs(b), 1e-8)\n"
                          "return float(np.amax(diff / scale))",
    },
}
# What the copier renamed in 2026001's code (they also reorder its cells and add comments).
RENAMES = {"activation": "act", "cache": "memo", "layer": "li", "grad": "numeric", "old": "keep",
           "plus": "f_plus", "minus": "f_minus", "lo": "low", "hi": "high", "g": "s"}


def _fill(release, bodies: dict[str, str]):
    """The release with each TODO function's ``...`` replaced by the student's body."""
    notebook = nbformat.from_dict(release)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for name, body in bodies.items():
            match = re.search(rf"def {name}\(.*?\n(    \.\.\.\n)", cell.source, re.S)
            if match:
                indented = "".join(f"    {line}\n" for line in body.splitlines())
                cell.source = (cell.source[: match.start(1)] + indented
                               + cell.source[match.end(1):])
    return notebook


def _copy_of(bodies: dict[str, str]) -> dict[str, str]:
    renamed = {}
    for name, body in bodies.items():
        for old, new in RENAMES.items():
            body = re.sub(rf"\b{old}\b", new, body)
        renamed[name] = "# my own solution\n" + body
    return renamed


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    folder = tmp_path_factory.mktemp("a2-cohort")
    release = nbformat.read(RELEASE, as_version=4)
    for sid, bodies in HONEST.items():
        nbformat.write(_fill(release, bodies), folder / f"{sid}_a2.ipynb")
    copied = _fill(release, _copy_of(HONEST["2026001"]))
    code_cells = [i for i, c in enumerate(copied.cells) if c.cell_type == "code"]
    cells = list(copied.cells)
    first, last = code_cells[4], code_cells[-3]  # reordered: two function cells swap places
    cells[first], cells[last] = cells[last], cells[first]
    copied.cells = cells
    nbformat.write(copied, folder / "2026005_a2.ipynb")
    nbformat.write(release, folder / "2026006_a2.ipynb")  # handed in blank
    return folder


def test_the_planted_copy_ranks_first_and_honest_pairs_stay_below(cohort):
    code = {p.name: notebook_code(p) for p in sorted(cohort.iterdir())}
    pairs = rank_pairs(code, notebook_code(RELEASE))
    top = pairs[0]
    assert {top.first, top.second} == {"2026001_a2.ipynb", "2026005_a2.ipynb"}
    assert top.similarity > 0.8
    honest = [p for p in pairs if "2026005_a2.ipynb" not in (p.first, p.second)]
    assert max((p.similarity for p in honest), default=0.0) < top.similarity / 2
    # the blank release shares only given code: it is in no pair at all
    assert all("2026006_a2.ipynb" not in (p.first, p.second) for p in pairs)


def test_without_removing_the_release_every_pair_looks_alike(cohort, monkeypatch):
    """The reason the given code is removed: left in (and every fingerprint compared), it
    dominates honest pairs."""
    monkeypatch.setattr("hwkit.similarity.COMMON_FRACTION", 1.0)
    code = {p.name: notebook_code(p) for p in sorted(cohort.iterdir())}
    kept = rank_pairs(code, given="")
    blank = [p for p in kept if "2026006_a2.ipynb" in (p.first, p.second)]
    assert blank and min(p.similarity for p in blank) > 0.5


def test_the_command_writes_a_ranked_escaped_report(cohort, tmp_path, capsys):
    hostile = cohort.parent / "hostile"
    hostile.mkdir(exist_ok=True)
    release = nbformat.read(RELEASE, as_version=4)
    script = {"sigmoid": "return '</pre><script>alert(1)</script>'"}
    for name in ("<img src=x onerror=alert(1)>_a.ipynb", "=HYPERLINK(1)_b.ipynb"):
        nbformat.write(_fill(release, {**HONEST["2026003"], **script}), hostile / name)
    (hostile / "broken.ipynb").write_text("{not json", encoding="utf-8")
    course = tmp_path / "course"
    argv = ["similarity", "a2", str(cohort), str(hostile), "--course", str(course)]
    assert hwkit_main(argv) == 0
    printed = capsys.readouterr()
    assert "broken.ipynb: not a notebook" in printed.err
    first_line = printed.out.splitlines()[0]
    assert "2026001_a2.ipynb" in first_line or "<img" in first_line
    report = course / "similarity" / "a2"
    index = (report / "index.html").read_text(encoding="utf-8")
    assert "<img src=x" not in index and "&lt;img src=x" in index
    for page in report.glob("pair-*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>" not in text
    with (report / "pairs.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert all(not r["first"].startswith("=") and not r["second"].startswith("=") for r in rows)
    names = {r["first"] for r in rows} | {r["second"] for r in rows}
    assert {"2026001_a2.ipynb", "2026005_a2.ipynb"} <= names
