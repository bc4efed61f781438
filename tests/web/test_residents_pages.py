"""Tests of the Résidents pages: the list (vitals, NEWS2 band, sub-scores, alerts, who is due,
search), the résident page (identity, latest set, trends, transmissions, documents), role checks,
audit entries, and inert rendering of hostile text."""

from __future__ import annotations

import edge
from tests.web.conftest import csrf_from, user_of
from tests.web.residents_fixtures import XSS, Poster, assert_inert, first_resident, reads_of

ROLE = edge.Role


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


def test_search_finds_by_name_without_accents_and_by_room(client_as, web_db):
    client = client_as(ROLE.AIDE_SOIGNANT)
    residents = edge.list_residents(web_db, None)
    target, other = residents[0], residents[1]
    html = client.get("/residents/", query_string={"q": target.traits.birth_family_name.lower()}
                      ).get_data(as_text=True)
    assert target.display_name in html and other.display_name not in html
    html = client.get("/residents/", query_string={"q": target.room}).get_data(as_text=True)
    assert target.display_name in html


def test_a_hostile_search_is_shown_inert(client_as):
    html = client_as(ROLE.AIDE_SOIGNANT).get("/residents/", query_string={"q": XSS}
                                             ).get_data(as_text=True)
    assert_inert(html)


def test_the_due_filter_lists_only_residents_due_now(client_as, web_db):
    client = client_as(ROLE.AIDE_SOIGNANT)
    html = client.get("/residents/?due=1").get_data(as_text=True)
    now = web_db.clock()
    for resident in edge.list_residents(web_db, None):
        due = edge.observations_due(resident.id, edge.latest_set(web_db, resident.id), now)
        assert (resident.display_name in html) == due.overdue


def test_a_transmission_is_written_then_amended_and_both_stay_in_the_timeline(client_as, web_db):
    resident = first_resident(web_db)
    poster = Poster(client_as(ROLE.AIDE_SOIGNANT))
    new = f"/residents/{resident.id}/transmissions/nouvelle"
    response = poster.post(new, new, {"cible": "Douleur " + XSS, "donnees": "Grimace " + XSS})
    assert response.status_code == 302
    note = edge.list_notes(web_db, resident.id, None)[0]
    amend = f"/residents/{resident.id}/transmissions/{note.id}/corriger"
    refused = poster.post(amend, amend, {"cible": "Douleur", "donnees": "EVA 6", "reason": ""})
    assert refused.status_code == 422 and "raison de la correction" in refused.get_data(as_text=True)
    assert 'value="Douleur"' in refused.get_data(as_text=True)
    done = poster.post(amend, amend, {"cible": "Douleur", "donnees": "EVA 6", "reason": "erreur"})
    assert done.status_code == 302
    html = poster.client.get(f"/residents/{resident.id}").get_data(as_text=True)
    assert "Corrigée" in html and "raison : erreur" in html and "EVA 6" in html
    assert_inert(html)


def test_an_empty_transmission_is_refused_with_the_typed_text_kept(client_as, web_db):
    resident = first_resident(web_db)
    new = f"/residents/{resident.id}/transmissions/nouvelle"
    response = Poster(client_as(ROLE.AIDE_SOIGNANT)).post(new, new, {"cible": "", "donnees": "abc"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "La cible de la transmission est obligatoire." in html and ">abc</textarea>" in html


def test_a_nurse_validates_the_identity_with_an_id_document(client_as, web_db):
    resident = next(r for r in edge.list_residents(web_db, None)
                    if r.status is edge.IdentityStatus.PROV)
    page = f"/residents/{resident.id}/identite"
    response = Poster(client_as(ROLE.INFIRMIER)).post(
        page, page + "/piece", {"document": edge.IdDocumentType.PASSPORT.value})
    assert response.status_code == 302
    assert edge.get_resident(web_db, resident.id, None).status is edge.IdentityStatus.VALI


def test_a_refused_insi_result_shows_the_reason(client_as, web_db):
    resident = next(r for r in edge.list_residents(web_db, None)
                    if r.status is edge.IdentityStatus.PROV)
    page = f"/residents/{resident.id}/identite"
    response = Poster(client_as(ROLE.INFIRMIER)).post(page, page + "/insi", {"code": "01"})
    assert response.status_code == 422
    assert "INSi n&#39;a trouvé aucune identité" in response.get_data(as_text=True)


def test_identity_actions_are_refused_to_an_aide_soignant(client_as, web_db):
    resident = first_resident(web_db)
    client = client_as(ROLE.AIDE_SOIGNANT)
    page = f"/residents/{resident.id}/identite"
    assert client.get(page).status_code == 200
    token = csrf_from(client.get(page).get_data(as_text=True))
    for action in ("piece", "insi", "doute"):
        assert client.post(f"{page}/{action}", data={"csrf_token": token}).status_code == 403


def test_only_a_medecin_sets_scale_2_and_the_score_follows(client_as, web_db):
    resident = first_resident(web_db)
    show = f"/residents/{resident.id}"
    nurse = client_as(ROLE.INFIRMIER)
    token = csrf_from(nurse.get(show).get_data(as_text=True))
    assert nurse.post(f"{show}/news2/echelle", data={"csrf_token": token, "scale2": "1"}
                      ).status_code == 403
    response = Poster(client_as(ROLE.MEDECIN)).post(show, f"{show}/news2/echelle", {"scale2": "1"})
    assert response.status_code == 302
    assert edge.latest_set(web_db, resident.id).score.scale is edge.Spo2Scale.SCALE_2


def test_every_residents_route_is_closed_to_the_administrator_and_to_no_session(
        client_as, web_app, web_db):
    resident = first_resident(web_db)
    admin = client_as(ROLE.ADMINISTRATEUR)
    anonymous = web_app.test_client()
    for path in ("/residents/", f"/residents/{resident.id}", f"/residents/{resident.id}/identite",
                 f"/residents/{resident.id}/constantes", "/alertes/"):
        assert admin.get(path).status_code == 403
        assert anonymous.get(path).status_code == 302


def test_an_unknown_resident_is_a_404_page(client_as):
    client = client_as(ROLE.INFIRMIER)
    assert client.get("/residents/" + "0" * 32).status_code == 404
    assert client.get("/residents/not-an-id").status_code == 404


def test_showing_the_list_and_a_resident_writes_audit_entries_naming_them(client_as, web_db):
    resident = first_resident(web_db)
    client = client_as(ROLE.AIDE_SOIGNANT)
    user = user_of(web_db, ROLE.AIDE_SOIGNANT)
    client.get("/residents/")
    [entry] = reads_of(web_db, "page:residents.index")
    assert entry.actor_id == user.id and resident.id in entry.details["residents"]
    client.get(f"/residents/{resident.id}")
    [entry] = reads_of(web_db, "page:residents.show")
    assert entry.actor_id == user.id and entry.resident_id == resident.id


def test_the_pages_are_available_in_english(client_as, web_db):
    client = client_as(ROLE.INFIRMIER)
    client.set_cookie("relais_lang", "en")
    html = client.get("/residents/").get_data(as_text=True)
    assert "Search by name or room" in html and "Rechercher par nom" not in html
    html = client.get(f"/residents/{first_resident(web_db).id}").get_data(as_text=True)
    assert "Latest set of vital signs" in html and "Trends" in html
