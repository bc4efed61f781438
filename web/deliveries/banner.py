"""The banner every page shows when a national service cannot be reached (last real probe by the
sync process) or when a certificate has expired or soon will."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import gettext as _

import edge
from web.context import Banner, clock, record
from web.deliveries.labels import destination_label, moment


def delivery_banners() -> list[Banner]:
    """Banners from the `endpoint_probes` table; none when every probe succeeded."""
    probes = edge.endpoint_probes(record())
    link = url_for("deliveries.index")
    shown = [Banner("warning", _("%(service)s ne répond pas (dernier essai : %(time)s). Les "
                                 "documents attendent et partiront automatiquement.",
                                 service=destination_label(probe.destination),
                                 time=moment(probe.checked_at)), link)
             for probe in edge.unreachable(probes)]
    now: datetime = clock()
    for probe, expired in edge.certificate_problems(probes, now):
        if expired:
            shown.append(Banner("danger", _("Le certificat pour %(service)s a expiré : plus aucun "
                                            "document ne part. Un administrateur doit le "
                                            "renouveler.",
                                            service=destination_label(probe.destination)), link))
        else:
            shown.append(Banner("warning", _("Le certificat pour %(service)s expire le %(day)s : "
                                             "un administrateur doit le renouveler.",
                                             service=destination_label(probe.destination),
                                             day=moment(probe.certificate_expires_at)), link))
    return shown
