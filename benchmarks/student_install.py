"""Benchmark: what a student's setup costs, per assignment, from its student bundle.

For each assignment: the bundle (``autograder/dist/<id>/<id>-student.zip`` with
``--from-dist``, else made now from the committed release in ``assignments/<id>/`` by
``hwkit.builder.student_bundle``), unzipped into a temporary folder; a fresh venv (no system
site packages); then ``pip install -r requirements.txt`` in the bundle's folder, timed. Prints
the bundle zip's size, the venv's size on disk (``du``), the venv's and the install's seconds,
and how many of pip's downloads it took from its cache (``Using cached``) and how many it
downloaded. Everything is removed afterwards.
Run: `.venv/bin/python benchmarks/student_install.py [a2 a1 a3] [--from-dist]`.
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from hwkit.assignments import ASSIGNMENTS, get_assignment
from hwkit.builder.student_bundle import REQUIREMENTS_NAME, build_student_bundle


def bundle_for(assignment_id: str, from_dist: bool, scratch: Path) -> Path:
    assignment = get_assignment(assignment_id)
    built = assignment.autograder_dir / f"{assignment.id}-student.zip"
    if from_dist:
        if not built.is_file():
            sys.exit(f"{built} not found: run `hwkit build {assignment.id}` first")
        return built
    return build_student_bundle(assignment, assignment.release_dir, scratch)


def du_bytes(path: Path) -> int:
    return int(subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True,
                              check=True).stdout.split()[0])


def measure(assignment_id: str, from_dist: bool, scratch: Path) -> dict:
    """One fresh student setup: sizes in bytes, times in seconds, pip's cache use."""
    bundle = bundle_for(assignment_id, from_dist, scratch / "bundles")
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(scratch / "student")
    folder = scratch / "student" / assignment_id
    venv = scratch / f"venv-{assignment_id}"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    venv_s = time.perf_counter() - started
    started = time.perf_counter()
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--progress-bar", "off",
         "-r", REQUIREMENTS_NAME], cwd=folder, capture_output=True, text=True, timeout=3600)
    install_s = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{assignment_id}: pip install failed:\n{result.stdout[-3000:]}\n"
                 f"{result.stderr[-3000:]}")
    lines = result.stdout.splitlines()
    return {"zip": bundle.stat().st_size, "venv": du_bytes(venv), "venv_s": venv_s,
            "install_s": install_s,
            "cached": sum("Using cached" in line for line in lines),
            "downloaded": sum(line.strip().startswith("Downloading") for line in lines)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    parser.add_argument("--from-dist", action="store_true",
                        help="use the bundles `hwkit build` wrote to autograder/dist/")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}", flush=True)
    print(f"{'id':4} {'zip KiB':>8} {'venv MiB':>9} {'venv s':>7} {'install s':>10} "
          f"{'cached':>7} {'downloaded':>11}", flush=True)
    for assignment_id in args.assignments or sorted(ASSIGNMENTS):
        with tempfile.TemporaryDirectory(prefix=f"student-install-{assignment_id}-") as tmp:
            row = measure(assignment_id, args.from_dist, Path(tmp))
        print(f"{assignment_id:4} {row['zip'] / 1024:8.1f} {row['venv'] / 2**20:9.0f} "
              f"{row['venv_s']:7.1f} {row['install_s']:10.1f} {row['cached']:7d} "
              f"{row['downloaded']:11d}", flush=True)


if __name__ == "__main__":
    main()
