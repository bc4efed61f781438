"""The printable PDF of each document: a real PDF, readable, with the resident's name."""

from __future__ import annotations

import io

import pytest
from document_samples import (
    NOW,
    RESIDENTS,
    TINY_PDF,
    context,
    full_record,
    transfer,
    unqualified_record,
)
from pypdf import PdfReader

from edge.documents import Attachment, build_dlu, build_fludt, build_n1, render_pdf
from edge.documents.codes import LOINC, Code

N1_TYPE = Code("57833-6", LOINC, "Prescription de produits de santé")


def document(name: str, kind: str) -> bytes:
    record = RESIDENTS[name]()
    if kind == "dlu":
        return build_dlu(record, context(name, kind))
    if kind == "fludt":
        return build_fludt(record, transfer(full=name != "empty"), context(name, kind))
    return build_n1(record.identity, record.care_home,
                    Attachment("Ordonnance du Dr Lefèbvre", N1_TYPE, TINY_PDF, NOW),
                    context(name, kind))


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("name", sorted(RESIDENTS))
@pytest.mark.parametrize("kind", ["dlu", "fludt", "n1"])
def test_each_document_renders_as_a_pdf_naming_the_resident(name: str, kind: str) -> None:
    identity = RESIDENTS[name]().identity
    pdf = render_pdf(document(name, kind))
    assert pdf.startswith(b"%PDF-")
    pages, text = text_of(pdf)
    assert pages >= 1
    assert identity.birth_family_name in text
    assert identity.first_birth_given_name in text
    assert identity.birth_date.strftime("%d/%m/%Y") in text


def test_french_accents_and_ligatures_are_drawn_and_extractable() -> None:
    _, text = text_of(render_pdf(document("full", "dlu")))
    for word in ("BÉRANGER", "MARIE HÉLÈNE ŒNONE", "Allergies et hypersensibilités",
                 "Pénicilline", "Réanimation", "Documents annexés au DLU"):
        assert word in text


def test_the_fludt_pdf_shows_the_transfer_and_the_last_vital_signs() -> None:
    _, text = text_of(render_pdf(document("full", "fludt")))
    assert "Détresse respiratoire, SpO2 à 91 % sous air" in text
    assert "38,4 °C" in text
    assert "82 /min" in text
    assert "Eveillable" in text


def test_an_empty_record_prints_what_is_not_known() -> None:
    _, text = text_of(render_pdf(document("empty", "dlu")))
    assert "Pas d'information sur les allergies/hypersensibilités." in text
    assert "Pas d'information sur les traitements médicamenteux." in text
    assert "Aucune transmission récente." in text


def test_the_n1_cover_describes_the_attached_file() -> None:
    pages, text = text_of(render_pdf(document("full", "n1")))
    assert pages == 1
    assert "Ordonnance du Dr Lefèbvre" in text
    assert "Document joint" in text
    assert "Prescription de produits de santé" in text


def test_the_ins_is_printed_only_for_a_qualified_identity() -> None:
    qualified = full_record().identity
    unqualified = unqualified_record().identity
    assert qualified.ins is not None
    assert unqualified.ins is not None
    _, text = text_of(render_pdf(document("full", "dlu")))
    assert qualified.ins.matricule in text
    _, text = text_of(render_pdf(document("unqualified", "dlu")))
    assert unqualified.ins.matricule not in text
    assert "IPP0003" in text


def test_the_same_document_renders_to_the_same_bytes() -> None:
    xml = document("full", "fludt")
    assert render_pdf(xml) == render_pdf(xml)


def test_characters_the_font_cannot_draw_do_not_break_the_rendering() -> None:
    xml = document("full", "dlu").replace("Nuit agitée.".encode(), "Nuit agitée 😴 ☂.".encode())
    _, text = text_of(render_pdf(xml))
    assert "Nuit agitée" in text
