"""The live service's queue on SQLite and on a real PostgreSQL server: fair order, one claim per
submission under concurrent workers, and restarts that lose nothing and grade nothing twice."""

import hashlib
import threading
from collections import Counter

import pytest

from hwkit.gradebook import Gradebook
from hwkit.serve.queue import GradeRequest, GradingQueue
from hwkit.serve.store import Store, default_url, fair_order, gradebook_name
from hwkit.serve.tokens import service_dir
from tests.serve_helpers import (
    FakeGrader,
    PostgresServer,
    Running,
    make_course,
    notebook_bytes,
    upload,
    wait_for,
)


@pytest.fixture(scope="module")
def postgres():
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """(course folder, database URL) on either database; each PostgreSQL case its own db."""
    course = make_course(tmp_path / "course")
    if request.param == "sqlite":
        return course, default_url(course)
    server = request.getfixturevalue("postgres")
    import psycopg

    name = f"t{abs(hash(request.node.name)) % 10**9}"
    with psycopg.connect(server.url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return course, server.url.rsplit("/", 1)[0] + f"/{name}"


def test_fair_order_is_round_robin_over_students():
    queued = [(1, "a"), (2, "a"), (3, "a"), (4, "b"), (5, "c"), (6, "b")]
    assert fair_order(queued, Counter()) == [1, 4, 5, 2, 6, 3]
    # a student with one running already waits a round
    assert fair_order(queued, Counter({"a": 1})) == [4, 5, 1, 6, 2, 3]


def test_ten_uploads_of_one_student_do_not_hold_all_workers(database):
    course, url = database
    store = Store.open(url)
    for n in range(10):
        store.add("2026001", "a2", f"{n:064d}", "x.ipynb", now=1000.0 + n)
    late = store.add("2026002", "a2", "f" * 64, "y.ipynb", now=2000.0)
    first, second = store.claim(), store.claim()
    assert (first.student_id, second.id) == ("2026001", late)
    store.close()


def test_migrations_are_idempotent_and_keep_rows(database):
    course, url = database
    store = Store.open(url)
    kept = store.add("2026001", "a2", "a" * 64, "x.ipynb")
    store.close()
    again = Store.open(url)
    assert again.get(kept).status == "queued"
    again.close()


def test_concurrent_workers_never_claim_the_same_submission(database):
    course, url = database
    store = Store.open(url)
    ids = {store.add(f"s{n % 7}", "a2", f"{n:064d}", "x.ipynb") for n in range(60)}
    claimed, lock = [], threading.Lock()

    def worker():
        while (row := store.claim()) is not None:
            with lock:
                claimed.append(row.id)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(ids)  # each exactly once
    store.close()


def _queue(course, url, grader):
    store = Store.open(url)
    return GradingQueue(store, grader, course / "gradebook.sqlite", service_dir(course), 2)


def _store_upload(queue, student, text):
    data = notebook_bytes(text)
    sha = hashlib.sha256(data).hexdigest()
    path = service_dir(queue.gradebook_path.parent) / "uploads" / sha[:2] / f"{sha}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return queue.store.add(student, "a2", sha, "x.ipynb")


def test_restart_mid_queue_loses_nothing_and_grades_nothing_twice(database):
    course, url = database
    grader = FakeGrader()
    first = _queue(course, url, grader)
    ids = [_store_upload(first, f"20260{n % 3 + 1:02d}", f"answer {n} RIGHT") for n in range(6)]
    # the service dies (kill -9) holding two: one before recording, one after recording its run
    died_before = first.store.claim()
    died_after = first.store.claim()
    request = GradeRequest(died_after, first.service_dir / "uploads" / died_after.sha256[:2]
                           / f"{died_after.sha256}.ipynb", gradebook_name(died_after))
    with Gradebook(course / "gradebook.sqlite") as gradebook:
        gradebook.record(grader(request))
    assert first.store.get(died_before.id).status == "running"
    first.store.close()

    second = _queue(course, url, grader)
    assert second.start() == 2
    assert second.wait_idle(30)
    second.stop()
    rows = {r.id: r for r in second.store.all()}
    assert sorted(rows) == sorted(ids) and {r.status for r in rows.values()} == {"graded"}
    assert all(r.score == 5.0 for r in rows.values())
    assert set(grader.calls.values()) == {1}  # the one recorded before the crash: not again
    with Gradebook(course / "gradebook.sqlite") as gradebook:
        names = Counter(r.submission for r in gradebook.runs("a2"))
    assert sorted(names) == sorted(gradebook_name(r) for r in rows.values())
    assert set(names.values()) == {1}
    second.store.close()


def test_stop_drains_what_is_being_graded(database):
    course, url = database
    grader = FakeGrader()
    grader.release.clear()
    queue = _queue(course, url, grader)
    held = _store_upload(queue, "2026001", "SLOW RIGHT")
    waiting = [_store_upload(queue, "2026002", f"later {n}") for n in range(3)]
    queue.busy = [None]  # one worker: it holds the slow one
    queue.start()
    wait_for(lambda: queue.store.get(held).status == "running")
    stopper = threading.Thread(target=queue.stop)
    stopper.start()
    grader.release.set()
    stopper.join(30)
    assert queue.store.get(held).status == "graded"
    assert {queue.store.get(i).status for i in waiting} == {"queued"}  # kept for the next start
    queue.store.close()


def test_the_api_on_either_database(database):
    from fastapi.testclient import TestClient

    course, url = database
    running = Running(course, url)
    me = running.bearer("2026003")
    with TestClient(running.app) as client:
        submitted = upload(client, me, notebook_bytes("RIGHT")).json()
        assert running.queue.wait_idle(30)
        result = client.get(f"/api/v1/submissions/{submitted['id']}", headers=me).json()
        other = client.get(f"/api/v1/submissions/{submitted['id']}",
                           headers=running.bearer("2026001"))
    assert (result["status"], result["score"], other.status_code) == ("graded", 5.0, 404)
    running.store.close()
