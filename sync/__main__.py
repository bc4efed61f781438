"""Entry point of the `sync` runnable: `python -m sync` delivers the outbox until SIGTERM."""

from __future__ import annotations

import os
import sys

import click

from edge import Destination
from sync.process import main as process_main

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option("--once", is_flag=True,
              help="Send everything due once, then exit (instead of running until stopped).")
@click.option("--destination", "destinations", multiple=True,
              type=click.Choice([d.value for d in Destination]),
              help="Deliver only to this service (repeatable; default: all).")
def main(once: bool, destinations: tuple[str, ...]) -> None:
    """Deliver the queued documents to the national services (DMP, MSSanté).

    Settings come from the TOML file and RELAIS_* variables (see the README).
    """
    chosen = tuple(Destination(d) for d in destinations) or tuple(Destination)
    sys.exit(process_main(os.environ, once=once, destinations=chosen))


if __name__ == "__main__":
    main()
