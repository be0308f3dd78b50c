from app.orchestration.planning import (
    Contacts, EventSpec, MatrixCell, Preference, TemplateData, channel_order, choose_template,
    plan_deliveries, plan_fallback,
)

TYPE, SUB, PHASE, SHOP = "type-1", "sub-1", "phase-1", "shop-1"
SPEC = EventSpec("appointment_scheduled", "clients", TYPE, phase_id=PHASE)
ALL = Contacts(email="a@b.ec", whatsapp="593991234567", push_subscriptions=1, push_ref="c-1")


def tpl(id_, channel="email", **kw):
    base = dict(id=id_, name=id_, channel=channel, target="clients", subject="s", body="b",
                service_type_id=TYPE, phase_id=PHASE)
    base.update(kw)
    return TemplateData(**base)


def cells(**enabled):
    return [MatrixCell(c, on) for c, on in enabled.items()]


def test_workshop_template_wins_over_global():
    spec = EventSpec("e", "clients", TYPE, phase_id=PHASE, workshop_id=SHOP)
    chosen = choose_template([tpl("global"), tpl("shop", workshop_id=SHOP)], spec, "email")
    assert chosen.id == "shop"


def test_other_workshops_template_is_never_used():
    assert choose_template([tpl("other", workshop_id="shop-2")], SPEC, "email") is None


def test_subtype_template_wins_over_parent_type():
    spec = EventSpec("e", "clients", TYPE, subtype_id=SUB, phase_id=PHASE)
    chosen = choose_template([tpl("parent"), tpl("sub", subtype_id=SUB)], spec, "email")
    assert chosen.id == "sub"


def test_subtype_template_is_not_used_for_parent_type_event():
    assert choose_template([tpl("sub", subtype_id=SUB)], SPEC, "email") is None


def test_workshop_parent_template_wins_over_global_subtype_template():
    spec = EventSpec("e", "clients", TYPE, subtype_id=SUB, phase_id=PHASE, workshop_id=SHOP)
    chosen = choose_template([tpl("global-sub", subtype_id=SUB), tpl("shop-parent", workshop_id=SHOP)], spec, "email")
    assert chosen.id == "shop-parent"


def test_matrix_choice_breaks_ties():
    chosen = choose_template([tpl("a"), tpl("b")], SPEC, "email", cell_template_id="a")
    assert chosen.id == "a"


def test_inactive_and_other_target_templates_are_ignored():
    templates = [tpl("off", is_active=False), tpl("staff", target="staff")]
    assert choose_template(templates, SPEC, "email") is None


def test_default_channel_order_is_whatsapp_email_push():
    assert channel_order([]) == ["whatsapp", "email", "push"]


def test_default_order_plans_only_channels_the_customer_has_an_address_for():
    templates = [tpl("e", "email"), tpl("w", "whatsapp"), tpl("p", "push")]
    plan = plan_deliveries(SPEC, cells(email=True, whatsapp=True, push=True), templates,
                           Contacts(email="a@b.ec", push_subscriptions=1, push_ref="c"))
    assert [m.channel for m in plan.messages] == ["email", "push"]


def test_preferences_order_and_filter_channels():
    prefs = [Preference("email", True, 1), Preference("whatsapp", False, 2), Preference("push", True, 3)]
    assert channel_order(prefs) == ["email", "push"]


def test_every_enabled_channel_gets_one_message_in_preference_order():
    templates = [tpl("e", "email"), tpl("w", "whatsapp"), tpl("p", "push")]
    plan = plan_deliveries(SPEC, cells(email=True, whatsapp=True, push=True), templates, ALL,
                           [Preference("push", True, 1), Preference("email", True, 2), Preference("whatsapp", True, 3)])
    assert [m.channel for m in plan.messages] == ["push", "email", "whatsapp"]


def test_matrix_disabled_channel_is_not_planned():
    templates = [tpl("e", "email"), tpl("w", "whatsapp")]
    plan = plan_deliveries(SPEC, cells(email=True, whatsapp=False), templates, ALL)
    assert [m.channel for m in plan.messages] == ["email"]


def test_channel_without_address_is_skipped_with_reason():
    templates = [tpl("e", "email"), tpl("w", "whatsapp")]
    plan = plan_deliveries(SPEC, cells(email=True, whatsapp=True), templates, Contacts(email="a@b.ec"))
    assert [m.channel for m in plan.messages] == ["email"]
    assert any(channel == "whatsapp" for channel, _ in plan.skipped)


def test_workshop_switch_off_skips_channel():
    plan = plan_deliveries(SPEC, cells(email=True), [tpl("e")], ALL, workshop_channels={"email": False})
    assert plan.messages == [] and plan.skipped == [("email", "switched off for the workshop")]


def test_all_channels_disabled_gives_reason():
    plan = plan_deliveries(SPEC, cells(email=False), [tpl("e")], ALL)
    assert plan.messages == [] and plan.reasons


def test_event_without_phase_goes_to_best_channel_only():
    spec = EventSpec("maintenance_reminder", "clients", TYPE)
    templates = [tpl("r-e", "email", phase_id=None, service_type_id=None, event_type="maintenance_reminder"),
                 tpl("r-w", "whatsapp", phase_id=None, service_type_id=None, event_type="maintenance_reminder")]
    plan = plan_deliveries(spec, None, templates, ALL)
    assert [(m.channel, m.template.id) for m in plan.messages] == [("whatsapp", "r-w")]


def test_fallback_takes_next_unused_channel_with_its_own_template():
    templates = [tpl("e", "email"), tpl("w", "whatsapp"), tpl("p", "push")]
    planned = plan_fallback(SPEC, ["whatsapp"], templates, ALL)
    assert (planned.channel, planned.template.id, planned.recipient) == ("email", "e", "a@b.ec")


def test_no_fallback_when_every_channel_was_used():
    templates = [tpl("e", "email"), tpl("w", "whatsapp"), tpl("p", "push")]
    assert plan_fallback(SPEC, ["whatsapp", "email", "push"], templates, ALL) is None
