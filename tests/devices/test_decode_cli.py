"""`python -m devices decode`, run as a subprocess: JSON for valid bytes, one line and non-zero otherwise."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devices", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_blood_pressure_value_is_printed_as_json_with_units_flags_and_time() -> None:
    result = _run("decode", "--uuid", "2A35", "--hex", "1e84004e006000e8070b16091e00480001" + "2000")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["characteristic"] == "2A35"
    assert output["reading"]["systolic"] == 132
    assert output["reading"]["time_stamp"]["year"] == 2024
    assert [(m["code"], m["unit"], m["value"]) for m in output["measurements"]] == [
        ("8480-6", "mm[Hg]", 132),
        ("8462-4", "mm[Hg]", 78),
        ("8867-4", "/min", 72),
    ]
    assert output["measurements"][0]["device_time"] == "2024-11-22T09:30:00"
    assert output["measurements"][0]["flags"] == ["improper_position"]


def test_kpa_value_shows_the_converted_and_the_original_value() -> None:
    result = _run("decode", "--uuid", "0x2a35", "--hex", "01 b0 f0 6e f0 8e f0")
    assert result.returncode == 0, result.stderr
    systolic = json.loads(result.stdout)["measurements"][0]
    assert (systolic["value"], systolic["original_value"], systolic["original_unit"]) == (132.0, 17.6, "kPa")


def test_nonin_format8_frame_is_printed_as_json() -> None:
    result = _run("decode", "--protocol", "nonin8", "--hex", "80486100")
    assert result.returncode == 0, result.stderr
    (frame,) = json.loads(result.stdout)["frames"]
    assert frame["reading"]["heart_rate"] == 72
    assert [(m["code"], m["value"]) for m in frame["measurements"]] == [("2708-6", 97), ("8867-4", 72)]


def test_weighing_line_can_be_given_as_text() -> None:
    result = _run("decode", "--protocol", "and-st-gs", "--text", "ST,GS,+0072.45kg\\r\\n")
    assert result.returncode == 0, result.stderr
    (frame,) = json.loads(result.stdout)["frames"]
    assert frame["measurements"][0]["value"] == 72.45


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--uuid", "2A35", "--hex", "1e8400"), "truncated"),
        (("--uuid", "2A1C", "--hex", "00ffff7f00"), "special_value"),
        (("--uuid", "2A19", "--hex", "64"), "not_this_device"),
        (("--protocol", "nonin13", "--hex", "0002000d000e20241122093015000200004800617103"), "bad_checksum"),
        (("--protocol", "nonin8", "--hex", "837f7f08"), "no_measurement"),
        (("--protocol", "seca", "--hex", "0241303030"), "truncated"),
    ],
)
def test_invalid_input_exits_non_zero_with_one_line_reason(args: tuple[str, ...], reason: str) -> None:
    result = _run("decode", *args)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"rejected ({reason}): ")


def test_bad_hex_is_a_usage_error() -> None:
    result = _run("decode", "--uuid", "2A35", "--hex", "zz")
    assert result.returncode == 2
    assert "not hexadecimal" in result.stderr


def test_an_unknown_command_is_refused_with_a_pointer_to_help() -> None:
    result = _run("listen-now")
    assert result.returncode == 2
    assert "unknown command 'listen-now'" in result.stderr
    assert result.stdout == ""


def test_decode_help_lists_the_protocols() -> None:
    result = _run("decode", "--help")
    assert result.returncode == 0
    assert "nonin13" in result.stdout and "--uuid" in result.stdout
