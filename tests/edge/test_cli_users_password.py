"""`relais users password`: an administrator on the box gives a temporary password, typed twice
with hidden input; the account must then choose its own at the next sign-in."""

from __future__ import annotations

import json

from click.testing import CliRunner

import edge
from edge.cli import cli
from edge.config import Settings
from edge.datadir import initialise, open_record
from edge.password_change import password_change_required
from tests.conftest import cli_env

TEMPORARY = "provisoire remis en main propre"


def _prepared(settings: Settings) -> str:
    initialise(settings)
    db = open_record(settings)
    try:
        return edge.add_user(db, None, "ide.oubli", "IDE Oubli", edge.Role.INFIRMIER,
                             "une phrase de passe oubliee")
    finally:
        db.close()


def test_the_temporary_password_is_asked_twice_hidden_and_forces_a_change(
        settings: Settings) -> None:
    user_id = _prepared(settings)
    runner = CliRunner()
    result = runner.invoke(cli, ["users", "password", "ide.oubli"],
                           input=f"{TEMPORARY}\n{TEMPORARY}\n", env=cli_env(settings))
    assert result.exit_code == 0, result.output
    assert "Temporary password set for ide.oubli" in result.output
    assert TEMPORARY not in result.output  # hidden input is not echoed
    db = open_record(settings)
    try:
        assert edge.verify_password(db, "ide.oubli", TEMPORARY) is not None
        assert password_change_required(db, user_id)
        entry = edge.list_audit(db, limit=1)[0]
        assert entry.actor_id == "admin-cli" and entry.object_id == user_id
        assert TEMPORARY not in json.dumps(entry.details)
    finally:
        db.close()


def test_two_different_entries_or_a_short_password_change_nothing(settings: Settings) -> None:
    user_id = _prepared(settings)
    runner = CliRunner()
    mismatch = runner.invoke(cli, ["users", "password", "ide.oubli"],
                             input=f"{TEMPORARY}\nautre chose tout a fait\n\n", env=cli_env(settings))
    assert mismatch.exit_code != 0
    short = runner.invoke(cli, ["users", "password", "ide.oubli", "--password-stdin"],
                          input="court\n", env=cli_env(settings))
    assert short.exit_code == 1 and "15" in short.output
    unknown = runner.invoke(cli, ["users", "password", "personne", "--password-stdin"],
                            input=f"{TEMPORARY}\n", env=cli_env(settings))
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output
    db = open_record(settings)
    try:
        assert not password_change_required(db, user_id)
    finally:
        db.close()
