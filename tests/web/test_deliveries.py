"""The deliveries pages: Envois per destination with reasons and actions, the replay of dead rows,
the national-services banner, "Transférer à l'hôpital" and a PDF added to a resident's file."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import csrf_from
from flask import Flask
from flask.testing import FlaskClient

import edge

Client = Callable[[edge.Role], FlaskClient]
TINY_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]"
            b"/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")
TRANSFER_FORM = {"reason": "Chute avec douleur de hanche", "destination": "CH Exemple — urgences",
                 "recipient": "urgences@ch-exemple.mssante.fr", "consciousness": "awake",
                 "recent_pain": "yes", "pain_location": "hanche droite", "last_meal": "12:15",
                 "belonging_glasses": "1"}


@pytest.fixture
def web_settings(web_template: Path, tmp_path: Path) -> edge.Settings:
    """The demo record, with the home's identity the documents need."""
    root = tmp_path / "home"
    shutil.copytree(web_template, root)
    return edge.load_settings({}, {
        "data_dir": root / "data", "key_file": root / "usb" / "k.key", "finess": "750000001",
        "home_name": "EHPAD Les Tilleuls", "home_address": "12 rue des Lilas, 75011 Paris",
        "home_telephone": "01 43 00 00 00"})


def resident_with(db: edge.Database, qualified: bool) -> edge.Resident:
    """A resident with an INS, qualified or not (the demo record's statuses follow the residents'
    order: of every five, two are qualified and one has its INS but is not qualified)."""
    found = [resident for resident in edge.list_residents(db, None)
             if (resident.status is edge.IdentityStatus.QUAL) == qualified and resident.matricule]
    assert found, f"the demo record has no resident with an INS and qualified={qualified}"
    return found[0]


def post(client: FlaskClient, page: str, url: str, data: dict, **kw) -> object:  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, **kw)


def outbox(db: edge.Database) -> list[tuple[str, edge.OutboxState, str | None]]:
    return [(r["destination"], edge.OutboxState(r["state"]), r["blocked_reason"])
            for r in db.query("SELECT * FROM outbox ORDER BY seq")]


def test_the_envois_page_lists_both_services(client_as: Client) -> None:
    page = client_as(edge.Role.INFIRMIER).get("/envois")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "DMP (Mon espace santé)" in text and "Messagerie sécurisée (MSSanté)" in text


def test_a_carer_without_the_permission_cannot_transfer(client_as: Client,
                                                        web_db: edge.Database) -> None:
    resident = resident_with(web_db, True)
    assert client_as(edge.Role.AIDE_SOIGNANT).get(
        f"/residents/{resident.id}/transfer").status_code == 403


def test_a_transfer_queues_the_dlu_and_fludt_and_offers_their_pdf(
        client_as: Client, web_app: Flask, web_db: edge.Database) -> None:
    resident = resident_with(web_db, True)
    client = client_as(edge.Role.INFIRMIER)
    with web_app.test_request_context():
        from flask import url_for
        page = url_for("deliveries.transfer", resident_id=resident.id)
    answer = post(client, page, page, TRANSFER_FORM)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert sorted(outbox(web_db)) == sorted([("dmp", edge.OutboxState.QUEUED, None),
                                             ("mssante", edge.OutboxState.QUEUED, None)] * 2)
    done = client.get(answer.headers["Location"]).get_data(as_text=True)
    documents = [r["id"] for r in web_db.query("SELECT id FROM documents")]
    for document_id in documents:
        assert f"/documents/{document_id}.pdf" in done
        pdf = client.get(f"/documents/{document_id}.pdf")
        assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    envois = client.get("/envois").get_data(as_text=True)
    assert envois.count("En attente : 2") == 2  # DLU and FLUDT, for each destination
    assert "Partira au prochain passage" in envois


def test_an_incomplete_transfer_says_why_and_queues_nothing_but_still_prints(
        client_as: Client, web_db: edge.Database) -> None:
    resident = resident_with(web_db, True)
    client = client_as(edge.Role.INFIRMIER)
    page = f"/residents/{resident.id}/transfer"
    answer = post(client, page, page, {**TRANSFER_FORM, "consciousness": ""})
    assert answer.status_code == 422
    assert "ne peuvent pas être envoyés" in answer.get_data(as_text=True)
    assert outbox(web_db) == []
    printed = post(client, page, f"{page}/imprimer", {**TRANSFER_FORM, "consciousness": "",
                                                      "which": "fludt"})
    assert printed.mimetype == "application/pdf" and printed.data.startswith(b"%PDF")


def test_a_non_qualified_identity_waits_blocked_with_its_reason_and_action(
        client_as: Client, web_db: edge.Database) -> None:
    resident = resident_with(web_db, False)
    client = client_as(edge.Role.INFIRMIER)
    page = f"/residents/{resident.id}/transfer"
    assert post(client, page, page, TRANSFER_FORM).status_code == 302
    assert {state for _, state, _ in outbox(web_db)} == {edge.OutboxState.BLOCKED}
    text = client.get("/envois").get_data(as_text=True)
    assert "Identité non qualifiée" in text
    assert "Faire qualifier l&#39;identité du résident" in text
    assert "Renvoyer" not in text
    stored = b"".join(edge.load_document(web_db, r["id"]).content
                      for r in web_db.query("SELECT id FROM documents"))
    assert resident.matricule is not None and resident.matricule.encode() not in stored


def test_an_administrator_replays_a_dead_row(client_as: Client, web_db: edge.Database) -> None:
    resident = resident_with(web_db, True)
    nurse = client_as(edge.Role.INFIRMIER)
    page = f"/residents/{resident.id}/transfer"
    post(nurse, page, page, {**TRANSFER_FORM, "recipient": ""})
    row = edge.claim_next(web_db, "test-worker")
    assert row is not None
    edge.mark_dead(web_db, row.id, "Document refusé : classCode inconnu")
    admin = client_as(edge.Role.ADMINISTRATEUR)
    text = admin.get("/envois").get_data(as_text=True)
    assert "Refusé par le service : Document refusé : classCode inconnu" in text
    assert resident.display_name not in text  # the administrator sees no clinical data
    assert post(nurse, "/envois", f"/envois/{row.id}/renvoyer", {}).status_code == 403
    assert post(admin, "/envois", f"/envois/{row.id}/renvoyer", {}).status_code == 302
    assert edge.get_delivery(web_db, row.id).state is edge.OutboxState.QUEUED


def test_the_banner_shows_an_unreachable_service_and_an_expired_certificate(
        client_as: Client, web_db: edge.Database) -> None:
    now = datetime.now(UTC)
    with web_db.write() as conn:
        conn.execute("INSERT INTO endpoint_probes VALUES (?, ?, ?, ?, ?)",
                     ("dmp", now.isoformat(), 0, "connection refused",
                      (now + timedelta(days=200)).isoformat()))
        conn.execute("INSERT INTO endpoint_probes VALUES (?, ?, ?, ?, ?)",
                     ("mssante", now.isoformat(), 1, None, (now - timedelta(days=1)).isoformat()))
    text = client_as(edge.Role.AIDE_SOIGNANT).get("/").get_data(as_text=True)
    follow = client_as(edge.Role.INFIRMIER).get("/envois").get_data(as_text=True)
    assert "DMP (Mon espace santé) ne répond pas" in follow
    assert "a expiré" in follow
    assert "banner-danger" in follow
    assert text is not None


def test_no_banner_when_every_service_answers(client_as: Client, web_db: edge.Database) -> None:
    now = datetime.now(UTC)
    with web_db.write() as conn:
        for destination in ("dmp", "mssante"):
            conn.execute("INSERT INTO endpoint_probes VALUES (?, ?, 1, NULL, ?)",
                         (destination, now.isoformat(), (now + timedelta(days=300)).isoformat()))
    text = client_as(edge.Role.INFIRMIER).get("/envois").get_data(as_text=True)
    assert "ne répond pas" not in text and "expire" not in text


def test_a_pdf_is_added_to_the_file_and_a_non_pdf_is_refused(
        client_as: Client, web_db: edge.Database) -> None:
    resident = resident_with(web_db, True)
    client = client_as(edge.Role.INFIRMIER)
    page = f"/residents/{resident.id}/documents/ajouter"
    from io import BytesIO
    refused = post(client, page, page, {"title": "Photo", "type": "11488-4",
                                        "file": (BytesIO(b"GIF89a"), "photo.gif")},
                   content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "n&#39;est pas un PDF" in refused.get_data(as_text=True)
    added = post(client, page, page, {"title": "Compte rendu de consultation", "type": "11488-4",
                                      "file": (BytesIO(TINY_PDF), "cr.pdf")},
                 content_type="multipart/form-data")
    assert added.status_code == 302
    assert outbox(web_db) == [("dmp", edge.OutboxState.QUEUED, None)]


def test_the_pages_speak_english_when_asked(client_as: Client) -> None:
    client = client_as(edge.Role.INFIRMIER)
    post(client, "/envois", "/langue", {"language": "en", "next": "/envois"})
    text = client.get("/envois").get_data(as_text=True)
    assert "Sending to the national services" in text
    assert "Secure messaging (MSSanté)" in text


def test_an_unreadable_time_is_refused_beside_its_field_with_the_typed_values_kept(
        client_as: Client, web_db: edge.Database) -> None:
    resident = resident_with(web_db, True)
    client = client_as(edge.Role.INFIRMIER)
    page = f"/residents/{resident.id}/transfer"
    form = {**TRANSFER_FORM, "last_meal": "midi et quart", "last_treatment": "25:70"}
    for url in (page, f"{page}/imprimer"):
        answer = post(client, page, url, {**form, "which": "fludt"})
        text = answer.get_data(as_text=True)
        assert answer.status_code == 422
        assert 'id="f-last_meal-error"' in text and 'id="f-last_treatment-error"' in text
        assert "Heure illisible" in text
        assert 'value="midi et quart"' in text and 'value="Chute avec douleur de hanche"' in text
    assert outbox(web_db) == []
    post(client, page, "/langue", {"language": "en", "next": page})
    english = post(client, page, page, form).get_data(as_text=True)
    assert "Unreadable time: type it as HH:MM" in english


def test_the_residents_page_says_each_documents_delivery_state_in_words(
        client_as: Client, web_db: edge.Database) -> None:
    resident = resident_with(web_db, True)
    client = client_as(edge.Role.INFIRMIER)
    page = f"/residents/{resident.id}/documents/ajouter"
    from io import BytesIO
    assert post(client, page, page, {"title": "Compte rendu", "type": "11488-4",
                                     "file": (BytesIO(TINY_PDF), "cr.pdf")},
                content_type="multipart/form-data").status_code == 302
    text = client.get(f"/residents/{resident.id}").get_data(as_text=True)
    assert "DMP : En attente" in text and "queued" not in text
    post(client, f"/residents/{resident.id}", "/langue",
         {"language": "en", "next": f"/residents/{resident.id}"})
    assert "DMP : Waiting" in client.get(f"/residents/{resident.id}").get_data(as_text=True)
