"""Section "Commentaire non codé" (55112-7): recent transmissions and free comments."""

from __future__ import annotations

from edge.documents.cda import Element, IdMinter, sub
from edge.documents.codes import LOINC, Code
from edge.documents.model import Transmission
from edge.documents.sections.common import SectionSpec, french_time, new_section

SPEC = SectionSpec(("2.16.840.1.113883.10.12.201", "1.3.6.1.4.1.19376.1.4.1.2.16",
                    "1.2.250.1.213.1.1.2.73"), Code("55112-7", LOINC, "Commentaire"),
                   "commentaire", with_id=False)


def add_comments(body: Element, transmissions: tuple[Transmission, ...], ids: IdMinter,
                 comment: str | None = None) -> None:
    """Recent transmissions, newest first, then the free comment if any."""
    _, narrative = new_section(body, SPEC, "Transmissions récentes", ids)
    if transmissions:
        rows = narrative.table(("Date", "Auteur", "Transmission"))
        for transmission in sorted(transmissions, key=lambda t: t.time, reverse=True):
            row = sub(rows, "tr")
            sub(row, "td", french_time(transmission.time))
            sub(row, "td", transmission.author)
            sub(row, "td", transmission.text)
    else:
        sub(narrative.text, "paragraph", "Aucune transmission récente.")
    if comment:
        sub(narrative.text, "paragraph", f"Commentaire : {comment}")
