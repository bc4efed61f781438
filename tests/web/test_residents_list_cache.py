"""The Résidents list is served from caches (opened residents and sets in edge, rendered rows and
lists in web) yet always shows the record as stored now: a reading, an alert or a room change made
through another connection appears on the next request, time passing makes a resident due, the
language is honoured, and every page view still writes its own audit entry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from markupsafe import Markup

import edge
from tests.web.residents_fixtures import first_resident, reads_of
from web.render_cache import RenderCache

ROLE = edge.Role


@pytest.fixture
def other(web_settings: edge.Settings, web_db: edge.Database) -> Iterator[edge.Database]:
    """A second handle on the record, as the devices process or another server has."""
    second = edge.open_record(web_settings)
    yield second
    second.close()


def _card(html: str, resident_id: str) -> str:
    start = html.rindex("<li", 0, html.index(f'data-resident-id="{resident_id}"'))
    return html[start:html.index("</li>", start)]


def _store(db: edge.Database, resident_id: str, at: datetime | None = None,
           **values: float) -> None:
    codes = {"rr": ("9279-1", "/min"), "spo2": ("2708-6", "%"), "o2": ("3151-8", "L/min"),
             "sbp": ("8480-6", "mm[Hg]"), "pulse": ("8867-4", "/min"),
             "acvpu": ("80288-4", "{ACVPU}"), "temp": ("8310-5", "Cel")}
    taken = (at or db.clock()).isoformat()
    edge.store_observations(db, [
        edge.NewObservation(codes[key][0], codes[key][1], float(value), edge.CaptureMethod.TYPED,
                            taken, resident_id, None) for key, value in values.items()])


def test_a_reading_stored_elsewhere_shows_on_the_next_request(client_as, web_db, other):
    client = client_as(ROLE.INFIRMIER)
    resident = first_resident(web_db)
    before = _card(client.get("/residents/").get_data(as_text=True), resident.id)
    _store(other, resident.id, rr=16, spo2=97, o2=0, sbp=130, pulse=70, acvpu=0, temp=39.4)
    after = _card(client.get("/residents/").get_data(as_text=True), resident.id)
    assert after != before and "39.4 °C" in after


def test_an_alert_opened_then_acknowledged_elsewhere_comes_and_goes(client_as, web_db, other):
    client = client_as(ROLE.INFIRMIER)
    resident = first_resident(web_db)
    nurse = edge.find_user(other, "ide.demo")
    for alert in edge.list_alerts(other, None, resident_id=resident.id):
        edge.acknowledge_alert(other, alert.id, nurse.id, edge.AlertAction.REMEASURED)
    _store(other, resident.id, rr=16, spo2=97, o2=0, sbp=130, pulse=70, acvpu=0, temp=37.0)
    assert "has-alert" not in _card(client.get("/residents/").get_data(as_text=True), resident.id)
    _store(other, resident.id, rr=25, spo2=91, o2=0, sbp=130, pulse=131, acvpu=0, temp=37.0)
    card = _card(client.get("/residents/").get_data(as_text=True), resident.id)
    assert "has-alert alert-high" in card and "Alertes ouvertes : 1" in card
    [alert] = edge.list_alerts(other, None, resident_id=resident.id)
    edge.acknowledge_alert(other, alert.id, nurse.id, edge.AlertAction.CALLED_MEDECIN)
    assert "has-alert" not in _card(client.get("/residents/").get_data(as_text=True), resident.id)


def test_a_room_change_elsewhere_shows_under_a_clock_that_does_not_move(client_as, web_db,
                                                                       other):
    now = web_db.clock()
    web_db.clock = other.clock = lambda: now
    client = client_as(ROLE.AIDE_SOIGNANT)
    resident = first_resident(web_db)
    client.get("/residents/")
    doctor = edge.find_user(other, "medecin.demo")
    edge.update_care_context(other, resident.id, doctor.id, room="999")
    assert "Ch. 999" in _card(client.get("/residents/").get_data(as_text=True), resident.id)


def test_time_passing_makes_a_resident_due_without_any_write(client_as, web_db):
    client = client_as(ROLE.AIDE_SOIGNANT)
    now = web_db.clock()
    traits = edge.validate_traits(birth_family_name="Nouvelle", birth_given_names="Arrivée",
                                  birth_date=date(1931, 5, 6), sex="F", birthplace="75056",
                                  today=now.date())
    resident = edge.admit_resident(web_db, None, traits, room="777")
    _store(web_db, resident, at=now - timedelta(hours=12, minutes=-1),  # NEWS2 0: every 12 h
           rr=16, spo2=97, o2=0, sbp=130, pulse=70, acvpu=0, temp=37.0)
    card = _card(client.get("/residents/").get_data(as_text=True), resident)
    assert "À mesurer maintenant" not in card
    assert "Nouvelle" not in client.get("/residents/?due=1").get_data(as_text=True).upper()
    web_db.clock = lambda: now + timedelta(minutes=2)
    card = _card(client.get("/residents/").get_data(as_text=True), resident)
    assert "À mesurer maintenant" in card
    assert "Nouvelle" in client.get("/residents/?due=1").get_data(as_text=True).title()


def test_rows_follow_the_language_of_each_request(client_as, web_db):
    client = client_as(ROLE.INFIRMIER)
    resident = first_resident(web_db)
    french = _card(client.get("/residents/").get_data(as_text=True), resident.id)
    client.set_cookie("relais_lang", "en")
    english = _card(client.get("/residents/").get_data(as_text=True), resident.id)
    assert "Dernière série" in french and "Latest set" in english and "Dernière" not in english


def test_every_view_of_the_list_writes_its_own_audit_entry(client_as, web_db):
    client = client_as(ROLE.AIDE_SOIGNANT)
    for _ in range(3):
        assert client.get("/residents/").status_code == 200
    entries = reads_of(web_db, "page:residents.index")
    assert len(entries) == 3
    shown = {r.id for r in edge.list_residents(web_db, None)}
    assert all(set(entry.details["residents"]) == shown for entry in entries)
    client.get("/residents/", query_string={"q": first_resident(web_db).display_name})
    last = reads_of(web_db, "page:residents.index")[0]  # newest first
    assert first_resident(web_db).id in last.details["residents"]
    assert len(last.details["residents"]) < len(shown)


def test_the_render_cache_keeps_the_most_recently_used_within_its_bound() -> None:
    cache: RenderCache[Markup] = RenderCache(limit=2)
    made: list[str] = []

    def make(text: str) -> Markup:
        made.append(text)
        return Markup(text)

    cache.get("a", lambda: make("a"))
    cache.get("b", lambda: make("b"))
    cache.get("a", lambda: make("a"))  # kept: not made again, and now the most recent
    cache.get("c", lambda: make("c"))  # drops "b", the least recently used
    assert made == ["a", "b", "c"] and len(cache) == 2
    assert cache.peek("b") is None and cache.peek("a") == Markup("a")
