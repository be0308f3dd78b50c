"""Signing in in a real browser."""


def test_sign_in_opens_the_dashboard(page, sign_in, screenshot):
    page.goto("/admin/")
    assert "/login" in page.url
    screenshot(page, "login")
    sign_in(page, "admin")
    assert page.url.endswith("/admin/")
    assert page.locator('[data-testid="console-role"]').inner_text() == "Administrador"


def test_wrong_password_shows_an_error(page, sign_in):
    page.goto("/login")
    page.fill("input[name=email]", "nobody@taller.test")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert page.locator(".alert-danger").count() == 1
