"""The technician's set-up file (image/sbin/relais_setup.py): what it accepts, what it refuses
with a message naming the field, and the settings, firewall values, secrets and sheet derived
from it."""

from __future__ import annotations

import random
import tomllib

import pytest
from image_support import SETUP_FILE, load_image_module

setup_mod = load_image_module("relais_setup")


def parse(provider: str = "file", **changes: str):
    text = SETUP_FILE.format(provider=provider)
    for old, new in changes.items():
        text = text.replace(old, new)
    return setup_mod.parse_setup(text)


def test_a_complete_set_up_file_is_accepted() -> None:
    setup = parse()
    assert setup.home_name == "EHPAD Les Tilleuls"
    assert setup.finess == "750000001"
    assert setup.key_provider is setup_mod.KeyProvider.FILE
    assert setup.monitors == ("192.168.1.50", "fd00::50")
    assert setup.admin_login == "cadre.sante"


def test_corsican_finess_numbers_are_accepted() -> None:
    assert parse(**{'"750000001"': '"2a0000017"'}).finess == "2A0000017"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('"750000001"', '"7500001"', "finess"),
        ('"file"', '"tpm"', "key_provider"),
        ('"/media/relais-key/relais.key"', '"/var/lib/relais/k.key"', "key_file"),
        ('"cadre.sante"', '"Cadre Santé"', "admin_login"),
        ('"192.168.1.50"', '"192.168.1.500"', "monitors"),
        ("mllp_port = 2575", "mllp_port = 80", "mllp_port"),
        ('home_name = "EHPAD Les Tilleuls"', 'home_name = ""', "home_name"),
        ('"Cadre de santé"', '"Cadre\\u0007"', "admin_display_name"),
    ],
)
def test_a_wrong_field_is_refused_by_name(old: str, new: str, field: str) -> None:
    with pytest.raises(setup_mod.SetupError, match=field):
        parse(**{old: new})


def test_a_file_that_is_not_toml_is_refused() -> None:
    with pytest.raises(setup_mod.SetupError, match="not valid TOML"):
        setup_mod.parse_setup("home_name = ")


def test_settings_file_is_valid_toml_and_escapes_the_home_name() -> None:
    setup = parse(**{'"EHPAD Les Tilleuls"': '"Les \\"Tilleuls\\" \\\\ Nord"'})
    settings = tomllib.loads(setup_mod.render_config(setup, "/prefix"))
    assert settings["home_name"] == 'Les "Tilleuls" \\ Nord'
    assert settings["data_dir"] == "/prefix/var/lib/relais"
    assert settings["key_file"] == "/prefix/media/relais-key/relais.key"
    assert settings["web_host"] == "127.0.0.1" and settings["web_port"] == 8080


def test_passphrase_homes_get_no_key_file_setting() -> None:
    settings = tomllib.loads(setup_mod.render_config(parse("passphrase"), ""))
    assert settings["key_provider"] == "passphrase" and "key_file" not in settings


def test_firewall_values_replace_only_monitors_and_port() -> None:
    current = 'MLLP_PORT="2575"\nMONITORS=""\nNATIONAL_HOSTS="x.example"\n'
    out = setup_mod.render_firewall(parse(**{"mllp_port = 2575": "mllp_port = 6661"}), current)
    assert out == 'MLLP_PORT="6661"\nMONITORS="192.168.1.50 fd00::50"\nNATIONAL_HOSTS="x.example"\n'


def test_secrets_are_groups_from_an_unambiguous_alphabet() -> None:
    secret = setup_mod.new_secret(6, random.Random(7))
    groups = secret.split("-")
    assert len(groups) == 6 and all(len(g) == 4 for g in groups)
    assert set(secret.replace("-", "")) <= set(setup_mod.SECRET_ALPHABET)
    assert not set("01IO") & set(setup_mod.SECRET_ALPHABET)


def test_sheet_carries_the_passphrase_only_for_passphrase_homes() -> None:
    values = {"admin_password": "AAAA-BBBB-CCCC-DDDD", "passphrase": "PPPP-QQQQ"}
    with_phrase = setup_mod.render_sheet(parse("passphrase"), values, "AB:CD", "relais.local")
    assert "PPPP-QQQQ" in with_phrase and "AAAA-BBBB-CCCC-DDDD" in with_phrase and "AB:CD" in with_phrase
    file_home = setup_mod.render_sheet(parse(), {"admin_password": "AAAA"}, "AB:CD", "relais.local")
    assert "PPPP" not in file_home and "RELAIS-KEY" in file_home
