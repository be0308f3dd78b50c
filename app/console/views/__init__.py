"""Console pages, one module each; PAGES is the menu order (the dashboard is the index view)."""

from app.console.views import (
    access,
    analytics,
    customers,
    dashboard,
    integrations,
    matrix,
    notifications,
    queues,
    templates,
    vehicles,
    workshops,
)

PAGES = (
    notifications,
    templates,
    matrix,
    customers,
    vehicles,
    analytics,
    workshops,
    integrations,
    queues,
    access,
)

__all__ = ["PAGES", "dashboard"]
