"""The XDS metadata of one document, held once (NATIONAL §2.3–2.5): DocumentEntry, SubmissionSet,
Associations (HasMember, RPLC), the visibility rules that drive both destinations, and the JSON
round-trip used to keep it sealed in `documents.metadata`.

The same `DocumentMetadata` is serialised to the ITI-41 body for the DMP and to the XDM
`METADATA.XML` for MSSanté (`sync.ebrs`); nothing here knows either transport. Times are XDS
`YYYYMMDDhhmmss` in UTC. Strings in the HL7 v2 shapes (XCN, XON, CX) are built in `xds_build`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from edge.documents.errors import DocumentError

JSON_VERSION = 1
VISIBILITY_SYSTEM = "1.2.250.1.213.1.1.4.13"


class MetadataUnreadable(DocumentError):
    """The stored metadata is not in a shape this version reads: regenerate the document."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Les métadonnées du document sont illisibles ({detail}) : "
                         "le document doit être généré à nouveau.")


class Visibility(StrEnum):
    """Who must not see a document (value set J58, after the N/R/V first occurrence)."""

    HIDDEN_FROM_PROFESSIONALS = "MASQUE_PS"
    HIDDEN_FROM_PATIENT = "INVISIBLE_PATIENT"
    HIDDEN_FROM_LEGAL_REPRESENTATIVES = "INVISIBLE_REPRESENTANTS_LEGAUX"

    @property
    def display(self) -> str:
        return _VISIBILITY_DISPLAY[self]


_VISIBILITY_DISPLAY = {
    Visibility.HIDDEN_FROM_PROFESSIONALS: "Masqué aux professionnels de santé",
    Visibility.HIDDEN_FROM_PATIENT: "Non visible par le patient",
    Visibility.HIDDEN_FROM_LEGAL_REPRESENTATIVES:
        "Non visible par les représentants légaux du patient",
}


class RecipientKind(StrEnum):
    """What an MSSanté mailbox belongs to (drives the routing rule of NATIONAL §3.4)."""

    PROFESSIONAL = "professional"
    ORGANISATION = "organisation"
    PATIENT = "patient"


class AssociationType(StrEnum):
    HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
    REPLACES = "urn:ihe:iti:2007:AssociationType:RPLC"
    SIGNS = "urn:ihe:iti:2007:AssociationType:signs"  # IHE DSG: signature entry → SubmissionSet


@dataclass(frozen=True, slots=True)
class CodedValue:
    """An XDS coded value: code, coding scheme (OID) and display name."""

    code: str
    scheme: str
    display: str


@dataclass(frozen=True, slots=True)
class Author:
    """An XDS author: institution (XON), person (XCN), roles and specialties (CE strings)."""

    institution: str
    person: str | None = None
    roles: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Recipient:
    """An MSSanté mailbox the document goes to."""

    address: str
    kind: RecipientKind

    @property
    def xdm_value(self) -> str:
        """The `intendedRecipient` value for a recipient known by its mail address only."""
        return f"||^^Internet^{self.address}"


@dataclass(frozen=True, slots=True)
class DocumentEntry:
    """The DocumentEntry ("fiche") of NATIONAL §2.3."""

    entry_uuid: str
    unique_id: str
    title: str
    class_code: CodedValue
    type_code: CodedValue
    format_code: CodedValue
    confidentiality_codes: tuple[CodedValue, ...]
    healthcare_facility_type_code: CodedValue
    practice_setting_code: CodedValue
    language_code: str
    creation_time: str
    service_start_time: str
    service_stop_time: str | None
    patient_id: str
    source_patient_id: str
    source_patient_info: tuple[str, ...]
    authors: tuple[Author, ...]
    legal_authenticator: str | None
    mime_type: str
    hash: str
    size: int
    event_codes: tuple[CodedValue, ...] = ()
    reference_ids: tuple[str, ...] = ()
    uri: str | None = None


@dataclass(frozen=True, slots=True)
class SubmissionSet:
    """The SubmissionSet ("lot de soumission") of NATIONAL §2.4."""

    entry_uuid: str
    unique_id: str
    source_id: str
    submission_time: str
    content_type_code: CodedValue
    patient_id: str
    author: Author
    title: str | None = None
    intended_recipients: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Association:
    """A HasMember (submission set → entry), RPLC (new entry → replaced entry) or signs (signature
    entry → submission set) association."""

    entry_uuid: str
    kind: AssociationType
    source: str
    target: str
    submission_set_status: str | None = None


@dataclass(frozen=True, slots=True)
class Replacement:
    """The version a document replaces: its unique id and the entryUUID it was sent with."""

    unique_id: str
    entry_uuid: str


@dataclass(frozen=True, slots=True)
class DocumentMetadata:
    """The envelope of one document: everything both destinations need besides its bytes.

    `ins_shareable` is False when the identity is not qualified: the patient id is then the
    local IPP and the document must not leave (its outbox rows are blocked).
    """

    submission_set: SubmissionSet
    entry: DocumentEntry
    associations: tuple[Association, ...]
    visibility: tuple[Visibility, ...] = ()
    recipients: tuple[Recipient, ...] = ()
    ins_shareable: bool = True
    replaces: Replacement | None = None


def may_reach(visibility: tuple[Visibility, ...], recipient: Recipient) -> bool:
    """Whether a document with this visibility may be mailed to this recipient (§3.4).

    Masked to professionals: only the patient may receive it. Not visible by the patient:
    never to the patient's mailbox.
    """
    if Visibility.HIDDEN_FROM_PROFESSIONALS in visibility:
        return recipient.kind is RecipientKind.PATIENT
    if Visibility.HIDDEN_FROM_PATIENT in visibility:
        return recipient.kind is not RecipientKind.PATIENT
    return True


def mssante_recipients(metadata: DocumentMetadata) -> tuple[Recipient, ...]:
    """The recipients the visibility rules allow; the MSSanté adapter sends to these only."""
    return tuple(r for r in metadata.recipients if may_reach(metadata.visibility, r))


# -- JSON round-trip ---------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value


def metadata_to_json(metadata: DocumentMetadata) -> dict[str, Any]:
    """A JSON-ready dict of the metadata (with a format version)."""
    data: dict[str, Any] = _plain(metadata)
    data["json_version"] = JSON_VERSION
    return data


def _coded(data: dict[str, Any]) -> CodedValue:
    return CodedValue(data["code"], data["scheme"], data["display"])


def _author(data: dict[str, Any]) -> Author:
    return Author(data["institution"], data["person"], tuple(data["roles"]),
                  tuple(data["specialties"]))


def _entry(data: dict[str, Any]) -> DocumentEntry:
    coded = {"class_code", "type_code", "format_code", "healthcare_facility_type_code",
             "practice_setting_code"}
    values: dict[str, Any] = {}
    for f in fields(DocumentEntry):
        raw = data[f.name]
        if f.name in coded:
            values[f.name] = _coded(raw)
        elif f.name in ("confidentiality_codes", "event_codes"):
            values[f.name] = tuple(_coded(item) for item in raw)
        elif f.name == "authors":
            values[f.name] = tuple(_author(item) for item in raw)
        elif f.name in ("source_patient_info", "reference_ids"):
            values[f.name] = tuple(raw)
        else:
            values[f.name] = raw
    return DocumentEntry(**values)


def metadata_from_json(data: dict[str, Any]) -> DocumentMetadata:
    """The metadata written by `metadata_to_json`.

    :raises MetadataUnreadable: unknown version or a missing field.
    """
    if data.get("json_version") != JSON_VERSION:
        raise MetadataUnreadable(f"version {data.get('json_version')!r}")
    try:
        ss = data["submission_set"]
        submission_set = SubmissionSet(
            ss["entry_uuid"], ss["unique_id"], ss["source_id"], ss["submission_time"],
            _coded(ss["content_type_code"]), ss["patient_id"], _author(ss["author"]),
            ss["title"], tuple(ss["intended_recipients"]))
        associations = tuple(
            Association(a["entry_uuid"], AssociationType(a["kind"]), a["source"], a["target"],
                        a["submission_set_status"]) for a in data["associations"])
        replaces = data["replaces"]
        return DocumentMetadata(
            submission_set, _entry(data["entry"]), associations,
            tuple(Visibility(v) for v in data["visibility"]),
            tuple(Recipient(r["address"], RecipientKind(r["kind"])) for r in data["recipients"]),
            bool(data["ins_shareable"]),
            Replacement(replaces["unique_id"], replaces["entry_uuid"]) if replaces else None)
    except (KeyError, TypeError, ValueError) as error:
        raise MetadataUnreadable(type(error).__name__) from error
