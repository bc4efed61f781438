"""The Résidents blueprint: registers the routes of its modules on one blueprint (`residents`)."""

from __future__ import annotations

from web.residents import (
    correction_views,
    history_views,
    identity_views,
    list_views,
    notes_views,
    page_views,
    vitals_views,
)
from web.residents.bp import blueprint

__all__ = ["blueprint", "correction_views", "history_views", "identity_views", "list_views",
           "notes_views", "page_views", "vitals_views"]
