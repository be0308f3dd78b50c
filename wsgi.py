"""The app for gunicorn (`wsgi:app`) and the flask CLI (`flask --app wsgi ...`): the processes of
the Procfile."""

import gc

# Building the app creates about 320,000 objects that live as long as the process (modules, models,
# mappers, schemas). The collector would scan them again and again while they are being created
# (about 0.25 s of a 1.8 s start, which every worker pays before its first message); frozen once
# built, no later collection walks them, and gunicorn's workers, forked from the preloading master,
# keep the pages that hold them shared instead of writing to them (Python's gc.freeze advice).
gc.disable()
try:
    from app import create_app

    app = create_app()
finally:
    gc.enable()
gc.freeze()
