"""Entry point of the devices process: `python -m devices`.

Only the `decode` tool exists so far; the listener (serial, BLE, MLLP) is not built yet, and
running without a command says so instead of pretending to listen.
"""

from __future__ import annotations

import sys

from devices.cli import main as cli_main

EXIT_NOT_BUILT = 2


def main(argv: list[str]) -> int:
    """Dispatch `decode` (and help) to the command line; refuse anything else."""
    if argv and argv[0] in ("decode", "-h", "--help"):
        cli_main(argv)
        return 0
    print(
        "python -m devices: the device listener (serial, BLE, HL7/MLLP) is not built yet; "
        "only 'python -m devices decode' is available.",
        file=sys.stderr,
    )
    return EXIT_NOT_BUILT


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
