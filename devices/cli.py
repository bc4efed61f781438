"""The integrators' tool: `python -m devices decode` shows what the appliance reads in bytes."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from devices.decoding import PROTOCOLS, Decoded, decode_ble, decode_serial
from devices.errors import FrameRejected
from devices.jsonable import to_jsonable

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
EXIT_REJECTED = 1


def _payload(hex_text: str | None, text: str | None) -> bytes:
    if text is not None and hex_text is None:
        return text.replace("\\r", "\r").replace("\\n", "\n").encode("latin-1")
    if hex_text is None or text is not None:
        raise click.UsageError("give exactly one of --hex or --text")
    compact = "".join(hex_text.split()).replace(":", "").removeprefix("0x")
    try:
        return bytes.fromhex(compact)
    except ValueError:
        raise click.BadParameter("not hexadecimal bytes", param_hint="--hex") from None


def _entry(decoded: Decoded) -> dict[str, Any]:
    return {
        "reading": to_jsonable(decoded.reading),
        "measurements": to_jsonable(decoded.measurements),
    }


@click.group(context_settings=CONTEXT_SETTINGS)
def cli() -> None:
    """Tools of the devices process."""


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.option("--uuid", help="BLE characteristic, 16-bit UUID such as 2A35.")
@click.option(
    "--protocol",
    type=click.Choice(sorted(PROTOCOLS)),
    help="Wired protocol of the bytes.",
)
@click.option("--hex", "hex_text", help="The bytes, in hexadecimal (spaces and colons allowed).")
@click.option("--text", help="The bytes as text; \\r and \\n are turned into CR and LF.")
def decode(uuid: str | None, protocol: str | None, hex_text: str | None, text: str | None) -> None:
    """Decode captured bytes and print the reading and its measurements as JSON.

    Exits with status 1 and a one-line reason when the appliance would refuse the bytes.
    """
    if (uuid is None) == (protocol is None):
        raise click.UsageError("give exactly one of --uuid or --protocol")
    data = _payload(hex_text, text)
    try:
        if uuid is not None:
            output: dict[str, Any] = {
                "characteristic": uuid.upper(),
                **_entry(decode_ble(uuid, data)),
            }
        elif protocol is not None:
            output = {
                "protocol": protocol,
                "frames": [_entry(item) for item in decode_serial(protocol, data)],
            }
        else:  # excluded by the check above; said again for the type checker
            raise click.UsageError("give exactly one of --uuid or --protocol")
    except FrameRejected as error:
        click.echo(f"rejected ({error.reason.value}): {error.detail}", err=True)
        sys.exit(EXIT_REJECTED)
    click.echo(json.dumps(output, indent=2, ensure_ascii=False))


def main(argv: list[str] | None = None) -> None:
    """Run the command line (used by `python -m devices decode`)."""
    cli.main(args=argv, prog_name="python -m devices")
