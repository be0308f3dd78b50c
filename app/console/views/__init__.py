"""Console pages, one module each; PAGES is the menu order (the dashboard is the index view)."""

from app.console.views import (
    access,
    analytics,
    customers,
    dashboard,
    data_import,
    integrations,
    matrix,
    notifications,
    queues,
    send_windows,
    sync_sources,
    templates,
    vehicles,
    workshops,
)

PAGES = (
    notifications,
    templates,
    matrix,
    send_windows,
    customers,
    vehicles,
    analytics,
    workshops,
    integrations,
    data_import,
    sync_sources,
    queues,
    access,
)

__all__ = ["PAGES", "dashboard"]
