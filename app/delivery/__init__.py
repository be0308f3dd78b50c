"""A message goes out: claim due notifications, send each through its channel, record every attempt,
retry with a backoff or fall back to the next channel; the sweeper heals what a lost job or a dead
worker left behind.

- drain_lane / deliver_one: a delivery lane's job, and one row by id (deliver.py)
- claim.py -> send.py -> record.py: the steps of a batch
- release_due: scheduled rows whose time has come become queued (schedule.py, run by the watch
  and the sweeper); apply_caps: per-customer caps checked right after a claim (caps.py)
- sweep: recover stuck rows, plan or expire waiting events, re-enqueue lost work (sweeper.py)
- Watch / start_watch: every few seconds, rows of dead claimers given back and forgotten due rows
  woken (watch.py; claims name their process, claimers.py)
- resend / cancel: staff actions on the log (actions.py); apply_evolution: provider receipts (receipts.py)
- check_provider / send_test_message / send_template_test: one real message or check (checks.py)
"""

from app.delivery.actions import (
    CANCELLABLE,
    RESENDABLE,
    ActionResult,
    EventCancellation,
    cancel,
    cancel_event,
    fallback_chain,
    resend,
)
from app.delivery.caps import apply_caps
from app.delivery.checks import check_provider, send_template_test, send_test_message
from app.delivery.claim import claim_due, claim_notification
from app.delivery.claimers import process_claimer
from app.delivery.deliver import deliver_claimed, deliver_due, deliver_one, drain_lane
from app.delivery.receipts import apply_evolution, log_rejected
from app.delivery.record import add_fallback, give_back, record_outcome
from app.delivery.schedule import next_planned, release_due
from app.delivery.sweeper import count_due, overdue_exists, recover_dead_claims, recover_stuck_sending, sweep
from app.delivery.watch import Watch, recover_previous_incarnations, start_embedded_watch, start_watch

__all__ = [
    "CANCELLABLE", "RESENDABLE", "ActionResult", "EventCancellation", "add_fallback", "apply_caps", "apply_evolution", "cancel",
    "cancel_event", "check_provider",
    "claim_due", "claim_notification", "count_due", "deliver_claimed", "deliver_due", "deliver_one", "drain_lane",
    "fallback_chain", "give_back", "log_rejected", "next_planned", "overdue_exists", "process_claimer", "record_outcome",
    "recover_dead_claims", "recover_previous_incarnations", "recover_stuck_sending", "release_due", "resend", "send_template_test",
    "send_test_message", "start_embedded_watch", "start_watch", "sweep", "Watch",
]
