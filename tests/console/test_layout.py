"""The console's frame: a grouped menu that fits one row, a favicon, labels for touch screens."""

from __future__ import annotations

import re



def test_the_admin_menu_is_grouped_into_a_few_entries(signed_in):
    html = signed_in("admin").get("/admin/").get_data(as_text=True)
    for group in ("Clientes y vehículos", "Mensajes", "Configuración"):
        assert group in html
    top = html.split('<ul class="nav navbar-nav mr-auto">')[1]
    top = re.sub(r'<ul class="dropdown-menu.*?</ul>', "", top, flags=re.S).split("</ul>")[0]
    assert top.count("<li") <= 7


def test_pages_link_a_favicon_that_is_served(signed_in, client):
    html = signed_in("viewer").get("/admin/").get_data(as_text=True)
    assert 'rel="icon" href="/static/console/favicon.svg"' in html
    assert client.get("/static/console/favicon.svg").status_code == 200
    assert client.get("/favicon.ico").mimetype == "image/svg+xml"


def test_row_actions_are_labelled_on_touch_screens(client):
    css = client.get("/static/console/console.css").get_data(as_text=True)
    assert "(hover: none)" in css and "content: attr(title)" in css


def test_live_toasts_get_the_pages_words_and_channel_names(signed_in):
    import json

    html = signed_in("viewer").get("/admin/").get_data(as_text=True)
    words = json.loads(html.split('<script type="application/json" id="avisos-live-text">')[1].split("</script>")[0])
    assert words["failedBy"] == "Notificación fallida por %s" and words["channels"]["whatsapp"] == "WhatsApp"
