"""A whole page is kept only while everything it shows is the same: the record, the banners, who
is signed in, the session, the language; a page showing a one-time message is never kept; and a
kept page is still audited on every request."""

from __future__ import annotations

from flask import Flask, flash

import edge
from tests.web.conftest import attach_session, sign_in_for_tests, user_of
from web.page_cache import PAGES_KEY, frame_key, kept_page

ROLE = edge.Role


def _reads(db: edge.Database, user: edge.StaffUser) -> int:
    return sum(1 for entry in edge.list_audit(db, limit=10_000)
               if entry.actor_id == user.id and entry.action == edge.AuditAction.READ.value)


def test_the_same_list_twice_is_served_from_one_kept_page_and_audited_twice(
        client_as, web_app: Flask, web_db: edge.Database) -> None:
    client = client_as(ROLE.INFIRMIER)
    nurse = user_of(web_db, ROLE.INFIRMIER)
    before = _reads(web_db, nurse)
    first = client.get("/residents/").get_data()
    second = client.get("/residents/").get_data()
    assert first == second
    assert len(web_app.extensions[PAGES_KEY]) == 1
    assert _reads(web_db, nurse) == before + 2


def test_a_banner_that_appears_is_on_the_next_page(client_as, web_db: edge.Database) -> None:
    client = client_as(ROLE.INFIRMIER)
    assert "ne répond pas" not in client.get("/residents/").get_data(as_text=True)
    edge.record_probe(web_db, edge.Destination.DMP, checked_at=web_db.clock(), reachable=False,
                      detail="connection refused")
    assert "ne répond pas" in client.get("/residents/").get_data(as_text=True)


def test_two_people_each_see_their_own_name_and_token(client_as, web_db: edge.Database) -> None:
    nurse_page = client_as(ROLE.INFIRMIER).get("/residents/").get_data(as_text=True)
    carer_page = client_as(ROLE.AIDE_SOIGNANT).get("/residents/").get_data(as_text=True)
    assert user_of(web_db, ROLE.INFIRMIER).display_name in nurse_page
    assert user_of(web_db, ROLE.AIDE_SOIGNANT).display_name in carer_page
    assert user_of(web_db, ROLE.INFIRMIER).display_name not in carer_page


def test_the_same_person_in_a_new_session_gets_a_page_with_the_new_token(
        web_app: Flask, web_db: edge.Database) -> None:
    nurse = user_of(web_db, ROLE.INFIRMIER)
    pages = []
    for _ in range(2):
        client = web_app.test_client()
        attach_session(client, sign_in_for_tests(web_db, nurse))
        pages.append(client.get("/residents/").get_data(as_text=True))
    assert pages[0] != pages[1]


def test_the_language_chosen_is_the_language_of_the_kept_page(client_as) -> None:
    client = client_as(ROLE.INFIRMIER)
    french = client.get("/residents/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    client.set_cookie("relais_lang", "en")
    english = client.get("/residents/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Rechercher" in french and "Rechercher" not in english


def test_a_page_with_a_one_time_message_is_not_kept(web_app: Flask, web_db: edge.Database
                                                    ) -> None:
    token = sign_in_for_tests(web_db, user_of(web_db, ROLE.INFIRMIER))
    rendered: list[str] = []
    headers = {"Cookie": f"__Host-relais_session={token}"}
    with web_app.test_request_context("/residents/", base_url="https://localhost",
                                      headers=headers):
        web_app.preprocess_request()
        assert frame_key() is not None
        flash("Enregistré.")
        assert frame_key() is None
        for _ in range(2):
            kept_page(("content",), lambda: rendered.append("rendered") or "page")
    assert rendered == ["rendered", "rendered"]
