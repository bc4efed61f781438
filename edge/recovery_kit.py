"""The printable recovery kit: a recovery code that unwraps the data keys when the key file is lost.

Making a kit draws a new random recovery key, wraps every live key under it (replacing any earlier
kit, whose code stops working), and renders a self-contained HTML page to print and keep in the
home's safe. The code is shown only on that page; the appliance keeps only what it wraps.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from edge import keyring_store
from edge.audit import AuditAction, append_audit
from edge.keys import format_recovery_code, key_fingerprint, new_key
from edge.storage import Database


@dataclass(frozen=True, slots=True)
class RecoveryKit:
    code: str
    fingerprint: str
    html: str


def make_recovery_kit(db: Database, kek: bytes, actor_id: str | None, *, home_name: str,
                      finess: str, insecure_key_file: bool) -> RecoveryKit:
    """Create a new recovery code, wrap the live keys under it and render the kit page."""
    recovery_key = new_key()
    with db.write() as conn:
        keys = keyring_store.unwrap_all(conn, kek=kek)
        keyring_store.rewrap(conn, keys, recovery_key=recovery_key)
        append_audit(db, actor_id, AuditAction.RECOVERY_KIT, "keyring", None, conn=conn)
    code = format_recovery_code(recovery_key)
    fingerprint = key_fingerprint(recovery_key)
    page = render_kit(code, fingerprint, home_name=home_name, finess=finess,
                      created_at=db.now()[:16].replace("T", " "),
                      insecure_key_file=insecure_key_file)
    return RecoveryKit(code, fingerprint, page)


def render_kit(code: str, fingerprint: str, *, home_name: str, finess: str, created_at: str,
               insecure_key_file: bool) -> str:
    warning = (
        '<p class="warning">ATTENTION : cet appareil utilise un fichier de clé de démonstration '
        "rangé avec les données (non sécurisé). Ne l'utilisez pas pour de vraies données.</p>"
        if insecure_key_file else "")
    esc = html.escape
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<title>Kit de récupération Relais</title>
<style>
body {{ font-family: sans-serif; max-width: 42rem; margin: 2rem auto; color: #111; }}
h1 {{ font-size: 1.6rem; }}
.code {{ font-family: monospace; font-size: 1.5rem; letter-spacing: .08em; border: 2px solid #111;
        padding: 1rem; word-spacing: .4em; line-height: 2; }}
.warning {{ border: 3px solid #a00; color: #a00; padding: .8rem; font-weight: bold; }}
dt {{ font-weight: bold; }}
</style></head><body>
<h1>Kit de récupération Relais</h1>
{warning}
<dl>
<dt>Établissement</dt><dd>{esc(home_name) or "(nom non renseigné)"}</dd>
<dt>FINESS</dt><dd>{esc(finess) or "(non renseigné)"}</dd>
<dt>Créé le (UTC)</dt><dd>{esc(created_at)}</dd>
<dt>Empreinte du kit</dt><dd>{esc(fingerprint)}</dd>
</dl>
<h2>Code de récupération</h2>
<p class="code">{esc(code)}</p>
<h2>À quoi sert ce code</h2>
<p>Il ouvre les clés qui chiffrent le dossier de soins si le fichier de clé (clé USB) ou la phrase
de passe est perdu. Avec lui, un administrateur lance&nbsp;:
<code>relais keys rewrap --recovery-code-stdin --new-key-file CHEMIN</code>, puis saisit le code.</p>
<ul>
<li>Imprimez cette page, rangez-la dans le coffre de l'établissement, puis supprimez le fichier.</li>
<li>Ne la conservez jamais avec l'appareil ni avec la clé USB.</li>
<li>Un nouveau kit remplace celui-ci&nbsp;: l'ancien code cesse alors de fonctionner.</li>
</ul>
</body></html>
"""
