"""Logging set-up shared by every Relais process: plain lines on stderr, which journald collects.

What goes into the logs is each module's business (ids, counts, states — never names, dates of
birth, INS numbers or note text); this module only decides where they go and at which level.
"""

from __future__ import annotations

import logging.config

_WITH_TIME = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_WITHOUT_TIME = "%(levelname)s %(name)s: %(message)s"


def configure_logging(level: str, *, timestamps: bool = True) -> None:
    """Send every logger to stderr at ``level`` (the `log_level` setting).

    :param timestamps: False for short-lived commands, whose lines a person reads at once.
    """
    logging.config.dictConfig({
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": _WITH_TIME if timestamps else _WITHOUT_TIME}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                "formatter": "plain"}},
        "root": {"level": level, "handlers": ["stderr"]},
    })
