"""Sign-in throttling: an exact per-account attempt counter with exponential waits (no lock an
outsider can hold), a per-address limit, and one answer for every refusal."""

from __future__ import annotations

import threading

import pytest

from app.console import auth
from app.extensions import db
from app.models import User
from tests.console.conftest import PASSWORD, ConsoleClient

WRONG = "wrong-password-here"
PARALLEL = 40


@pytest.fixture(autouse=True)
def clock(sign_in_clock):
    return sign_in_clock


@pytest.fixture
def no_address_limit(app):
    app.config["LOGIN_RATE_LIMIT"] = "10000/minute"


@pytest.fixture
def fresh_limits(app):
    """Each test starts with empty per-address counters (memory storage: the embedded mode's)."""
    from app.extensions import limiter

    limiter.reset()
    yield
    limiter.reset()


def _user(email: str = "owner@taller.test", role: str = "admin") -> User:
    from app.cli.setup import upsert_user

    return upsert_user(email, role, PASSWORD)


def _state(user: User) -> tuple[int, object]:
    db.session.expire_all()
    row = db.session.get(User, user.id)
    return row.failed_logins, row.locked_until


def _wait_is_over(user: User, clock) -> None:
    """Move the clock to the moment the account may try again."""
    _, until = _state(user)
    clock.now = until


def _parallel_logins(app, email: str, password: str, count: int, address: str = "10.0.0.1") -> list[int]:
    """`count` sign-ins at once, each from its own client (CSRF off: not what is tested here)."""
    app.config["WTF_CSRF_ENABLED"] = False
    barrier, statuses, lock = threading.Barrier(count), [], threading.Lock()

    def attempt():
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        barrier.wait(timeout=60)
        status = client.post("/login", data={"email": email, "password": password}).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def _count_real_checks(monkeypatch) -> list[str]:
    checked: list[str] = []
    original = auth.check_password_hash

    def counting(stored: str, password: str) -> bool:
        if stored != auth._DUMMY_HASH:
            checked.append(password)
        return original(stored, password)

    monkeypatch.setattr(auth, "check_password_hash", counting)
    return checked


def test_parallel_wrong_passwords_are_counted_exactly_and_only_the_allowance_is_checked(
        app, no_address_limit, fresh_limits, monkeypatch, clock):
    owner = _user()
    checked = _count_real_checks(monkeypatch)
    statuses = _parallel_logins(app, owner.email, WRONG, PARALLEL)
    allowance = app.config["LOGIN_FAILURES_BEFORE_DELAY"]
    assert statuses == [401] * PARALLEL
    assert len(checked) == allowance
    failures, until = _state(owner)
    assert failures == allowance and until > clock.now


def test_parallel_attempts_from_one_address_stop_at_its_limit(app, fresh_limits):
    owner = _user()
    app.config["LOGIN_RATE_LIMIT"] = "10/minute"
    statuses = _parallel_logins(app, owner.email, WRONG, PARALLEL)
    assert sorted(statuses) == [401] * 10 + [429] * (PARALLEL - 10)


def test_an_address_over_its_limit_gets_429_with_retry_after_and_others_do_not(app, console, fresh_limits):
    _user()
    app.config["LOGIN_RATE_LIMIT"] = "3/minute"
    for _ in range(3):
        assert console.login("owner@taller.test", WRONG).status_code == 401
    refused = console.login("owner@taller.test", PASSWORD)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 61
    assert "Demasiados intentos" in refused.get_data(as_text=True)
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert ConsoleClient(elsewhere).login("owner@taller.test", PASSWORD).status_code == 302


def test_the_owner_gets_in_as_soon_as_the_wait_is_over(app, console, fresh_limits, no_address_limit, clock):
    owner = _user()
    for _ in range(5):
        console.login(owner.email, WRONG)
    assert console.login(owner.email, PASSWORD).status_code == 401
    _wait_is_over(owner, clock)
    assert console.login(owner.email, PASSWORD).status_code == 302
    assert _state(owner) == (0, None)


def test_each_failure_past_the_allowance_doubles_the_wait_up_to_the_longest(app, console, fresh_limits,
                                                                            no_address_limit, clock):
    app.config["LOGIN_DELAY_MAX_SECONDS"] = 6
    owner = _user()
    for _ in range(4):
        console.login(owner.email, WRONG)
    waits = []
    for _ in range(5):
        console.login(owner.email, WRONG)
        _, until = _state(owner)
        waits.append((until - clock.now).total_seconds())
        _wait_is_over(owner, clock)
    assert waits == [1, 2, 4, 6, 6]


def test_attempts_during_the_wait_are_refused_unchecked_and_not_counted(app, console, fresh_limits,
                                                                        no_address_limit, monkeypatch):
    owner = _user()
    for _ in range(5):
        console.login(owner.email, WRONG)
    before = _state(owner)
    checked = _count_real_checks(monkeypatch)
    for _ in range(10):
        assert console.login(owner.email, PASSWORD).status_code == 401
    assert checked == [] and _state(owner) == before


def test_unknown_waiting_deactivated_and_wrong_answer_alike(app, console, fresh_limits, no_address_limit):
    owner, other = _user(), _user("former@taller.test", "operator")
    other.is_active = False
    db.session.commit()
    answers = [console.login("nobody@taller.test", WRONG), console.login(owner.email, WRONG),
               console.login(other.email, PASSWORD)]
    for _ in range(4):
        console.login(owner.email, WRONG)
    answers.append(console.login(owner.email, PASSWORD))  # right password, but the account must wait
    assert {a.status_code for a in answers} == {401}
    assert len({_alert(a.get_data(as_text=True)) for a in answers}) == 1


def _alert(html: str) -> str:
    start = html.index('class="alert alert-danger"')
    return html[start:html.index("</div>", start)]


def test_the_forwarded_address_counts_only_behind_a_trusted_proxy(make_app, fresh_limits):
    from app.extensions import db as database

    for hops, expected in ((0, [401, 401, 429]), (1, [401, 401, 401])):
        proxied = make_app(TRUSTED_PROXY_COUNT=hops, LOGIN_RATE_LIMIT="2/minute", WTF_CSRF_ENABLED=False)
        client = proxied.test_client()
        statuses = [client.post("/login", data={"email": "x@taller.test", "password": WRONG},
                                headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(3)]
        with proxied.app_context():
            database.session.remove()
        assert statuses == expected, hops
        from app.extensions import limiter

        limiter.reset()


def test_parallel_attempts_stop_at_the_address_limit_with_redis_storage(app, make_app, redis_url):
    owner = _user()
    production_like = make_app(RATELIMIT_STORAGE_URI=redis_url, LOGIN_RATE_LIMIT="10/minute")
    statuses = _parallel_logins(production_like, owner.email, WRONG, PARALLEL)
    assert sorted(statuses) == [401] * 10 + [429] * (PARALLEL - 10)


def test_the_refusal_reads_in_english_too(app, console, fresh_limits):
    console.get("/login?lang=en")
    html = console.login("nobody@taller.test", WRONG).get_data(as_text=True)
    assert "Wrong email or password, or too many attempts in a row" in html and "Remember me" in html
