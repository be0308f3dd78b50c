"""Template versions: every save of a template keeps its text as a numbered version, whoever saved
it (console, API, CLI, seeding, duplicates). The current text is always the newest version, so the
previous ones are the history; dispatch records the version each notification was rendered from.

A SQLAlchemy `before_flush` hook does the keeping, so no write path can skip it. Restoring a version
is a save like any other (it becomes the newest version, marked as restored from its number).
Pruning keeps the newest TEMPLATE_VERSIONS_KEEP per template plus every version a notification
references.
"""

from __future__ import annotations

import difflib
import uuid
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import delete, event, exists, func, inspect, select
from sqlalchemy.orm import Session

from app import audit
from app.catalog import snapshot
from app.extensions import db
from app.models import Notification, NotificationTemplate, TemplateVersion
from app.models.base import utcnow

# The fields a version keeps; a save that changes none of them makes no version.
VERSIONED = ("name", "subject", "body", "html_body", "is_active")
DEFAULT_KEEP = 50


def actor() -> str:
    """Who is saving, as a version records it: the console user's email, "api:<key name>", "cli"
    or "system" — the audit log's actor (one answer to "who"), in the version history's words."""
    who = audit.current_actor()
    if who.kind == "api_key":
        return f"api:{who.label}"
    if who.kind in ("anonymous", "internal"):
        return "system"
    return who.label or "system"


def _changed(template: NotificationTemplate) -> bool:
    state = inspect(template)
    return any(state.attrs[name].history.has_changes() for name in VERSIONED)


@event.listens_for(Session, "before_flush")
def _keep_versions(session: Session, flush_context, instances) -> None:
    templates = [o for o in session.new if isinstance(o, NotificationTemplate)]
    templates += [o for o in session.dirty if isinstance(o, NotificationTemplate) and _changed(o)]
    for template in templates:
        _new_version(session, template)


def _new_version(session: Session, template: NotificationTemplate) -> None:
    if template.id is None:
        template.id = uuid.uuid4()
    number = (template.version_number or 0) + 1
    restored_from = getattr(template, "_restoring", None)
    version = TemplateVersion(
        id=uuid.uuid4(), template_id=template.id, number=number, name=template.name or "",
        subject=template.subject or "", body=template.body or "", html_body=template.html_body or "",
        is_active=template.is_active if template.is_active is not None else True,
        created_by=(actor() or "system")[:254], restored_from=restored_from, created_at=utcnow(),
    )
    template.version_number, template.current_version_id = number, version.id
    template._restoring = None
    session.add(version)
    if template not in session.new:
        _prune(session, template.id, number)


def _keep() -> int:
    value = current_app.config.get("TEMPLATE_VERSIONS_KEEP", DEFAULT_KEEP) if has_app_context() else DEFAULT_KEEP
    return max(1, int(value))


def _prune(session: Session, template_id: uuid.UUID, newest: int) -> None:
    """Delete versions older than the newest `keep` (the one being added counts) that no notification
    references."""
    cutoff = newest - _keep()
    if cutoff < 1:
        return
    referenced = exists().where(Notification.template_version_id == TemplateVersion.id)
    with session.no_autoflush:
        session.execute(
            delete(TemplateVersion)
            .where(TemplateVersion.template_id == template_id, TemplateVersion.number <= cutoff, ~referenced)
            .execution_options(synchronize_session=False)
        )


def history(template_id: uuid.UUID) -> list[TemplateVersion]:
    """A template's kept versions, newest first."""
    return list(db.session.scalars(
        select(TemplateVersion).where(TemplateVersion.template_id == template_id)
        .order_by(TemplateVersion.number.desc())
    ))


def get_version(version_id: uuid.UUID) -> TemplateVersion | None:
    return db.session.get(TemplateVersion, version_id)


def count_versions(template_id: uuid.UUID) -> int:
    return db.session.scalar(select(func.count()).select_from(TemplateVersion)
                             .where(TemplateVersion.template_id == template_id)) or 0


def restore(template: NotificationTemplate, version: TemplateVersion) -> TemplateVersion:
    """Put the version's text back (a new version, marked as restored from that number); commits."""
    if version.template_id != template.id:
        raise LookupError("the version belongs to another template")
    template._restoring = version.number
    with audit.named_action("restore"):  # the audit log's entry says "restore", not "update"
        for name in VERSIONED:
            setattr(template, name, getattr(version, name))
        if not _changed(template):
            # Same text as now: still recorded, so the history (and the audit log) shows the restore.
            _new_version(db.session, template)
            audit.record("template", template.id, "restore", label=template.name,
                         changes={"restored_from": version.number})
        db.session.commit()
    snapshot.invalidate()
    return db.session.get(TemplateVersion, template.current_version_id)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # same | added | removed
    text: str


def diff(old: str, new: str) -> list[DiffLine]:
    """Line diff from `old` (a version) to `new` (the current text)."""
    lines = []
    for line in difflib.ndiff((old or "").splitlines(), (new or "").splitlines()):
        code, text = line[:2], line[2:]
        if code == "? ":
            continue
        lines.append(DiffLine({"  ": "same", "+ ": "added", "- ": "removed"}[code], text))
    return lines


def version_json(version: TemplateVersion) -> dict:
    return {
        "id": str(version.id), "template_id": str(version.template_id) if version.template_id else None,
        "number": version.number,
        "name": version.name, "subject": version.subject, "body": version.body, "html_body": version.html_body,
        "is_active": version.is_active, "created_by": version.created_by, "restored_from": version.restored_from,
        "created_at": version.created_at.isoformat().replace("+00:00", "Z") if version.created_at else None,
    }
