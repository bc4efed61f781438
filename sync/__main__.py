"""Entry point of the `sync` runnable (`python -m sync`)."""

from __future__ import annotations

import sys

NOT_BUILT_EXIT = 2


def main() -> int:
    print("relais sync: this runnable is not built in this version of Relais.", file=sys.stderr)
    return NOT_BUILT_EXIT


if __name__ == "__main__":
    sys.exit(main())
