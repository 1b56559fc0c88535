"""The background queue on a real Redis, run by RQ's in-process worker."""

from __future__ import annotations

import threading

import pytest
from redis import Redis
from rq import Queue

from quizapp import jobs
from tests.helpers import TEST_REDIS, get_user, work


@pytest.fixture
def learner(session, make_user) -> int:
    make_user("trainee@example.com")
    return get_user("trainee@example.com").id


def test_a_job_runs_once_and_reports_its_result(session, redis, learner):
    key = str(learner)
    assert jobs.state(redis, "optimize", key=key).status == "none"
    first, queued = jobs.enqueue(redis, "optimize", key=key, user_id=learner)
    assert queued and first.status == "queued" and first.active
    again, queued_again = jobs.enqueue(redis, "optimize", key=key, user_id=learner)
    assert not queued_again and again.id == first.id
    assert Queue(jobs.QUEUE, connection=redis).count == 1

    work(redis)
    done = jobs.state(redis, "optimize", key=key)
    assert done.status == "finished" and not done.active
    assert done.result["stored"] is False
    assert "at least 512" in done.result["message"]

    # Once finished, the same job can be queued again.
    _, queued_after = jobs.enqueue(redis, "optimize", key=key, user_id=learner)
    assert queued_after


def test_concurrent_enqueues_start_one_job(session, redis, learner):
    barrier = threading.Barrier(8)
    outcomes: list[bool] = []

    def enqueue() -> None:
        connection = Redis.from_url(TEST_REDIS)
        barrier.wait()
        outcomes.append(jobs.enqueue(connection, "optimize", key="race", user_id=learner)[1])
        connection.close()

    threads = [threading.Thread(target=enqueue) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False] * 7 + [True]
    assert Queue(jobs.QUEUE, connection=redis).count == 1


def test_a_failing_job_is_reported_and_can_be_retried(session, redis):
    jobs.enqueue(redis, "optimize", key="gone", learner=1)  # no such argument
    work(redis)
    failed = jobs.state(redis, "optimize", key="gone")
    assert failed.status == "failed" and failed.error
    assert jobs.enqueue(redis, "optimize", key="gone", user_id=1)[1]


def test_unknown_job_names_are_refused(redis):
    with pytest.raises(KeyError):
        jobs.enqueue(redis, "format-disk", key="1")
