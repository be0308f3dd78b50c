"""The orchestration core: plain Python over plain data (no Flask, no SQLAlchemy, no Redis)."""
