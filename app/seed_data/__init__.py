"""Initial data loaded by `flask --app wsgi seed-initial-data`: the catalog (phases, service types,
subtypes), the default notification templates and the default orchestration matrix.

Plain Python data only; `app.services.seeding` writes it to the database.
"""
