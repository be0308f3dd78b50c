"""Initial data loaded by `flask --app wsgi seed-initial-data`: the catalog (phases, service types,
subtypes), the default notification templates and the default orchestration matrix.

Plain Python data only; `app/catalog/seeding.py` writes it to the database.
"""
