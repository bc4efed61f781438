"""Languages: every French string of `web/` (Python and templates, extracted with Babel) has an
English translation in one of the catalogues, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from web.i18n import catalogue_folders

WEB = Path(__file__).resolve().parents[2] / "web"
METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
PLATFORM_FOLDERS = {"admin", "auth", "security", "templates", "static", "translations"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _french_strings() -> dict[str, str]:
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(WEB), METHODS, keywords=KEYWORDS, options_map={"**.html": {}}):
        text = message if isinstance(message, str) else message[0]
        found.setdefault(text, f"{filename}:{lineno}")
    return found


def _english() -> dict[str, str]:
    merged: dict[str, str] = {}
    for folder in catalogue_folders(WEB):
        po_path = folder / "en" / "LC_MESSAGES" / "messages.po"
        if po_path.is_file():
            with po_path.open("rb") as handle:
                catalogue: Catalog = read_po(handle, locale="en")
            for message in catalogue:
                if not message.id or not message.string:
                    continue
                if isinstance(message.id, str):
                    merged[message.id] = str(message.string)
                elif all(message.string):  # plural: every form translated, keyed by the singular
                    merged[message.id[0]] = str(message.string[0])
    return merged


def _missing(french: dict[str, str]) -> list[str]:
    english = _english()
    return sorted(f"{where}: {text!r}" for text, where in french.items() if text not in english)


def test_every_french_string_of_the_platform_has_an_english_translation() -> None:
    platform = {text: where for text, where in _french_strings().items()
                if "/" not in where.split(":")[0] or where.split("/")[0] in PLATFORM_FOLDERS}
    assert len(platform) > 100
    missing = _missing(platform)
    assert missing == [], "untranslated:\n" + "\n".join(missing)


def test_every_french_string_of_every_blueprint_has_an_english_translation() -> None:
    missing = _missing(_french_strings())
    assert missing == [], "untranslated:\n" + "\n".join(missing)


def test_translations_keep_the_same_placeholders() -> None:
    wrong = [text for text, translated in _english().items()
             if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(translated))]
    assert wrong == []


def test_the_platform_catalogue_is_found_and_compiles(tmp_path: Path) -> None:
    from web.i18n import compile_catalogues

    roots = compile_catalogues(catalogue_folders(WEB), tmp_path)
    assert any((root / "en" / "LC_MESSAGES" / "messages.mo").is_file() for root in roots)
