"""Entry point of the devices process: `python -m devices` listens; `python -m devices decode` decodes.

Without a command it runs the listener (serial, MLLP, BLE when turned on) until SIGTERM; the
`decode` tool (and `-h`) go to the command line.
"""

from __future__ import annotations

import os
import sys

from devices.cli import main as cli_main
from devices.process import run


def main(argv: list[str]) -> int:
    """Dispatch `decode` (and help) to the command line; otherwise run the listener."""
    if argv and argv[0] in ("decode", "-h", "--help"):
        cli_main(argv)
        return 0
    if argv:
        print(f"python -m devices: unknown command {argv[0]!r}; run it without a command to "
              "listen, or use 'decode' (see --help)", file=sys.stderr)
        return 2
    return run(os.environ)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
