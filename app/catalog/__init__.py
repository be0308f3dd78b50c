"""What staff configure: phases and service types, workshops, templates and the orchestration matrix,
and the per-process snapshot of them that dispatch reads instead of querying (snapshot.py).

- get_snapshot / invalidate_snapshot:  the cached catalog, templates and matrix (and the fresh load)
- templates:  listing, validated writes, previews, the lookup by context (templates.py); the
              editor's live preview, warnings and copies (template_tools.py)
- versions:   every save keeps a numbered version (who, when); history, diff, restore (versions.py)
- matrix:     validated cell edits, phase initialisation, workshop copies (matrix.py)
- seed_initial_data: the initial catalog, templates and matrix (seeding.py, seed_data/)
- policies:   send windows, backlog rates, caps, time zones and urgent phases as staff edit them
              (policies.py)
- sync_phases / set_vehicle_phase_order: the core's phase catalogue sync (phases.py)
"""

from app.catalog.matrix import (
    CellChange,
    ConfigNotFound,
    MatrixError,
    copy_from_global,
    create_config,
    find_config,
    get_config,
    initialize_phases,
    matching_templates_query,
    update_matrix,
    validate_cells,
)
from app.catalog.phases import PhaseSyncResult, UnknownPhases, find_vehicle, set_vehicle_phase_order, sync_phases
from app.catalog import policies
from app.catalog.seeding import SeedReport, seed_initial_data
from app.catalog.snapshot import PhaseInfo, Snapshot, TypeInfo, WorkshopInfo, get_snapshot, load_snapshot, template_data
from app.catalog.snapshot import invalidate as invalidate_snapshot
from app.catalog.template_tools import WHATSAPP_MAX_CHARS, duplicate_template, push_payload_bytes, sample_message
from app.catalog.template_tools import Preview as EditorPreview
from app.catalog.template_tools import preview as editor_preview
from app.catalog.templates import Preview as RenderedPreview
from app.catalog.templates import (
    TemplateInvalid,
    delete_template,
    find_workshop,
    sample_preview,
    save_template,
)
from app.catalog.templates import for_context as templates_for_context
from app.catalog.templates import list_query as list_templates_query
from app.catalog.templates import preview as render_preview
from app.catalog.templates import stored_values as template_values
from app.catalog.versions import DiffLine, count_versions, get_version, version_json
from app.catalog.versions import diff as version_diff
from app.catalog.versions import history as template_history
from app.catalog.versions import restore as restore_version

__all__ = [
    "WHATSAPP_MAX_CHARS", "CellChange", "ConfigNotFound", "copy_from_global", "create_config", "delete_template",
    "duplicate_template", "editor_preview", "EditorPreview", "find_config", "find_vehicle", "find_workshop",
    "get_config", "get_snapshot", "policies", "get_version", "count_versions", "DiffLine", "restore_version",
    "template_history", "version_diff", "version_json",
    "initialize_phases", "invalidate_snapshot", "list_templates_query",
    "load_snapshot", "matching_templates_query", "MatrixError", "PhaseInfo", "PhaseSyncResult",
    "push_payload_bytes", "render_preview", "RenderedPreview", "sample_message", "sample_preview", "save_template",
    "seed_initial_data", "SeedReport", "set_vehicle_phase_order", "Snapshot", "sync_phases", "template_data",
    "template_values", "TemplateInvalid", "templates_for_context", "TypeInfo", "UnknownPhases", "update_matrix",
    "validate_cells", "WorkshopInfo",
]
