"""Notificaciones: list and filters, detail, resend/cancel with roles and CSRF, CSV export."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import Notification
from app.models.base import utcnow
from tests.console.builders import attempt, event, notification

LIST = "/admin/notifications/"


def _status(row_id) -> str:
    db.session.expire_all()
    return db.session.get(Notification, row_id).status


def test_anonymous_log_redirects_to_login(console):
    assert "/login" in console.get(LIST).headers["Location"]


def test_viewer_sees_the_log_with_status_badges(signed_in):
    client = signed_in("viewer")
    notification("email", "failed", recipient="ana@example.com")
    db.session.commit()
    html = client.get(LIST).get_data(as_text=True)
    assert "ana@example.com" in html
    assert 'data-status="failed"' in html


def test_log_filters_by_channel(signed_in):
    client = signed_in("viewer")
    notification("email", "sent", recipient="mail@example.com")
    notification("whatsapp", "sent", recipient="+593991111111")
    db.session.commit()
    html = client.get(LIST + "?flt0_0=whatsapp").get_data(as_text=True)
    assert "+593991111111" in html and "mail@example.com" not in html


def test_log_filters_by_status_and_correlation_id(signed_in):
    client = signed_in("viewer")
    ev = event("corr-abc")
    notification("email", "failed", ev=ev, recipient="one@example.com")
    notification("email", "sent", ev=ev, recipient="two@example.com")
    notification("email", "failed", recipient="three@example.com")
    db.session.commit()
    html = client.get(LIST + "?flt0_1=failed&flt1_5=corr-abc").get_data(as_text=True)
    assert "one@example.com" in html
    assert "two@example.com" not in html and "three@example.com" not in html


def test_log_filters_by_date_range(signed_in):
    client = signed_in("viewer")
    notification("email", "sent", created_at=utcnow() - timedelta(days=20), recipient="old@example.com")
    from app.analytics import day_range, today

    # A second into today's local day: a row made "5 minutes ago" is yesterday's just after midnight.
    notification("email", "sent", recipient="new@example.com",
                 created_at=day_range(today(), today())[0] + timedelta(seconds=1))
    db.session.commit()
    day = today().isoformat()
    html = client.get(LIST + f"?flt0_3={day}+to+{day}").get_data(as_text=True)
    assert "new@example.com" in html and "old@example.com" not in html


def test_log_filters_by_event_type_and_customer(signed_in):
    client = signed_in("viewer")
    notification("email", "sent", ev=event(event_type="vehicle_ready", customer_ref="c-9"), recipient="x@example.com")
    notification("email", "sent", recipient="y@example.com")
    db.session.commit()
    html = client.get(LIST + "?flt0_2=vehicle_ready&flt1_4=c-9").get_data(as_text=True)
    assert "x@example.com" in html and "y@example.com" not in html


def test_an_invalid_filter_value_is_reported_not_a_500(signed_in):
    client = signed_in("viewer")
    response = client.get(LIST + "?flt0_3=not-a-date")
    assert response.status_code == 200


def test_log_is_newest_first_without_an_exact_count(signed_in):
    client = signed_in("viewer")
    notification("email", "sent", created_at=utcnow() - timedelta(hours=3), recipient="older@example.com")
    notification("email", "sent", recipient="newer@example.com")
    db.session.commit()
    html = client.get(LIST).get_data(as_text=True)
    assert html.index("newer@example.com") < html.index("older@example.com")
    assert "≈ 2 en el registro" in html


def test_empty_log_shows_an_empty_state(signed_in):
    html = signed_in("viewer").get(LIST).get_data(as_text=True)
    assert "No hay notificaciones con estos filtros." in html


def test_detail_shows_message_attempts_and_fallback_chain(signed_in):
    client = signed_in("viewer")
    ev = event()
    first = notification("email", "failed", ev=ev, error_code="smtp_550", html_body="<p>Hola <b>Carlos</b></p>")
    attempt(first, 1, "transient", "smtp_421", "421 try later")
    attempt(first, 2, "permanent", "smtp_550", "550 mailbox unavailable")
    second = notification("whatsapp", "sent", ev=ev, parent=first, body="Hola Carlos por WhatsApp")
    db.session.commit()
    html = client.get(f"{LIST}details/?id={first.id}").get_data(as_text=True)
    assert 'srcdoc="&lt;p&gt;Hola &lt;b&gt;Carlos&lt;/b&gt;&lt;/p&gt;"' in html
    assert "421 try later" in html and "550 mailbox unavailable" in html
    assert f"details/?id={second.id}" in html


def test_detail_of_an_unknown_id_goes_back_to_the_list(signed_in):
    response = signed_in("viewer").get(f"{LIST}details/?id=not-a-uuid")
    assert response.status_code == 302


def test_viewer_sees_no_resend_button_and_cannot_resend(signed_in):
    client = signed_in("viewer")
    row = notification("email", "failed")
    db.session.commit()
    assert 'data-testid="resend"' not in client.get(f"{LIST}details/?id={row.id}").get_data(as_text=True)
    assert client.post(f"{LIST}resend/", data={"id": str(row.id)}).status_code == 403
    assert _status(row.id) == "failed"


def test_operator_resends_a_failed_notification(signed_in, app):
    app.extensions["avisos_jobs"].mode = "manual"
    client = signed_in("operator")
    row = notification("email", "failed", attempts=4, max_attempts=4)
    db.session.commit()
    response = client.post(f"{LIST}resend/", data={"id": str(row.id)})
    assert response.status_code == 302
    db.session.expire_all()
    fresh = db.session.get(Notification, row.id)
    assert (fresh.status, fresh.error_code, fresh.max_attempts) == ("queued", "", 8)
    assert [args for _, args in app.extensions["avisos_jobs"].pending] == [(str(row.id),)]


def test_resend_without_csrf_token_is_refused(signed_in):
    client = signed_in("operator")
    row = notification("email", "failed")
    db.session.commit()
    response = client.client.post(f"{LIST}resend/", data={"id": str(row.id)})
    assert response.status_code == 400
    assert _status(row.id) == "failed"


def test_resending_a_sent_notification_is_refused_with_a_message(signed_in):
    client = signed_in("operator")
    row = notification("email", "sent")
    db.session.commit()
    html = client.post(f"{LIST}resend/", data={"id": str(row.id)}, follow_redirects=True).get_data(as_text=True)
    assert "Solo se pueden reenviar notificaciones fallidas." in html
    assert _status(row.id) == "sent"


def test_operator_cancels_a_queued_notification(signed_in):
    client = signed_in("operator")
    row = notification("push", "queued")
    db.session.commit()
    client.post(f"{LIST}cancel/", data={"id": str(row.id)})
    assert _status(row.id) == "cancelled"


def test_bulk_actions_resend_and_cancel_only_eligible_rows(signed_in, app):
    app.extensions["avisos_jobs"].mode = "manual"
    client = signed_in("operator")
    failed, sent, queued = notification("email", "failed"), notification("email", "sent"), notification("push", "queued")
    db.session.commit()
    client.post(f"{LIST}action/", data={"action": "resend", "rowid": [str(failed.id), str(sent.id)]})
    client.post(f"{LIST}action/", data={"action": "cancel", "rowid": [str(queued.id), str(sent.id)]})
    assert (_status(failed.id), _status(sent.id), _status(queued.id)) == ("queued", "sent", "cancelled")


def test_viewer_bulk_action_is_refused(signed_in):
    client = signed_in("viewer")
    row = notification("push", "queued")
    db.session.commit()
    client.post(f"{LIST}action/", data={"action": "cancel", "rowid": [str(row.id)]})
    assert _status(row.id) == "queued"


def test_csv_export_follows_the_filters(signed_in):
    client = signed_in("viewer")
    notification("email", "failed", recipient="bad@example.com")
    notification("email", "sent", recipient="good@example.com")
    db.session.commit()
    response = client.get(LIST + "export/csv/?flt0_1=failed")
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert "bad@example.com" in body and "good@example.com" not in body


def test_csv_export_neutralises_spreadsheet_formulas(signed_in):
    client = signed_in("viewer")
    notification("email", "sent", recipient="=HYPERLINK(\"http://evil\")", subject="@SUM(A1)",
                 error_reason="\r-2+3")
    db.session.commit()
    body = client.get(LIST + "export/csv/").get_data(as_text=True)
    assert "\"'=HYPERLINK" in body and ";'@SUM(A1);" in body and "\"'\r-2+3\"" in body


def test_csv_export_is_written_by_the_shared_writer(signed_in, monkeypatch):
    from app.data_io import cells

    seen = []
    original = cells.neutralise
    monkeypatch.setattr(cells, "neutralise", lambda value: seen.append(value) or original(value))
    client = signed_in("viewer")
    notification("email", "sent", recipient="ana@example.com")
    db.session.commit()
    client.get(LIST + "export/csv/").get_data(as_text=True)
    assert "ana@example.com" in seen


def test_log_cannot_create_edit_or_delete_rows(signed_in):
    client = signed_in("admin")
    row = notification("email", "sent")
    db.session.commit()
    assert client.get(f"{LIST}new/").status_code in (302, 403)
    assert client.post(f"{LIST}delete/", data={"id": str(row.id)}).status_code in (302, 403)
    assert _status(row.id) == "sent"
