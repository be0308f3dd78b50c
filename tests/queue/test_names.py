"""app/queue/names.py: every job app/ enqueues by name is an RQ entry point in jobs/."""

import inspect

import pytest

from app.queue import JOB_NAMES, QUEUES, SCHEDULE, resolve_job


@pytest.mark.parametrize("name", JOB_NAMES)
def test_each_job_name_is_a_function_in_jobs(name):
    function = resolve_job(name)
    assert inspect.isfunction(function) and name.startswith("jobs.")
    assert inspect.unwrap(function).__module__ == name.rpartition(".")[0]


def test_the_schedule_names_known_jobs_on_known_queues():
    assert {p.job for p in SCHEDULE} <= set(JOB_NAMES)
    assert {p.queue for p in SCHEDULE} <= set(QUEUES)
