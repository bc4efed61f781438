"""Tests of vital-signs entry: impossible values refused beside their field with the typed values
kept, alarming but plausible values accepted with an alert, units and decimals, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import edge
from tests.web.residents_fixtures import Poster, first_resident
from web.residents.vitals_form import parse_vitals

ROLE = edge.Role
NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
EMERGENCY_SET = {"respiration_rate": "26", "spo2": "90", "systolic": "88", "pulse": "135",
                 "temperature": "39,4", "consciousness": "V", "oxygen": "oxygen",
                 "oxygen_flow": "2"}


def post_vitals(client, resident_id, data):
    page = f"/residents/{resident_id}/constantes"
    return Poster(client).post(page, page, data)


def count_observations(db, resident_id):
    return len(edge.list_observations(db, resident_id, None))


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("spo2", "140", "140 % est impossible"),
    ("temperature", "60", "60 °C est impossible"),
])
def test_an_impossible_value_is_refused_beside_its_field_and_the_typed_values_kept(
        client_as, web_db, field, value, reason):
    resident = first_resident(web_db)
    before = count_observations(web_db, resident.id)
    typed = {"pulse": "77", "respiration_rate": "18", field: value}
    response = post_vitals(client_as(ROLE.AIDE_SOIGNANT), resident.id, typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert reason in html
    assert f'id="f-{field}-error"' in html and f'aria-describedby="f-{field}-hint f-{field}-error"' in html
    assert f'value="{value}"' in html and 'value="77"' in html and 'value="18"' in html
    assert count_observations(web_db, resident.id) == before


def test_alarming_plausible_values_are_accepted_and_open_a_high_alert(client_as, web_db):
    resident = first_resident(web_db)
    client = client_as(ROLE.AIDE_SOIGNANT)
    response = post_vitals(client, resident.id, EMERGENCY_SET)
    assert response.status_code == 302
    scored = edge.latest_set(web_db, resident.id)
    assert scored.score.complete and scored.score.total >= 7
    assert scored.value(edge.News2Parameter.TEMPERATURE).value == 39.4
    alerts = edge.list_alerts(web_db, None, resident_id=resident.id)
    assert alerts and alerts[0].band is edge.RiskBand.HIGH and not alerts[0].partial
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "news2-high" in page and "Réponse d&#39;urgence" in page


def test_a_comma_decimal_and_air_are_stored_in_their_units(client_as, web_db):
    resident = first_resident(web_db)
    post_vitals(client_as(ROLE.INFIRMIER), resident.id,
                {"temperature": "37,2", "oxygen": "air", "consciousness": "A"})
    scored = edge.latest_set(web_db, resident.id)
    assert scored.value(edge.News2Parameter.TEMPERATURE).value == 37.2
    assert scored.value(edge.News2Parameter.SUPPLEMENTAL_OXYGEN).value == 0
    assert scored.value(edge.News2Parameter.CONSCIOUSNESS).display == "A"


def test_an_empty_form_asks_for_a_measurement(client_as, web_db):
    response = post_vitals(client_as(ROLE.AIDE_SOIGNANT), first_resident(web_db).id, {})
    assert response.status_code == 422
    assert "Saisissez au moins une mesure." in response.get_data(as_text=True)


def test_the_administrator_may_not_enter_vitals(client_as, web_db):
    resident = first_resident(web_db)
    assert client_as(ROLE.ADMINISTRATEUR).get(f"/residents/{resident.id}/constantes").status_code == 403


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"temperature": "37,25"}, "temperature", "Au plus 1 décimale"),
    ({"pulse": "soixante"}, "pulse", "Saisissez un nombre"),
    ({"pulse": "72.5"}, "pulse", "Sans décimale"),
    ({"oxygen": "oxygen"}, "oxygen_flow", "débit"),
    ({"oxygen": "helium"}, "oxygen", "air ambiant ou oxygène"),
    ({"consciousness": "Z"}, "consciousness", "A, C, V, P ou U"),
    ({"pulse": "72", "observed_at": "2026-11-22T05:00"}, "observed_at", "futur"),
    ({"pulse": "72", "observed_at": "hier"}, "observed_at", "date et l'heure"),
])
def test_each_bad_field_gets_its_own_french_reason(form, field, message):
    entry = parse_vitals(form, resident_id="r", author_id="u", now=NOW)
    assert not entry.ok and message in entry.errors[field]


def test_a_valid_form_makes_one_set_taken_at_the_given_time():
    taken = (NOW - timedelta(minutes=20)).replace(tzinfo=None).isoformat(timespec="minutes")
    entry = parse_vitals({**EMERGENCY_SET, "observed_at": taken}, resident_id="r",
                         author_id="u", now=NOW)
    assert entry.ok
    codes = {obs.code: obs.value for obs in entry.observations}
    assert codes["8310-5"] == 39.4 and codes["3151-8"] == 2.0 and codes["80288-4"] == 2.0
    assert {obs.observed_at for obs in entry.observations} == {
        (NOW - timedelta(minutes=20)).isoformat(timespec="microseconds")}
