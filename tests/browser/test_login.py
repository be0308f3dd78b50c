"""Signing in and out in a real browser."""


def test_sign_in_opens_the_dashboard(page, sign_in, screenshot):
    screenshot_path = None
    page.goto("/admin/")
    assert "/login" in page.url
    screenshot(page, "login")
    sign_in(page, "admin")
    assert page.url.endswith("/admin/")
    screenshot_path = screenshot(page, "dashboard")
    assert screenshot_path.exists()
