"""plotly.js served from the installed plotly package (no CDN: the console works offline).

The version is in the path so browsers may cache it for a year; the URL ends in `.js` because
plotly inlines the whole library when `include_plotlyjs` is not a `.js` URL.
"""

from __future__ import annotations

from pathlib import Path

import plotly
from flask import Blueprint, abort, send_file, url_for

vendor_bp = Blueprint("vendor", __name__)
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
ONE_YEAR = 365 * 86400


@vendor_bp.get("/static/vendor/plotly-<version>.min.js")
def plotly_js(version: str):
    """The plotly.js bundled with the plotly package, for its own version only."""
    if version != plotly.__version__:
        abort(404)
    response = send_file(PLOTLY_JS, mimetype="text/javascript", max_age=ONE_YEAR, conditional=True)
    response.cache_control.immutable = True
    response.cache_control.public = True
    return response


def plotly_js_url() -> str:
    return url_for("vendor.plotly_js", version=plotly.__version__)
