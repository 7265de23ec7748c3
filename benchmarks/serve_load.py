"""Load on ``hwkit serve`` over loopback: a deadline burst of A2 uploads, graded for real.

``S`` students upload ``N`` distinct A2 notebooks (the samples of ``hwkit.builder.samples``, each
made unique by one extra markdown cell, so no result is reused) spread evenly over
``--burst-s`` seconds, at most ``--concurrency`` requests in flight (httpx's async client).
While the queue drains, every student polls their submission every ``--poll-s`` seconds and a
few visitors reload ``/leaderboard`` and ``/me``: those requests' latencies are the page
latency under grading load. Stops when every submission is graded or at ``--max-minutes``.

Prints: uploads accepted (202) and refused, every submission graded exactly once (gradebook
runs per name), p50/p95/max latency per route, submissions per hour (graded ÷ first upload to
last grade). Needs the A2 build (``hwkit build a2``).

    .venv/bin/python benchmarks/serve_load.py --students 200 --uploads 400 --burst-s 120
"""

import argparse
import asyncio
import csv
import hashlib
import io
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx
import nbformat

from hwkit.assignments import get_assignment
from hwkit.builder.samples import write_samples
from hwkit.gradebook import Gradebook
from hwkit.gradebook.course_records import Student


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def notebooks(count: int, folder: Path, seed: int) -> list[bytes]:
    """``count`` distinct A2 submissions cycling through the samples (not the non-notebook)."""
    a2 = get_assignment("a2")
    release = Path("assignments/a2") / a2.master.name
    solution = a2.autograder_dir / "a2-solution.ipynb"
    samples = write_samples("a2", release, solution, folder)
    pool = [nbformat.read(p, as_version=4) for n, p in sorted(samples.items())
            if n != "not_a_notebook"]
    rng = random.Random(seed)
    out = []
    for n in range(count):
        notebook = rng.choice(pool)
        notebook.cells.append(nbformat.v4.new_markdown_cell(f"upload {n}"))
        out.append(nbformat.writes(notebook).encode("utf-8"))
        notebook.cells.pop()
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def run(args: argparse.Namespace, base: str, tokens: dict[str, str], ta_token: str,
              data: list[bytes]):
    latencies: dict[str, list[float]] = defaultdict(list)
    codes: Counter = Counter()
    refusals: Counter = Counter()
    limit = asyncio.Semaphore(args.concurrency)
    students = sorted(tokens)
    ids: dict[int, str] = {}
    done = asyncio.Event()

    async def timed(client, route, method, url, **kw):
        async with limit:
            start = time.perf_counter()
            response = await client.request(method, url, **kw)
            latencies[route].append(time.perf_counter() - start)
            return response

    async def submit(client, n):
        await asyncio.sleep(n * args.burst_s / len(data))
        student = students[n % len(students)]
        response = await timed(client, "POST /api/v1/submissions", "POST",
                               "/api/v1/submissions",
                               headers={"Authorization": f"Bearer {tokens[student]}"},
                               data={"assignment": "a2"},
                               files={"notebook": (f"{student}.ipynb", data[n])})
        codes[response.status_code] += 1
        if response.status_code == 202:
            ids[response.json()["id"]] = student
        else:
            refusals[response.text[:200]] += 1

    async def poll(client, student):
        headers = {"Authorization": f"Bearer {tokens[student]}"}
        while not done.is_set():
            await asyncio.sleep(args.poll_s * (0.5 + random.random()))
            await timed(client, "GET /api/v1/submissions", "GET", "/api/v1/submissions",
                        headers=headers)

    async def visit(client):
        while not done.is_set():
            await asyncio.sleep(1.0 + random.random())
            await timed(client, "GET /leaderboard", "GET", "/leaderboard")

    async def watch(client, started):
        ta = {"Authorization": f"Bearer {ta_token}"}
        while time.monotonic() - started < args.max_minutes * 60:
            await asyncio.sleep(2)
            if len(ids) + sum(n for c, n in codes.items() if c != 202) < len(data):
                continue
            queue = (await client.get("/ta/queue.csv", headers=ta)).text
            phases = Counter(r["status"] for r in csv.DictReader(io.StringIO(queue)))
            print(f"  {time.monotonic() - started:6.0f} s  {dict(phases)}", flush=True)
            if not phases.get("queued") and not phases.get("running"):
                break
        done.set()

    async with httpx.AsyncClient(base_url=base, timeout=120,
                                 limits=httpx.Limits(max_connections=args.concurrency)) as c:
        started = time.monotonic()
        tasks = [asyncio.create_task(submit(c, n)) for n in range(len(data))]
        tasks += [asyncio.create_task(poll(c, s)) for s in students]
        tasks += [asyncio.create_task(visit(c)) for _ in range(args.visitors)]
        await watch(c, started)
        elapsed = time.monotonic() - started
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for text, n in refusals.items():
        print(f"  refused ×{n}: {text}")
    return latencies, codes, ids, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--uploads", type=int, default=400)
    parser.add_argument("--burst-s", type=float, default=120.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--poll-s", type=float, default=10.0)
    parser.add_argument("--visitors", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--max-minutes", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="hwkit-serve-load-"))
    course = folder / "course"
    course.mkdir()
    roster = [f"2026{n:04d}" for n in range(args.students)]
    with Gradebook(course / "gradebook.sqlite") as gradebook:
        gradebook.import_roster([Student(s, nickname=f"n{s[-4:]}") for s in roster])
    (course / "course.toml").write_text(
        f"[serve]\nsubmissions_per_day = {max(10, args.uploads // args.students + 1)}\n")
    tokens_csv = subprocess.run([sys.executable, "-m", "hwkit", "roster", "tokens", "--course",
                                 str(course)], capture_output=True, text=True, check=True).stdout
    tokens = {r["student_id"]: r["token"] for r in csv.DictReader(io.StringIO(tokens_csv))}
    data = notebooks(args.uploads, folder / "samples", args.seed)
    port = free_port()
    log = (folder / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "hwkit", "serve", "--course", str(course),
                               "--port", str(port), "--workers", str(args.workers)],
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            if server.poll() is not None:
                raise SystemExit(f"hwkit serve exited: see {folder / 'serve.log'}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        ta_token = (course / "serve" / "ta-token").read_text().strip()
        print(f"serve_load: {args.students} students, {args.uploads} uploads over "
              f"{args.burst_s:.0f} s, {args.workers} graders, {os.cpu_count()} cores", flush=True)
        latencies, codes, ids, elapsed = asyncio.run(run(args, base, tokens, ta_token, data))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(120)
    with Gradebook(course / "gradebook.sqlite") as gradebook:
        runs = gradebook.runs("a2")
    per_name = Counter(r.submission for r in runs)
    graded_ids = {int(name.split("/s", 1)[1].split("_", 1)[0]) for name in per_name}
    starts = sorted(r.started_at for r in runs)
    figures = {
        "accepted": codes.get(202, 0), "refused": {c: n for c, n in codes.items() if c != 202},
        "graded": len(per_name), "graded_exactly_once": set(per_name.values()) == {1}
        and graded_ids == set(ids),
        "wall_s": round(elapsed, 1),
        "submissions_per_hour": round(len(per_name) / elapsed * 3600),
        "first_run_started": starts[0] if starts else "",
        "latency_s": {route: {"n": len(v), "p50": round(statistics.median(v), 3),
                              "p95": round(percentile(v, 0.95), 3), "max": round(max(v), 3)}
                      for route, v in sorted(latencies.items())},
        "scores": dict(Counter(r.score for r in runs)),
        "content_hashes_distinct": len({hashlib.sha256(d).hexdigest() for d in data}),
    }
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    return 0 if figures["graded_exactly_once"] else 1


if __name__ == "__main__":
    sys.exit(main())
