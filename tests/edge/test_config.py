"""Settings: each source overrides the one before, and a bad value names the setting and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.config import SETTINGS, load_settings
from edge.errors import SettingInvalid


def test_sources_apply_defaults_then_file_then_environment_then_flags(tmp_path: Path) -> None:
    toml = tmp_path / "relais.toml"
    toml.write_text('data_dir = "/from/file"\nweb_port = 9000\nhome_name = "Les Tilleuls"\n')
    settings = load_settings({"RELAIS_WEB_PORT": "9100"}, {"web_port": 9200}, toml)
    assert settings.data_dir == Path("/from/file")
    assert settings.web_port == 9200
    assert settings.home_name == "Les Tilleuls"
    assert load_settings({"RELAIS_WEB_PORT": "9100"}, None, toml).web_port == 9100
    assert load_settings({}).web_port == 8080


def test_relais_config_environment_variable_names_the_file(tmp_path: Path) -> None:
    toml = tmp_path / "other.toml"
    toml.write_text('finess = "2A0000123"\n')
    assert load_settings({"RELAIS_CONFIG": str(toml)}).finess == "2A0000123"


@pytest.mark.parametrize(("environ", "name"), [
    ({"RELAIS_WEB_PORT": "eighty"}, "web_port"),
    ({"RELAIS_WEB_PORT": "70000"}, "web_port"),
    ({"RELAIS_KEY_PROVIDER": "tpm"}, "key_provider"),
    ({"RELAIS_FINESS": "12345"}, "finess"),
    ({"RELAIS_LOG_LEVEL": "LOUD"}, "log_level"),
])
def test_a_bad_value_is_refused_naming_the_setting(environ: dict[str, str], name: str) -> None:
    with pytest.raises(SettingInvalid) as caught:
        load_settings(environ)
    assert caught.value.name == name
    assert name in str(caught.value)


def test_an_unknown_setting_in_the_file_is_refused(tmp_path: Path) -> None:
    toml = tmp_path / "relais.toml"
    toml.write_text('data_directory = "/x"\n')
    with pytest.raises(SettingInvalid, match="data_directory"):
        load_settings({}, None, toml)


def test_broken_toml_is_reported_with_its_file(tmp_path: Path) -> None:
    toml = tmp_path / "relais.toml"
    toml.write_text("web_port = \n")
    with pytest.raises(SettingInvalid, match="not valid TOML"):
        load_settings({}, None, toml)


def test_every_setting_has_help_and_an_environment_variable() -> None:
    for setting in SETTINGS:
        assert setting.help
        assert setting.env_var == "RELAIS_" + setting.name.upper()


def test_a_key_file_inside_the_data_directory_is_flagged_insecure(tmp_path: Path) -> None:
    inside = load_settings({}, {"data_dir": tmp_path, "key_file": tmp_path / "demo.key"})
    outside = load_settings({}, {"data_dir": tmp_path / "d", "key_file": tmp_path / "usb.key"})
    assert inside.key_file_is_insecure
    assert not outside.key_file_is_insecure
