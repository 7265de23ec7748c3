"""``manifest.json``: what ``hwkit build`` promises ``hwkit grade`` about one autograder zip.

The manifest and the zip beside it are the one contract between the two stages: the zip
holds the tests (otter's format, split into setup / probe / verdict) and the files they
use; the manifest says, for every test case, its question, points, whether it is hidden and
the message students see, plus each question's functions and the zip's fingerprint. Both
are read through this module only.
"""

import hashlib
import json
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class CaseRecord:
    """One test case: ``question`` ("q3"), ``index`` (0-based within the question), ``name``
    (otter's "q3 - 2"), ``points``, ``hidden``, ``failure_message`` (students see it when a
    hidden case fails; "" for public cases, whose own assertion message is shown)."""

    question: str
    index: int
    name: str
    points: float
    hidden: bool
    failure_message: str = ""

    @property
    def key(self) -> str:
        """How the grader names the case everywhere: ``<question>-<index>``."""
        return f"{self.question}-{self.index}"


@dataclass(frozen=True)
class Manifest:
    """One build of one assignment.

    - autograder_sha256: ``fingerprint`` of the zip (stable across rebuilds of one master)
    - max_score: the sum of every case's points
    - question_functions: the functions each question's solution defines ({"q2": [...]})
    """

    assignment: str
    title: str
    autograder_sha256: str
    max_score: float
    question_functions: dict[str, list[str]] = field(default_factory=dict)
    test_cases: tuple[CaseRecord, ...] = ()

    def write(self, path: Path) -> Path:
        data = asdict(self)
        data["test_cases"] = [asdict(case) for case in self.test_cases]
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
        return path

    @classmethod
    def read(cls, path: Path) -> "Manifest":
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: run `hwkit build` first")
        data = json.loads(path.read_text(encoding="utf-8"))
        cases = tuple(CaseRecord(**case) for case in data.pop("test_cases"))
        return cls(**data, test_cases=cases)


class ManifestMismatch(ValueError):
    """The manifest does not describe the zip beside it (a stale or hand-edited build)."""


def read_build(autograder_zip: Path, assignment_id: str) -> Manifest:
    """The manifest beside ``autograder_zip``, after checking that it describes this zip of
    this assignment; ``ManifestMismatch`` (with the fix) otherwise."""
    manifest = Manifest.read(autograder_zip.parent / MANIFEST_NAME)
    if manifest.assignment != assignment_id:
        raise ManifestMismatch(f"{autograder_zip.parent / MANIFEST_NAME} is the manifest of "
                               f"{manifest.assignment!r}, not {assignment_id!r}: run "
                               f"`hwkit build {assignment_id}`")
    if fingerprint(autograder_zip) != manifest.autograder_sha256:
        raise ManifestMismatch(f"{autograder_zip} is not the zip its manifest.json describes "
                               "(a zip or manifest changed after the build): run "
                               f"`hwkit build {assignment_id}` again")
    return manifest


def fingerprint(autograder_zip: Path) -> str:
    """sha256 over the zip's member names and contents: stable across rebuilds of one master
    (the zip file itself carries timestamps)."""
    digest = hashlib.sha256()
    with zipfile.ZipFile(autograder_zip) as zf:
        for name in sorted(zf.namelist()):
            digest.update(name.encode() + b"\0" + zf.read(name) + b"\0")
    return digest.hexdigest()
