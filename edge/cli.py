"""The `relais` administration command: prepare, inspect, secure and back up a data directory.

Thin by design: each command parses its options, calls the edge API and formats the result.
Errors become a one-line message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from edge.audit import verify_audit
from edge.backup import make_backup, restore_backup
from edge.config import SETTINGS_BY_NAME, Settings, load_settings
from edge.datadir import change_kek, get_meta, initialise, obtain_kek, open_record
from edge.demo_data import demo_totp_code
from edge.demo_runner import prepare_demo, run_demo
from edge.errors import EdgeError
from edge.keys import parse_recovery_code, read_key_file, write_runtime_kek
from edge.logs import configure_logging
from edge.password_change import set_temporary_password
from edge.record import Role
from edge.recovery_kit import make_recovery_kit
from edge.residents_import import import_residents
from edge.rotation import rotate_keys
from edge.status import read_status
from edge.storage import Database
from edge.users import add_user, disable_user, find_user, list_users

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
CLI_ACTOR = "admin-cli"
INSECURE_BANNER = "INSECURE: demo key file stored inside the data directory — never use it for real data."
F = TypeVar("F", bound=Callable[..., Any])


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.find_root().obj["settings"]
    return settings


def friendly_errors(func: F) -> F:
    """Turn edge errors into `click.ClickException` (message, exit 1, no traceback)."""
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except EdgeError as exc:
            raise click.ClickException(str(exc)) from exc
    return wrapper  # type: ignore[return-value]


def _read_secret_line(prompt: str, from_stdin: bool, confirm: bool = False) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise click.ClickException(f"expected {prompt.lower()} on standard input")
        return line.rstrip("\r\n")
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


@contextmanager
def _record(ctx: click.Context, passphrase: str | None = None) -> Iterator[Database]:
    db = open_record(_settings(ctx), passphrase=passphrase)
    try:
        yield db
    finally:
        db.close()


def _warn_if_insecure(settings: Settings) -> None:
    if settings.key_file_is_insecure:
        click.secho(INSECURE_BANNER, fg="red", err=True)


@click.group(context_settings=CONTEXT_SETTINGS)
@click.option("--config", "config_file", type=click.Path(path_type=Path), envvar="RELAIS_CONFIG",
              help="TOML settings file (default: /etc/relais/relais.toml when it exists).")
@click.option("--data-dir", type=click.Path(path_type=Path), help=SETTINGS_BY_NAME["data_dir"].help)
@click.option("--key-file", type=click.Path(path_type=Path), help=SETTINGS_BY_NAME["key_file"].help)
@click.pass_context
def cli(ctx: click.Context, config_file: Path | None, data_dir: Path | None,
        key_file: Path | None) -> None:
    """Relais: the care record appliance of a care home (EHPAD). Administration command."""
    try:
        settings = load_settings(os.environ, {"data_dir": data_dir, "key_file": key_file},
                                 config_file)
    except EdgeError as exc:
        raise click.ClickException(str(exc)) from exc
    configure_logging(settings.log_level, timestamps=False)
    ctx.obj = {"settings": settings}


@cli.command()
@click.option("--key-provider", type=click.Choice(["file", "passphrase"]),
              help="Where the key-encryption key comes from (default: the key_provider setting).")
@click.option("--home-name", help="Name of the care home.")
@click.option("--finess", help="FINESS number of the care home (9 characters).")
@click.option("--passphrase-stdin", is_flag=True,
              help="Read the passphrase from standard input instead of prompting.")
@click.pass_context
@friendly_errors
def init(ctx: click.Context, key_provider: str | None, home_name: str | None,
         finess: str | None, passphrase_stdin: bool) -> None:
    """Prepare a new data directory (creating the key file if it does not exist)."""
    flags = {"key_provider": key_provider, "home_name": home_name, "finess": finess}
    settings = load_settings(os.environ, {**{"data_dir": _settings(ctx).data_dir,
                                             "key_file": _settings(ctx).key_file}, **flags},
                             ctx.find_root().params.get("config_file"))
    passphrase = None
    if settings.key_provider == "passphrase":
        passphrase = _read_secret_line("Passphrase", passphrase_stdin, confirm=True)
    result = initialise(settings, passphrase=passphrase)
    click.echo(f"Initialised {settings.data_dir} (database {result.database}).")
    if result.key_file_created:
        click.echo(f"Created the key file {result.key_file}: keep it on removable media, and make "
                   "a recovery kit with `relais keys recovery-kit`.")
    _warn_if_insecure(settings)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show whether the record is ready and unlocked, its keys, queues and warnings."""
    report = read_status(_settings(ctx))
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    click.echo(f"Data directory: {report.data_dir}")
    if not report.initialised or not report.unlocked:
        click.echo(f"State: {'locked or unreadable' if report.initialised else 'not initialised'}"
                   f" — {report.problem}")
        return
    click.echo(f"Key provider: {report.key_provider}; data key version "
               f"{report.keys[-1]['version'] if report.keys else '?'}")
    click.echo(f"Residents: {report.residents}  Staff accounts: {report.users}  "
               f"Observations: {report.observations}  Audit entries: {report.audit_entries}")
    click.echo(f"Database size: {report.database_bytes / 1_048_576:.1f} MiB")
    for destination, counts in sorted(report.outbox.items()):
        click.echo(f"Outbox {destination}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for name, certificate in sorted(report.certificates.items()):
        click.echo(f"Certificate {name}: {certificate['state']}"
                   + (f" (until {certificate['not_after']})" if certificate["not_after"] else ""))
    for warning in report.warnings:
        click.secho(f"Warning: {warning}", fg="red" if "INSECURE" in warning else "yellow")


@cli.group()
def users() -> None:
    """Staff accounts: add, disable, list, give a temporary password."""


@users.command("add")
@click.argument("login")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True,
              help="The person's role.")
@click.option("--display-name", required=True, help="Name shown in the application.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
@friendly_errors
def users_add(ctx: click.Context, login: str, role: str, display_name: str,
              password_stdin: bool) -> None:
    """Create a staff account (password of 15 characters or more)."""
    password = _read_secret_line("Password", password_stdin, confirm=True)
    with _record(ctx) as db:
        add_user(db, CLI_ACTOR, login, display_name, Role(role), password)
    click.echo(f"Account {login} created ({role}).")


@users.command("disable")
@click.argument("login")
@click.pass_context
@friendly_errors
def users_disable(ctx: click.Context, login: str) -> None:
    """Disable a staff account; its sessions end at once."""
    with _record(ctx) as db:
        disable_user(db, CLI_ACTOR, login)
    click.echo(f"Account {login} disabled.")


@users.command("password")
@click.argument("login")
@click.option("--password-stdin", is_flag=True, help="Read the temporary password from standard input.")
@click.pass_context
@friendly_errors
def users_password(ctx: click.Context, login: str, password_stdin: bool) -> None:
    """Give an account a temporary password (typed twice, hidden): its sessions end, a sign-in
    lock lifts, and the person must choose their own password at the next sign-in."""
    password = _read_secret_line("Temporary password", password_stdin, confirm=True)
    with _record(ctx) as db:
        user = find_user(db, login)
        ended = set_temporary_password(db, CLI_ACTOR, user.id, password)
    click.echo(f"Temporary password set for {user.login}; {ended} session(s) ended. "
               "Hand it over in person: a new password is asked at the next sign-in.")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.pass_context
@friendly_errors
def users_list(ctx: click.Context, as_json: bool) -> None:
    """List staff accounts with their role and state."""
    with _record(ctx) as db:
        accounts = list_users(db)
    if as_json:
        click.echo(json.dumps([{"login": u.login, "display_name": u.display_name,
                                "role": u.role.value, "active": u.active} for u in accounts],
                              ensure_ascii=False, indent=2))
        return
    for user in accounts:
        state = "active" if user.active else "disabled"
        click.echo(f"{user.login:<24} {user.role.value:<16} {state:<9} {user.display_name}")


@cli.group()
def residents() -> None:
    """Residents: import a home's existing residents."""


@residents.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
@friendly_errors
def residents_import(ctx: click.Context, csv_file: Path) -> None:
    """Admit residents from a CSV file (all rows or none; bad rows are listed by line)."""
    with _record(ctx) as db:
        ids = import_residents(db, CLI_ACTOR, csv_file.read_bytes(), date.today())
    click.echo(f"{len(ids)} residents imported.")


@cli.group()
def keys() -> None:
    """Keys: rotate the data key, make a recovery kit, unlock, change the key-encryption key."""


def _kek(ctx: click.Context, db: Database) -> bytes:
    return obtain_kek(_settings(ctx), db)


@keys.command("rotate")
@click.option("--batch", default=500, show_default=True, help="Rows re-encrypted per transaction.")
@click.pass_context
@friendly_errors
def keys_rotate(ctx: click.Context, batch: int) -> None:
    """Start (or resume) a data-key rotation and re-encrypt every stored value online."""
    with _record(ctx) as db:
        report = rotate_keys(db, _kek(ctx, db), CLI_ACTOR, batch=batch)
    click.echo(f"Data key version {report.version}{' (resumed)' if report.resumed else ''}: "
               f"{report.values_resealed} values re-encrypted; retired versions: "
               f"{', '.join(map(str, report.retired_versions)) or 'none'}.")


@keys.command("recovery-kit")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="HTML file to write (print it, then delete it).")
@click.pass_context
@friendly_errors
def keys_recovery_kit(ctx: click.Context, out: Path) -> None:
    """Make a printable recovery kit (replaces any earlier kit)."""
    settings = _settings(ctx)
    with _record(ctx) as db:
        kit = make_recovery_kit(db, _kek(ctx, db), CLI_ACTOR,
                                home_name=settings.home_name or get_meta(db, "home_name"),
                                finess=settings.finess or get_meta(db, "finess"),
                                insecure_key_file=settings.key_file_is_insecure)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(kit.html)
    click.echo(f"Recovery kit written to {out} (fingerprint {kit.fingerprint}). Print it, store it "
               "in the home's safe, then delete the file.")


@keys.command("unlock")
@click.option("--passphrase-stdin", is_flag=True, help="Read the passphrase from standard input.")
@click.pass_context
@friendly_errors
def keys_unlock(ctx: click.Context, passphrase_stdin: bool) -> None:
    """Unlock a passphrase-protected appliance after boot (the key stays in RAM only)."""
    settings = _settings(ctx)
    passphrase = _read_secret_line("Passphrase", passphrase_stdin)
    with _record(ctx, passphrase=passphrase) as db:
        kek = obtain_kek(settings, db, passphrase)
    path = write_runtime_kek(settings.runtime_dir, kek)
    click.echo(f"Unlocked: the key is in {path} until the next reboot.")


@keys.command("rewrap")
@click.option("--new-key-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Protect the keys with this key file from now on (created if missing).")
@click.option("--new-passphrase-stdin", is_flag=True,
              help="Protect the keys with a new passphrase read from standard input.")
@click.option("--recovery-code-stdin", is_flag=True,
              help="Open the keys with the recovery kit's code (read first from standard input) "
                   "instead of the current key file or passphrase.")
@click.pass_context
@friendly_errors
def keys_rewrap(ctx: click.Context, new_key_file: Path | None, new_passphrase_stdin: bool,
                recovery_code_stdin: bool) -> None:
    """Change the key-encryption key (new key file or passphrase), e.g. after losing the USB key."""
    if (new_key_file is None) == (not new_passphrase_stdin):
        raise click.UsageError("give exactly one of --new-key-file or --new-passphrase-stdin")
    recovery = (parse_recovery_code(_read_secret_line("Recovery code", True))
                if recovery_code_stdin else None)
    passphrase = _read_secret_line("New passphrase", True) if new_passphrase_stdin else None
    change_kek(_settings(ctx), recovery_key=recovery, new_key_file=new_key_file,
               new_passphrase=passphrase)
    click.echo("The keys are now protected by the new "
               f"{'key file' if new_key_file else 'passphrase'}.")


@cli.command()
@click.option("--to", "destination", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="Backup file to write.")
@click.pass_context
@friendly_errors
def backup(ctx: click.Context, destination: Path) -> None:
    """Write an encrypted backup and verify it by a test restore."""
    with _record(ctx) as db:
        report = make_backup(db, _kek(ctx, db), destination, CLI_ACTOR)
    click.echo(f"Backup written to {report.path} ({report.size} bytes) and verified by a test "
               f"restore: {report.tables.get('residents', 0)} residents, "
               f"{report.audit_entries} audit entries.")


@cli.command()
@click.option("--from", "source", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True, help="Backup file to restore.")
@click.option("--recovery-code-stdin", is_flag=True,
              help="Open the backup with the recovery kit's code read from standard input.")
@click.pass_context
@friendly_errors
def restore(ctx: click.Context, source: Path, recovery_code_stdin: bool) -> None:
    """Restore a backup into the data directory (stop the services first)."""
    settings = _settings(ctx)
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if recovery_code_stdin:
        report, previous = restore_backup(
            source, settings.database_path,
            recovery_key=parse_recovery_code(_read_secret_line("Recovery code", True)))
    else:
        if settings.key_file is None:
            raise click.ClickException("give --key-file (or use --recovery-code-stdin)")
        report, previous = restore_backup(source, settings.database_path,
                                          kek=read_key_file(settings.key_file))
    click.echo(f"Restored {report.tables.get('residents', 0)} residents from {source}.")
    if previous is not None:
        click.echo(f"The previous database was kept as {previous}.")


@cli.group()
def audit() -> None:
    """Audit log: verify the chain."""


@audit.command("verify")
@click.pass_context
@friendly_errors
def audit_verify(ctx: click.Context) -> None:
    """Check every audit entry; report the first edited, deleted or reordered one."""
    with _record(ctx) as db:
        result = verify_audit(db)
    if not result.intact:
        raise click.ClickException(
            f"audit log broken at entry {result.first_broken_seq}: {result.reason} "
            f"({result.checked} entries verified before it)")
    click.echo(f"Audit log intact: {result.checked} entries verified.")


@cli.command()
@click.option("--reset", is_flag=True, help="Delete an existing demo data directory first.")
@click.option("--no-start", is_flag=True, help="Prepare the data only; start no process.")
@click.option("--residents", "resident_count", default=30, show_default=True,
              help="Number of fictional residents.")
@click.option("--seed", default=2026, show_default=True, help="Seed of the fictional data.")
@click.option("--code", "show_code", is_flag=True,
              help="Print the demo accounts' current second-factor (TOTP) code and exit.")
@click.pass_context
@friendly_errors
def demo(ctx: click.Context, reset: bool, no_start: bool, resident_count: int, seed: int,
         show_code: bool) -> None:
    """Create a demo home with fictional residents and start the appliance's processes."""
    if show_code:
        click.echo(demo_totp_code(datetime.now(UTC)))
        return
    settings = prepare_demo(_settings(ctx), reset=reset, residents=resident_count,
                            rng=random.Random(seed), echo=click.echo)
    click.secho(INSECURE_BANNER, fg="red")
    if not no_start:
        sys.exit(run_demo(settings, echo=click.echo))


def main() -> None:
    cli(prog_name="relais")
