"""``hwkit similarity``: which submissions share code that the release did not give them.

Each notebook's code cells are joined in order (shell and magic lines dropped) and
fingerprinted with copydetect (winnowed k-grams of the token stream in which every variable,
function and class name is one letter, so renaming changes nothing, and fingerprints are a
set, so reordering cells changes nothing). The release's own code is boilerplate: its
fingerprints are removed from everyone's, so the given skeleton never makes two students look
alike. Candidate pairs come from an inverted index of fingerprints (only pairs sharing any
fingerprint are compared, not all n² of a MOOC cohort); each pair is scored by copydetect's
``compare_files`` as the larger of the two shares (the part of one student's own code found in
the other's) and ranked, highest first.

A notebook is hostile input: it is read with a size limit, its code is cut at
``MAX_CODE_CHARS``, and one that cannot be read is listed, never raised.
"""

import io
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from copydetect import CodeFingerprint, compare_files

from hwkit.grading.notebook_file import read_notebook

NOISE_TOKENS = 25        # copydetect's noise threshold: shorter shared runs are not counted
WINDOW = 1               # winnow window (1: every k-gram; copydetect's default)
MAX_CODE_CHARS = 200_000
COMMON_FRACTION = 0.5    # a fingerprint in more than this share of notebooks is "common"


@dataclass(frozen=True)
class Pair:
    """Two submissions and what they share.

    - similarity: max(first_share, second_share), in [0, 1]
    - first_share: fraction of ``first``'s own (non-given) code that is also in ``second``
    - slices: (first, second) copied character ranges in each one's code, 2×N int arrays
    """

    first: str
    second: str
    similarity: float
    first_share: float
    second_share: float
    shared_tokens: int
    slices: tuple = field(repr=False, compare=False, default=())


@dataclass
class Corpus:
    """Every submission's own code (name → code) and those that could not be read (name, why)."""

    code: dict[str, str] = field(default_factory=dict)
    unreadable: list[tuple[str, str]] = field(default_factory=list)


def notebook_code(path: Path) -> str:
    """The notebook's code cells in order, joined by blank lines, without ``%``/``!`` lines.

    Raises ValueError (with why) when the file cannot be read or is not a notebook (the
    grader's own bounded reader, ``hwkit.grading.notebook_file.read_notebook``)."""
    notebook, problem = read_notebook(path)
    if notebook is None:
        raise ValueError(problem)
    cells = []
    for cell in notebook.get("cells", []):
        source = cell.get("source", "") if isinstance(cell, dict) else ""
        if cell.get("cell_type") == "code" and isinstance(source, str):
            lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
            cells.append("\n".join(lines))
    return "\n\n".join(cells)[:MAX_CODE_CHARS]


def read_corpus(entries: list[tuple[str, Path]]) -> Corpus:
    """``notebook_code`` of every (name, path); unreadable ones are listed with why."""
    corpus = Corpus()
    for name, path in entries:
        try:
            corpus.code[name] = notebook_code(path)
        except (OSError, ValueError) as error:
            corpus.unreadable.append((name, str(error)))
    return corpus


def _fingerprint(code: str, boilerplate=None) -> CodeFingerprint:
    return CodeFingerprint("code.py", NOISE_TOKENS, WINDOW, boilerplate=boilerplate,
                           language="python", fp=io.StringIO(code))


def given_fingerprints(release_code: str) -> np.ndarray:
    """The release's k-gram hashes (every k-gram: nothing given may count as shared)."""
    return np.unique(np.array(list(_fingerprint(release_code).hashes), dtype=np.int64))


def rank_pairs(code: dict[str, str], given: str) -> list[Pair]:
    """Every pair of submissions that shares code not in ``given``, most similar first."""
    boilerplate = given_fingerprints(given) if given else None
    prints = {name: _fingerprint(text, boilerplate) for name, text in sorted(code.items())}
    holders: dict[int, list[str]] = defaultdict(list)
    for name, fingerprint in prints.items():
        for value in fingerprint.hashes:
            holders[value].append(name)
    common = max(2, int(COMMON_FRACTION * len(prints)))
    candidates = set()
    for names in holders.values():
        if len(names) <= common:  # shared by (nearly) everyone: the task's obvious code
            candidates.update(itertools.combinations(names, 2))
    pairs = []
    for first, second in sorted(candidates):
        tokens, (share1, share2), slices = compare_files(prints[first], prints[second])
        if tokens:
            pairs.append(Pair(first, second, float(max(share1, share2)), float(share1),
                              float(share2), int(tokens), slices))
    pairs.sort(key=lambda p: (-p.similarity, -p.shared_tokens, p.first, p.second))
    return pairs


@dataclass(frozen=True)
class SimilarityOutput:
    """What ``similarity_report`` found and wrote."""

    pairs: list[Pair]
    index: Path
    submissions: int
    unreadable: list[tuple[str, str]]


def similarity_report(assignment_id: str, inputs: list[Path], release_notebook: Path,
                      course_dir: Path, top: int = 100) -> SimilarityOutput:
    """Rank ``inputs``' submissions (``hwkit.intake``: folders, zips, files) by shared
    code beyond ``release_notebook``'s; write ``<course>/similarity/<id>/``."""
    from hwkit.intake import UNPACK_FOLDER, collect
    from hwkit.similarity.report import write_report

    intake = collect(inputs, Path(course_dir) / UNPACK_FOLDER)
    corpus = read_corpus([(entry.name, entry.path) for entry in intake.entries])
    given = notebook_code(release_notebook) if release_notebook.is_file() else ""
    pairs = rank_pairs(corpus.code, given)
    index = write_report(pairs, corpus.code, Path(course_dir) / "similarity" / assignment_id,
                         assignment_id, corpus.unreadable + intake.not_graded, top)
    return SimilarityOutput(pairs, index, len(corpus.code), corpus.unreadable)
