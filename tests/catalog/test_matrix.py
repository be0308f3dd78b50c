"""Matrix editing: all-or-nothing cell updates, phase initialisation, workshop copies."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.catalog import matrix
from app.extensions import db
from app.models import OrchestrationConfig, PhaseChannelConfig
from tests import factories


@pytest.fixture
def setup(app):
    return factories.basic_setup()


def cell_of(config, phase, channel) -> PhaseChannelConfig:
    return db.session.scalar(
        select(PhaseChannelConfig).where(
            PhaseChannelConfig.config_id == config.id,
            PhaseChannelConfig.phase_id == phase.id,
            PhaseChannelConfig.channel == channel,
        )
    )


def test_update_matrix_switches_a_cell_off_and_sets_its_template(setup):
    phase = setup.phases["phase-repair"]
    chosen = setup.templates["mantenimiento-preventivo:phase-repair:email"]
    matrix.update_matrix(
        setup.config.id,
        [
            {"phase_id": str(phase.id), "channel": "email", "enabled": False, "template_id": str(chosen.id)},
        ],
    )
    db.session.expire_all()
    cell = cell_of(setup.config, phase, "email")
    assert (cell.enabled, cell.template_id) == (False, chosen.id)


def test_update_matrix_accepts_phase_slugs(setup):
    matrix.update_matrix(
        str(setup.config.id), [{"phase_id": "phase-delivery", "channel": "push", "enabled": False}]
    )
    db.session.expire_all()
    assert cell_of(setup.config, setup.phases["phase-delivery"], "push").enabled is False


def test_update_matrix_leaves_unmentioned_cells_alone(setup):
    matrix.update_matrix(
        setup.config.id, [{"phase_id": "phase-delivery", "channel": "push", "enabled": False}]
    )
    db.session.expire_all()
    assert cell_of(setup.config, setup.phases["phase-delivery"], "email").enabled is True


def test_update_matrix_creates_a_missing_cell(setup):
    db.session.delete(cell_of(setup.config, setup.phases["phase-quality"], "whatsapp"))
    db.session.commit()
    matrix.update_matrix(
        setup.config.id, [{"phase_id": "phase-quality", "channel": "whatsapp", "enabled": True}]
    )
    assert cell_of(setup.config, setup.phases["phase-quality"], "whatsapp").enabled is True


def test_one_invalid_cell_changes_nothing(setup):
    with pytest.raises(matrix.MatrixError) as caught:
        matrix.update_matrix(
            setup.config.id,
            [
                {"phase_id": "phase-repair", "channel": "email", "enabled": False},
                {"phase_id": "phase-repair", "channel": "fax", "enabled": False},
            ],
        )
    assert caught.value.errors == {"cells[1].channel": "must be one of email, whatsapp, push"}
    db.session.expire_all()
    assert cell_of(setup.config, setup.phases["phase-repair"], "email").enabled is True


def test_unknown_phase_is_reported_by_field(setup):
    with pytest.raises(matrix.MatrixError) as caught:
        matrix.update_matrix(setup.config.id, [{"phase_id": "no-such-phase", "channel": "email"}])
    assert caught.value.errors == {"cells[0].phase_id": "unknown phase"}


def test_enabled_must_be_a_boolean(setup):
    with pytest.raises(matrix.MatrixError) as caught:
        matrix.update_matrix(
            setup.config.id, [{"phase_id": "phase-repair", "channel": "email", "enabled": "yes"}]
        )
    assert "cells[0].enabled" in caught.value.errors


def test_template_for_another_channel_is_refused(setup):
    wrong = setup.templates["mantenimiento-preventivo:phase-repair:whatsapp"]
    with pytest.raises(matrix.MatrixError) as caught:
        matrix.update_matrix(
            setup.config.id,
            [{"phase_id": "phase-repair", "channel": "email", "enabled": True, "template_id": str(wrong.id)}],
        )
    assert "channel whatsapp" in caught.value.errors["cells[0].template_id"]


def test_template_for_another_phase_is_refused(setup):
    wrong = setup.templates["mantenimiento-preventivo:phase-delivery:email"]
    with pytest.raises(matrix.MatrixError) as caught:
        matrix.update_matrix(
            setup.config.id,
            [{"phase_id": "phase-repair", "channel": "email", "enabled": True, "template_id": str(wrong.id)}],
        )
    assert caught.value.errors["cells[0].template_id"] == "template is for another phase"


def test_template_of_another_service_type_is_refused(setup):
    wrong = setup.templates["averia-revision:phase-repair:email"]
    with pytest.raises(matrix.MatrixError) as caught:
        matrix.update_matrix(
            setup.config.id,
            [{"phase_id": "phase-repair", "channel": "email", "enabled": True, "template_id": str(wrong.id)}],
        )
    assert "does not match" in caught.value.errors["cells[0].template_id"]


def test_another_workshops_template_is_refused_for_a_global_config(setup):
    shop = factories.workshop()
    own = factories.template(
        "email", setup.types["mantenimiento-preventivo"], setup.phases["phase-repair"], "Hola", shop=shop
    )
    db.session.commit()
    with pytest.raises(matrix.MatrixError):
        matrix.update_matrix(
            setup.config.id,
            [{"phase_id": "phase-repair", "channel": "email", "enabled": True, "template_id": str(own.id)}],
        )


def test_unknown_template_id_is_refused(setup):
    with pytest.raises(matrix.MatrixError) as caught:
        matrix.update_matrix(
            setup.config.id,
            [
                {
                    "phase_id": "phase-repair",
                    "channel": "email",
                    "template_id": "00000000-0000-0000-0000-000000000001",
                }
            ],
        )
    assert caught.value.errors["cells[0].template_id"] == "unknown template"


def test_duplicate_cells_are_refused(setup):
    cell = {"phase_id": "phase-repair", "channel": "email", "enabled": True}
    with pytest.raises(matrix.MatrixError) as caught:
        matrix.update_matrix(setup.config.id, [cell, dict(cell)])
    assert "cells[1]" in caught.value.errors


def test_unknown_config_raises_config_not_found(app):
    with pytest.raises(matrix.ConfigNotFound):
        matrix.update_matrix("not-a-uuid", [])


def test_update_matrix_refreshes_the_snapshot(setup):
    from app.catalog import get_snapshot

    app_snapshot = get_snapshot()
    key = (str(setup.types["mantenimiento-preventivo"].id), "clients", None)
    phase_id = str(setup.phases["phase-repair"].id)
    assert all(c.enabled for c in app_snapshot.matrices[key][phase_id])
    matrix.update_matrix(setup.config.id, [{"phase_id": phase_id, "channel": "email", "enabled": False}])
    cells = {c.channel: c.enabled for c in get_snapshot().matrices[key][phase_id]}
    assert cells["email"] is False


def test_initialize_phases_creates_only_missing_cells_switched_off(app):
    setup = factories.basic_setup()
    config = factories.matrix(
        setup.types["averia-frenos"], "staff", {setup.phases["phase-repair"]: {"email": True}}
    )
    db.session.commit()
    assert matrix.initialize_phases(config.id) == 14
    assert matrix.initialize_phases(config.id) == 0
    cells = db.session.scalars(
        select(PhaseChannelConfig).where(PhaseChannelConfig.config_id == config.id)
    ).all()
    assert sum(c.enabled for c in cells) == 1


def test_copy_from_global_copies_every_cell_for_the_workshop(setup):
    shop = factories.workshop()
    phase = setup.phases["phase-repair"]
    matrix.update_matrix(setup.config.id, [{"phase_id": str(phase.id), "channel": "push", "enabled": False}])
    copy = matrix.copy_from_global(setup.types["mantenimiento-preventivo"].id, "clients", shop.id)
    assert copy.workshop_id == shop.id
    assert len(copy.cells) == 15
    assert cell_of(copy, phase, "push").enabled is False


def test_copy_from_global_refuses_a_second_copy(setup):
    shop = factories.workshop()
    stype = setup.types["mantenimiento-preventivo"]
    matrix.copy_from_global(stype.id, "clients", shop.id)
    with pytest.raises(matrix.MatrixError) as caught:
        matrix.copy_from_global(stype.id, "clients", shop.id)
    assert "workshop_id" in caught.value.errors
    count = db.session.scalars(
        select(OrchestrationConfig).where(OrchestrationConfig.workshop_id == shop.id)
    ).all()
    assert len(count) == 1


def test_copy_from_global_without_a_global_config_is_refused(setup):
    shop = factories.workshop()
    with pytest.raises(matrix.MatrixError) as caught:
        matrix.copy_from_global(setup.types["averia-frenos"].id, "clients", shop.id)
    assert "config" in caught.value.errors


def test_workshop_config_may_choose_its_own_template(setup):
    shop = factories.workshop()
    stype, phase = setup.types["mantenimiento-preventivo"], setup.phases["phase-repair"]
    own = factories.template("email", stype, phase, "Hola {{Nombre}}", shop=shop, name="propia")
    db.session.commit()
    copy = matrix.copy_from_global(stype.id, "clients", shop.id)
    matrix.update_matrix(
        copy.id, [{"phase_id": str(phase.id), "channel": "email", "template_id": str(own.id)}]
    )
    assert cell_of(copy, phase, "email").template_id == own.id
