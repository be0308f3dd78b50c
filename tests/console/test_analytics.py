"""Analítica: charts over a date range, served with our own plotly.js."""

from pathlib import Path

import plotly

from app.console.vendor import plotly_basic

from app.extensions import db
from tests.console.builders import notification

PAGE = "/admin/analytics/"
BUNDLED = plotly_basic()[0]


def test_anonymous_analytics_redirects_to_login(console):
    assert "/login" in console.get(PAGE).headers["Location"]


def test_viewer_sees_every_chart(signed_in):
    client = signed_in("viewer")
    notification("email", "sent")
    notification("whatsapp", "failed", error_code="number_not_on_whatsapp")
    db.session.commit()
    html = client.get(PAGE).get_data(as_text=True)
    for chart in ("chart-volume", "chart-rate", "chart-errors", "chart-latency", "chart-health"):
        assert f'id="{chart}"' in html
    assert "number_not_on_whatsapp" in html


def test_analytics_loads_plotly_from_our_static_route_not_a_cdn(signed_in):
    html = signed_in("viewer").get(PAGE).get_data(as_text=True)
    assert f'src="/static/vendor/plotly-basic-{BUNDLED}.min.js" defer' in html
    assert "cdn.plot.ly" not in html


def test_the_basic_bundle_is_the_plotly_js_version_the_plotly_package_was_built_for():
    with open(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", encoding="utf-8") as full:
        header = full.read(200)
    assert f"plotly.js v{BUNDLED}" in header


def test_the_basic_bundle_is_served_small_with_a_long_cache_lifetime(client):
    response = client.get(f"/static/vendor/plotly-basic-{BUNDLED}.min.js")
    assert response.status_code == 200 and len(response.get_data()) < 1_500_000
    assert response.cache_control.max_age == 365 * 86400
    assert client.get("/static/vendor/plotly-basic-0.0.1.min.js").status_code == 404


def test_the_charts_speak_spanish_and_explain_failures(signed_in):
    client = signed_in("viewer")
    notification("whatsapp", "failed", error_code="whatsapp_not_configured")
    db.session.commit()
    html = client.get(PAGE).get_data(as_text=True)
    assert "(hora local)" in html and "Tasa de entrega (%)" in html  # figure JSON escapes accents
    explained = html.split('data-testid="failure-explanations"')[1]
    assert "WhatsApp no está configurado." in explained and "whatsapp_not_configured" in explained


def test_a_reversed_date_range_is_reported_on_the_form(signed_in):
    response = signed_in("viewer").get(PAGE + "?start=2026-03-10&end=2026-03-01")
    assert response.status_code == 400
    assert "La fecha final es anterior a la inicial." in response.get_data(as_text=True)


def test_a_date_range_over_a_year_is_refused(signed_in):
    response = signed_in("viewer").get(PAGE + "?start=2024-01-01&end=2026-03-01")
    assert response.status_code == 400
    assert "366 días" in response.get_data(as_text=True)


def test_an_unparseable_date_is_reported(signed_in):
    response = signed_in("viewer").get(PAGE + "?start=yesterday")
    assert response.status_code == 400
    assert "invalid-feedback" in response.get_data(as_text=True)


def test_a_valid_range_counts_only_rows_inside_it(signed_in):
    client = signed_in("viewer")
    notification("email", "sent")
    db.session.commit()
    html = client.get(PAGE + "?start=2020-01-01&end=2020-01-31").get_data(as_text=True)
    assert 'class="stat-value text-dark">0<' in html


def test_an_admin_recomputes_the_days_of_the_range(app, signed_in):
    from datetime import timedelta

    from app import analytics
    from app.models import NotificationDailyStat

    client = signed_in("admin")
    yesterday = analytics.today() - timedelta(days=1)
    analytics.refresh_days(yesterday, yesterday)  # computed before the import below
    db.session.commit()
    created = analytics.day_range(yesterday, yesterday)[0] + timedelta(hours=12)
    notification("email", "sent", created_at=created)  # history imported afterwards
    db.session.commit()
    html = client.get(PAGE).get_data(as_text=True)
    assert 'data-testid="recompute"' in html
    response = client.post(PAGE + "recompute", data={"start": yesterday.isoformat()}, follow_redirects=True)
    assert "Recálculo de los últimos 1 días" in response.get_data(as_text=True)
    stats = db.session.scalars(db.select(NotificationDailyStat).where(NotificationDailyStat.day == yesterday)).all()
    assert sum(s.count for s in stats) == 1


def test_only_admins_may_recompute(signed_in):
    client = signed_in("operator")
    assert 'data-testid="recompute"' not in client.get(PAGE).get_data(as_text=True)
    assert client.post(PAGE + "recompute", data={}).status_code == 403
