"""Tests of correcting a stored vital sign from the tablet: the form, its confirmation and the
amendment (original kept and shown as corrected), refused values and reasons with the typed text
kept, who may correct what, NEWS2 and alerts following the correction, the Résidents list, the
history of measurements, audit entries and inert rendering of a hostile reason."""

from __future__ import annotations

import re

import pytest

import edge
from tests.web.conftest import csrf_from, user_of
from tests.web.residents_fixtures import XSS, Poster, assert_inert, reads_of

ROLE = edge.Role
PULSE = edge.NEWS2_CODES[edge.News2Parameter.PULSE]
NORMAL_SET = {"respiration_rate": "16", "spo2": "97", "systolic": "130", "pulse": "70",
              "temperature": "37", "consciousness": "A", "oxygen": "air"}


def quiet_resident(db: edge.Database) -> edge.Resident:
    """A resident with no open alert (so that a worse set opens a new one)."""
    for resident in edge.list_residents(db, None):
        if not edge.list_alerts(db, None, resident_id=resident.id):
            return resident
    pytest.skip("every demo resident has an open alert")


def enter_set(client, db: edge.Database, resident_id: str, **changes: str) -> str:
    """Enter a set through the form; return the id of its pulse."""
    page = f"/residents/{resident_id}/constantes"
    response = Poster(client).post(page, page, {**NORMAL_SET, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    pulse = edge.latest_set(db, resident_id).value(edge.News2Parameter.PULSE)
    return pulse.observation_id


def correct(client, resident_id: str, observation_id: str, value: str, reason: str, *,
            confirm: bool = True, retour: str = ""):
    form = f"/residents/{resident_id}/mesures/{observation_id}/corriger"
    query = f"?retour={retour}" if retour else ""
    token = csrf_from(client.get(form + query).get_data(as_text=True))
    data = {"value": value, "reason": reason, "csrf_token": token}
    if confirm:
        data["confirm"] = "1"
    return client.post(form + query, data=data)


def card_of(html: str, resident_id: str) -> str:
    match = re.search(rf'<li class="resident-card[^"]*" data-resident-id="{resident_id}">(.*?)</li>',
                      html, re.S)
    assert match, "the resident is not on the list"
    return match.group(1)


def test_a_nurse_corrects_a_value_and_the_original_stays_shown_as_corrected(client_as, web_db):
    resident = quiet_resident(web_db)
    carer, nurse = client_as(ROLE.AIDE_SOIGNANT), client_as(ROLE.INFIRMIER)
    pulse = enter_set(carer, web_db, resident.id, pulse="19")
    check = correct(nurse, resident.id, pulse, "91", "erreur de frappe", confirm=False)
    html = check.get_data(as_text=True)
    assert check.status_code == 200 and "Confirmer la correction" in html
    assert "19 /min" in html and "91 /min" in html and "NEWS2 3" in html and "NEWS2 1" in html
    assert edge.latest_set(web_db, resident.id).value(edge.News2Parameter.PULSE).value == 19
    done = correct(nurse, resident.id, pulse, "91", "erreur de frappe", retour="historique")
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/residents/{resident.id}/mesures")
    versions = edge.observation_versions(web_db, pulse, None)
    assert versions.original.value == 19 and versions.current.value == 91
    assert versions.current.author_id == user_of(web_db, ROLE.INFIRMIER).id
    history = nurse.get(f"/residents/{resident.id}/mesures").get_data(as_text=True)
    row = re.search(rf'<tr id="obs-{versions.current.id}" class="corrected">(.*?)</tr>', history,
                    re.S).group(1)
    assert "<strong>91 /min</strong>" in row and "valeur d'origine 19 /min" in row
    assert "Corrigée" in row and "raison : erreur de frappe" in row and "Saisie" in row
    assert "Valeur corrigée" in history  # the flash message after the redirect
    page = nurse.get(f"/residents/{resident.id}").get_data(as_text=True)
    assert "91 /min" in page and "corrigée" in page


def test_an_impossible_value_is_refused_with_the_reason_and_the_typed_values_kept(client_as,
                                                                                  web_db):
    resident = quiet_resident(web_db)
    nurse = client_as(ROLE.INFIRMIER)
    pulse = enter_set(nurse, web_db, resident.id)
    response = correct(nurse, resident.id, pulse, "400", "relu sur le scope")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "400 /min est impossible" in html and 'id="f-value-error"' in html
    assert 'value="400"' in html and 'value="relu sur le scope"' in html
    assert not edge.observation_versions(web_db, pulse, None).corrected


def test_a_reason_is_required_and_the_typed_value_kept(client_as, web_db):
    resident = quiet_resident(web_db)
    nurse = client_as(ROLE.INFIRMIER)
    pulse = enter_set(nurse, web_db, resident.id)
    response = correct(nurse, resident.id, pulse, "72", "   ")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-reason-error"' in html and "Indiquez la raison de la correction." in html
    assert 'value="72"' in html
    assert not edge.observation_versions(web_db, pulse, None).corrected


def test_a_carer_corrects_their_own_value_but_not_another_s(client_as, web_db):
    resident = quiet_resident(web_db)
    carer, nurse = client_as(ROLE.AIDE_SOIGNANT), client_as(ROLE.INFIRMIER)
    nurses_pulse = enter_set(nurse, web_db, resident.id)
    form = f"/residents/{resident.id}/mesures/{nurses_pulse}/corriger"
    assert carer.get(form).status_code == 403
    token = csrf_from(carer.get(f"/residents/{resident.id}").get_data(as_text=True))
    refused = carer.post(form, data={"value": "75", "reason": "erreur", "confirm": "1",
                                     "csrf_token": token})
    assert refused.status_code == 403
    assert not edge.observation_versions(web_db, nurses_pulse, None).corrected
    denied = [e for e in edge.list_audit(web_db, limit=1000) if e.outcome == "denied"
              and e.object_type == "observation"]
    assert denied and denied[0].actor_id == user_of(web_db, ROLE.AIDE_SOIGNANT).id
    page = carer.get(f"/residents/{resident.id}").get_data(as_text=True)
    assert form not in page
    own_pulse = enter_set(carer, web_db, resident.id, pulse="77")
    assert f"/mesures/{own_pulse}/corriger" in carer.get(f"/residents/{resident.id}"
                                                         ).get_data(as_text=True)
    assert correct(carer, resident.id, own_pulse, "78", "erreur").status_code == 302
    assert edge.latest_set(web_db, resident.id).value(edge.News2Parameter.PULSE).value == 78


def test_the_administrator_may_neither_correct_nor_see_the_history(client_as, web_app, web_db):
    resident = quiet_resident(web_db)
    pulse = enter_set(client_as(ROLE.INFIRMIER), web_db, resident.id)
    admin, anonymous = client_as(ROLE.ADMINISTRATEUR), web_app.test_client()
    for path in (f"/residents/{resident.id}/mesures",
                 f"/residents/{resident.id}/mesures/{pulse}/corriger"):
        assert admin.get(path).status_code == 403
        assert anonymous.get(path).status_code == 302
    token = csrf_from(admin.get("/administration/").get_data(as_text=True))
    assert admin.post(f"/residents/{resident.id}/mesures/{pulse}/corriger",
                      data={"value": "80", "reason": "x", "confirm": "1",
                            "csrf_token": token}).status_code == 403


def test_a_correction_that_scores_worse_recomputes_news2_and_opens_an_alert(client_as, web_db):
    resident = quiet_resident(web_db)
    nurse = client_as(ROLE.INFIRMIER)
    pulse = enter_set(nurse, web_db, resident.id)
    assert edge.latest_set(web_db, resident.id).score.total == 0
    done = correct(nurse, resident.id, pulse, "135", "relu sur le scope")
    assert done.status_code == 302
    scored = edge.latest_set(web_db, resident.id)
    assert scored.score.total == 3 and scored.value(edge.News2Parameter.PULSE).value == 135
    [alert] = edge.list_alerts(web_db, None, resident_id=resident.id)
    assert alert.band is edge.RiskBand.LOW_MEDIUM
    page = nurse.get(done.headers["Location"]).get_data(as_text=True)
    assert "NEWS2 de la dernière série : 0 avant la correction, 3 maintenant." in page
    assert f'id="alert-{alert.id}"' in page


def test_a_correction_that_scores_lower_leaves_the_alert_open_and_says_so(client_as, web_db):
    resident = quiet_resident(web_db)
    nurse = client_as(ROLE.INFIRMIER)
    pulse = enter_set(nurse, web_db, resident.id, pulse="19")
    [alert] = edge.list_alerts(web_db, None, resident_id=resident.id)
    done = correct(nurse, resident.id, pulse, "91", "erreur de frappe")
    assert edge.latest_set(web_db, resident.id).score.total == 1
    [still] = edge.list_alerts(web_db, None, resident_id=resident.id)
    assert still.id == alert.id and still.state is edge.AlertState.OPEN
    page = nurse.get(done.headers["Location"]).get_data(as_text=True)
    assert "L&#39;alerte ouverte reste affichée" in page
    section = page[page.index(f'id="alert-{alert.id}"'):]
    assert "a été corrigée depuis son ouverture" in section[:3000]
    assert "NEWS2 actuel : 1" in section[:3000]


def test_the_alerts_page_marks_an_alert_whose_value_was_corrected_since(client_as, web_db):
    resident = quiet_resident(web_db)
    nurse = client_as(ROLE.INFIRMIER)
    pulse = enter_set(nurse, web_db, resident.id, pulse="19")
    [alert] = edge.list_alerts(web_db, None, resident_id=resident.id)

    def card() -> str:
        page = nurse.get("/alertes/").get_data(as_text=True)
        start = page.index(f'id="alert-{alert.id}"')
        return page[start:page.index("ack-form", start)]

    assert "corrigée depuis son ouverture" not in card()
    correct(nurse, resident.id, pulse, "91", "erreur de frappe")
    assert "corrigée depuis son ouverture" in card()


def test_the_residents_list_shows_the_corrected_value(client_as, web_db):
    resident = quiet_resident(web_db)
    nurse = client_as(ROLE.INFIRMIER)
    pulse = enter_set(nurse, web_db, resident.id, pulse="19")
    assert "FC 19 /min (3)" in card_of(nurse.get("/residents/").get_data(as_text=True),
                                       resident.id)
    correct(nurse, resident.id, pulse, "91", "erreur de frappe")
    card = card_of(nurse.get("/residents/").get_data(as_text=True), resident.id)
    assert "FC 91 /min (1)" in card and "19 /min" not in card


def test_the_history_pages_and_the_form_write_audit_entries(client_as, web_db):
    resident = quiet_resident(web_db)
    nurse = client_as(ROLE.INFIRMIER)
    user = user_of(web_db, ROLE.INFIRMIER)
    pulse = enter_set(nurse, web_db, resident.id)
    first = nurse.get(f"/residents/{resident.id}/mesures").get_data(as_text=True)
    assert "Historique des mesures" in first and "Plus récentes" not in first
    second = nurse.get(f"/residents/{resident.id}/mesures?page=2").get_data(as_text=True)
    assert "Plus récentes" in second and "Page 2" in second
    shown = reads_of(web_db, "page:residents.history")
    assert len(shown) == 2 and all(e.actor_id == user.id and e.resident_id == resident.id
                                   for e in shown)
    correct(nurse, resident.id, pulse, "72", "erreur")
    [form_read] = reads_of(web_db, "page:residents.correction_form")
    assert form_read.resident_id == resident.id
    [amended] = [e for e in edge.list_audit(web_db, resident_id=resident.id, limit=1000)
                 if e.action == edge.AuditAction.AMEND.value]
    assert amended.actor_id == user.id and amended.details["amends"] == pulse


def test_a_hostile_reason_is_rendered_inert(client_as, web_db):
    resident = quiet_resident(web_db)
    nurse = client_as(ROLE.INFIRMIER)
    pulse = enter_set(nurse, web_db, resident.id)
    preview = correct(nurse, resident.id, pulse, "72", XSS, confirm=False)
    assert_inert(preview.get_data(as_text=True))
    assert correct(nurse, resident.id, pulse, "72", XSS).status_code == 302
    assert_inert(nurse.get(f"/residents/{resident.id}/mesures").get_data(as_text=True))


def test_the_correction_pages_are_available_in_english(client_as, web_db):
    resident = quiet_resident(web_db)
    nurse = client_as(ROLE.INFIRMIER)
    pulse = enter_set(nurse, web_db, resident.id)
    nurse.set_cookie("relais_lang", "en")
    html = nurse.get(f"/residents/{resident.id}/mesures/{pulse}/corriger").get_data(as_text=True)
    assert "Correct a measurement" in html and "Corriger une mesure" not in html
    html = nurse.get(f"/residents/{resident.id}/mesures").get_data(as_text=True)
    assert "Measurement history" in html and "Historique des mesures" not in html
