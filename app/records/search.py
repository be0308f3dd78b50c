"""Staff search over customers, vehicles, reminders and the notification log, as SQL conditions.

What staff typed is normalised by app/orchestration/search.py (the one normaliser, also used when
the search columns are written) and looked for as substrings of the stored search columns
(customers.search_text, vehicles.search_text): accents and case never matter, plates match with or
without dashes and spaces, national phone numbers match their international form. On PostgreSQL
every condition here is served by the trigram GIN indexes on those columns (migration
e14search0001); the lists join through row ids, never a scan of the large tables.

- customer_ids_matching: customers by name, email, customer id, phone, or a vehicle's plate/model;
- vehicle_ids_matching: vehicles by plate, brand, model, year, or their owner's name/phone;
- customer_search / vehicle_search / reminder_search / notification_search: conditions for the lists;
- plate_contains: the API's `plate` filter (a plate, not a model).
"""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    Uuid,
    and_,
    any_,
    bindparam,
    exists,
    false,
    or_,
    select,
    union,
    union_all,
)

from app.extensions import db
from app.models import Customer, MaintenanceReminder, Notification, Vehicle
from app.models.search import country_code
from app.orchestration.contacts import normalise_plate
from app.orchestration.search import QueryKeys, plate_key, query_keys

# More matching customers than this: the log is read newest first instead (notification_search).
LOG_SEARCH_CUSTOMERS = 1000
# More matching vehicles than this: one pass over the table instead of a list of ids (vehicle_search).
LIST_SEARCH_IDS = 1000
_LIKE_SPECIALS = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})


def keys_for(typed: str | None) -> QueryKeys:
    return query_keys(typed, country_code())


def contains(column, key: str) -> ColumnElement[bool]:
    """`column` contains `key` literally (LIKE with its wildcards escaped)."""
    return column.like(f"%{key.translate(_LIKE_SPECIALS)}%", escape="\\")


def text_match(column, keys: QueryKeys) -> ColumnElement[bool]:
    """A normalised search column holds every word, or the plate, or the phone of `keys`."""
    options = []
    if keys.words:
        options.append(and_(*(contains(column, word) for word in keys.words)))
    options += [contains(column, key) for key in (keys.plate, keys.phone) if key]
    return or_(*options) if options else false()


def customer_ids_matching(typed: str | None) -> Select:
    """Ids of the customers whose own data matches, or who own a vehicle that matches."""
    keys = keys_for(typed)
    return union(select(Customer.id).where(text_match(Customer.search_text, keys)),
                 select(Vehicle.customer_id).where(text_match(Vehicle.search_text, keys),
                                                   Vehicle.customer_id.is_not(None)))


def vehicle_ids_matching(typed: str | None) -> Select:
    """Ids of the vehicles that match, or whose owner matches."""
    keys = keys_for(typed)
    owners = select(Customer.id).where(text_match(Customer.search_text, keys))
    return union(select(Vehicle.id).where(text_match(Vehicle.search_text, keys)),
                 select(Vehicle.id).where(Vehicle.customer_id.in_(owners)))


def customer_search(typed: str | None) -> ColumnElement[bool]:
    return Customer.id.in_(customer_ids_matching(typed))


def vehicle_search(typed: str | None) -> ColumnElement[bool]:
    """On PostgreSQL, a few matching vehicles (a plate) are read first and listed by id; many (a
    model, a common surname) are found by one pass over vehicles (faster than joining thousands of
    ids back to the table: 15 ms instead of 100 ms for a model on 60,000 vehicles)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return Vehicle.id.in_(vehicle_ids_matching(typed))
    keys = keys_for(typed)
    owners = select(Customer.id).where(text_match(Customer.search_text, keys))
    candidates = union_all(select(Vehicle.id).where(text_match(Vehicle.search_text, keys)),
                           select(Vehicle.id).where(Vehicle.customer_id.in_(owners)))
    found = set(db.session.scalars(candidates.limit(LIST_SEARCH_IDS + 1)))
    if not found:
        return false()
    if len(found) <= LIST_SEARCH_IDS:
        return Vehicle.id == any_(bindparam("search_vehicle_ids", sorted(found), type_=ARRAY(Uuid)))
    return or_(text_match(Vehicle.search_text, keys), Vehicle.customer_id.in_(owners))


def reminder_search(typed: str | None) -> ColumnElement[bool]:
    """Reminders of a matching vehicle (plate, model, owner), or whose title has every word."""
    keys = keys_for(typed)
    titled = and_(*(MaintenanceReminder.title.ilike(f"%{w.translate(_LIKE_SPECIALS)}%", escape="\\")
                    for w in keys.words)) if keys.words else false()
    return or_(MaintenanceReminder.vehicle_id.in_(vehicle_ids_matching(typed)), titled)


def log_search_customers(typed: str | None) -> Select:
    """The first step of notification_search on PostgreSQL: up to LOG_SEARCH_CUSTOMERS + 1 ids of
    matching customers (repeats possible), read through the trigram indexes."""
    keys = keys_for(typed)
    return union_all(select(Customer.id).where(text_match(Customer.search_text, keys)),
                     select(Vehicle.customer_id).where(text_match(Vehicle.search_text, keys),
                                                       Vehicle.customer_id.is_not(None))
                     ).limit(LOG_SEARCH_CUSTOMERS + 1)


def notification_search(typed: str | None) -> ColumnElement[bool]:
    """The log's rows for matching customers: by name, phone, email, customer id or a vehicle's plate.

    On PostgreSQL the matching customers are read first (up to LOG_SEARCH_CUSTOMERS) and the log is
    filtered by that list, one array parameter (`customer_id = ANY(...)`): the planner knows how
    many matched and reads their rows through the customer_id index (given the subquery instead, it
    joined the newest rows to every matching customer in a nested loop: 0.6 s for a common surname
    on 1 M rows). When more customers match (a short or very common word), the newest rows are read
    first and each is checked against its customer and vehicles (two index lookups a row), which
    stops as soon as the page is full. docs/PERFORMANCE.md has the figures."""
    keys = keys_for(typed)
    if not keys:
        return false()
    if db.session.get_bind().dialect.name != "postgresql":
        return Notification.customer_id.in_(customer_ids_matching(typed))
    found = set(db.session.scalars(log_search_customers(typed)))
    if not found:
        return false()
    if len(found) <= LOG_SEARCH_CUSTOMERS:
        return Notification.customer_id == any_(bindparam("search_customer_ids", sorted(found), type_=ARRAY(Uuid)))
    return or_(exists().where(Customer.id == Notification.customer_id, text_match(Customer.search_text, keys)),
               exists().where(Vehicle.customer_id == Notification.customer_id, text_match(Vehicle.search_text, keys)))


def plate_contains(typed: str) -> ColumnElement[bool]:
    """The plate contains what was typed, dashes and spaces aside (the trigram index finds the
    candidates through search_text; the plate itself decides)."""
    return and_(contains(Vehicle.search_text, plate_key(typed)), contains(Vehicle.plate, normalise_plate(typed)))
