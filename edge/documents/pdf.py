"""Printable PDF rendering of a generated CDA document (DLU, FLUDT, cover sheet of an N1).

The PDF is drawn from the CDA itself — its header and the narrative text of each section —
so the paper that goes with the resident says exactly what is sent. Uses reportlab with the
Bitstream Vera fonts reportlab ships (embedded; French accents, œ, €, quotes).
"""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Callable
from functools import cache
from xml.sax.saxutils import escape

from lxml import etree
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from edge.documents.cda import HL7

_LOGGER = logging.getLogger(__name__)
NS = {"h": HL7}
FONT = "RelaisVera"
BOLD = "RelaisVeraBold"
_TEXT = ParagraphStyle("texte", fontName=FONT, fontSize=9, leading=11.5)
_CELL = ParagraphStyle("cellule", parent=_TEXT, fontSize=8.5, leading=10.5)
_HEAD = ParagraphStyle("rubrique", parent=_TEXT, fontName=BOLD, fontSize=11, leading=14,
                       spaceBefore=7, spaceAfter=3, textColor=colors.HexColor("#1f3a5f"),
                       keepWithNext=1)
_TITLE = ParagraphStyle("titre", parent=_TEXT, fontName=BOLD, fontSize=14, leading=17,
                        spaceAfter=6)
_GRID = TableStyle([
    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
])
_FIELDS = TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                      ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey)])


@cache
def _glyphs() -> frozenset[int]:
    """Register the embedded fonts once; return the characters they can draw."""
    regular = TTFont(FONT, "Vera.ttf")
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(TTFont(BOLD, "VeraBd.ttf"))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD)
    return frozenset(regular.face.charToGlyph)


def _printable(text: str) -> str:
    """One line of text the embedded font can draw; characters it lacks become `?`."""
    glyphs = _glyphs()
    return " ".join("".join(ch if ord(ch) in glyphs or ch.isspace() else "?"
                            for ch in text).split())


def _safe(text: str) -> str:
    """Text escaped for reportlab paragraph markup."""
    return escape(_printable(text))


def _text(element: etree._Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _first(root: etree._Element, path: str) -> etree._Element | None:
    found = root.xpath(path, namespaces=NS)
    return found[0] if isinstance(found, list) and found and isinstance(
        found[0], etree._Element) else None


def _value(root: etree._Element, path: str) -> str:
    found = root.xpath(path, namespaces=NS)
    return str(found[0]) if isinstance(found, list) and found else ""


def _day(value: str) -> str:
    return f"{value[6:8]}/{value[4:6]}/{value[0:4]}" if len(value) >= 8 else ""


def _moment(value: str) -> str:
    if len(value) < 12:
        return _day(value)
    return f"{_day(value)} à {value[8:10]}h{value[10:12]}"


def _person(root: etree._Element, path: str) -> str:
    name = _first(root, path)
    if name is None:
        return ""
    given = _text(name.find(f"{{{HL7}}}given"))
    return f"{_text(name.find(f'{{{HL7}}}family'))} {given}".strip()


def _patient_rows(root: etree._Element) -> list[tuple[str, str]]:
    patient = "h:recordTarget/h:patientRole/h:patient"
    name = f"{patient}/h:name"
    sex = {"F": "Féminin", "M": "Masculin"}.get(
        _value(root, f"{patient}/h:administrativeGenderCode/@code"), "")
    rows = [
        ("Nom de naissance", _text(_first(root, f"{name}/h:family[@qualifier='BR']"))),
        ("Prénoms de naissance", _text(_first(root, f"{name}/h:given[not(@qualifier)]"))),
        ("Nom et prénom utilisés",
         " ".join(_text(e) for e in root.xpath(f"{name}/*[@qualifier='CL']", namespaces=NS)
                  if isinstance(e, etree._Element))),
        ("Né(e) le", _day(_value(root, f"{patient}/h:birthTime/@value"))),
        ("Sexe", sex),
        ("Lieu de naissance (code INSEE)",
         _text(_first(root, f"{patient}/h:birthplace/h:place/h:addr/h:county"))),
    ]
    for ident in root.xpath("h:recordTarget/h:patientRole/h:id", namespaces=NS):
        assert isinstance(ident, etree._Element)
        label = "INS" if ident.get("root", "").startswith("1.2.250.1.213.1.4.") else "IPP"
        rows.append((label, ident.get("extension", "")))
    return [(label, value) for label, value in rows if value]


def _document_rows(root: etree._Element) -> list[tuple[str, str]]:
    custodian = "h:custodian/h:assignedCustodian/h:representedCustodianOrganization"
    rows = [
        ("Etablissement", _text(_first(root, f"{custodian}/h:name"))),
        ("Téléphone de l'établissement",
         _value(root, f"{custodian}/h:telecom/@value").removeprefix("tel:")),
        ("Rédigé le", _moment(_value(root, "h:effectiveTime/@value"))),
        ("Auteur", _person(root, "h:author/h:assignedAuthor/h:assignedPerson/h:name")),
        ("Responsable", _person(root, "h:legalAuthenticator/h:assignedEntity/h:assignedPerson"
                                      "/h:name")),
        ("Médecin traitant",
         _person(root, "h:participant[h:functionCode/@code='PCP']/h:associatedEntity"
                       "/h:associatedPerson/h:name") or "non renseigné"),
    ]
    for kind, label in (("NOK", "Personne de confiance"), ("ECON", "Personne à prévenir")):
        entity = f"h:informant/h:relatedEntity[@classCode='{kind}']"
        who = _person(root, f"{entity}/h:relatedPerson/h:name")
        if who:
            phone = _value(root, f"{entity}/h:telecom/@value").removeprefix("tel:")
            relation = _value(root, f"{entity}/h:code/@displayName")
            rows.append((label, " — ".join(part for part in (who, relation, phone) if part)))
    return [(label, value) for label, value in rows if value]


def _fields(rows: list[tuple[str, str]]) -> Table:
    data = [[Paragraph(_safe(label), _CELL), Paragraph(f"<b>{_safe(value)}</b>", _CELL)]
            for label, value in rows]
    table = Table(data, colWidths=(55 * mm, 125 * mm), hAlign="LEFT")
    table.setStyle(_FIELDS)
    return table


def _narrative(text: etree._Element) -> list[Flowable]:
    flowables: list[Flowable] = []
    if text.text and text.text.strip():
        flowables.append(Paragraph(_safe(text.text), _TEXT))
    for child in text:
        local = etree.QName(child).localname
        if local == "table":
            rows = [[Paragraph(_safe(_text(cell)), _CELL) for cell in row
                     if isinstance(cell.tag, str)]
                    for row in child.iter(f"{{{HL7}}}tr")]
            if rows:
                table = Table(rows, repeatRows=1, hAlign="LEFT")
                table.setStyle(_GRID)
                flowables.append(table)
        elif local == "list":
            flowables += [Paragraph("• " + _safe(_text(item)), _TEXT)
                          for item in child.iter(f"{{{HL7}}}item")]
        elif local != "br":
            flowables.append(Paragraph(_safe(_text(child)), _TEXT))
        if child.tail and child.tail.strip():
            flowables.append(Paragraph(_safe(child.tail), _TEXT))
    return flowables


def _body(root: etree._Element) -> list[Flowable]:
    flowables: list[Flowable] = []
    for section in root.xpath("h:component/h:structuredBody/h:component/h:section",
                              namespaces=NS):
        assert isinstance(section, etree._Element)
        flowables.append(Paragraph(_safe(_text(section.find(f"{{{HL7}}}title"))), _HEAD))
        text = section.find(f"{{{HL7}}}text")
        if text is not None:
            flowables += _narrative(text)
    wrapped = _first(root, "h:component/h:nonXMLBody/h:text")
    if wrapped is not None:
        size = len(base64.b64decode("".join((wrapped.text or "").split())))
        kind = _value(root, "h:code/@displayName")
        flowables += [
            Paragraph("Document joint", _HEAD),
            Paragraph(_safe(f"Type : {kind}"), _TEXT),
            Paragraph(_safe(f"Fichier PDF d'origine de {max(1, size // 1024)} Ko, transmis "
                            "avec cette page de garde."), _TEXT),
        ]
    return flowables


def _footer(root: etree._Element) -> Callable[[Canvas, SimpleDocTemplate], None]:
    patient = "h:recordTarget/h:patientRole/h:patient"
    who = _printable(_text(_first(root, f"{patient}/h:name/h:family[@qualifier='BR']")) + " "
                     + _text(_first(root, f"{patient}/h:name/h:given[@qualifier='BR']")))
    born = _day(_value(root, f"{patient}/h:birthTime/@value"))
    title = _printable(_text(root.find(f"{{{HL7}}}title")))

    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.drawString(15 * mm, 9 * mm, f"{who} — né(e) le {born} — {title}"[:150])
        canvas.drawRightString(A4[0] - 15 * mm, 9 * mm, f"page {doc.page}")
        canvas.restoreState()

    return draw


def render_pdf(xml: bytes) -> bytes:
    """The printable PDF of a CDA document generated by this package (A4, fonts embedded)."""
    _glyphs()
    root = etree.fromstring(xml)
    title = _text(root.find(f"{{{HL7}}}title"))
    story: list[Flowable] = [
        Paragraph(_safe(title), _TITLE),
        Paragraph("Résident", _HEAD), _fields(_patient_rows(root)),
        Paragraph("Document", _HEAD), _fields(_document_rows(root)),
        Spacer(1, 2 * mm),
        *_body(root),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=14 * mm, bottomMargin=16 * mm, title=title,
                                 author="Relais", invariant=True)
    footer = _footer(root)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    _LOGGER.debug("rendered a PDF of %s bytes", buffer.tell())
    return buffer.getvalue()
