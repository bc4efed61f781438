"""`python -m sync.sandbox [DIRECTORY]`: the local stand-in for the national services.

Starts, in one directory (argument, else ``RELAIS_SANDBOX_DIR``, else ``./relais-sandbox``): the
test PKI, the DMP endpoint, the MSSanté SMTP server, dovecot as the MSSanté IMAP server, and the
fault switch's control endpoint. With ``--cda-schema FILE`` (or ``RELAIS_SANDBOX_CDA_SCHEMA``)
the DMP validates each CDA document against that XSD. Prints one JSON line on stdout — the
endpoints and the ``RELAIS_*`` settings that point `python -m sync` at the sandbox — writes the
same to ``sandbox.json`` in the directory, and runs until SIGTERM or Ctrl-C. Faults change at run time
through the control endpoint (``PUT /fault``) or the ``faults.json`` file.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edge import configure_logging
from sync.sandbox.ca import Pki, ensure_pki
from sync.sandbox.cda_checks import load_cda_schema
from sync.sandbox.dmp import SandboxDmp
from sync.sandbox.faults import FaultSwitch, serve_control
from sync.sandbox.imap import (
    DovecotMissing,
    ImapConfig,
    SandboxImap,
    imap_directory,
    release_imap_directory,
)
from sync.sandbox.smtp import SandboxSmtp, SmtpConfig

_LOGGER = logging.getLogger(__name__)

DEFAULT_DIRECTORY = Path("relais-sandbox")
DEFAULT_MAILBOX = "relais@ehpad-tilleuls.sandbox.mssante.fr"
DEFAULT_FINESS = "750000001"
DEFAULT_HOME_NAME = "EHPAD Les Tilleuls"
# Not a number the DMP ever issued: it only lets the sandbox's VIHF carry the mandatory attribute.
SANDBOX_HOMOLOGATION_ID = "TEST-BAC-A-SABLE-NON-HOMOLOGUE"
STATE_FILE = "sandbox.json"
PASSWORD_FILE = "mailbox-password"  # noqa: S105 - a file name, not a password


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sync.sandbox", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", nargs="?", type=Path, default=None,
                        help="sandbox directory (default: RELAIS_SANDBOX_DIR or ./relais-sandbox)")
    parser.add_argument("--mailbox", default=DEFAULT_MAILBOX, help="the home's BAL address")
    parser.add_argument("--finess", default=DEFAULT_FINESS, help="FINESS in the certificates")
    parser.add_argument("--home-name", default=DEFAULT_HOME_NAME, help="home name (certificates)")
    for name in ("dmp", "smtp", "imap", "control"):
        parser.add_argument(f"--{name}-port", type=int, default=0,
                            help=f"TCP port of the {name} server (default: a free one)")
    parser.add_argument("--no-imap", action="store_true",
                        help="do not start dovecot (receipts still land in the maildir)")
    parser.add_argument("--cda-schema", type=Path,
                        default=os.environ.get("RELAIS_SANDBOX_CDA_SCHEMA") or None,
                        help="CDA schema (e.g. CDA_extended.xsd) the DMP validates each document "
                             "against (default: RELAIS_SANDBOX_CDA_SCHEMA; none: check off)")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def _password(directory: Path) -> Path:
    path = directory / PASSWORD_FILE
    if not path.exists():
        path.write_text(secrets.token_urlsafe(18) + "\n", encoding="utf-8")
        path.chmod(0o600)
    return path


def describe(pki: Pki, *, dmp_url: str, smtp_port: int, imap_port: int | None,
             control_port: int, mailbox: str, password_file: Path, finess: str,
             home_name: str, directory: Path) -> dict[str, Any]:
    """The endpoints and the settings that point sync at this sandbox."""
    settings = {
        "RELAIS_FINESS": finess, "RELAIS_HOME_NAME": home_name,
        "RELAIS_DMP_URL": dmp_url, "RELAIS_DMP_CLIENT_CERT": str(pki.client_cert),
        "RELAIS_DMP_CLIENT_KEY": str(pki.client_key), "RELAIS_DMP_CA_BUNDLE": str(pki.ca_cert),
        "RELAIS_DMP_HOMOLOGATION_ID": SANDBOX_HOMOLOGATION_ID,
        "RELAIS_MSSANTE_MAILBOX": mailbox, "RELAIS_MSSANTE_PASSWORD_FILE": str(password_file),
        "RELAIS_MSSANTE_SMTP_HOST": "127.0.0.1", "RELAIS_MSSANTE_SMTP_PORT": str(smtp_port),
        "RELAIS_MSSANTE_CLIENT_CERT": str(pki.client_cert),
        "RELAIS_MSSANTE_CLIENT_KEY": str(pki.client_key),
        "RELAIS_MSSANTE_CA_BUNDLE": str(pki.ca_cert),
    }
    if imap_port:  # without IMAP (--no-imap) the receipts stay in the maildir, unread
        settings.update({"RELAIS_MSSANTE_IMAP_HOST": "127.0.0.1",
                         "RELAIS_MSSANTE_IMAP_PORT": str(imap_port)})
    return {
        "directory": str(directory),
        "endpoints": {"dmp": dmp_url, "smtp": f"127.0.0.1:{smtp_port}",
                      "imap": f"127.0.0.1:{imap_port}" if imap_port else None,
                      "fault_control": f"http://127.0.0.1:{control_port}/fault"},
        "settings": settings,
    }


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    configure_logging(args.log_level)
    directory = (args.directory or Path(os.environ.get("RELAIS_SANDBOX_DIR", "")
                                         or DEFAULT_DIRECTORY)).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    pki = ensure_pki(directory / "pki", finess=args.finess, home_name=args.home_name,
                     now=datetime.now(UTC))
    password_file = _password(directory)
    imap_home = imap_directory(directory)
    maildir = imap_home / "mail"
    switch = FaultSwitch(directory)
    control = serve_control(switch, port=args.control_port)
    try:
        cda_schema = load_cda_schema(str(args.cda_schema)) if args.cda_schema else None
    except ValueError as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        control.shutdown()
        return 1
    dmp = SandboxDmp(directory, pki, switch=switch, port=args.dmp_port,
                     cda_schema=cda_schema).start()
    smtp = SandboxSmtp(SmtpConfig(directory, pki, args.mailbox, maildir, port=args.smtp_port))
    smtp.start()
    imap: SandboxImap | None = None
    try:
        if not args.no_imap:
            imap = SandboxImap(ImapConfig(imap_home, pki, args.mailbox,
                                          password_file.read_text(encoding="utf-8").strip(),
                                          maildir, port=args.imap_port))
            imap.start()
    except (DovecotMissing, RuntimeError) as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        smtp.stop()
        dmp.stop()
        control.shutdown()
        release_imap_directory(directory)
        return 1
    state = describe(pki, dmp_url=dmp.url, smtp_port=smtp.port,
                     imap_port=imap.port if imap else None, control_port=control.server_port,
                     mailbox=args.mailbox, password_file=password_file, finess=args.finess,
                     home_name=args.home_name, directory=directory)
    (directory / STATE_FILE).write_text(json.dumps(state, indent=2), encoding="utf-8")
    print(json.dumps(state), flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    _LOGGER.info("sandbox stopping")
    if imap is not None:
        imap.stop()
    smtp.stop()
    dmp.stop()
    control.shutdown()
    release_imap_directory(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
