"""The deliveries views: the *Envois* page and the administrator's replay, "Transférer à l'hôpital"
(DLU + FLUDT generated from the record, printable, queued), a PDF added to a resident's file (N1),
and the printable PDF of a stored document."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

import edge
from web.access import Permission, may, requires
from web.context import clock, current_user, record, settings
from web.deliveries.bp import blueprint
from web.deliveries.labels import (
    LOCAL_TIME,
    action,
    destination_label,
    kind_label,
    may_replay,
    moment,
    reason,
    state_label,
)

__all__ = ["blueprint"]
_LOGGER = logging.getLogger(__name__)
GROUPS = (
    ("waiting", (edge.OutboxState.QUEUED, edge.OutboxState.SENDING, edge.OutboxState.WAITING)),
    ("sent", (edge.OutboxState.DELIVERED,)),
    ("acknowledged", (edge.OutboxState.ACKNOWLEDGED,)),
    ("blocked", (edge.OutboxState.BLOCKED,)),
    ("dead", (edge.OutboxState.DEAD,)),
)
CONSCIOUSNESS = {"awake": edge.Consciousness.AWAKE, "rousable": edge.Consciousness.ROUSABLE,
                 "unrousable": edge.Consciousness.UNROUSABLE}
BELONGINGS = {"glasses": edge.BelongingKind.GLASSES, "dentures": edge.BelongingKind.DENTURES,
              "hearing_aid": edge.BelongingKind.HEARING_AID}
TIME_FIELDS = ("last_treatment", "last_meal")


def _home() -> edge.CareHome:
    config = settings()
    return edge.care_home(config.home_name, config.finess, config.home_address,
                          config.home_telephone)


def _now() -> datetime:
    return clock().astimezone(LOCAL_TIME)


def _resident(resident_id: str) -> edge.Resident:
    try:
        return edge.get_resident(record(), resident_id, current_user().id)
    except edge.NotFound:
        abort(404)


def _identity_link(resident_id: str) -> str | None:
    try:
        return url_for("residents.identity", resident_id=resident_id)
    except BuildError:
        return None


@blueprint.get("/envois")
@requires(Permission.DELIVERIES_VIEW)
def index() -> str:
    user = current_user()
    db = record()
    names: dict[str, str] = {}
    if may(user.role, Permission.RESIDENTS_VIEW):
        names = {r.id: r.display_name for r in edge.list_residents(db, user.id, presence=None)}
    per_destination = []
    for destination in edge.Destination:
        items = edge.list_deliveries(db, destination)
        groups = [(key, [item for item in items if item.state in states])
                  for key, states in GROUPS]
        per_destination.append((destination, groups))
    return render_template(
        "deliveries/index.html", per_destination=per_destination, names=names,
        probes={p.destination: p for p in edge.endpoint_probes(db)},
        destination_label=destination_label, kind_label=kind_label, state_label=state_label,
        reason=reason, action=action, may_replay=may_replay, moment=moment,
        identity_link=_identity_link,
        can_replay=may(user.role, Permission.DELIVERIES_MANAGE),
        can_read=may(user.role, Permission.DOCUMENTS_VIEW))


@blueprint.post("/envois/<outbox_id>/renvoyer")
@requires(Permission.DELIVERIES_MANAGE)
def replay(outbox_id: str) -> Response:
    item = edge.get_delivery(record(), outbox_id)
    if item is None:
        abort(404)
    if not may_replay(item):
        flash(_("Ce document ne peut pas être renvoyé tel quel : %(action)s",
                action=action(item)), "warning")
        return redirect(url_for("deliveries.index"))
    try:
        edge.replay(record(), outbox_id, current_user().id)
    except edge.RecordRejected:
        flash(_("L'état de cet envoi a changé entre-temps : la page est à jour."), "warning")
        return redirect(url_for("deliveries.index"))
    flash(_("Le document repart : il sera envoyé au prochain passage."), "success")
    return redirect(url_for("deliveries.index"))


@blueprint.get("/documents/<document_id>.pdf")
@requires(Permission.DOCUMENTS_VIEW)
def document_pdf(document_id: str) -> Response:
    try:
        stored = edge.load_document(record(), document_id)
    except edge.NotFound:
        abort(404)
    edge.append_audit(record(), current_user().id, edge.AuditAction.READ, "document",
                      document_id, resident_id=stored.resident_id)
    return _pdf(edge.render_pdf(stored.content), f"{stored.kind.value.lower()}.pdf")


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


def _time_errors() -> dict[str, str]:
    """The clock-time fields typed but not readable as a time, each with what to type instead."""
    errors: dict[str, str] = {}
    for field in TIME_FIELDS:
        raw = request.form.get(field, "").strip()
        if not raw:
            continue
        try:
            time.fromisoformat(raw)
        except ValueError:
            errors[field] = _("Heure illisible : saisissez-la sous la forme HH:MM (par exemple "
                              "14:30).")
    return errors


def _clock_time(field: str, now: datetime) -> datetime | None:
    """The typed clock time as a moment; the field was checked by `_time_errors` first."""
    raw = request.form.get(field, "").strip()
    if not raw:
        return None
    parsed = time.fromisoformat(raw)
    typed = datetime.combine(now.date(), parsed, tzinfo=LOCAL_TIME)
    # staff type the clock time they read: a time later than now was yesterday
    return typed if typed <= now else typed - timedelta(days=1)


def _transfer_from_form(now: datetime) -> edge.Transfer:
    form = request.form
    pain = {"yes": True, "no": False}.get(form.get("recent_pain", ""))
    belongings = tuple(edge.Belonging(kind) for key, kind in BELONGINGS.items()
                       if form.get(f"belonging_{key}"))
    other = form.get("belonging_other", "").strip()
    if other:
        belongings += (edge.Belonging(edge.BelongingKind.OTHER, other),)
    return edge.Transfer(
        reason=form.get("reason", "").strip(), departure=now,
        destination=edge.Facility(form.get("destination", "").strip()
                                  or _("Service des urgences")),
        consciousness=CONSCIOUSNESS.get(form.get("consciousness", "")),
        recent_pain=pain, pain_location=form.get("pain_location", "").strip() or None,
        last_treatment_time=_clock_time("last_treatment", now),
        last_meal_time=_clock_time("last_meal", now), belongings=belongings,
        comment=form.get("comment", "").strip() or None)


def _transfer_page(resident: edge.Resident, problems: tuple[str, ...] = (),
                   status: int = 200, errors: dict[str, str] | None = None) -> tuple[str, int]:
    return render_template(
        "deliveries/transfer.html", resident=resident, problems=problems, errors=errors or {},
        form=request.form, default_recipient=settings().transfer_mssante_recipient), status


@blueprint.get("/residents/<resident_id>/transfer")
@requires(Permission.TRANSFER_SEND)
def transfer(resident_id: str) -> tuple[str, int]:
    return _transfer_page(_resident(resident_id))


@blueprint.post("/residents/<resident_id>/transfer")
@requires(Permission.TRANSFER_SEND)
def transfer_send(resident_id: str) -> Response | tuple[str, int]:
    resident = _resident(resident_id)
    now = _now()
    errors = _time_errors()
    if errors:
        return _transfer_page(resident, status=422, errors=errors)
    address = request.form.get("recipient", "").strip()
    if address and ("@" not in address or " " in address):
        return _transfer_page(resident, (_("l'adresse MSSanté n'est pas une adresse de "
                                           "messagerie"),), 422)
    recipients = [edge.Recipient(address, edge.RecipientKind.ORGANISATION)] if address else []
    result = edge.transfer_to_hospital(record(), resident_id, current_user(), _home(),
                                       _transfer_from_form(now), now,
                                       (uuid.uuid4(), uuid.uuid4()), recipients=recipients)
    if not result.queued:
        return _transfer_page(resident, result.problems, 422)
    return redirect(url_for("deliveries.transfer_done", resident_id=resident_id,
                            dlu=result.dlu.document_id, fludt=result.fludt.document_id))


@blueprint.get("/residents/<resident_id>/transfer/envoye")
@requires(Permission.TRANSFER_SEND)
def transfer_done(resident_id: str) -> str:
    resident = _resident(resident_id)
    return render_template("deliveries/transfer_done.html", resident=resident,
                           dlu=request.args.get("dlu"), fludt=request.args.get("fludt"))


@blueprint.post("/residents/<resident_id>/transfer/imprimer")
@requires(Permission.TRANSFER_SEND)
def transfer_print(resident_id: str) -> Response | tuple[str, int]:
    """The PDF of the DLU or FLUDT as the form stands, even when it cannot be sent yet (but not
    with a time it cannot read: the form comes back with the field to correct)."""
    resident = _resident(resident_id)
    now = _now()
    errors = _time_errors()
    if errors:
        return _transfer_page(resident, status=422, errors=errors)
    result = edge.transfer_to_hospital(record(), resident_id, current_user(), _home(),
                                       _transfer_from_form(now), now,
                                       (uuid.uuid4(), uuid.uuid4()), queue=False)
    chosen = result.fludt if request.form.get("which") == "fludt" else result.dlu
    return _pdf(edge.render_pdf(chosen.xml), f"{chosen.kind.value.lower()}.pdf")


def _add_page(resident: edge.Resident, error: str | None = None,
              status: int = 200) -> tuple[str, int]:
    return render_template("deliveries/add_document.html", resident=resident, error=error,
                           types=[(code.code, code.display) for code in edge.N1_TYPES],
                           form=request.form), status


@blueprint.get("/residents/<resident_id>/documents/ajouter")
@requires(Permission.DOCUMENTS_ADD)
def add_document(resident_id: str) -> tuple[str, int]:
    return _add_page(_resident(resident_id))


@blueprint.post("/residents/<resident_id>/documents/ajouter")
@requires(Permission.DOCUMENTS_ADD)
def add_document_send(resident_id: str) -> Response | tuple[str, int]:
    resident = _resident(resident_id)
    upload = request.files.get("file")
    type_code = edge.N1_TYPES_BY_CODE.get(request.form.get("type", ""))
    if upload is None or not upload.filename or type_code is None:
        return _add_page(resident, _("Choisissez le fichier PDF et le type de document."), 422)
    visibility = {"hidden_from_patient": (edge.Visibility.HIDDEN_FROM_PATIENT,),
                  "hidden_from_professionals": (edge.Visibility.HIDDEN_FROM_PROFESSIONALS,)
                  }.get(request.form.get("visibility", ""), ())
    try:
        added = edge.add_pdf_to_file(
            record(), resident_id, current_user(), _home(), pdf=upload.read(),
            title=request.form.get("title", ""), type_code=type_code, now=_now(),
            token=uuid.uuid4(), visibility=visibility)
    except edge.DocumentIncomplete as refused:
        return _add_page(resident, str(refused), 422)
    except (edge.AttachmentRefused, edge.AttachmentTooLarge) as refused:
        return _add_page(resident, str(refused), 422)
    flash(_("Le document est ajouté au dossier ; il partira vers le DMP dès que possible."),
          "success")
    _LOGGER.info("N1 document %s added for resident %s", added.document_id, resident_id)
    return redirect(url_for("deliveries.index"))
