"""GET /api/v1/integrations/summary/: the integration dashboard's figures (scope `read`)."""

from __future__ import annotations

from flask import jsonify, request

from app import integrations
from app.api.auth import require_api_key
from app.api.blueprints import api_v1
from app.errors import ApiError

MAX_HOURS = 24 * 90


@api_v1.get("/integrations/summary/")
@require_api_key("read")
def integrations_summary():
    hours = request.args.get("hours", str(integrations.SUMMARY_DEFAULT_HOURS))
    if not hours.isdigit() or not 1 <= int(hours) <= MAX_HOURS:
        raise ApiError(400, "validation_error", f"hours must be an integer from 1 to {MAX_HOURS}.",
                       {"hours": [f"An integer from 1 to {MAX_HOURS}."]})
    return jsonify(integrations.integration_summary(int(hours)))
