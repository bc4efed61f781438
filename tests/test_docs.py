"""The README documents every setting and every command, and every command has help text."""

from __future__ import annotations

import click
import pytest

from edge.cli import cli
from edge.config import SETTINGS
from tests.conftest import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix}{name}"
        found.append((path, command))
        if isinstance(command, click.Group):
            found += _commands(command, path + " ")
    return found


COMMANDS = _commands(cli)


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda setting: setting.name)
def test_every_setting_is_documented_with_its_environment_variable(setting) -> None:  # type: ignore[no-untyped-def]
    assert f"`{setting.name}`" in README
    assert f"`{setting.env_var}`" in README


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[path for path, _ in COMMANDS])
def test_every_command_has_help_and_is_in_the_readme(path: str, command: click.Command) -> None:
    assert (command.help or "").strip(), f"relais {path} has no help text"
    if not isinstance(command, click.Group):
        assert f"relais {path}" in README, f"relais {path} is not documented in README.md"


def test_the_readme_starts_with_the_demo_and_test_commands() -> None:
    first_blocks = README.split("```sh")[1:3]
    assert "relais demo" in first_blocks[0]
    assert "./tests/run.sh" in first_blocks[1]
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "./tests/run.sh" in ci
