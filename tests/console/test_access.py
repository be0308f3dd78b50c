"""Sign-in, sign-out and the role rules shared by every console view."""


def test_anonymous_visit_to_console_redirects_to_login(console):
    response = console.get("/admin/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_sign_in_with_valid_credentials_opens_the_console(signed_in):
    client = signed_in("viewer")
    assert client.get("/admin/").status_code == 200


def test_sign_in_with_a_wrong_password_is_refused(console, make_user):
    make_user("admin")
    response = console.login("admin@taller.test", "wrong-password-here")
    assert response.status_code == 401
    assert "incorrectos" in response.get_data(as_text=True)


def test_login_post_without_csrf_token_is_refused(app, make_user):
    make_user("admin")
    response = app.test_client().post("/login", data={"email": "admin@taller.test", "password": "x" * 12})
    assert response.status_code == 400


def test_after_five_failures_even_the_right_password_must_wait(console, make_user, sign_in_clock):
    from tests.console.conftest import PASSWORD

    make_user("operator")
    for _ in range(5):
        console.login("operator@taller.test", "wrong-password-here")
    response = console.login("operator@taller.test", PASSWORD)
    assert response.status_code == 401
    assert "demasiados intentos" in response.get_data(as_text=True)


def test_logout_requires_post_and_ends_the_session(signed_in):
    client = signed_in("admin")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/admin/").status_code == 302


def test_next_parameter_never_leaves_the_site(console, make_user):
    from tests.console.conftest import PASSWORD

    make_user("admin")
    response = console.post("/login?next=//evil.test/x", data={"email": "admin@taller.test", "password": PASSWORD})
    assert response.headers["Location"].endswith("/admin/")
