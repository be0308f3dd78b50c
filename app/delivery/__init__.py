"""A message goes out: claim due notifications, send each through its channel, record every attempt,
retry with a backoff or fall back to the next channel; the sweeper heals what a lost job or a dead
worker left behind.

- drain_lane / deliver_one: a delivery lane's job, and one row by id (deliver.py)
- claim.py -> send.py -> record.py: the steps of a batch
- sweep: recover stuck rows, plan or expire waiting events, re-enqueue lost work (sweeper.py)
- resend / cancel: staff actions on the log (actions.py); apply_evolution: provider receipts (receipts.py)
- check_provider / send_test_message / send_template_test: one real message or check (checks.py)
"""

from app.delivery.actions import CANCELLABLE, RESENDABLE, ActionResult, cancel, fallback_chain, resend
from app.delivery.checks import check_provider, send_template_test, send_test_message
from app.delivery.claim import claim_due, claim_notification
from app.delivery.deliver import deliver_claimed, deliver_due, deliver_one, drain_lane
from app.delivery.receipts import apply_evolution, log_rejected
from app.delivery.record import add_fallback, record_outcome
from app.delivery.sweeper import count_due, recover_stuck_sending, sweep

__all__ = [
    "CANCELLABLE", "RESENDABLE", "ActionResult", "add_fallback", "apply_evolution", "cancel", "check_provider",
    "claim_due", "claim_notification", "count_due", "deliver_claimed", "deliver_due", "deliver_one", "drain_lane",
    "fallback_chain", "log_rejected", "record_outcome", "recover_stuck_sending", "resend", "send_template_test",
    "send_test_message", "sweep",
]
