def test_healthz_answers_ok(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_reports_database_and_jobs(client):
    res = client.get("/readyz")
    body = res.get_json()
    assert res.status_code == 200 and body["checks"]["database"] == "ok"


def test_database_health_without_a_key_answers_only_the_status(client):
    res = client.get("/api/v1/health/database/")
    assert res.status_code == 200 and res.get_json() == {"status": "healthy"}


def test_database_health_with_a_key_lacking_the_read_scope_is_403(client, app):
    from app.api.auth import generate_api_key
    from app.extensions import db

    _, raw = generate_api_key("dispatcher", scopes="dispatch")
    db.session.commit()
    res = client.get("/api/v1/health/database/", headers={"X-API-Key": raw})
    assert res.status_code == 403 and "database" not in res.get_json()


def test_database_health_with_a_wrong_key_is_401(client):
    res = client.get("/api/v1/health/database/", headers={"X-API-Key": "avk_not-a-key"})
    assert res.status_code == 401


def test_database_health_with_a_read_key_has_the_reference_shape_and_no_password(client, api_headers):
    res = client.get("/api/v1/health/database/", headers=api_headers)
    body = res.get_json()
    assert res.status_code == 200 and body["status"] == "healthy"
    assert {"engine", "name", "host", "port", "user", "version", "is_supabase"} <= set(body["database"])
    assert {"max_age", "health_checks_enabled"} <= set(body["connection"])
    assert "password" not in res.get_data(as_text=True).lower()


def test_unknown_api_path_is_a_json_404(client):
    res = client.get("/api/v1/nope/")
    assert res.status_code == 404 and res.get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_a_json_405(client):
    res = client.delete("/api/v1/notifications/events/dispatch/")
    assert res.status_code == 405 and "error" in res.get_json()


def test_an_unreachable_database_is_a_503_with_retry_after(make_app, caplog):
    down = make_app(DATABASE_URL="postgresql://avisos:s3cr3t-pw@127.0.0.1:1/avisos")
    res = down.test_client().post("/api/v1/notifications/events/dispatch/", json={},
                                  headers={"X-API-Key": "avisos_any-key"})
    assert res.status_code == 503 and res.headers["Retry-After"] == "5"
    assert res.get_json()["code"] == "database_unavailable"
    assert "s3cr3t-pw" not in caplog.text and "s3cr3t-pw" not in res.get_data(as_text=True)
