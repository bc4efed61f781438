"""The INS rule of the CI-SIS header (NATIONAL.md §1.5), tested directly, and the key check."""

from __future__ import annotations

import pytest
from document_samples import context, corsican_record, full_record, unqualified_record
from lxml import etree

from edge.documents import build_dlu
from edge.documents.checks_ins import ins_header_problems
from edge.documents.ins import cog_is_valid, matricule_is_valid
from edge.ins import InsOid

HL7 = {"h": "urn:hl7-org:v3"}
PATIENT = "//h:recordTarget/h:patientRole/h:patient"


def header(record_name: str = "full") -> etree._Element:
    record = {"full": full_record, "corsican": corsican_record,
              "unqualified": unqualified_record}[record_name]()
    return etree.fromstring(build_dlu(record, context(record_name, "dlu")))


def remove(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=HL7)
    assert found, path
    for element in found:
        element.getparent().remove(element)
    return root


def test_qualified_identity_header_carries_the_ins_and_every_trait() -> None:
    root = header()
    ids = root.xpath("//h:patientRole/h:id[@root='1.2.250.1.213.1.4.10']/@extension",
                     namespaces=HL7)
    assert ids == ["238057505612313"]
    assert root.xpath(f"{PATIENT}/h:name/h:given[not(@qualifier)]/text()",
                      namespaces=HL7) == ["MARIE HÉLÈNE ŒNONE"]
    assert root.xpath(f"{PATIENT}/h:name/h:given[@qualifier='BR']/text()",
                      namespaces=HL7) == ["MARIE"]
    assert ins_header_problems(root) == []


@pytest.mark.parametrize(("path", "reason"), [
    (f"{PATIENT}/h:name/h:family[@qualifier='BR']", "le nom de naissance du résident manque"),
    (f"{PATIENT}/h:name/h:given[@qualifier='BR']",
     "le premier prénom de naissance du résident manque"),
    (f"{PATIENT}/h:name/h:given[not(@qualifier)]",
     "la liste des prénoms de naissance du résident manque"),
    (f"{PATIENT}/h:birthTime", "la date de naissance du résident manque"),
    (f"{PATIENT}/h:birthplace", "le code INSEE du lieu de naissance du résident manque"),
    (f"{PATIENT}/h:administrativeGenderCode", "le sexe du résident manque"),
])
def test_ins_without_one_trait_is_refused_with_that_trait_named(path: str, reason: str) -> None:
    assert ins_header_problems(remove(header(), path)) == [f"INS présent : {reason}"]


@pytest.mark.parametrize("oid", [oid.value for oid in InsOid])
def test_every_ins_namespace_triggers_the_rule(oid: str) -> None:
    root = remove(header(), f"{PATIENT}/h:birthTime")
    root.xpath("//h:patientRole/h:id", namespaces=HL7)[0].set("root", oid)
    assert ins_header_problems(root) == ["INS présent : la date de naissance du résident manque"]


def test_an_ipp_alone_does_not_require_the_ins_traits() -> None:
    root = remove(header("unqualified"), f"{PATIENT}/h:birthplace")
    assert root.xpath("//h:patientRole/h:id/@root", namespaces=HL7) == ["1.2.250.1.999.1.1.1"]
    assert ins_header_problems(root) == []


def test_a_wrong_key_in_the_matricule_is_refused() -> None:
    root = header()
    root.xpath("//h:patientRole/h:id", namespaces=HL7)[0].set("extension", "238057505612314")
    assert ins_header_problems(root) == [
        "le matricule INS est mal formé ou sa clé de contrôle est fausse"]


def test_a_qualifier_other_than_birth_or_used_is_refused() -> None:
    root = header()
    root.xpath(f"{PATIENT}/h:name/h:family[@qualifier='CL']", namespaces=HL7)[0].set(
        "qualifier", "IN")
    assert ins_header_problems(root) == [
        "un nom ou prénom du résident porte un qualificatif non admis "
        "(seuls « naissance » et « utilisé » le sont)"]


def test_a_corsican_matricule_and_birthplace_pass_the_rule() -> None:
    root = header("corsican")
    assert root.xpath("//h:patientRole/h:id[@root='1.2.250.1.213.1.4.10']/@extension",
                      namespaces=HL7) == ["135042A00412365"]
    assert root.xpath(f"{PATIENT}/h:birthplace//h:county/text()", namespaces=HL7) == ["2A004"]
    assert ins_header_problems(root) == []


def test_a_malformed_birthplace_code_is_refused() -> None:
    root = header()
    root.xpath(f"{PATIENT}/h:birthplace//h:county", namespaces=HL7)[0].text = "7505"
    assert ins_header_problems(root) == ["le code INSEE du lieu de naissance est mal formé"]


@pytest.mark.parametrize(("matricule", "valid"), [
    ("279035121518989", True),     # ANS example
    ("162018885045327", True),     # DMP test transaction
    ("135042A00412365", True),     # Corsica, 2A counts as 19
    ("135042B00412365", False),    # same digits with 2B: the key no longer matches
    ("123456789012345", False),    # wrong key (FHIR IG fixtures)
    ("27903512151898", False),     # 14 characters
    ("2790351215189A9", False),    # letter outside the department
])
def test_matricule_key_check(matricule: str, valid: bool) -> None:
    assert matricule_is_valid(matricule) is valid


def test_corsica_2b_key_uses_18() -> None:
    body = "135042B004123"
    key = 97 - int(body.replace("2B", "18")) % 97
    assert matricule_is_valid(f"{body}{key:02d}")


@pytest.mark.parametrize(("code", "valid"), [("75056", True), ("2A004", True),
                                             ("99109", True), ("7505", False),
                                             ("2C004", False)])
def test_birthplace_cog_shape(code: str, valid: bool) -> None:
    assert cog_is_valid(code) is valid
