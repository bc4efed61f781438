"""Helpers for the clinical pages' tests (Résidents, Alertes, live updates): a signed-in client
that posts forms with the page's CSRF token, and readers of the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from flask.testing import FlaskClient

import edge
from tests.web.conftest import csrf_from

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@dataclass
class Poster:
    client: FlaskClient

    def post(self, form_page: str, action: str, data: dict[str, str]):
        token = csrf_from(self.client.get(form_page).get_data(as_text=True))
        return self.client.post(action, data={**data, "csrf_token": token})


def first_resident(db: edge.Database) -> edge.Resident:
    return edge.list_residents(db, None)[0]


def reads_of(db: edge.Database, object_type: str) -> list:
    return [entry for entry in edge.list_audit(db, limit=100000)
            if entry.action == "read" and entry.object_type == object_type]


def assert_inert(html: str) -> None:
    assert XSS not in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
