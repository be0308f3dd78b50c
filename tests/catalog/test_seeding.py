"""seed_initial_data: catalog, default templates and matrix; idempotent; --force restores defaults."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.catalog import load_snapshot, seed_initial_data
from app.catalog.seed_data.catalog import PHASE_SLUGS, SUBTYPES, TYPE_SLUGS
from app.catalog.seed_data.templates import OPTIONAL_VARIABLES, all_templates, allowed_variables
from app.channels import CHANNELS
from app.extensions import db
from app.models import NotificationTemplate, OrchestrationConfig, PhaseChannelConfig, ServicePhase, ServiceType
from app.orchestration.planning import EventSpec, choose_template
from app.orchestration.rendering import extract_variables, missing_variables, render_message
from app.orchestration.variables import SAMPLE_CONTEXT

SCHEDULE_WHATSAPP = "Mantenimiento Preventivo · Agendar Cita · WhatsApp (cliente)"


@pytest.fixture
def seeded(app):
    return seed_initial_data()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def global_templates() -> list[NotificationTemplate]:
    return list(db.session.scalars(select(NotificationTemplate).where(NotificationTemplate.workshop_id.is_(None))))


def template_named(name: str) -> NotificationTemplate:
    return db.session.scalars(select(NotificationTemplate).where(NotificationTemplate.name == name)).one()


def all_counts() -> dict[str, int]:
    return {m.__name__: count(m) for m in (ServicePhase, ServiceType, NotificationTemplate, OrchestrationConfig,
                                           PhaseChannelConfig)}


def test_first_run_creates_catalog_templates_and_matrix(seeded):
    assert count(ServicePhase) == 5
    top = db.session.scalars(select(ServiceType).where(ServiceType.parent_id.is_(None))).all()
    assert sorted(t.slug for t in top) == sorted(TYPE_SLUGS)
    subtypes = db.session.scalars(select(ServiceType).where(ServiceType.parent_id.is_not(None))).all()
    assert {t.slug: t.parent.slug for t in subtypes} == {s.slug: s.parent_slug for s in SUBTYPES}
    assert len(subtypes) == 6
    assert count(NotificationTemplate) >= 40
    assert count(OrchestrationConfig) == 10
    assert count(PhaseChannelConfig) == 150
    assert seeded["templates"].created == count(NotificationTemplate)


def test_subtype_pintura_does_not_reuse_the_parent_slug(seeded):
    pintura = db.session.scalars(select(ServiceType).where(ServiceType.name == "Pintura")).one()
    assert pintura.slug == "colision-solo-pintura"
    assert pintura.parent.slug == "colision-pintura"


def test_every_type_and_phase_has_an_active_client_template_per_channel(seeded):
    covered = {
        (t.service_type.slug, t.phase.slug, t.channel)
        for t in global_templates()
        if t.target == "clients" and t.is_active and t.subtype_id is None and t.phase_id is not None
    }
    expected = {(s, p, c) for s in TYPE_SLUGS for p in PHASE_SLUGS for c in CHANNELS}
    assert expected <= covered


def test_every_template_renders_with_the_sample_context(seeded):
    for template in global_templates():
        rendered = render_message(template.subject, template.body, SAMPLE_CONTEXT,
                                  with_html=template.channel == "email")
        assert "{{" not in rendered.subject + rendered.body, template.name


def test_templates_only_need_variables_the_caller_sends_for_their_phase():
    for seed in all_templates():
        needed = set(missing_variables({}, seed.subject, seed.body))
        assert needed <= allowed_variables(seed), (seed.name, needed - allowed_variables(seed))


def test_optional_variables_are_only_used_with_a_default():
    for seed in all_templates():
        used = set(extract_variables(seed.subject, seed.body))
        needed = set(missing_variables({}, seed.subject, seed.body))
        assert not (needed & OPTIONAL_VARIABLES), seed.name
        assert used - needed <= OPTIONAL_VARIABLES, seed.name


def test_push_and_whatsapp_texts_stay_short_and_emails_have_subject_and_link():
    for seed in all_templates():
        rendered = render_message(seed.subject, seed.body, SAMPLE_CONTEXT)
        if seed.channel == "push":
            assert len(rendered.subject) <= 50 and len(rendered.body) <= 120, seed.name
        elif seed.channel == "whatsapp":
            assert len(rendered.body) < 700 and len(seed.body.splitlines()) <= 4, seed.name
        else:
            assert rendered.subject and "\n\n" in seed.body and "{{Enlace}}" in seed.body, seed.name


def test_template_names_and_natural_keys_are_unique():
    seeds = all_templates()
    assert len({s.name for s in seeds}) == len(seeds)
    assert len({s.key for s in seeds}) == len(seeds)


def test_texts_contain_no_emoji():
    for seed in all_templates():
        assert all(ord(ch) < 0x2000 or ch == "›" for ch in seed.name + seed.subject + seed.body), seed.name


def test_second_run_creates_nothing_and_changes_nothing(seeded):
    before = all_counts()
    stamps = {t.id: t.updated_at for t in global_templates()}
    report = seed_initial_data()
    assert not report.changed
    assert all(c.created == 0 for c in report.counts.values())
    assert all_counts() == before
    assert {t.id: t.updated_at for t in global_templates()} == stamps


def test_staff_edit_survives_a_second_run(seeded):
    edited = template_named(SCHEDULE_WHATSAPP)
    edited.body = "Hola {{Nombre}}, le esperamos el {{Fecha}}."
    cell = db.session.scalars(select(PhaseChannelConfig).where(PhaseChannelConfig.enabled.is_(False))).first()
    cell.enabled = True
    db.session.commit()
    seed_initial_data()
    db.session.expire_all()
    assert template_named(SCHEDULE_WHATSAPP).body == "Hola {{Nombre}}, le esperamos el {{Fecha}}."
    assert db.session.get(PhaseChannelConfig, cell.id).enabled is True


def test_a_seeded_template_renamed_by_staff_is_matched_by_its_natural_key(seeded):
    template_named(SCHEDULE_WHATSAPP).name = "Confirmación de cita por WhatsApp"
    db.session.commit()
    before = count(NotificationTemplate)
    report = seed_initial_data()
    assert report["templates"].created == 0
    assert count(NotificationTemplate) == before


def test_force_restores_edited_rows_and_keeps_counts(seeded):
    original = template_named(SCHEDULE_WHATSAPP).body
    before = all_counts()
    template_named(SCHEDULE_WHATSAPP).body = "Texto editado {{Nombre}}"
    db.session.scalars(select(ServicePhase).where(ServicePhase.slug == "phase-repair")).one().name = "Taller"
    db.session.commit()
    report = seed_initial_data(force=True)
    db.session.expire_all()
    assert template_named(SCHEDULE_WHATSAPP).body == original
    assert db.session.scalars(select(ServicePhase).where(ServicePhase.slug == "phase-repair")).one().name == "Reparación"
    assert report["templates"].updated == 1 and report["phases"].updated == 1
    assert all_counts() == before


def test_force_deletes_same_name_duplicates_but_keeps_staff_templates(seeded):
    seeded_row = template_named(SCHEDULE_WHATSAPP)

    def copy(name: str) -> NotificationTemplate:
        row = NotificationTemplate(name=name, channel=seeded_row.channel, target=seeded_row.target,
                                   service_type_id=seeded_row.service_type_id, phase_id=seeded_row.phase_id,
                                   body="Copia {{Nombre}}")
        db.session.add(row)
        return row

    copy(SCHEDULE_WHATSAPP)
    own = copy("Agenda personalizada")
    db.session.commit()
    before = count(NotificationTemplate)
    report = seed_initial_data(force=True)
    assert report["templates"].deleted == 1
    assert count(NotificationTemplate) == before - 1
    assert db.session.get(NotificationTemplate, own.id) is not None
    assert template_named(SCHEDULE_WHATSAPP).id == seeded_row.id


def test_cli_command_prints_the_summary(app):
    result = app.test_cli_runner().invoke(args=["seed-initial-data"])
    assert result.exit_code == 0, result.output
    assert "Fases: 5 creadas, 0 existentes" in result.output
    assert "Configuraciones de orquestación: 10 creadas" in result.output
    again = app.test_cli_runner().invoke(args=["seed-initial-data", "--force"])
    assert again.exit_code == 0 and "Sin cambios" in again.output


def test_planner_picks_a_seeded_client_template_for_every_type_phase_and_channel(seeded):
    snap = load_snapshot()
    for type_slug in TYPE_SLUGS:
        for phase_slug in PHASE_SLUGS:
            spec = EventSpec("phase_update", "clients", snap.types[type_slug].id, phase_id=snap.phases[phase_slug].id)
            for channel in CHANNELS:
                chosen = choose_template(snap.templates, spec, channel)
                assert chosen is not None, (type_slug, phase_slug, channel)
                assert chosen.service_type_id == spec.service_type_id and chosen.phase_id == spec.phase_id


def test_planner_prefers_the_subtype_template_and_falls_back_to_the_parent(seeded):
    snap = load_snapshot()
    parent, frenos = snap.types["averia-revision"], snap.types["averia-frenos"]
    spec = EventSpec("phase_update", "clients", parent.id, subtype_id=frenos.id, phase_id=snap.phases["phase-repair"].id)
    assert choose_template(snap.templates, spec, "whatsapp").subtype_id == frenos.id
    assert choose_template(snap.templates, spec, "push").subtype_id is None


def test_matrix_defaults_turn_on_expected_channels(seeded):
    snap = load_snapshot()
    clients = snap.matrix_for([snap.types["mantenimiento-preventivo"].id], "clients", None)
    staff = snap.matrix_for([snap.types["mantenimiento-preventivo"].id], "staff", None)

    def on(matrix, phase_slug):
        return {c.channel for c in matrix[snap.phases[phase_slug].id] if c.enabled}

    assert on(clients, "phase-schedule") == {"email", "whatsapp", "push"}
    assert on(clients, "phase-repair") == {"whatsapp", "push"}
    assert on(staff, "phase-schedule") == {"email", "whatsapp"}
    assert all("push" not in on(staff, p) for p in PHASE_SLUGS)
    assert all(c.template_id is None for cells in clients.values() for c in cells)


# The phase events the Ambacar PWA sends (client-contract-pwa.md #4), with its context: lowercase,
# unaccented, without fecha/hora, orden and tecnico possibly absent.
PWA_PHASE_EVENTS = [("vehicle_received", "phase-reception"), ("repair_started", "phase-repair"),
                    ("quality_check", "phase-quality"), ("vehicle_ready", "phase-delivery")]
PWA_CONTEXT = {"nombre": "Carlos Mendoza", "vehiculo": "Haval H6", "placa": "PBX1234", "taller": "Ambacar Service"}


@pytest.mark.parametrize("type_slug", ["mantenimiento-preventivo", "averia-revision"])
@pytest.mark.parametrize(("event_type", "phase_slug"), PWA_PHASE_EVENTS)
def test_every_pwa_phase_event_reaches_a_customer_without_push(seeded, type_slug, event_type, phase_slug):
    snap = load_snapshot()
    stype = snap.types[type_slug]
    phase = snap.phases[phase_slug]
    cells = snap.matrix_for([stype.id], "clients", None)[phase.id]
    spec = EventSpec(event_type, "clients", stype.id, phase_id=phase.id)
    context = {**PWA_CONTEXT, "Fase": phase.name, "Servicio": stype.name, "Enlace": "https://app.test"}
    usable = []
    for cell in cells:
        if not cell.enabled or cell.channel == "push":
            continue
        template = choose_template(snap.templates, spec, cell.channel, cell.template_id)
        assert template is not None, (cell.channel, type_slug, phase_slug)
        render_message(template.subject, template.body, context, with_html=cell.channel == "email")
        usable.append(cell.channel)
    assert usable, f"{type_slug} {phase_slug}: only push is enabled"
