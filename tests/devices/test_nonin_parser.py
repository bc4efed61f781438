"""Nonin data formats 2, 7, 8 and 13: decoding complete packets and their measurements."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from devices.errors import FrameRejected, RejectReason
from devices.measurement import Flag, Measurement
from devices.nonin import (
    NoninFormat8,
    NoninPacket,
    NoninSpotCheck,
    format8_measurements,
    format13_measurements,
    packet_measurements,
    parse_format8,
    parse_format13,
    parse_packet,
)
from devices.nonin.const import select_format_command

# Format 2: the first four frames are Pufferfish's TestNoninOEM3 example; the rest complete the
# packet per the float-byte table (SREV 48, timer 5, SmartPoint, SpO2-D 96, HR-D 71).
PACKET_2 = bytes.fromhex(
    "018101008301800148ca01800161e301800130b201800100820180010082018001058701800120a2"
    "01800160e201800162e401800161e301800100820180010082018001008201800149cb01800161e3"
    "01800160e201800100820180010082018001008201800147c9018001008201800147c901800100820180010082"
)
# Format 7: same float bytes, 16-bit pleth 257…281, status with GPRF (good perfusion).
PACKET_7 = bytes.fromhex(
    "830101008582010248cd82010361e782010430b782010500888201060089820107058f82010820ab"
    "82010960ec82010a62ef82010b61ef82010c008f82010d009082010e009182010f49db82011061f4"
    "82011160f482011200958201130096820114009782011547df820116009982011747e1820118009b820119009c"
)
FORMAT8_72_97 = bytes.fromhex("80486100")
FORMAT8_150_95 = bytes.fromhex("81165f00")
FORMAT8_FINGER_OUT = bytes.fromhex("837f7f08")
FORMAT13_SPOT = bytes.fromhex(
    "0002000d000e" + "2024112209301500" + "0200" + "0048" + "00" + "61" + "70" + "03"
)
FORMAT13_NOMS = bytes.fromhex(
    "0002000d000e" + "2024112209301500" + "0300" + "01ff" + "00" + "7f" + "47" + "03"
)


def test_format2_packet_decodes_every_value() -> None:
    assert parse_packet(PACKET_2, 2) == NoninPacket(
        data_format=2,
        pleth=(1,) * 25,
        heart_rate=72,
        spo2=97,
        heart_rate_display=71,
        spo2_display=96,
        spo2_fast=98,
        spo2_beat_to_beat=97,
        firmware_revision=48,
        timer=5,
        sensor_alarm=False,
        artifact=False,
        out_of_track=False,
        perfusion=None,
        smartpoint=True,
        low_battery=False,
    )


def test_format2_packet_stores_the_display_values() -> None:
    assert packet_measurements(parse_packet(PACKET_2, 2)) == (
        Measurement(
            "2708-6", "Oxygen saturation in arterial blood", "%", Decimal(96), flags=(Flag.HIGH_QUALITY,)
        ),
        Measurement("8867-4", "Heart rate", "/min", Decimal(71), flags=(Flag.HIGH_QUALITY,)),
    )


def test_format7_packet_reads_16_bit_pleth_and_perfusion() -> None:
    packet = parse_packet(PACKET_7, 7)
    assert packet.pleth == tuple(range(257, 282))
    assert (packet.heart_rate, packet.spo2, packet.perfusion) == (72, 97, "good")


def test_packet_read_as_the_other_format_is_refused() -> None:
    with pytest.raises(FrameRejected):
        parse_packet(PACKET_7, 2)
    with pytest.raises(FrameRejected):
        parse_packet(PACKET_2, 7)


def test_packet_with_one_bad_checksum_is_refused() -> None:
    corrupt = bytearray(PACKET_2)
    corrupt[14] ^= 0x01
    with pytest.raises(FrameRejected) as caught:
        parse_packet(bytes(corrupt), 2)
    assert caught.value.reason is RejectReason.BAD_CHECKSUM


def test_short_packet_is_truncated() -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_packet(PACKET_2[:-5], 2)
    assert caught.value.reason is RejectReason.TRUNCATED


def test_packet_with_sensor_alarm_gives_no_measurement() -> None:
    frames = bytearray(PACKET_2)
    frames[11] |= 0x08  # SNSA in frame 3
    frames[14] = sum(frames[10:14]) & 0xFF
    with pytest.raises(FrameRejected) as caught:
        packet_measurements(parse_packet(bytes(frames), 2))
    assert caught.value.reason is RejectReason.NO_MEASUREMENT


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (FORMAT8_72_97, NoninFormat8(72, 97, False, False, False, False, False, False, False)),
        (FORMAT8_150_95, NoninFormat8(150, 95, False, False, False, False, False, False, False)),
        (FORMAT8_FINGER_OUT, NoninFormat8(None, None, False, False, False, False, False, True, False)),
    ],
)
def test_format8_packet_decodes(data: bytes, expected: NoninFormat8) -> None:
    assert parse_format8(data) == expected


def test_format8_flags_become_measurement_flags() -> None:
    packet = parse_format8(bytes.fromhex("bc486121"))
    assert format8_measurements(packet)[0].flags == (
        Flag.ARTIFACT,
        Flag.HIGH_QUALITY,
        Flag.LOW_BATTERY,
        Flag.LOW_PERFUSION,
        Flag.MARGINAL_PERFUSION,
        Flag.OUT_OF_TRACK,
    )


def test_format8_finger_out_gives_no_measurement() -> None:
    with pytest.raises(FrameRejected) as caught:
        format8_measurements(parse_format8(FORMAT8_FINGER_OUT))
    assert caught.value.reason is RejectReason.NO_MEASUREMENT


@pytest.mark.parametrize("hex_bytes", ["00486100", "80c86100", "8048610000"])
def test_format8_with_wrong_sync_bits_is_refused(hex_bytes: str) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_format8(bytes.fromhex(hex_bytes))
    assert caught.value.reason is RejectReason.BAD_FRAMING


def test_format13_spot_check_decodes_bcd_time_and_values() -> None:
    assert parse_format13(FORMAT13_SPOT) == NoninSpotCheck(
        time_stamp=datetime(2024, 11, 22, 9, 30, 15),
        hundredths=0,
        heart_rate=72,
        spo2=97,
        smartpoint=True,
        no_measurement=False,
        from_memory=False,
        low_battery=False,
    )
    assert format13_measurements(parse_format13(FORMAT13_SPOT))[1] == Measurement(
        "8867-4",
        "Heart rate",
        "/min",
        Decimal(72),
        device_time=datetime(2024, 11, 22, 9, 30, 15),
        flags=(Flag.HIGH_QUALITY,),
    )


def test_format13_no_measurement_is_refused() -> None:
    spot = parse_format13(FORMAT13_NOMS)
    assert (spot.no_measurement, spot.heart_rate, spot.spo2) == (True, None, None)
    with pytest.raises(FrameRejected) as caught:
        format13_measurements(spot)
    assert caught.value.reason is RejectReason.NO_MEASUREMENT


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (FORMAT13_SPOT[:-1], RejectReason.TRUNCATED),
        (FORMAT13_SPOT[:-2] + b"\x71\x03", RejectReason.BAD_CHECKSUM),
        (FORMAT13_SPOT[:-1] + b"\x04", RejectReason.BAD_FRAMING),
        (b"\x00\x02\x00\x0e" + FORMAT13_SPOT[4:], RejectReason.BAD_FRAMING),
        (
            FORMAT13_SPOT[:6] + b"\x20\x24\x13" + FORMAT13_SPOT[9:-2] + b"\x72\x03",
            RejectReason.IMPOSSIBLE_VALUE,
        ),
        (FORMAT13_SPOT[:6] + b"\x20\x2a" + FORMAT13_SPOT[8:-2] + b"\x76\x03", RejectReason.IMPOSSIBLE_VALUE),
    ],
    ids=["truncated", "checksum", "no-etx", "not-type-13", "month-13", "not-bcd"],
)
def test_corrupt_format13_frame_is_refused_with_reason(data: bytes, reason: RejectReason) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_format13(data)
    assert caught.value.reason is reason


def test_format_selection_command_is_the_documented_bytes() -> None:
    assert select_format_command(13) == bytes.fromhex("0270020" + "20d03")
    with pytest.raises(ValueError, match="not supported"):
        select_format_command(3)
