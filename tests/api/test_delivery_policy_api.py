"""The delivery policy API: windows, caps, time zone, urgent phases; strategy on configs."""

from tests import factories as f

URL = "/api/v1/notifications/delivery-policy/"
WEEK = {"mon": ["08:00-19:00"], "tue": ["08:00-19:00"], "wed": ["08:00-19:00"], "thu": ["08:00-19:00"],
        "fri": ["08:00-19:00"], "sat": ["08:00-13:00"]}


def test_global_policy_is_stored_and_previewed(client, api_headers, app):
    res = client.put(URL, json={"channels": {"whatsapp": {"hours": WEEK, "closed_dates": ["2026-12-25"],
                                                          "per_minute": 30, "cap_count": 3, "cap_minutes": 30}}},
                     headers=api_headers)
    assert res.status_code == 200, res.get_json()
    whatsapp = res.get_json()["channels"]["whatsapp"]
    assert whatsapp["hours"]["sat"] == ["08:00-13:00"] and whatsapp["cap_count"] == 3
    assert whatsapp["inherited"] is False and whatsapp["preview"]
    assert res.get_json()["channels"]["email"]["hours"] is None


def test_workshop_inherits_the_global_policy_until_it_sets_its_own(client, api_headers, app):
    shop = f.workshop()
    from app.extensions import db
    db.session.commit()
    client.put(URL, json={"channels": {"email": {"hours": WEEK}}}, headers=api_headers)
    res = client.put(URL + "?taller_id=quito-norte", json={"timezone": "America/Santiago",
                                                          "channels": {"whatsapp": {"hours": {"sun": ["10:00-12:00"]}}}},
                     headers=api_headers)
    body = res.get_json()
    assert res.status_code == 200 and body["timezone"] == "America/Santiago" and body["taller_id"] == str(shop.id)
    assert body["channels"]["email"]["inherited"] is True and body["channels"]["email"]["hours"]["mon"]
    assert body["channels"]["whatsapp"]["hours"] == {"sun": ["10:00-12:00"]}


def test_bad_policy_is_refused_naming_the_field(client, api_headers, app):
    res = client.put(URL, json={"channels": {"whatsapp": {"hours": {"lun": ["08:00-19:00"]}}}}, headers=api_headers)
    assert res.status_code == 400 and "channels.whatsapp.hours" in res.get_json()["error"]["fields"]
    res = client.put(URL, json={"timezone": "Mars/Olympus"}, headers=api_headers)
    assert res.status_code == 400 and "timezone" in res.get_json()["error"]["fields"]
    res = client.put(URL, json={"channels": {"whatsapp": {"cap_count": -1}}}, headers=api_headers)
    assert res.status_code == 400


def test_urgent_phases_are_set_by_slug(client, api_headers, app):
    f.basic_setup()
    res = client.put(URL + "urgent-phases/", json={"phases": ["phase-delivery"]}, headers=api_headers)
    assert res.status_code == 200 and res.get_json() == {"phases": ["phase-delivery"],
                                                         "urgent_until": {"phase-delivery": None}}
    assert client.put(URL + "urgent-phases/", json={"phases": ["nope"]}, headers=api_headers).status_code == 400


def test_urgent_phase_until_a_local_hour_is_stored_and_read_back(client, api_headers, app):
    f.basic_setup()
    res = client.put(URL + "urgent-phases/", json={"phases": ["phase-delivery", {"slug": "phase-repair", "until": "21:00"}]},
                     headers=api_headers)
    assert res.status_code == 200, res.get_json()
    body = client.get(URL + "urgent-phases/", headers=api_headers).get_json()
    assert sorted(body["phases"]) == ["phase-delivery", "phase-repair"]
    assert body["urgent_until"] == {"phase-delivery": None, "phase-repair": "21:00"}
    # What was read, put back as it is, keeps the bound.
    assert client.put(URL + "urgent-phases/", json=body, headers=api_headers).get_json()["urgent_until"] == body["urgent_until"]


def test_urgent_phase_with_a_bad_time_is_refused_naming_the_field(client, api_headers, app):
    f.basic_setup()
    res = client.put(URL + "urgent-phases/", json={"phases": [{"slug": "phase-repair", "until": "25:00"}]},
                     headers=api_headers)
    assert res.status_code == 400 and "phases.0.until" in res.get_json()["error"]["fields"]
    res = client.put(URL + "urgent-phases/", json={"phases": ["phase-repair"], "urgent_until": {"phase-repair": "9pm"}},
                     headers=api_headers)
    assert res.status_code == 400 and "urgent_until.phase-repair" in res.get_json()["error"]["fields"]
    assert client.get(URL + "urgent-phases/", headers=api_headers).get_json()["phases"] == []


def test_config_strategy_defaults_to_all_and_accepts_first_available(client, api_headers, app):
    setup = f.basic_setup()
    url = f"/api/v1/notifications/orchestration/{setup.config.id}/"
    assert client.get(url, headers=api_headers).get_json()["strategy"] == "all"
    res = client.patch(url, json={"strategy": "first_available", "reminder_hours_before": 24}, headers=api_headers)
    assert res.status_code == 200, res.get_json()
    assert (res.get_json()["strategy"], res.get_json()["reminder_hours_before"]) == ("first_available", 24)
    assert client.patch(url, json={"strategy": "one"}, headers=api_headers).status_code == 400
