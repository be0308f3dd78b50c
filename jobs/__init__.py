"""RQ entry points: plain module-level functions taking ids and primitives."""
