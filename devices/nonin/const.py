"""Nonin pulse-oximeter serial data formats 2, 7, 8 and 13: sizes, markers, bits and commands."""

from __future__ import annotations

BAUD_RATE = 9600
FRAME_SIZE = 5
FRAMES_PER_PACKET = 25
PACKET_SIZE = FRAME_SIZE * FRAMES_PER_PACKET
FORMAT2_START = 0x01

# Status byte of formats 2 and 7
STATUS_ALWAYS = 0x80
STATUS_SNSD = 0x40
STATUS_ARTF = 0x20
STATUS_OOT = 0x10
STATUS_SNSA = 0x08
STATUS_RPRF = 0x04
STATUS_GPRF = 0x02
STATUS_SYNC = 0x01

# Float byte meaning by frame number (1-based), formats 2 and 7
FRAME_HR_MSB = 1
FRAME_HR_LSB = 2
FRAME_SPO2 = 3
FRAME_SREV = 4
FRAME_TIMER_MSB = 6
FRAME_TIMER_LSB = 7
FRAME_STAT2 = 8
FRAME_SPO2_D = 9
FRAME_SPO2_FAST = 10
FRAME_SPO2_BEAT = 11
FRAME_E_HR_MSB = 14
FRAME_E_HR_LSB = 15
FRAME_E_SPO2 = 16
FRAME_E_SPO2_D = 17
FRAME_HR_D_MSB = 20
FRAME_HR_D_LSB = 21
FRAME_E_HR_D_MSB = 22
FRAME_E_HR_D_LSB = 23
STAT2_SMARTPOINT = 0x20
STAT2_LOW_BATTERY = 0x01

MISSING_HEART_RATE = 511
MISSING_SPO2 = 127

# Format 8
FORMAT8_SIZE = 4
FORMAT8_OOT = 0x20
FORMAT8_LPRF = 0x10
FORMAT8_MPRF = 0x08
FORMAT8_ARTF = 0x04
FORMAT8_SPA = 0x20
FORMAT8_SNSA = 0x08
FORMAT8_LOW_BATTERY = 0x01

# Format 13
FORMAT13_HEADER = bytes([0x00, 0x02, 0x00, 0x0D])
FORMAT13_HEADER_SIZE = 6
FORMAT13_MIN_DATA = 14
FORMAT13_MAX_DATA = 255
ETX = 0x03
FORMAT13_SPA = 0x02
FORMAT13_NOMS = 0x01
FORMAT13_FROM_MEMORY = 0x10
FORMAT13_LOW_BATTERY = 0x01

# Commands (host → oximeter)
ACK = 0x06
NAK = 0x15


def select_format_command(data_format: int) -> bytes:
    """The 6-byte command that selects data format 2, 7, 8 or 13.

    :raises ValueError: for another format number.
    """
    if data_format not in (2, 7, 8, 13):
        raise ValueError(f"Nonin data format {data_format} is not supported")
    return bytes([0x02, 0x70, 0x02, 0x02, data_format, 0x03])
