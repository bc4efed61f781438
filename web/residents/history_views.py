"""The history of a resident's measurements ("historique des mesures"): the recent sets, newest
first and page by page, each value with its unit, time, who or which device, how it was captured,
and — when corrected — the original value, who corrected it, when and why."""

from __future__ import annotations

from flask import render_template, request

import edge
from web.access import Permission, requires
from web.context import current_user, record
from web.residents.bp import blueprint
from web.residents.correction_views import BACK_TO_HISTORY
from web.residents.corrections import (
    device_names,
    may_correct,
    method_label,
    order_key,
    parameter_label,
    source_label,
    value_text,
)
from web.residents.page_views import load_resident
from web.residents.shown import audit_shown, user_names

MAX_PAGE = 10000


def _page_number() -> int:
    text = request.args.get("page", "1")
    return min(int(text), MAX_PAGE) if text.isdigit() and int(text) > 0 else 1


@blueprint.get("/<resident_id>/mesures")
@requires(Permission.RESIDENTS_VIEW)
def history(resident_id: str) -> str:
    resident = load_resident(resident_id)
    found = edge.observation_history(record(), resident.id, current_user().id,
                                     page=_page_number())
    groups = [(group, sorted(group.values, key=lambda item: order_key(item.current.code)))
              for group in found.groups]
    page = render_template(
        "residents/history.html", resident=resident, history=found, groups=groups,
        names=user_names(), devices=device_names(), value_text=value_text,
        method_label=method_label, source_label=source_label, parameter_label=parameter_label,
        may_correct=may_correct, back=BACK_TO_HISTORY)
    audit_shown([resident.id])
    return page
