"""A NUL or an unpaired surrogate in any console query, form or URL is a 400, never a 500."""

import pytest

from app.extensions import db
from tests import factories


@pytest.mark.parametrize("query", ["search=a%00b", "search=%00", "flt0_0=%00", "a%00=1"])
def test_nul_in_the_customer_search_is_a_400(signed_in, query):
    factories.customer("C-1")
    db.session.commit()
    assert signed_in("viewer").get(f"/admin/customer/?{query}").status_code == 400


@pytest.mark.parametrize("url", ["/admin/customer/?search=%ED%A0%80", "/admin/notifications/?flt0_4=%ED%A0%80x"])
def test_an_encoded_unpaired_surrogate_is_never_a_500(signed_in, url):
    # Werkzeug decodes percent-encoded bytes as UTF-8 with replacement, so a lone surrogate arrives
    # as U+FFFD, which is ordinary text.
    assert signed_in("viewer").get(url).status_code in (200, 400)


@pytest.mark.parametrize("url", ["/admin/notifications/", "/admin/vehicle/", "/admin/template/",
                                 "/admin/users/", "/admin/reminder/", "/admin/customer/"])
def test_nul_in_any_list_search_is_a_400(signed_in, url):
    assert signed_in("admin").get(url + "?search=x%00").status_code == 400


def test_nul_in_a_console_form_field_is_a_400_and_nothing_is_stored(signed_in):
    from app.models import User

    client = signed_in("admin")
    response = client.post("/admin/users/new/", data={"email": "n\x00@taller.test", "role": "viewer",
                                                       "password": "long-enough-pass"})
    assert response.status_code == 400
    assert db.session.query(User).count() == 1


def test_nul_in_the_sign_in_form_is_a_400(console):
    assert console.login("a\x00@taller.test", "x").status_code == 400


def test_nul_in_a_url_segment_is_a_400(signed_in):
    assert signed_in("operator").get("/admin/data/export/cust%00omers").status_code in (400, 404)


def test_ordinary_accented_search_still_works(signed_in):
    factories.customer("C-1", first_name="José")
    db.session.commit()
    response = signed_in("viewer").get("/admin/customer/?search=Jos%C3%A9")
    assert response.status_code == 200 and "José" in response.get_data(as_text=True)
