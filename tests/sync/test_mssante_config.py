"""The MSSanté configuration read from the settings: the mailbox password never shows."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from edge import Settings
from sync.mssante import config_from_settings

PASSWORD = "Coffre-Fort-42!"  # noqa: S105 - a test value


def _config_settings(settings: Settings, tmp_path: Path) -> Settings:
    password_file = tmp_path / "mailbox-password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    return settings.replace(mssante_mailbox="relais@ehpad.sandbox.mssante.fr",
                            mssante_smtp_host="127.0.0.1", mssante_password_file=password_file,
                            mssante_client_cert=tmp_path / "c.pem",
                            mssante_client_key=tmp_path / "k.pem")


def test_the_mailbox_password_is_read_but_never_shown_in_the_config_repr(
        settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = config_from_settings(_config_settings(settings, tmp_path))
    assert config.password == PASSWORD
    assert PASSWORD not in repr(config)
    assert PASSWORD not in str(config)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").debug("config %s", config)
    assert PASSWORD not in caplog.text
    assert "relais@ehpad.sandbox.mssante.fr" in repr(config)  # the rest is still shown
