"""Internal sync API (being written)."""
