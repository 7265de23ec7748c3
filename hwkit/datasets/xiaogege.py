"""The 「小哥哥是否受欢迎」 dataset: is a young man popular, given his height and salary?

Fifty rows, ``X: (50, 2) float64, [height m, salary 元/月]`` and ``y: (50,) int64`` in {0, 1}.
The first five rows are the ones printed on the lecture slide. The other 45 are synthetic,
drawn from a seeded generator and built so that the statistics of all 50 rows reproduce the
slide's mean-normalised values ``(X - μ) / (Xmax - Xmin)`` to the digits printed there.

The shipped CSV (``data/xiaogege.csv``) is rebuilt byte for byte with::

    python -m hwkit.datasets.xiaogege
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hwkit.datapaths import SHIPPED_DATA_DIR

SEED = 2017
N_ROWS = 50
CSV_COLUMNS = ("height_m", "salary_yuan_per_month", "popular")
CSV_NAME = "xiaogege.csv"
REBUILD_HINT = "rebuild it with `python -m hwkit.datasets.xiaogege`"

# Stored precision (decimal places) per column; the slide's raw values fit it.
DECIMALS = (6, 3)

# The five rows printed on the slide, raw values exactly as printed; all are popular (1).
SLIDE_ROWS = (
    (1.95252, 8962.728),
    (1.753169, 6875.233),
    (1.86274, 11199.48),
    (1.752128, 9702.441),
    (1.712846, 9525.321),
)
SLIDE_LABELS = (1, 1, 1, 1, 1)

# The slide's mean-normalised values, as printed. The slide prints 8 characters per value,
# so the one negative value has only 5 decimals (-0.0590857... is shown as -0.05909).
SLIDE_NORMALISED_PRINTED = (
    (0.427262, 0.264914),
    (0.022738, 0.073273),
    (0.24508, 0.470257),
    (0.020626, 0.332822),
    (-0.05909, 0.316562),
)
SLIDE_PRINTED_DECIMALS = ((6, 6), (6, 6), (6, 6), (6, 6), (5, 6))

# The same values at full precision (the vanishing-gradient experiment starts from these).
SLIDE_NORMALISED_FULL = (
    (0.42726183643262816, 0.26491365101710074),
    (0.022738348122339595, 0.07327263834999487),
    (0.24508024911229243, 0.47025690528852293),
    (0.020625885863829768, 0.3328224388374417),
    (-0.0590857100936783, 0.3165621031353404),
)

# Column minimum per column (the maximum is minimum + fitted range). Chosen so that the
# slide rows lie inside [min, max] and both ends are plausible.
COLUMN_MIN = (1.5, 1800.0)

# Sampling of the 45 synthetic rows: height ~ N(mean, sd) m, salary ~ lognormal 元/月.
HEIGHT_MEAN, HEIGHT_SD = 1.735, 0.07
SALARY_LOG_MEAN, SALARY_LOG_SD = 8.59, 0.35

# Label rule on the mean-normalised features (h, s), then a few flips among the 45 rows.
RULE_THRESHOLD = -0.15
LABEL_FLIPS = 4


def _units(decimals: int) -> int:
    return 10**decimals


def fit_slide_stats() -> tuple[np.ndarray, np.ndarray]:
    """Least-squares fit of ``raw = μ + R · norm_full`` on the five slide rows, per column.

    Returns ``(mu, range_)``, each ``(2,) float64``: [height m, salary 元/月].
    """
    raw = np.array(SLIDE_ROWS)
    norm = np.array(SLIDE_NORMALISED_FULL)
    norm_c = norm - norm.mean(axis=0)
    range_ = (norm_c * (raw - raw.mean(axis=0))).sum(axis=0) / (norm_c**2).sum(axis=0)
    mu = raw.mean(axis=0) - range_ * norm.mean(axis=0)
    return mu, range_


def _column_stats(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and max − min per column of ``X: (n, 2)``."""
    return X.mean(axis=0), X.max(axis=0) - X.min(axis=0)


def _normalise(X: np.ndarray, mu: np.ndarray, range_: np.ndarray) -> np.ndarray:
    return (X - mu) / range_


def _balanced_column(
    free: np.ndarray, fixed_sum: int, target_sum: int, lo: int, hi: int
) -> np.ndarray:
    """Shift the integer column ``free`` so that it sums to ``target_sum - fixed_sum``.

    Values stay inside the open interval (lo, hi); the rounding remainder goes to the last
    value. Works in integer units of the stored precision, so the sum is exact.
    """
    values = free.astype(np.int64)
    wanted = target_sum - fixed_sum
    for _ in range(50):
        shift = (wanted - values.sum()) / len(values)
        values = np.clip(np.rint(values + shift).astype(np.int64), lo + 1, hi - 1)
        if abs(wanted - values.sum()) < len(values):
            break
    values[-1] += wanted - values.sum()
    if not lo < values[-1] < hi:
        raise RuntimeError("could not balance the column mean inside (min, max)")
    return values


def _build_column(column: int, samples: np.ndarray, mu: float, range_: float) -> np.ndarray:
    """One stored column, ``(50,) int64`` in units of its stored precision.

    The five slide values come first; among the 45 ``samples`` the smallest becomes the
    column min, the largest the column max (min + range), and the others are shifted so the
    column mean is ``mu``.
    """
    unit = _units(DECIMALS[column])
    slide = np.array([round(row[column] * unit) for row in SLIDE_ROWS], dtype=np.int64)
    lo = round(COLUMN_MIN[column] * unit)
    hi = lo + round(range_ * unit)
    if not (lo <= slide.min() and slide.max() <= hi):
        raise RuntimeError("slide rows must lie inside [min, max]")
    i_lo, i_hi = int(np.argmin(samples)), int(np.argmax(samples))
    others = np.ones(len(samples), dtype=bool)
    others[[i_lo, i_hi]] = False
    synthetic = np.empty(len(samples), dtype=np.int64)
    synthetic[i_lo], synthetic[i_hi] = lo, hi
    synthetic[others] = _balanced_column(
        np.rint(samples[others] * unit),
        fixed_sum=int(slide.sum()) + lo + hi,
        target_sum=round(N_ROWS * mu * unit),
        lo=lo,
        hi=hi,
    )
    return np.concatenate([slide, synthetic])


def _labels(X: np.ndarray) -> np.ndarray:
    """Noise-free rule: popular iff neither height nor salary is much below average.

    ``X: (n, 2)`` raw; returns ``(n,) int64``. On the mean-normalised features (h, s) the
    popular region is the quadrant h > -0.15 and s > -0.15, which no single line separates.
    """
    mu, range_ = _column_stats(X)
    h, s = _normalise(X, mu, range_).T
    return ((h > RULE_THRESHOLD) & (s > RULE_THRESHOLD)).astype(np.int64)


def slide_rounding_margins(X: np.ndarray) -> np.ndarray:
    """How far each normalised slide value lies inside the rounding interval of its print.

    Uses the statistics of the whole ``X: (50, 2)``. Returns ``(5, 2)``: half a unit of the
    printed last decimal minus the distance to the printed value; every entry must be
    positive for the slide values to round as printed.
    """
    mu, range_ = _column_stats(X)
    norm = _normalise(np.array(SLIDE_ROWS), mu, range_)
    half_unit = 0.5 * 10.0 ** -np.array(SLIDE_PRINTED_DECIMALS)
    return half_unit - np.abs(norm - np.array(SLIDE_NORMALISED_PRINTED))


def generate(seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """The dataset, deterministic from ``seed``.

    Returns ``X: (50, 2) float64, [height m, salary 元/月]`` at stored precision (6 and 3
    decimals) and ``y: (50,) int64`` in {0, 1}. Rows 0-4 are the slide rows, labelled 1.
    """
    rng = np.random.default_rng(seed)
    n_synthetic = N_ROWS - len(SLIDE_ROWS)
    heights = rng.normal(HEIGHT_MEAN, HEIGHT_SD, n_synthetic)
    salaries = rng.lognormal(SALARY_LOG_MEAN, SALARY_LOG_SD, n_synthetic)
    mu, range_ = fit_slide_stats()
    X = np.empty((N_ROWS, 2))
    for column, samples in enumerate((heights, salaries)):
        stored = _build_column(column, samples, mu[column], range_[column])
        # int / 10**d is correctly rounded, so it equals the float parsed from the CSV text.
        X[:, column] = stored / _units(DECIMALS[column])
    if (slide_rounding_margins(X) <= 0).any():
        raise RuntimeError("the slide's normalised values do not round as printed")

    y = _labels(X)
    flipped = len(SLIDE_ROWS) + rng.choice(n_synthetic, size=LABEL_FLIPS, replace=False)
    y[flipped] = 1 - y[flipped]
    y[: len(SLIDE_ROWS)] = SLIDE_LABELS
    return X, y


def write_csv(path: str | Path, X: np.ndarray, y: np.ndarray) -> None:
    """Write ``X: (n, 2)`` and ``y: (n,)`` as CSV with a header and fixed decimals."""
    lines = [",".join(CSV_COLUMNS)]
    lines += [f"{h:.6f},{s:.3f},{int(label)}" for (h, s), label in zip(X, y, strict=True)]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


def default_path() -> Path:
    """Where the kit ships the CSV: ``data/xiaogege.csv`` in the project."""
    return SHIPPED_DATA_DIR / CSV_NAME


def load(path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Read the CSV: ``X: (n, 2) float64, [height m, salary 元/月]``, ``y: (n,) int64``.

    Raises ``FileNotFoundError`` if the file is missing and ``ValueError`` if it is malformed;
    both messages name the file and how to rebuild it.
    """
    path = Path(path) if path is not None else default_path()
    if not path.is_file():
        raise FileNotFoundError(f"xiaogege dataset not found at {path}; {REBUILD_HINT}")
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or tuple(lines[0].strip().split(",")) != CSV_COLUMNS:
        raise ValueError(f"{path}: expected header {','.join(CSV_COLUMNS)!r}; {REBUILD_HINT}")
    try:
        rows = [_parse_row(line) for line in lines[1:] if line.strip()]
    except ValueError as err:
        raise ValueError(f"{path}: malformed row ({err}); {REBUILD_HINT}") from err
    if not rows:
        raise ValueError(f"{path}: no data rows; {REBUILD_HINT}")
    X = np.array([row[:2] for row in rows], dtype=np.float64)
    y = np.array([row[2] for row in rows], dtype=np.int64)
    return X, y


def _parse_row(line: str) -> tuple[float, float, int]:
    fields = line.split(",")
    if len(fields) != len(CSV_COLUMNS):
        raise ValueError(f"expected {len(CSV_COLUMNS)} fields in {line!r}")
    label = int(fields[2])
    if label not in (0, 1):
        raise ValueError(f"label must be 0 or 1 in {line!r}")
    return float(fields[0]), float(fields[1]), label


def main() -> None:
    X, y = generate(SEED)
    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(path, X, y)
    print(f"wrote {len(y)} rows ({int(y.sum())} popular), seed {SEED}, to {path}")


if __name__ == "__main__":
    main()
