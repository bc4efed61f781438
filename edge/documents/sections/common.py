"""What every section builder shares: the section skeleton and its narrative block.

A section's narrative (`text`) is what a reader sees; coded entries point into it with
`text/reference/@value="#id"`. `Narrative` hands out those ids, unique in the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from edge.documents.cda import Element, IdMinter, coded, sub
from edge.documents.codes import Code

NOT_KNOWN = "non renseigné"


@dataclass(slots=True)
class Narrative:
    """The `text` element of one section and the ids of the content it holds."""

    text: Element
    prefix: str
    _count: int = field(default=0)

    def content(self, parent: Element, value: str) -> str:
        """Append `<content ID=…>value</content>` and return the reference (`#id`)."""
        self._count += 1
        ident = f"{self.prefix}-{self._count}"
        sub(parent, "content", value, ID=ident)
        return f"#{ident}"

    def paragraph(self, value: str) -> str:
        """Append a paragraph holding one referenced content; return its reference."""
        return self.content(sub(self.text, "paragraph"), value)

    def table(self, headers: Sequence[str]) -> Element:
        """Append a table with its header row; return its `tbody` for the rows."""
        table = sub(self.text, "table", border="1")
        row = sub(sub(table, "thead"), "tr")
        for header in headers:
            sub(row, "th", header)
        return sub(table, "tbody")

    def labelled(self, body: Element, label: str, value: str) -> str:
        """Append a row `label | value` whose value is referenced content; return it."""
        row = sub(body, "tr")
        sub(row, "td", label)
        return self.content(sub(row, "td"), value)

    def row(self, body: Element, referenced: str, *cells: str) -> str:
        """Append a row whose first cell is referenced content; return its reference."""
        row = sub(body, "tr")
        reference = self.content(sub(row, "td"), referenced)
        for cell in cells:
            sub(row, "td", cell)
        return reference


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """The fixed parts of a section model: templates, LOINC code and prefix of its ids."""

    templates: tuple[str, ...]
    code: Code
    prefix: str
    with_id: bool = True


def new_section(body: Element, spec: SectionSpec, title: str,
                ids: IdMinter) -> tuple[Element, Narrative]:
    """Append `component/section` with its templates, id, code, title and empty text."""
    section = sub(sub(body, "component"), "section")
    for root in spec.templates:
        sub(section, "templateId", root=root)
    if spec.with_id:
        ids.add(section)
    coded(section, "code", spec.code)
    sub(section, "title", title)
    return section, Narrative(sub(section, "text"), spec.prefix)


def yes_no(value: bool | None) -> str:
    """oui / non / non renseigné."""
    if value is None:
        return NOT_KNOWN
    return "oui" if value else "non"


def bool_value(parent: Element, value: bool | None) -> Element:
    """Append a BL `value`, with `nullFlavor="NASK"` when nobody has said."""
    if value is None:
        return sub(parent, "value", xsi_type="BL", nullFlavor="NASK")
    return sub(parent, "value", xsi_type="BL", value="true" if value else "false")


def french_day(value: date | None) -> str:
    """A date as staff write it (`14/03/2024`), or an empty string."""
    return value.strftime("%d/%m/%Y") if value else ""


def french_time(value: datetime | None) -> str:
    """A date and time as staff write it (`14/03/2024 à 09h30`), or `non renseigné`."""
    return value.strftime("%d/%m/%Y à %Hh%M") if value else NOT_KNOWN


def text_reference(parent: Element, reference: str) -> Element:
    """Append `text/reference` pointing into the narrative."""
    text = sub(parent, "text")
    sub(text, "reference", value=reference)
    return text


def entry(section: Element) -> Element:
    """Append an `entry` to a section."""
    return sub(section, "entry")
