"""Nonin data formats 2, 7, 8 and 13: decoding complete frames or packets, and measurements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from devices import codes
from devices.errors import FrameRejected, RejectReason, truncated
from devices.measurement import Context, Flag, Measurement, measure
from devices.nonin import const


def _missing(value: int, missing: int) -> int | None:
    return None if value == missing else value


@dataclass(frozen=True, slots=True)
class NoninPacket:
    """One 25-frame packet of format 2 or 7; None in a value = the device's "missing data" code.

    Plain values are for recording (every 1/3 s); `*_display` values are formatted for display.
    `perfusion` is "good", "marginal", "poor" or None, from the last frame.
    """

    data_format: int
    pleth: tuple[int, ...]
    heart_rate: int | None
    spo2: int | None
    heart_rate_display: int | None
    spo2_display: int | None
    spo2_fast: int | None
    spo2_beat_to_beat: int | None
    firmware_revision: int
    timer: int
    sensor_alarm: bool
    artifact: bool
    out_of_track: bool
    perfusion: str | None
    smartpoint: bool
    low_battery: bool


def _check_frame(frame: bytes, data_format: int, number: int) -> None:
    if data_format == 2:
        if frame[0] != const.FORMAT2_START:
            raise FrameRejected(RejectReason.BAD_FRAMING, f"frame {number}: first byte is not 01")
        status = frame[1]
    else:
        status = frame[0]
    if sum(frame[:4]) & 0xFF != frame[4]:
        raise FrameRejected(RejectReason.BAD_CHECKSUM, f"frame {number}: checksum mismatch")
    if not status & const.STATUS_ALWAYS:
        raise FrameRejected(RejectReason.BAD_FRAMING, f"frame {number}: status bit 7 clear")
    if bool(status & const.STATUS_SYNC) != (number == 1):
        raise FrameRejected(RejectReason.BAD_FRAMING, f"frame {number}: SYNC bit out of place")


def _perfusion(status: int) -> str | None:
    green, red = bool(status & const.STATUS_GPRF), bool(status & const.STATUS_RPRF)
    if green and red:
        return "marginal"
    if red:
        return "poor"
    return "good" if green else None


def parse_packet(data: bytes, data_format: int) -> NoninPacket:
    """Decode one packet (125 bytes) of data format 2 (8-bit pleth) or 7 (16-bit pleth).

    :raises FrameRejected: TRUNCATED, BAD_FRAMING, BAD_CHECKSUM.
    """
    if data_format not in (2, 7):
        raise ValueError(f"not a packet format: {data_format}")
    if len(data) < const.PACKET_SIZE:
        raise truncated(f"Nonin format {data_format} packet", const.PACKET_SIZE, len(data))
    if len(data) > const.PACKET_SIZE:
        raise FrameRejected(RejectReason.BAD_FRAMING, f"packet of {len(data)} bytes, expected 125")
    frames = [data[i : i + const.FRAME_SIZE] for i in range(0, const.PACKET_SIZE, const.FRAME_SIZE)]
    for number, frame in enumerate(frames, start=1):
        _check_frame(frame, data_format, number)
    if data_format == 2:
        statuses = [frame[1] for frame in frames]
        pleth = tuple(frame[2] for frame in frames)
    else:
        statuses = [frame[0] for frame in frames]
        pleth = tuple(frame[1] << 8 | frame[2] for frame in frames)
    floats = [0, *(frame[3] for frame in frames)]  # 1-based by frame number

    def rate(msb: int, lsb: int) -> int | None:
        return _missing((floats[msb] & 0x03) << 7 | (floats[lsb] & 0x7F), const.MISSING_HEART_RATE)

    def sat(frame_number: int) -> int | None:
        return _missing(floats[frame_number] & 0x7F, const.MISSING_SPO2)

    stat2 = floats[const.FRAME_STAT2]
    return NoninPacket(
        data_format=data_format,
        pleth=pleth,
        heart_rate=rate(const.FRAME_HR_MSB, const.FRAME_HR_LSB),
        spo2=sat(const.FRAME_SPO2),
        heart_rate_display=rate(const.FRAME_HR_D_MSB, const.FRAME_HR_D_LSB),
        spo2_display=sat(const.FRAME_SPO2_D),
        spo2_fast=sat(const.FRAME_SPO2_FAST),
        spo2_beat_to_beat=sat(const.FRAME_SPO2_BEAT),
        firmware_revision=floats[const.FRAME_SREV],
        timer=floats[const.FRAME_TIMER_MSB] << 8 | floats[const.FRAME_TIMER_LSB],
        sensor_alarm=any(status & const.STATUS_SNSA for status in statuses),
        artifact=any(status & const.STATUS_ARTF for status in statuses),
        out_of_track=any(status & const.STATUS_OOT for status in statuses),
        perfusion=_perfusion(statuses[-1]),
        smartpoint=bool(stat2 & const.STAT2_SMARTPOINT),
        low_battery=bool(stat2 & const.STAT2_LOW_BATTERY),
    )


@dataclass(frozen=True, slots=True)
class NoninFormat8:
    """One 4-byte packet of format 8 (display values, once a second); None = missing data."""

    heart_rate: int | None
    spo2: int | None
    out_of_track: bool
    low_perfusion: bool
    marginal_perfusion: bool
    artifact: bool
    smartpoint: bool
    sensor_alarm: bool
    low_battery: bool


def parse_format8(data: bytes) -> NoninFormat8:
    """Decode one packet of data format 8.

    :raises FrameRejected: TRUNCATED, BAD_FRAMING (sync bits wrong or extra bytes).
    """
    if len(data) < const.FORMAT8_SIZE:
        raise truncated("Nonin format 8 packet", const.FORMAT8_SIZE, len(data))
    if len(data) > const.FORMAT8_SIZE or not data[0] & 0x80 or any(b & 0x80 for b in data[1:]):
        raise FrameRejected(RejectReason.BAD_FRAMING, "not a Nonin format 8 packet")
    first, rate_low, spo2, last = data
    return NoninFormat8(
        heart_rate=_missing((first & 0x03) << 7 | rate_low, const.MISSING_HEART_RATE),
        spo2=_missing(spo2, const.MISSING_SPO2),
        out_of_track=bool(first & const.FORMAT8_OOT),
        low_perfusion=bool(first & const.FORMAT8_LPRF),
        marginal_perfusion=bool(first & const.FORMAT8_MPRF),
        artifact=bool(first & const.FORMAT8_ARTF),
        smartpoint=bool(last & const.FORMAT8_SPA),
        sensor_alarm=bool(last & const.FORMAT8_SNSA),
        low_battery=bool(last & const.FORMAT8_LOW_BATTERY),
    )


@dataclass(frozen=True, slots=True)
class NoninSpotCheck:
    """One format 13 SmartPoint spot check; None = missing data."""

    time_stamp: datetime
    hundredths: int
    heart_rate: int | None
    spo2: int | None
    smartpoint: bool
    no_measurement: bool
    from_memory: bool
    low_battery: bool


def _bcd(value: int, what: str) -> int:
    high, low = value >> 4, value & 0x0F
    if high > 9 or low > 9:
        raise FrameRejected(RejectReason.IMPOSSIBLE_VALUE, f"{what} 0x{value:02X} is not BCD")
    return high * 10 + low


def parse_format13(data: bytes) -> NoninSpotCheck:
    """Decode one complete format 13 frame (header, spot-check data, checksum, ETX).

    :raises FrameRejected: TRUNCATED, BAD_FRAMING, BAD_CHECKSUM, IMPOSSIBLE_VALUE (bad date).
    """
    head = const.FORMAT13_HEADER_SIZE
    if len(data) < head:
        raise truncated("Nonin format 13 header", head, len(data))
    if data[:4] != const.FORMAT13_HEADER:
        raise FrameRejected(RejectReason.BAD_FRAMING, "not a Nonin format 13 header")
    length = int.from_bytes(data[4:6], "big")
    if length < const.FORMAT13_MIN_DATA:
        raise FrameRejected(RejectReason.BAD_FRAMING, f"format 13 data length {length} is below 14")
    total = head + length + 2
    if len(data) < total:
        raise truncated("Nonin format 13 frame", total, len(data))
    if len(data) > total or data[total - 1] != const.ETX:
        raise FrameRejected(RejectReason.BAD_FRAMING, "format 13 frame does not end with ETX")
    body = data[head : head + length]
    if sum(body) & 0xFF != data[head + length]:
        raise FrameRejected(RejectReason.BAD_CHECKSUM, "format 13 checksum mismatch")
    digits = [_bcd(value, "date/time digit") for value in body[:8]]
    try:
        year = digits[0] * 100 + digits[1]
        # oximeter local time, no zone
        stamp = datetime(year, digits[2], digits[3], digits[4], digits[5], digits[6])
    except ValueError as error:
        raise FrameRejected(RejectReason.IMPOSSIBLE_VALUE, f"format 13 date: {error}") from None
    status_msb, status_lsb, hr_msb, hr_lsb, _reserved, spo2 = body[8:14]
    return NoninSpotCheck(
        time_stamp=stamp,
        hundredths=digits[7],
        heart_rate=_missing((hr_msb & 0x01) << 8 | hr_lsb, const.MISSING_HEART_RATE),
        spo2=_missing(spo2 & 0x7F, const.MISSING_SPO2),
        smartpoint=bool(status_msb & const.FORMAT13_SPA),
        no_measurement=bool(status_msb & const.FORMAT13_NOMS),
        from_memory=bool(status_lsb & const.FORMAT13_FROM_MEMORY),
        low_battery=bool(status_lsb & const.FORMAT13_LOW_BATTERY),
    )


def _values(heart_rate: int | None, spo2: int | None, context: Context) -> tuple[Measurement, ...]:
    result = []
    if spo2 is not None:
        result.append(measure(codes.SPO2, Decimal(spo2), context))
    if heart_rate is not None:
        result.append(measure(codes.HEART_RATE, Decimal(heart_rate), context))
    if not result:
        raise FrameRejected(RejectReason.NO_MEASUREMENT, "oximeter sent no SpO2 and no pulse rate")
    return tuple(result)


def _common_flags(artifact: bool, out_of_track: bool, low_battery: bool, smartpoint: bool) -> list[Flag]:
    pairs = (
        (artifact, Flag.ARTIFACT),
        (out_of_track, Flag.OUT_OF_TRACK),
        (low_battery, Flag.LOW_BATTERY),
        (smartpoint, Flag.HIGH_QUALITY),
    )
    return [flag for present, flag in pairs if present]


def packet_measurements(packet: NoninPacket) -> tuple[Measurement, ...]:
    """SpO2 and pulse rate from the display values of a format 2/7 packet.

    :raises FrameRejected: NO_MEASUREMENT when the sensor alarm is on or no value is present.
    """
    if packet.sensor_alarm:
        raise FrameRejected(RejectReason.NO_MEASUREMENT, "sensor alarm (finger out or probe off)")
    flags = _common_flags(packet.artifact, packet.out_of_track, packet.low_battery, packet.smartpoint)
    if packet.perfusion == "poor":
        flags.append(Flag.LOW_PERFUSION)
    elif packet.perfusion == "marginal":
        flags.append(Flag.MARGINAL_PERFUSION)
    return _values(packet.heart_rate_display, packet.spo2_display, Context(flags=tuple(flags)))


def format8_measurements(packet: NoninFormat8) -> tuple[Measurement, ...]:
    """SpO2 and pulse rate of a format 8 packet.

    :raises FrameRejected: NO_MEASUREMENT when the sensor alarm is on or no value is present.
    """
    if packet.sensor_alarm:
        raise FrameRejected(RejectReason.NO_MEASUREMENT, "sensor alarm (finger out or probe off)")
    flags = _common_flags(packet.artifact, packet.out_of_track, packet.low_battery, packet.smartpoint)
    if packet.low_perfusion:
        flags.append(Flag.LOW_PERFUSION)
    if packet.marginal_perfusion:
        flags.append(Flag.MARGINAL_PERFUSION)
    return _values(packet.heart_rate, packet.spo2, Context(flags=tuple(flags)))


def format13_measurements(spot: NoninSpotCheck) -> tuple[Measurement, ...]:
    """SpO2 and pulse rate of a SmartPoint spot check, at the oximeter's time stamp.

    :raises FrameRejected: NO_MEASUREMENT when the oximeter says it has no measurement.
    """
    if spot.no_measurement:
        raise FrameRejected(RejectReason.NO_MEASUREMENT, "oximeter reports no measurement (NOMS)")
    flags = _common_flags(False, False, spot.low_battery, spot.smartpoint)
    if spot.from_memory:
        flags.append(Flag.FROM_DEVICE_MEMORY)
    return _values(spot.heart_rate, spot.spo2, Context(device_time=spot.time_stamp, flags=tuple(flags)))
