"""Admitting a home's existing residents from a CSV file: every row checked, all or nothing.

The file is UTF-8 (a byte-order mark is accepted), comma- or semicolon-separated (French
spreadsheets write semicolons), with a header row. Required columns: ``nom_naissance``,
``prenoms_naissance`` (space-separated), ``date_naissance`` (YYYY-MM-DD), ``sexe`` (M/F),
``lieu_naissance`` (INSEE COG code); optional: ``matricule``, ``oid``, ``nom_utilise``,
``prenom_utilise``, ``chambre``. Every bad row is reported by its line number; if any row is bad,
nothing is imported. The import is one transaction.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from edge.audit import AuditAction, append_audit
from edge.errors import ImportRejected, RecordRejected
from edge.ins import IdentityTraits, validate_matricule, validate_oid, validate_traits
from edge.residents import admit_resident
from edge.storage import Database

REQUIRED = ("nom_naissance", "prenoms_naissance", "date_naissance", "sexe", "lieu_naissance")
OPTIONAL = ("matricule", "oid", "nom_utilise", "prenom_utilise", "chambre")
MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    traits: IdentityTraits
    matricule: str | None
    oid: str | None
    room: str | None


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportRejected([(0, "le fichier dépasse 10 Mo")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected([(0, "le fichier n'est pas en UTF-8 (enregistrez-le en « CSV UTF-8 »)")]
                             ) from exc


def _row(line: int, fields: dict[str, str], today: date) -> ImportRow:
    text = {key: (value or "").strip() for key, value in fields.items() if key}
    try:
        birth_date = date.fromisoformat(text["date_naissance"])
    except ValueError as exc:
        raise RecordRejected(
            f"date de naissance « {text['date_naissance']} » illisible (format AAAA-MM-JJ)") from exc
    traits = validate_traits(
        birth_family_name=text["nom_naissance"], birth_given_names=text["prenoms_naissance"],
        birth_date=birth_date, sex=text["sexe"], birthplace=text["lieu_naissance"], today=today,
        used_family_name=text.get("nom_utilise") or None,
        used_given_name=text.get("prenom_utilise") or None)
    matricule = validate_matricule(text["matricule"]) if text.get("matricule") else None
    oid = text.get("oid") or None
    if matricule is not None:
        oid = validate_oid(oid or "", matricule).value
    elif oid is not None:
        raise RecordRejected("un OID est donné sans matricule")
    return ImportRow(line, traits, matricule, oid, text.get("chambre") or None)


def parse_residents_csv(data: bytes, today: date) -> list[ImportRow]:
    """Check every row; raise `ImportRejected` listing each bad line, or return all rows."""
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ImportRejected([(1, "colonnes manquantes : " + ", ".join(missing))])
    unknown = [name for name in header if name and name not in REQUIRED + OPTIONAL]
    if unknown:
        raise ImportRejected([(1, "colonnes inconnues : " + ", ".join(unknown))])
    rows: list[ImportRow] = []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for fields in reader:
        line = reader.line_num
        if not any((value or "").strip() for value in fields.values() if isinstance(value, str)):
            continue
        if None in fields:
            problems.append((line, "plus de valeurs que de colonnes"))
            continue
        try:
            row = _row(line, fields, today)
        except RecordRejected as exc:
            problems.append((line, str(exc)))
            continue
        if row.matricule and row.matricule in seen:
            problems.append((line, f"même matricule que la ligne {seen[row.matricule]}"))
            continue
        if row.matricule:
            seen[row.matricule] = line
        rows.append(row)
    if problems:
        raise ImportRejected(problems)
    if not rows:
        raise ImportRejected([(2, "le fichier ne contient aucun résident")])
    return rows


def import_residents(db: Database, actor_id: str | None, data: bytes, today: date) -> list[str]:
    """Import every row in one transaction; on any problem nothing is imported."""
    rows = parse_residents_csv(data, today)
    ids: list[str] = []
    with db.write() as conn:
        for row in rows:
            try:
                ids.append(admit_resident(db, actor_id, row.traits, matricule=row.matricule,
                                          oid=row.oid, room=row.room, conn=conn))
            except RecordRejected as exc:
                raise ImportRejected([(row.line, str(exc))]) from exc
        append_audit(db, actor_id, AuditAction.IMPORT, "resident_list", None,
                     details={"count": len(ids)}, conn=conn)
    return ids
