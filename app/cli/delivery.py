"""Running the delivery machinery: RQ worker and scheduler, sweeper, reminders, provider checks."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from rq.cron import CronScheduler

from app import delivery, records
from app.channels import CHANNELS
from app.channels.pool import close_all
from app.channels.push import generate_vapid_keys
from app.config import ROOT
from app.queue import QUEUES, run_scheduler, run_worker, runner


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--queues", default="notifications,sync,maintenance,webhooks", show_default=True)
@click.option("--with-scheduler", is_flag=True,
              help="Also fork RQ's scheduler for timed retries (only where no `flask scheduler` process runs).")
@with_appcontext
def worker_command(burst: bool, queues: str, with_scheduler: bool) -> None:
    """An RQ worker on the app's queues, inside the app context (non-forking SimpleWorker); it
    rides out Redis outages and runs the watch (app/queue/processes.py, app/delivery/watch.py).
    Timed retries are moved to their queue by the `scheduler` process."""
    jobs = runner()
    if jobs.mode != "rq":
        raise click.ClickException("REDIS_URL is not set: jobs run in-process, no worker is needed.")
    jobs.preload()
    delivery.process_claimer()  # hold the liveness lock before the first claim
    try:
        run_worker(current_app._get_current_object(), [q.strip() for q in queues.split(",")], burst,
                   current_app.config["LOG_LEVEL"], start_watch=delivery.start_watch, with_scheduler=with_scheduler)
    finally:
        close_all()


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """RQ's cron scheduler with jobs/cron.py (run exactly one), and the mover of timed retries
    (enqueue_at) to their queues; rides out Redis outages."""
    jobs = runner()
    if jobs.mode != "rq":
        raise click.ClickException("REDIS_URL is not set: the embedded scheduler runs inside `serve`.")

    def make_scheduler():
        cron = CronScheduler(connection=jobs.redis, logging_level=current_app.config["LOG_LEVEL"])
        cron.load_config_from_file(str(ROOT / "jobs" / "cron.py"))
        return cron

    run_scheduler(current_app._get_current_object(), make_scheduler, start_watch=delivery.start_watch,
                  timed_queues=QUEUES)


@click.command("retry-failed")
@with_appcontext
def retry_failed_command() -> None:
    """Sweep now: recover stuck rows, expire waits, and wake the delivery lanes before exiting;
    prints what it did (`lanes_woken`: the lanes whose job it enqueued)."""
    jobs = runner()
    result = delivery.sweep()
    if jobs.mode != "rq":
        jobs.shutdown()  # in-process jobs: deliver before the process exits
    click.echo(json.dumps(result, indent=2))
    if jobs.mode == "rq" and not jobs.ping():
        raise click.ClickException("Redis is not answering: no delivery job was enqueued. The rows stay due; "
                                   "run this again once Redis answers (the workers also wake them by themselves).")


@click.command("check-reminders")
@with_appcontext
def check_reminders_command() -> None:
    """Dispatch maintenance reminders that are due now (by date or by kilometres)."""
    click.echo(json.dumps(records.check_maintenance_reminders(force=True), indent=2))


@click.command("send-test")
@click.argument("channel", type=click.Choice(CHANNELS))
@click.argument("address")
@with_appcontext
def send_test_command(channel: str, address: str) -> None:
    """Send one test message to check a provider's configuration; prints the outcome."""
    result = delivery.send_test_message(channel, address)
    click.echo(f"{channel}: {result.outcome}")
    if result.provider_message_id:
        click.echo(f"provider message id: {result.provider_message_id}")
    if not result.ok:
        click.echo(f"error: {result.error_code} {result.error_message}")
        sys.exit(1)


@click.command("generate-vapid-keys")
def generate_vapid_keys_command() -> None:
    """Print a new VAPID key pair for VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY."""
    public, private = generate_vapid_keys()
    click.echo(f"VAPID_PUBLIC_KEY={public}")
    click.echo(f"VAPID_PRIVATE_KEY={private}")


COMMANDS = (worker_command, scheduler_command, retry_failed_command, check_reminders_command,
            send_test_command, generate_vapid_keys_command)
