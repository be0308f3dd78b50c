"""Orchestration snapshot: fingerprint-checked refresh, single-flight reloads, invalidation, failures."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.catalog import snapshot
from app.extensions import db
from app.models import NotificationTemplate, PhaseChannelConfig, Workshop
from tests import factories
from tests.clock import ManualClock

TTL = 5.0


@pytest.fixture
def clock(monkeypatch) -> ManualClock:
    fake = ManualClock()
    monkeypatch.setattr(snapshot, "monotonic", fake)
    return fake


@pytest.fixture
def loads(monkeypatch) -> list:
    """Counts load_snapshot calls (one entry per full reload)."""
    calls = []
    original = snapshot.load_snapshot

    def counting(*args, **kwargs):
        calls.append(threading.get_ident())
        return original(*args, **kwargs)

    monkeypatch.setattr(snapshot, "load_snapshot", counting)
    return calls


@pytest.fixture
def setup(app, clock, loads):
    """Committed data, a positive TTL and a first snapshot already cached (one load counted)."""
    app.config["SNAPSHOT_TTL_SECONDS"] = TTL
    data = factories.basic_setup()
    data.shop = factories.workshop(whatsapp_enabled=False)
    db.session.commit()
    snapshot.get_snapshot()
    assert len(loads) == 1
    return data


def template_body(snap, template) -> str:
    return next(t.body for t in snap.templates if t.id == str(template.id))


def repair_channels(snap, setup) -> set[str]:
    key = (str(setup.types["mantenimiento-preventivo"].id), "clients", None)
    return {cell.channel for cell in snap.matrices[key][str(setup.phases["phase-repair"].id)]}


def failing_loader(*args, **kwargs):
    raise RuntimeError("database unavailable")


def test_unchanged_database_is_not_reloaded_after_the_ttl(setup, clock, loads):
    first = snapshot.get_snapshot()
    clock.advance(TTL + 1)
    assert snapshot.get_snapshot() is first
    assert len(loads) == 1


def test_fresh_snapshot_is_served_without_checking_the_fingerprint(setup, clock, monkeypatch):
    checks = []
    monkeypatch.setattr(snapshot, "_fingerprint", lambda conn: checks.append(1))
    clock.advance(TTL - 1)
    snapshot.get_snapshot()
    assert checks == []


def test_edited_template_is_picked_up_after_the_ttl(setup, clock):
    template = setup.templates["mantenimiento-preventivo:phase-repair:email"]
    template.body = "Texto nuevo"
    db.session.commit()
    assert template_body(snapshot.get_snapshot(), template) != "Texto nuevo"
    clock.advance(TTL + 1)
    assert template_body(snapshot.get_snapshot(), template) == "Texto nuevo"


def test_edit_with_an_older_timestamp_than_the_newest_row_is_picked_up(setup, clock):
    # A transaction that flushed early and committed late: its updated_at is not the maximum.
    template = setup.templates["mantenimiento-preventivo:phase-schedule:email"]
    template.body = "Texto tardío"
    db.session.flush()
    template.updated_at = datetime(2020, 1, 1, tzinfo=UTC)
    db.session.commit()
    clock.advance(TTL + 1)
    assert template_body(snapshot.get_snapshot(), template) == "Texto tardío"


def test_deleted_matrix_row_is_picked_up_after_the_ttl(setup, clock):
    cell = db.session.scalar(select(PhaseChannelConfig).where(
        PhaseChannelConfig.config_id == setup.config.id, PhaseChannelConfig.channel == "email",
        PhaseChannelConfig.phase_id == setup.phases["phase-repair"].id,
    ))
    db.session.delete(cell)
    db.session.commit()
    clock.advance(TTL + 1)
    assert repair_channels(snapshot.get_snapshot(), setup) == {"whatsapp", "push"}


def test_workshop_switch_is_picked_up_after_the_ttl(setup, clock):
    db.session.get(Workshop, setup.shop.id).whatsapp_enabled = True
    db.session.commit()
    clock.advance(TTL + 1)
    assert snapshot.get_snapshot().workshop(setup.shop.code).channels["whatsapp"] is True


def test_invalidate_forces_a_reload_before_the_ttl(setup, loads):
    db.session.get(Workshop, setup.shop.id).whatsapp_enabled = True
    db.session.commit()
    snapshot.invalidate()
    assert snapshot.get_snapshot().workshop(setup.shop.code).channels["whatsapp"] is True
    assert len(loads) == 2


def test_invalidate_during_a_reload_forces_another_one(setup, clock, loads, monkeypatch):
    counting = snapshot.load_snapshot

    def invalidated_meanwhile(*args, **kwargs):
        loaded = counting(*args, **kwargs)
        snapshot.invalidate()  # a write committed in another thread while this load ran
        return loaded

    monkeypatch.setattr(snapshot, "load_snapshot", invalidated_meanwhile)
    snapshot.invalidate()
    snapshot.get_snapshot()
    monkeypatch.setattr(snapshot, "load_snapshot", counting)
    snapshot.get_snapshot()
    assert len(loads) == 3


def test_snapshot_older_than_the_max_age_is_reloaded(app, setup, clock, loads):
    app.config["SNAPSHOT_MAX_AGE_SECONDS"] = 60
    clock.advance(61)
    snapshot.get_snapshot()
    assert len(loads) == 2


def test_concurrent_calls_on_a_stale_snapshot_reload_once(app, setup, clock, loads):
    db.session.get(Workshop, setup.shop.id).whatsapp_enabled = True
    db.session.commit()
    clock.advance(TTL + 1)
    threads = 8
    barrier = threading.Barrier(threads)

    def call():
        with app.app_context():
            barrier.wait()
            snapshot.get_snapshot()

    workers = [threading.Thread(target=call) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert len(loads) == 2


def test_other_threads_keep_the_previous_snapshot_during_a_reload(app, setup, clock, loads, monkeypatch):
    previous = snapshot.get_snapshot()
    db.session.get(Workshop, setup.shop.id).whatsapp_enabled = True
    db.session.commit()
    clock.advance(TTL + 1)
    counting = snapshot.load_snapshot
    started, release = threading.Event(), threading.Event()

    def slow(*args, **kwargs):
        started.set()
        release.wait(timeout=30)
        return counting(*args, **kwargs)

    monkeypatch.setattr(snapshot, "load_snapshot", slow)
    results = {}

    def call(name):
        with app.app_context():
            results[name] = snapshot.get_snapshot()

    reloader = threading.Thread(target=call, args=("reloader",))
    reloader.start()
    assert started.wait(timeout=30)
    reader = threading.Thread(target=call, args=("reader",))
    reader.start()
    reader.join(timeout=30)
    release.set()
    reloader.join(timeout=30)
    assert results["reader"] is previous
    assert results["reloader"].workshop(setup.shop.code).channels["whatsapp"] is True


def test_failing_reload_keeps_serving_the_previous_snapshot(setup, clock, monkeypatch):
    previous = snapshot.get_snapshot()
    db.session.get(Workshop, setup.shop.id).whatsapp_enabled = True
    db.session.commit()
    clock.advance(TTL + 1)
    monkeypatch.setattr(snapshot, "load_snapshot", failing_loader)
    assert snapshot.get_snapshot() is previous


def test_failing_reload_is_retried_on_the_next_call(setup, clock, loads, monkeypatch):
    counting = snapshot.load_snapshot
    db.session.get(Workshop, setup.shop.id).whatsapp_enabled = True
    db.session.commit()
    clock.advance(TTL + 1)
    monkeypatch.setattr(snapshot, "load_snapshot", failing_loader)
    snapshot.get_snapshot()
    monkeypatch.setattr(snapshot, "load_snapshot", counting)
    assert snapshot.get_snapshot().workshop(setup.shop.code).channels["whatsapp"] is True


def test_failing_first_load_raises_and_the_next_call_retries(app, clock, loads, monkeypatch):
    app.config["SNAPSHOT_TTL_SECONDS"] = TTL
    monkeypatch.setattr(snapshot, "_cached", None)  # a process that never loaded one
    shop = factories.workshop()
    db.session.commit()
    counting = snapshot.load_snapshot
    monkeypatch.setattr(snapshot, "load_snapshot", failing_loader)
    with pytest.raises(RuntimeError):
        snapshot.get_snapshot()
    monkeypatch.setattr(snapshot, "load_snapshot", counting)
    assert snapshot.get_snapshot().workshop(shop.code) is not None


def test_zero_ttl_reloads_every_call_and_sees_uncommitted_rows(app, loads):
    assert app.config["SNAPSHOT_TTL_SECONDS"] == 0
    snapshot.get_snapshot()
    shop = factories.workshop()  # flushed, not committed
    assert snapshot.get_snapshot().workshop(shop.code) is not None
    assert len(loads) == 2


def test_snapshot_values_match_the_orm_rows(app):
    factories.basic_setup()
    shop = factories.workshop(whatsapp_enabled=False, push_enabled=False, staff_email="taller@example.com")
    factories.template("email", None, None, "Recordatorio", event_type="maintenance_reminder", shop=shop)
    db.session.commit()
    snap = snapshot.load_snapshot()
    orm_templates = db.session.scalars(select(NotificationTemplate)).all()
    assert sorted(snap.templates, key=lambda t: t.id) == sorted(
        (snapshot.template_data(t) for t in orm_templates), key=lambda t: t.id)
    info = snap.workshop(str(shop.id))
    assert info == snapshot.WorkshopInfo(
        str(shop.id), shop.code, shop.name, shop.staff_email, shop.staff_whatsapp,
        {c: shop.channel_enabled(c) for c in ("email", "whatsapp", "push")},
    )
