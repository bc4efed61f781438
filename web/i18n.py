"""Languages: French first (the source strings), English from the catalogues of every blueprint.

Each folder ``web/**/translations`` holds ``en/LC_MESSAGES/messages.po``; at start they are compiled
into a private temporary directory (no compiled file is committed) and Flask-Babel merges them. The
person's choice is kept in a cookie; French is the default.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request
from flask_babel import Babel, lazy_gettext

import edge

_LOGGER = logging.getLogger(__name__)
WEB_ROOT = Path(__file__).resolve().parent
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
LANGUAGE_COOKIE = "relais_lang"


def role_label(role: edge.Role) -> str:
    """The role's name in the person's language."""
    labels = {
        edge.Role.AIDE_SOIGNANT: lazy_gettext("Aide-soignant(e)"),
        edge.Role.INFIRMIER: lazy_gettext("Infirmier(e)"),
        edge.Role.MEDECIN: lazy_gettext("Médecin"),
        edge.Role.ADMINISTRATEUR: lazy_gettext("Administrateur"),
    }
    return str(labels[role])


def catalogue_folders(root: Path = WEB_ROOT) -> list[Path]:
    """Every ``translations`` folder under ``web/`` (the platform's and each blueprint's)."""
    return sorted(path for path in root.rglob("translations") if path.is_dir())


def compile_catalogues(folders: list[Path], into: Path) -> list[Path]:
    """Compile each folder's ``*/LC_MESSAGES/messages.po`` under ``into``; return the new roots."""
    roots: list[Path] = []
    for index, folder in enumerate(folders):
        root = into / str(index)
        for po_path in sorted(folder.glob("*/LC_MESSAGES/messages.po")):
            language = po_path.parent.parent.name
            with po_path.open("rb") as handle:
                catalogue = read_po(handle, locale=language)
            target = root / language / "LC_MESSAGES" / "messages.mo"
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as handle:
                write_mo(handle, catalogue)
        roots.append(root)
    return roots


def select_language() -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def install_i18n(app: Flask) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="relais-i18n-"))
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    roots = compile_catalogues(catalogue_folders(), workdir)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Paris"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(root) for root in roots) or "."
    Babel(app, locale_selector=select_language)
    app.jinja_env.globals.update(current_language=select_language, languages=LANGUAGES,
                                 role_label=role_label)
    _LOGGER.info("%d translation catalogues compiled", len(roots))
