"""Tests of the Résidents pages: the list (vitals, NEWS2 band, sub-scores, alerts, who is due,
search), the résident page (identity, latest set, trends, transmissions, documents), role checks,
audit entries, and inert rendering of hostile text."""

from __future__ import annotations

import edge
from tests.web.conftest import csrf_from, user_of

ROLE = edge.Role


def first_resident(db):
    return edge.list_residents(db, None)[0]


def test_the_list_shows_each_resident_by_room_with_news2_and_who_is_due(client_as, web_db):
    response = client_as(ROLE.AIDE_SOIGNANT).get("/residents/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for resident in edge.list_residents(web_db, None):
        assert resident.display_name in html
    assert "NEWS2" in html and "Dernière série" in html


def test_the_resident_page_shows_identity_latest_set_trends_and_transmissions(client_as, web_db):
    resident = first_resident(web_db)
    client = client_as(ROLE.INFIRMIER)
    for period in ("day", "week", "month"):
        response = client.get(f"/residents/{resident.id}?periode={period}")
        assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    html = response.get_data(as_text=True)
    assert resident.display_name in html
    assert "<svg" in html and 'class="band pts-3"' in html
    assert "Transmissions ciblées" in html
    for page in ("identite", "constantes", "transmissions/nouvelle"):
        assert client.get(f"/residents/{resident.id}/{page}").status_code == 200
    assert client.get("/alertes/").status_code == 200
