"""Building the frames real devices send, from values: the simulators' half of each protocol (pure).

Each encoder is the inverse of the protocol's parser in this package; the tests decode what
these build.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from devices.hl7.mllp import wrap
from devices.nonin import const as nonin
from devices.seca import const as seca
from devices.seca import crc8

HL7_VERSION = "2.6"
PCD01_PROFILE = "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO"


def nonin8(heart_rate: int, spo2: int, *, low_battery: bool = False) -> bytes:
    """Nonin data format 8: one 4-byte packet of display values."""
    first = 0x80 | (heart_rate >> 7) & 0x03
    return bytes([first, heart_rate & 0x7F, spo2 & 0x7F,
                  nonin.FORMAT8_LOW_BATTERY if low_battery else 0])


def nonin_packet(data_format: int, heart_rate: int, spo2: int) -> bytes:
    """Nonin data format 2 or 7: 25 frames of 5 bytes, values in the float bytes, pleth flat."""
    floats = [0] * 26
    floats[nonin.FRAME_HR_MSB], floats[nonin.FRAME_HR_LSB] = heart_rate >> 7 & 0x03, heart_rate & 0x7F
    floats[nonin.FRAME_HR_D_MSB], floats[nonin.FRAME_HR_D_LSB] = floats[1], floats[2]
    floats[nonin.FRAME_SPO2] = floats[nonin.FRAME_SPO2_D] = spo2 & 0x7F
    out = bytearray()
    for number in range(1, nonin.FRAMES_PER_PACKET + 1):
        status = nonin.STATUS_ALWAYS | nonin.STATUS_GPRF | (nonin.STATUS_SYNC if number == 1 else 0)
        if data_format == 2:
            head = [nonin.FORMAT2_START, status, 0x80]
        else:
            head = [status, 0x01, 0x00]
        frame = [*head, floats[number]]
        out += bytes([*frame, sum(frame) & 0xFF])
    return bytes(out)


def _bcd(value: int) -> int:
    return (value // 10) << 4 | value % 10


def nonin13(moment: datetime, heart_rate: int, spo2: int, *, from_memory: bool = False) -> bytes:
    """Nonin data format 13: a SmartPoint spot check with the oximeter's time."""
    body = bytes([_bcd(moment.year // 100), _bcd(moment.year % 100), _bcd(moment.month),
                  _bcd(moment.day), _bcd(moment.hour), _bcd(moment.minute), _bcd(moment.second),
                  0, nonin.FORMAT13_SPA, nonin.FORMAT13_FROM_MEMORY if from_memory else 0,
                  heart_rate >> 8 & 0x01, heart_rate & 0xFF, 0, spo2 & 0x7F])
    return nonin.FORMAT13_HEADER + len(body).to_bytes(2, "big") + body + bytes([sum(body) & 0xFF, 0x03])


def weighing_line(kilograms: Decimal, *, stable: bool = True) -> bytes:
    """A&D-style indicator line: ``ST,GS,+0072.45kg`` CR LF."""
    return f"{'ST' if stable else 'US'},GS,{kilograms:+08.2f}kg\r\n".encode("ascii")


def seca_frame(kilograms: Decimal, *, stable: bool = True) -> bytes:
    """seca RS232 kind A0 weight frame with one decimal and its CRC."""
    digits = f"{int(kilograms * 10):05d}"
    body = bytes.fromhex(f"A0{digits}1") + bytes([seca.CTRL_STABLE if stable else 0, 0])
    body += bytes([crc8(body)])
    return bytes([seca.STX]) + body.hex().upper().encode("ascii") + seca.END


def tanita_record(kilograms: Decimal, height_cm: int, fat_percent: Decimal) -> bytes:
    """Tanita CSV record with its CS checksum."""
    bmi = kilograms / (Decimal(height_cm) / 100) ** 2
    covered = (f'{{0,16,~0,1,~1,1,~2,1,MO,"SC-240",SN,"00000042",Bt,0,GE,1,AG,84,Hm,{height_cm},'
               f"Pt,0.0,Wk,{kilograms:.1f},FW,{fat_percent:.1f},MI,{bmi:.1f},").encode("ascii")
    return covered + f"CS,{sum(covered) & 0xFF:02X}\r\n".encode("ascii")


def hl7_oru(control_id: str, moment: datetime, monitor: str, values: dict[str, tuple[str, str]],
            *, mllp: bool = True) -> bytes:
    """An IHE PCD-01 ORU^R01 from a monitor; `values` maps an MDC code to (value, MDC unit code)."""
    stamp = moment.strftime("%Y%m%d%H%M%S")
    segments = [
        f"MSH|^~\\&|{monitor}|EHPAD|RELAIS||{stamp}||ORU^R01^ORU_R01|{control_id}|P|{HL7_VERSION}"
        f"|||NE|AL||UNICODE UTF-8|||{PCD01_PROFILE}",
        f"OBR|1|{control_id}^{monitor}|{control_id}^{monitor}|182777000^monitoring of patient^SCT"
        f"|||{stamp}",
    ]
    for index, (code, (value, unit)) in enumerate(values.items(), start=1):
        segments.append(f"OBX|{index}|NM|{code}^^MDC|1.1.1.{code}|{value}|{unit}^^MDC|||||R|||{stamp}")
    message = ("\r".join(segments) + "\r").encode("utf-8")
    return wrap(message) if mllp else message
