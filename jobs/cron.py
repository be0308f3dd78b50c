"""RQ cron registrations, loaded by `flask --app wsgi scheduler` (run exactly one scheduler):
the periodic jobs of app/queue/schedule.py."""

from rq import cron

from app.queue import SCHEDULE, resolve_job

for periodic in SCHEDULE:
    cron.register(resolve_job(periodic.job), queue_name=periodic.queue, interval=periodic.every,
                  job_timeout=periodic.timeout)
