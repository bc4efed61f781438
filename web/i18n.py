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

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, get_translations

import edge

_LOGGER = logging.getLogger(__name__)
WEB_ROOT = Path(__file__).resolve().parent
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
LANGUAGE_COOKIE = "relais_lang"
TRANSLATIONS_KEY = "relais.translations"


def N_(message: str) -> str:  # noqa: N802 - the usual name of the extraction marker
    """Mark ``message`` for the catalogues; it is translated where it is shown."""
    return message


_ROLE_LABELS = {
    edge.Role.AIDE_SOIGNANT: N_("Aide-soignant(e)"),
    edge.Role.INFIRMIER: N_("Infirmier(e)"),
    edge.Role.MEDECIN: N_("Médecin"),
    edge.Role.ADMINISTRATEUR: N_("Administrateur"),
}


def role_label(role: edge.Role) -> str:
    """The role's name in the person's language."""
    return str(request_translations().ugettext(_ROLE_LABELS[role]))


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


_LOCALES = {language: Locale.parse(language) for language in LANGUAGES}


def _select_locale() -> Locale:
    """For Flask-Babel: a parsed locale it takes as it is (parsing one costs on every request)."""
    return _LOCALES[select_language()]


def request_translations() -> NullTranslations:
    """This request's catalogue, looked up once per request.

    Flask-Babel finds the domain, the locale and the catalogue again on every ``_()`` call, which
    made a page with a few thousand strings spend most of its time there. The catalogues are
    compiled once at start, so each language's is kept for the application's life.
    """
    if not has_request_context():
        return get_translations()
    found: NullTranslations | None = g.get("relais_translations")
    if found is None:
        by_language = current_app.extensions.setdefault(TRANSLATIONS_KEY, {})
        language = select_language()
        found = by_language.get(language)
        if found is None:
            found = by_language[language] = get_translations()
        g.relais_translations = found
    return found


def _install_template_gettext(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda text: request_translations().ugettext(text),
        ngettext=lambda one, many, count: request_translations().ungettext(one, many, count),
        newstyle=True,
        pgettext=lambda context, text: request_translations().upgettext(context, text),
        npgettext=lambda context, one, many, count: request_translations().unpgettext(
            context, one, many, count))


def install_i18n(app: Flask) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="relais-i18n-"))
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    roots = compile_catalogues(catalogue_folders(), workdir)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Paris"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(root) for root in roots) or "."
    Babel(app, locale_selector=_select_locale)
    _install_template_gettext(app)
    app.jinja_env.globals.update(current_language=select_language, languages=LANGUAGES,
                                 role_label=role_label)
    _LOGGER.info("%d translation catalogues compiled", len(roots))
