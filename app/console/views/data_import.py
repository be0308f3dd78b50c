"""Console page: data_import (placeholder until its page is built)."""

from flask_admin import Admin


def register(admin: Admin) -> None:
    """Add this page's views to the console."""
