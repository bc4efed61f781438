"""Tests of the devices pages: the registry and pairing (administrators), the unassigned-readings
inbox (carers): role checks, pairing and unpairing, assign and set aside, bad input kept with its
French message, the English catalogue."""

from __future__ import annotations

from datetime import timedelta

import pytest

import edge
from tests.web.conftest import csrf_from, user_of

ROLE = edge.Role
BP_READING = edge.DeviceReading(
    values=(edge.DeviceValue("8480-6", "mm[Hg]", 135.0, device_time="2026-11-20T09:40:00"),
            edge.DeviceValue("8462-4", "mm[Hg]", 82.0, device_time="2026-11-20T09:40:00")),
    device_time="2026-11-20T09:40:00")


def shared_device_with_a_pending_reading(db: edge.Database) -> tuple[str, str]:
    """A paired shared cuff whose reading came with nobody open for measurement."""
    device = edge.register_device(db, "ble", "ble-blood-pressure", "AA:BB:CC:00:00:01")
    admin = user_of(db, ROLE.ADMINISTRATEUR)
    edge.pair_device(db, device.id, admin.id, name="Tensiomètre salle de soins",
                     binding=edge.DeviceBinding.SHARED)
    outcome = edge.ingest_reading(db, device.id, BP_READING, "ble:2a35:test-1")
    assert outcome.status is edge.IngestStatus.UNASSIGNED and outcome.unassigned_id
    return device.id, outcome.unassigned_id


def a_resident(db: edge.Database) -> edge.Resident:
    return edge.list_residents(db, None)[0]


@pytest.mark.parametrize(("role", "path", "status"), [
    (ROLE.ADMINISTRATEUR, "/appareils", 200),
    (ROLE.AIDE_SOIGNANT, "/appareils", 403),
    (ROLE.INFIRMIER, "/appareils", 403),
    (ROLE.AIDE_SOIGNANT, "/lectures-non-attribuees", 200),
    (ROLE.INFIRMIER, "/lectures-non-attribuees", 200),
    (ROLE.MEDECIN, "/lectures-non-attribuees", 200),
    (ROLE.ADMINISTRATEUR, "/lectures-non-attribuees", 403),
])
def test_administrators_manage_devices_and_carers_use_the_inbox(client_as, role, path, status):
    assert client_as(role).get(path).status_code == status


def test_a_signed_out_visitor_is_sent_to_sign_in(web_app):
    response = web_app.test_client().get("/appareils")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_the_registry_shows_battery_last_contact_refused_frames_and_silent_devices(client_as, web_db):
    heard = edge.register_device(web_db, "ble", "ble-thermometer", "AA:BB:CC:00:00:09")
    quiet = edge.register_device(web_db, "serial", "nonin8", "/dev/ttyUSB0")
    admin = user_of(web_db, ROLE.ADMINISTRATEUR)
    edge.pair_device(web_db, quiet.id, admin.id, name="Oxymètre chariot",
                     binding=edge.DeviceBinding.SHARED, expected_interval_s=3600)
    edge.record_battery(web_db, heard.id, 12)
    edge.record_rejected_frame(web_db, quiet.id, "bad_checksum", 3)
    long_ago = (web_db.clock() - timedelta(days=2)).isoformat()
    with web_db.write() as conn:  # heard from two days ago, expected every hour
        conn.execute("UPDATE devices SET last_seen_at = ? WHERE id = ?", (long_ago, quiet.id))

    html = client_as(ROLE.ADMINISTRATEUR).get("/appareils").get_data(as_text=True)

    assert "Oxymètre chariot" in html and "Oxymètre Nonin (série)" in html
    assert "Thermomètre (Bluetooth)" in html and "Détecté, non associé" in html
    assert "12 %" in html and "faible" in html
    assert "Silencieux depuis trop longtemps" in html
    assert "1 appareil associé ne s'est pas manifesté" in html
    assert "3 / 3" in html and "bad_checksum" in html


def test_an_administrator_pairs_a_personal_device_to_a_resident(client_as, web_db):
    device = edge.register_device(web_db, "ble", "ble-glucose", "AA:BB:CC:00:00:02")
    resident = a_resident(web_db)
    client = client_as(ROLE.ADMINISTRATEUR)
    page = client.get(f"/appareils/{device.id}/associer")
    assert page.status_code == 200 and resident.display_name in page.get_data(as_text=True)

    response = client.post(f"/appareils/{device.id}/associer", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "name": "Lecteur de Mme X",
        "binding": "personal", "resident_id": resident.id, "interval_h": "48"})

    assert response.status_code == 302
    paired = edge.get_device(web_db, device.id)
    assert (paired.state, paired.binding, paired.resident_id) == (
        edge.DeviceState.PAIRED, edge.DeviceBinding.PERSONAL, resident.id)
    assert (paired.name, paired.expected_interval_s) == ("Lecteur de Mme X", 48 * 3600)
    listing = client.get("/appareils").get_data(as_text=True)
    assert f"Personnel : {resident.display_name}" in listing


def test_a_bad_pairing_is_shown_again_with_french_messages_and_the_typed_values(client_as, web_db):
    device = edge.register_device(web_db, "ble", "ble-glucose", "AA:BB:CC:00:00:03")
    client = client_as(ROLE.ADMINISTRATEUR)
    token = csrf_from(client.get(f"/appareils/{device.id}/associer").get_data(as_text=True))

    response = client.post(f"/appareils/{device.id}/associer", data={
        "csrf_token": token, "name": "  ", "binding": "personal", "resident_id": "",
        "interval_h": "trois"})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Donnez un nom à l&#39;appareil" in html
    assert "Choisissez le résident à qui cet appareil personnel est attribué." in html
    assert "Indiquez un nombre entier d&#39;heures entre 1 et 720" in html
    assert 'value="trois"' in html and 'aria-invalid="true"' in html
    assert edge.get_device(web_db, device.id).state is edge.DeviceState.DISCOVERED


def test_a_shared_device_cannot_be_given_a_resident_by_crafting_the_form(client_as, web_db):
    device = edge.register_device(web_db, "ble", "ble-blood-pressure", "AA:BB:CC:00:00:04")
    client = client_as(ROLE.ADMINISTRATEUR)
    token = csrf_from(client.get(f"/appareils/{device.id}/associer").get_data(as_text=True))

    client.post(f"/appareils/{device.id}/associer", data={
        "csrf_token": token, "name": "Tensiomètre", "binding": "shared",
        "resident_id": a_resident(web_db).id})

    paired = edge.get_device(web_db, device.id)
    assert (paired.binding, paired.resident_id) == (edge.DeviceBinding.SHARED, None)


def test_an_administrator_unpairs_a_device(client_as, web_db):
    device_id, _ = shared_device_with_a_pending_reading(web_db)
    client = client_as(ROLE.ADMINISTRATEUR)
    token = csrf_from(client.get("/appareils").get_data(as_text=True))

    response = client.post(f"/appareils/{device_id}/dissocier", data={"csrf_token": token})

    assert response.status_code == 302
    assert edge.get_device(web_db, device_id).state is edge.DeviceState.DISCOVERED


def test_a_form_posted_without_its_anti_forgery_token_changes_nothing(client_as, web_db):
    device_id, _ = shared_device_with_a_pending_reading(web_db)
    response = client_as(ROLE.ADMINISTRATEUR).post(f"/appareils/{device_id}/dissocier")
    assert response.status_code == 400
    assert edge.get_device(web_db, device_id).state is edge.DeviceState.PAIRED


def test_a_carer_sees_a_pending_reading_and_assigns_it_to_a_resident(client_as, web_db):
    _, reading_id = shared_device_with_a_pending_reading(web_db)
    resident = a_resident(web_db)
    client = client_as(ROLE.AIDE_SOIGNANT)
    page = client.get("/lectures-non-attribuees").get_data(as_text=True)
    assert "Pression artérielle systolique : 135 mmHg" in page
    assert "Tensiomètre salle de soins" in page and "20/11/2026 09:40" in page

    response = client.post(f"/lectures-non-attribuees/{reading_id}/attribuer",
                           data={"csrf_token": csrf_from(page), "resident_id": resident.id})

    assert response.status_code == 302
    carer = user_of(web_db, ROLE.AIDE_SOIGNANT)
    stored = [obs for obs in edge.list_observations(web_db, resident.id, None)
              if obs.match_rule == "assigned_by_carer"]
    assert sorted((obs.code, obs.value, obs.author_id) for obs in stored) == [
        ("8462-4", 82.0, carer.id), ("8480-6", 135.0, carer.id)]
    assert edge.list_unassigned(web_db, None) == []
    assert "Aucune lecture en attente." in client.get("/lectures-non-attribuees").get_data(as_text=True)


def test_assigning_without_choosing_a_resident_is_refused_beside_the_choice(client_as, web_db):
    _, reading_id = shared_device_with_a_pending_reading(web_db)
    client = client_as(ROLE.INFIRMIER)
    token = csrf_from(client.get("/lectures-non-attribuees").get_data(as_text=True))

    response = client.post(f"/lectures-non-attribuees/{reading_id}/attribuer",
                           data={"csrf_token": token, "resident_id": ""})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="resident-{reading_id}-error"' in html
    assert "Choisissez le résident à qui appartient cette mesure." in html
    assert len(edge.list_unassigned(web_db, None)) == 1


def test_setting_a_reading_aside_needs_a_reason_which_is_kept(client_as, web_db):
    _, reading_id = shared_device_with_a_pending_reading(web_db)
    client = client_as(ROLE.INFIRMIER)
    token = csrf_from(client.get("/lectures-non-attribuees").get_data(as_text=True))

    refused = client.post(f"/lectures-non-attribuees/{reading_id}/ecarter",
                          data={"csrf_token": token, "reason": "   "})
    assert refused.status_code == 400
    assert "Indiquez pourquoi cette mesure est écartée" in refused.get_data(as_text=True)

    done = client.post(f"/lectures-non-attribuees/{reading_id}/ecarter",
                       data={"csrf_token": token, "reason": "Essai de l'appareil"})
    assert done.status_code == 302
    [item] = edge.list_unassigned(web_db, None, state=edge.UnassignedState.REJECTED)
    assert (item.id, item.reason) == (reading_id, "Essai de l'appareil")


def test_a_reading_already_decided_is_not_decided_twice(client_as, web_db):
    _, reading_id = shared_device_with_a_pending_reading(web_db)
    edge.reject_unassigned(web_db, reading_id, user_of(web_db, ROLE.INFIRMIER).id, "doublon")
    client = client_as(ROLE.AIDE_SOIGNANT)
    token = csrf_from(client.get("/lectures-non-attribuees").get_data(as_text=True))

    response = client.post(f"/lectures-non-attribuees/{reading_id}/attribuer",
                           data={"csrf_token": token, "resident_id": a_resident(web_db).id},
                           follow_redirects=True)

    assert "Cette mesure a déjà été traitée." in response.get_data(as_text=True)
    assert not [obs for obs in edge.list_observations(web_db, a_resident(web_db).id, None)
                if obs.match_rule == "assigned_by_carer"]


def test_the_inbox_speaks_english_when_chosen(client_as, web_db):
    shared_device_with_a_pending_reading(web_db)
    client = client_as(ROLE.AIDE_SOIGNANT)
    client.set_cookie("relais_lang", "en")
    html = client.get("/lectures-non-attribuees").get_data(as_text=True)
    assert "Unassigned readings" in html and "Systolic blood pressure: 135 mmHg" in html
    assert "Set aside" in html
