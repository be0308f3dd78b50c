"""RQ entry points: plain module-level functions taking ids and primitives, each a thin call into
app.<capability>. app/ enqueues them by dotted name (app/queue/names.py) and never imports this package."""
