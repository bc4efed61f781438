"""Entry point of the `web` runnable (`python -m web`): the tablet application served by waitress."""

from __future__ import annotations

import logging
import os
import sys

import waitress

import edge
from web.app import create_app

_LOGGER = logging.getLogger("web")


def main() -> int:
    try:
        settings = edge.load_settings(os.environ)
    except edge.SettingInvalid as exc:
        print(f"relais web: {exc}", file=sys.stderr)
        return 2
    edge.configure_logging(settings.log_level)
    try:
        app = create_app(settings)
    except edge.EdgeError as exc:
        print(f"relais web: cannot open the record: {exc}", file=sys.stderr)
        return 1
    _LOGGER.info("serving the tablet application on %s:%d", settings.web_host, settings.web_port)
    waitress.serve(app, host=settings.web_host, port=settings.web_port,
                   threads=settings.web_threads, ident="relais")
    return 0


if __name__ == "__main__":
    sys.exit(main())
