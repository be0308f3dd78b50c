"""plotly.js for the analytics page, served by Avisos (no CDN: the console works offline).

The page draws bars and lines only, so it loads plotly.js's *basic* bundle (bar, scatter, pie:
1.2 MB instead of the full 4.8 MB library the plotly package ships), committed in static/vendor/
from the npm package plotly.js-basic-dist-min, at the plotly.js version the installed plotly
package was built for (tests/console/test_analytics.py checks the two agree). The version is in
the path, so browsers cache it for a year.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from flask import Blueprint, abort, send_file, url_for

from app.config import ROOT

vendor_bp = Blueprint("vendor", __name__)
VENDOR_DIR = ROOT / "static" / "vendor"
ONE_YEAR = 365 * 86400


@cache
def plotly_basic() -> tuple[str, Path]:
    """(version, file) of the committed plotly.js basic bundle."""
    path = next(VENDOR_DIR.glob("plotly-basic-*.min.js"))
    version = re.match(r"plotly-basic-(.+)\.min\.js$", path.name)[1]
    return version, path


@vendor_bp.get("/static/vendor/plotly-basic-<version>.min.js")
def plotly_js(version: str):
    """The committed bundle, for its own version only."""
    current, path = plotly_basic()
    if version != current:
        abort(404)
    response = send_file(path, mimetype="text/javascript", max_age=ONE_YEAR, conditional=True)
    response.cache_control.immutable = True
    response.cache_control.public = True
    return response


@vendor_bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on pages without a link (JSON, rq-dashboard): the console's icon."""
    response = send_file(ROOT / "static" / "console" / "favicon.svg", mimetype="image/svg+xml", max_age=86400)
    return response


def plotly_js_url() -> str:
    return url_for("vendor.plotly_js", version=plotly_basic()[0])
