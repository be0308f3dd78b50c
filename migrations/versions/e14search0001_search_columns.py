"""customers.search_text, vehicles.search_text: names, plates and phones normalised for staff search,
filled for existing rows; on PostgreSQL the pg_trgm extension and trigram GIN indexes on both

Revision ID: e14search0001
Revises: e16audit0001
Create Date: 2026-12-07 04:30:00

The normalisation is app/orchestration/search.py's (the same code that keeps the columns current on
every write), so existing rows are filled here in Python, in batches. On PostgreSQL the role running
the migration must be able to CREATE EXTENSION pg_trgm (a trusted extension since PostgreSQL 13: the
database owner can; docs/OPERATIONS.md).
"""
import sqlalchemy as sa
from alembic import op

from app.models.search import country_code
from app.orchestration.search import customer_text, vehicle_text

# revision identifiers, used by Alembic.
revision = 'e14search0001'
down_revision = 'e16audit0001'
branch_labels = None
depends_on = None

BATCH = 2000
INDEXES = (('ix_customers_search_trgm', 'customers'), ('ix_vehicles_search_trgm', 'vehicles'))


def upgrade():
    for table in ('customers', 'vehicles'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
    bind = op.get_bind()
    country = country_code()
    _fill(bind, 'customers', ('first_name', 'last_name', 'email', 'customer_id', 'phone', 'whatsapp'),
          lambda r: customer_text(r.first_name, r.last_name, r.email, r.customer_id, (r.phone, r.whatsapp), country))
    _fill(bind, 'vehicles', ('plate', 'brand', 'model', 'year', 'core_vehicle_id'),
          lambda r: vehicle_text(r.plate, r.brand, r.model, r.year, r.core_vehicle_id))
    if bind.dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for name, table in INDEXES:
            op.execute(f'CREATE INDEX {name} ON {table} USING gin (search_text gin_trgm_ops)')


def _fill(bind, table, columns, compute):
    """Every existing row's search_text, BATCH rows per statement, in primary-key order."""
    source = sa.table(table, sa.column('id', sa.Uuid()), *(sa.column(c) for c in columns))
    target = sa.table(table, sa.column('id', sa.Uuid()), sa.column('search_text', sa.Text()))
    statement = (sa.update(target).where(target.c.id == sa.bindparam('row_id'))
                 .values(search_text=sa.bindparam('text')))
    last = None
    while True:
        query = sa.select(source).order_by(source.c.id).limit(BATCH)
        if last is not None:
            query = query.where(source.c.id > last)
        rows = bind.execute(query).all()
        if not rows:
            return
        bind.execute(statement, [{'row_id': r.id, 'text': compute(r)} for r in rows])
        last = rows[-1].id


def downgrade():
    # The extension stays: other objects may use it, and dropping it needs more rights than using it.
    if op.get_bind().dialect.name == 'postgresql':
        for name, _ in INDEXES:
            op.execute(f'DROP INDEX IF EXISTS {name}')
    for table in ('customers', 'vehicles'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('search_text')
