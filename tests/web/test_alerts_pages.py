"""Tests of the Alertes page: open alerts with their values, acknowledging (who, when, action,
note), refusals with the typed values kept, roles, audit, inert hostile text."""

from __future__ import annotations

from datetime import timedelta

import edge
from tests.web.conftest import csrf_from, user_of
from tests.web.residents_fixtures import XSS, Poster, assert_inert, first_resident, reads_of

ROLE = edge.Role


def open_high_alert(db, resident_id):
    taken = (db.clock() + timedelta(seconds=1)).isoformat()
    values = {"9279-1": ("/min", 28), "2708-6": ("%", 89), "8867-4": ("/min", 135)}
    edge.store_observations(db, [edge.NewObservation(code, unit, float(value),
                                                     edge.CaptureMethod.TYPED, taken, resident_id)
                                 for code, (unit, value) in values.items()])
    return [alert for alert in edge.list_alerts(db, None, resident_id=resident_id)
            if alert.state is edge.AlertState.OPEN][0]


def test_open_alerts_are_listed_with_the_values_that_caused_them(client_as, web_db):
    resident = first_resident(web_db)
    alert = open_high_alert(web_db, resident.id)
    html = client_as(ROLE.AIDE_SOIGNANT).get("/alertes/").get_data(as_text=True)
    assert f'id="alert-{alert.id}"' in html and resident.display_name in html
    assert "<strong>28 /min</strong>" in html and "<strong>135 /min</strong>" in html
    entry = reads_of(web_db, "page:alerts.index")[-1]
    assert resident.id in entry.details["residents"]


def test_acknowledging_records_who_when_the_action_and_the_note_shown_inert(client_as, web_db):
    resident = first_resident(web_db)
    alert = open_high_alert(web_db, resident.id)
    client = client_as(ROLE.AIDE_SOIGNANT)
    response = Poster(client).post("/alertes/", f"/alertes/{alert.id}/prise-en-compte",
                                   {"action": "called_samu", "note": "Appel " + XSS})
    assert response.status_code == 302
    done = edge.get_alert(web_db, alert.id, None)
    assert done.state is edge.AlertState.ACKNOWLEDGED
    assert done.acknowledged_by == user_of(web_db, ROLE.AIDE_SOIGNANT).id
    assert done.action is edge.AlertAction.CALLED_SAMU and done.acknowledged_at
    html = client.get("/alertes/").get_data(as_text=True)
    assert "Appel du SAMU-Centre 15" in html
    assert_inert(html)


def test_an_acknowledgement_without_action_is_refused_with_the_note_kept(client_as, web_db):
    alert = open_high_alert(web_db, first_resident(web_db).id)
    response = Poster(client_as(ROLE.INFIRMIER)).post(
        "/alertes/", f"/alertes/{alert.id}/prise-en-compte", {"action": "", "note": "à revoir"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choisissez l&#39;action menée." in html and ">à revoir</textarea>" in html
    assert edge.get_alert(web_db, alert.id, None).state is edge.AlertState.OPEN


def test_acknowledging_twice_says_it_was_already_done(client_as, web_db):
    alert = open_high_alert(web_db, first_resident(web_db).id)
    poster = Poster(client_as(ROLE.INFIRMIER))
    action = f"/alertes/{alert.id}/prise-en-compte"
    assert poster.post("/alertes/", action, {"action": "called_ide"}).status_code == 302
    again = poster.post("/alertes/", action, {"action": "called_ide"})
    assert again.status_code == 422 and "déjà été prise en compte" in again.get_data(as_text=True)


def test_the_administrator_may_neither_see_nor_acknowledge_alerts(client_as, web_db):
    alert = open_high_alert(web_db, first_resident(web_db).id)
    admin = client_as(ROLE.ADMINISTRATEUR)
    assert admin.get("/alertes/").status_code == 403
    token = csrf_from(admin.get("/administration/").get_data(as_text=True))
    assert admin.post(f"/alertes/{alert.id}/prise-en-compte",
                      data={"csrf_token": token, "action": "called_ide"}).status_code == 403
    assert edge.get_alert(web_db, alert.id, None).state is edge.AlertState.OPEN
