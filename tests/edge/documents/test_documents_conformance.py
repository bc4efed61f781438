"""Generated DLU, FLUDT and N1 documents against the ANS CDA schema and CI-SIS schematrons.

Each schematron is compiled once per run: `schematron.py` gets every document of the
session in one call (plus one deliberately broken document, to show the run can fail).
Documents come from the sample model values and from a real record (`record_samples`): the
DLU and FLUDT of a transfer and an N1, for residents with full and with empty sections.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from document_samples import NOW, RESIDENTS, TINY_PDF, context, transfer
from lxml import etree
from record_samples import HOME, RESIDENT_NAMES, open_sample
from record_samples import NOW as RECORD_NOW

from edge.documents import Attachment, build_dlu, build_fludt, build_n1
from edge.documents.codes import LOINC, Code
from edge.documents.flows import transfer_to_hospital
from edge.documents.from_record import new_context, read_record, staff_professional
from edge.users import list_users

KINDS = ("dlu", "fludt", "n1")
RECORD_RESIDENTS = tuple(f"record-{name}" for name in RESIDENT_NAMES)
DOCUMENTS = [(name, kind) for name in (*RESIDENTS, *RECORD_RESIDENTS) for kind in KINDS]
# Who writes each record resident's documents: nurse, aide-soignant(e) (no profession code), doctor.
RECORD_AUTHORS = {"full": "smartin", "empty": "kndiaye", "unqualified": "alefebvre",
                  "provisional": "smartin"}
_FROM_RECORD: dict[str, bytes] = {}


def from_record(folder: Path) -> dict[str, bytes]:
    """The documents of the record residents, generated once per module."""
    if _FROM_RECORD:
        return _FROM_RECORD
    sample = open_sample(folder)
    users = {user.login: user for user in list_users(sample.db)}
    for number, name in enumerate(RESIDENT_NAMES):
        user = users[RECORD_AUTHORS[name]]
        resident_id = sample.residents[name]
        generated = transfer_to_hospital(
            sample.db, resident_id, user, HOME, transfer(full=name == "full"), RECORD_NOW,
            (uuid.UUID(int=number * 10 + 1), uuid.UUID(int=number * 10 + 2)), queue=False)
        _, record = read_record(sample.db, resident_id, user.id, HOME, RECORD_NOW)
        n1 = build_n1(record.identity, HOME, Attachment(
            "Compte rendu de consultation", Code("11488-4", LOINC, "CR de consultation"),
            TINY_PDF, RECORD_NOW), new_context(staff_professional(user), RECORD_NOW,
                                               uuid.UUID(int=number * 10 + 3)),
            record.attending_physician)
        _FROM_RECORD.update({f"record-{name}-dlu": generated.dlu.xml,
                             f"record-{name}-fludt": generated.fludt.xml,
                             f"record-{name}-n1": n1})
    sample.db.close()
    return _FROM_RECORD


@pytest.fixture(scope="module")
def record_documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return from_record(tmp_path_factory.mktemp("record"))
SCHEMAS = {
    "CI-SIS_DLU-EHPAD-DLU_2022.01.sch": ("dlu",),
    "CI-SIS_DLU-EHPAD-FLUDT_2022.01.sch": ("fludt",),
    "profils/IHE.sch": KINDS,
    "profils/CI-SIS_ModelesDeContenusCDA.sch": KINDS,
}
HL7 = {"h": "urn:hl7-org:v3"}


def build(name: str, kind: str, record_documents: dict[str, bytes] | None = None) -> bytes:
    if name.startswith("record-"):
        assert record_documents is not None
        return record_documents[f"{name}-{kind}"]
    record = RESIDENTS[name]()
    if kind == "dlu":
        return build_dlu(record, context(name, kind))
    if kind == "fludt":
        return build_fludt(record, transfer(full=name != "empty"), context(name, kind))
    attachment = Attachment("Ordonnance du 20/11", Code("57833-6", LOINC,
                            "Prescription de produits de santé"), TINY_PDF, NOW)
    return build_n1(record.identity, record.care_home, attachment, context(name, kind))


def broken(kind: str) -> bytes:
    """A document of the full resident with one thing the schematrons require taken out."""
    root = etree.fromstring(build("full", kind))
    if kind == "dlu":
        # the required "directives anticipées" section
        path = ("//h:section[h:templateId/@root='1.3.6.1.4.1.19376.1.5.3.1.3.35']/..")
    else:
        # the state of consciousness the FLUDT requires; a vital sign's value
        path = "//h:observation[h:code/@code='DLU_003']/.. | //h:observation" \
               "[h:code/@code='8867-4']/h:value"
    for element in root.xpath(path, namespaces=HL7):
        element.getparent().remove(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.fixture(scope="module")
def written(shared: Path, tmp_path_factory: pytest.TempPathFactory,
            record_documents: dict[str, bytes]) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cda")
    files: dict[str, Path] = {}
    for name, kind in DOCUMENTS:
        files[f"{name}-{kind}"] = folder / f"{name}-{kind}.xml"
        files[f"{name}-{kind}"].write_bytes(build(name, kind, record_documents))
    for kind in ("dlu", "fludt"):
        files[f"broken-{kind}"] = folder / f"broken-{kind}.xml"
        files[f"broken-{kind}"].write_bytes(broken(kind))
    return files


@pytest.fixture(scope="module")
def failures(shared: Path, written: dict[str, Path]) -> dict[tuple[str, str], list[dict]]:
    """Failed asserts per (schema, document), one schematron.py run per schema."""
    tool = shared / "tools" / "schematron.py"
    folder = shared / "specs" / "cda" / "schematrons"
    report: dict[tuple[str, str], list[dict]] = {}
    for schema, kinds in SCHEMAS.items():
        keys = [key for key in written if key.rsplit("-", 1)[1] in kinds]
        run = subprocess.run(
            [sys.executable, str(tool), str(folder / schema),
             *(str(written[key]) for key in keys), "--json"],
            capture_output=True, text=True, timeout=600, check=False)
        assert run.returncode in (0, 1), run.stderr
        results = json.loads(run.stdout)
        by_path = {str(path): key for key, path in written.items()}
        for result in results:
            report[(schema, by_path[result["document"]])] = result["failed"]
    return report


@pytest.fixture(scope="module")
def cda_schema(shared: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(
        str(shared / "specs" / "cda" / "infrastructure" / "cda" / "CDA_extended.xsd")))


@pytest.mark.parametrize(("name", "kind"), DOCUMENTS)
def test_generated_document_is_valid_against_the_cda_schema(
        cda_schema: etree.XMLSchema, record_documents: dict[str, bytes], name: str,
        kind: str) -> None:
    schema = cda_schema
    document = etree.fromstring(build(name, kind, record_documents))
    assert schema.validate(document), schema.error_log


@pytest.mark.parametrize(("schema", "name", "kind"), [
    (schema, name, kind) for schema, kinds in SCHEMAS.items()
    for name in (*RESIDENTS, *RECORD_RESIDENTS) for kind in kinds])
def test_generated_document_reports_no_failed_assert(
        failures: dict[tuple[str, str], list[dict]], schema: str, name: str,
        kind: str) -> None:
    assert failures[(schema, f"{name}-{kind}")] == []


def test_the_schematron_run_reports_a_missing_required_section(
        failures: dict[tuple[str, str], list[dict]]) -> None:
    messages = [f["message"] for f in
                failures[("CI-SIS_DLU-EHPAD-DLU_2022.01.sch", "broken-dlu")]]
    assert any("Directives anticipees" in message for message in messages)


def test_the_schematron_run_reports_a_missing_consciousness_and_vital_value(
        failures: dict[tuple[str, str], list[dict]]) -> None:
    fludt = failures[("CI-SIS_DLU-EHPAD-FLUDT_2022.01.sch", "broken-fludt")]
    assert any("DLU_002" in f["message"] for f in fludt)
    ihe = failures[("profils/IHE.sch", "broken-fludt")]
    assert any("8867-4" in f["message"] for f in ihe)


def test_the_cda_schema_refuses_a_misplaced_element(cda_schema: etree.XMLSchema) -> None:
    root = etree.fromstring(build("full", "dlu"))
    title = root.find("{urn:hl7-org:v3}title")
    root.append(title)
    assert not cda_schema.validate(root)
