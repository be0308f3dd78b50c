"""Console pages, one module each; PAGES is the menu order (the dashboard is the index view)."""

from app.console.views import (
    access,
    analytics,
    audit,
    customers,
    dashboard,
    data_import,
    inbox,
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
    inbox,
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
    audit,
)

__all__ = ["PAGES", "dashboard"]
