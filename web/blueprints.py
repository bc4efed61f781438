"""The blueprints the application registers: module paths, each exposing `blueprint`.

Each owner appends their module path once their blueprint imports cleanly (one-line edit).
"""

from __future__ import annotations

BLUEPRINTS: tuple[str, ...] = (
    "web.auth.views",
    "web.admin.views",
    "web.home",
    "web.devices_admin.views",
    "web.deliveries.views",
    "web.residents.views",
    "web.alerts.views",
    "web.live.views",
    "web.account.views",
)
