"""Building the HL7 ACK (AA) or NAK (AE, AR) that answers a monitor's message."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from devices.hl7.parser import MessageHeader
from devices.hl7.segments import Separators, format_time

DEFAULT_VERSION = "2.6"


class AckCode(StrEnum):
    """MSA-1: accepted, application error (may be resent), rejected (do not resend)."""

    ACCEPT = "AA"
    ERROR = "AE"
    REJECT = "AR"


def build_ack(
    header: MessageHeader | None,
    code: AckCode,
    *,
    control_id: str,
    now: datetime,
    text: str = "",
    application: str = "RELAIS",
) -> bytes:
    """The answer to a message, as HL7 text (wrap it with `mllp.wrap` to send it).

    :param header: the message's MSH, or None when even that could not be read (then MSA-2
        is empty and default separators are used).
    :param control_id: MSH-10 of the answer itself.
    :param now: the appliance clock, written in MSH-7.
    :param text: a short reason for AE/AR (MSA-3); must not hold personal data.
    """
    separators = header.separators if header else Separators()
    bar = separators.field
    trigger = header.type_parts[1] if header and len(header.type_parts) > 1 else ""
    msh = [
        "MSH",
        separators.encoding_characters,
        application,
        "",
        header.sending_application if header else "",
        header.sending_facility if header else "",
        format_time(now),
        "",
        separators.component.join(("ACK", trigger, "ACK")),
        separators.escape_text(control_id),
        header.processing_id if header and header.processing_id else "P",
        header.version if header and header.version else DEFAULT_VERSION,
    ]
    msa = ["MSA", code.value, separators.escape_text(header.control_id) if header else ""]
    if text:
        msa.append(separators.escape_text(text))
    return ("\r".join((bar.join(msh), bar.join(msa))) + "\r").encode("utf-8")
