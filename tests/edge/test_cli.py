"""The `relais` command end to end, as an administrator runs it (real processes, real files)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import cli_env, relais_command

pytestmark = pytest.mark.integration


def run(settings, *args: str, stdin: str = ""):  # type: ignore[no-untyped-def]
    return subprocess.run([*relais_command(), *args], env=cli_env(settings), input=stdin,
                          capture_output=True, text=True, check=False, timeout=120)


def test_init_creates_the_key_file_and_refuses_a_second_init(settings) -> None:  # type: ignore[no-untyped-def]
    first = run(settings, "init", "--home-name", "Les Tilleuls", "--finess", "750000001")
    assert first.returncode == 0, first.stderr
    assert settings.key_file.exists()
    assert oct(settings.key_file.stat().st_mode & 0o777) == "0o600"
    again = run(settings, "init")
    assert again.returncode == 1
    assert "already holds" in again.stderr
    assert "Traceback" not in again.stderr
    status = json.loads(run(settings, "status", "--json").stdout)
    assert status["initialised"] and status["unlocked"]
    assert status["keys"][0]["version"] == 1


def test_status_of_a_missing_directory_says_not_initialised(settings) -> None:  # type: ignore[no-untyped-def]
    status = json.loads(run(settings, "status", "--json").stdout)
    assert status["initialised"] is False


def test_a_missing_or_wrong_key_file_is_named(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run(settings, "init").returncode == 0
    from edge.keys import create_key_file

    other = tmp_path / "other.key"
    create_key_file(other)
    for key_file, words in ((tmp_path / "absent.key", "missing"), (other, "wrong key file")):
        result = run(settings.replace(key_file=key_file), "users", "list")
        assert result.returncode == 1
        assert words in result.stderr


def test_users_are_added_listed_and_disabled(settings) -> None:  # type: ignore[no-untyped-def]
    run(settings, "init")
    short = run(settings, "users", "add", "ide1", "--role", "infirmier", "--display-name", "A B",
                "--password-stdin", stdin="court\n")
    assert short.returncode == 1 and "15" in short.stderr
    ok = run(settings, "users", "add", "ide1", "--role", "infirmier", "--display-name",
             "Anne Béranger", "--password-stdin", stdin="une phrase assez longue\n")
    assert ok.returncode == 0, ok.stderr
    assert run(settings, "users", "disable", "ide1").returncode == 0
    listed = json.loads(run(settings, "users", "list", "--json").stdout)
    assert listed == [{"login": "ide1", "display_name": "Anne Béranger", "role": "infirmier",
                       "active": False}]


GOOD_CSV = (
    "nom_naissance;prenoms_naissance;date_naissance;sexe;lieu_naissance;matricule;oid;chambre\n"
    "Dupont;Marie Louise;1935-03-02;F;51215;;;12\n"
    "Santoni;Jean;1940-05-06;M;2A004;140052A004123{key};1.2.250.1.213.1.4.10;14\n"
)


def _good_csv() -> str:
    from edge.ins import matricule_key

    return GOOD_CSV.replace("{key}", matricule_key("140052A004123"))


def test_residents_import_admits_every_row(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run(settings, "init")
    csv_file = tmp_path / "residents.csv"
    csv_file.write_text(_good_csv(), encoding="utf-8")
    result = run(settings, "residents", "import", str(csv_file))
    assert result.returncode == 0, result.stderr
    assert json.loads(run(settings, "status", "--json").stdout)["residents"] == 2


def test_a_csv_with_bad_rows_imports_nothing_and_names_each_line(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run(settings, "init")
    bad = _good_csv() + (
        "Martin;Paul;1950-13-01;M;75056;;;3\n"
        "Durand;Luc;1950-01-01;X;75056;;;4\n"
        "Petit;Anne;1950-01-01;F;75056;150017505612399;1.2.250.1.213.1.4.10;5\n")
    csv_file = tmp_path / "residents.csv"
    csv_file.write_text(bad, encoding="utf-8")
    result = run(settings, "residents", "import", str(csv_file))
    assert result.returncode == 1
    for line in ("ligne 4", "ligne 5", "ligne 6"):
        assert line in result.stderr
    assert "ligne 2" not in result.stderr
    assert json.loads(run(settings, "status", "--json").stdout)["residents"] == 0


def test_backup_restores_and_refuses_a_tampered_copy(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run(settings, "init")
    csv_file = tmp_path / "residents.csv"
    csv_file.write_text(_good_csv(), encoding="utf-8")
    run(settings, "residents", "import", str(csv_file))
    backup = tmp_path / "b.relais"
    made = run(settings, "backup", "--to", str(backup))
    assert made.returncode == 0, made.stderr
    assert b"SANTONI" not in backup.read_bytes()
    tampered = tmp_path / "t.relais"
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0x40
    tampered.write_bytes(bytes(data))
    truncated = tmp_path / "cut.relais"
    truncated.write_bytes(backup.read_bytes()[:-100])
    fresh = settings.replace(data_dir=tmp_path / "elsewhere")
    for broken in (tampered, truncated):
        refused = run(fresh, "restore", "--from", str(broken))
        assert refused.returncode == 1
        assert "altered" in refused.stderr or "truncated" in refused.stderr
    restored = run(fresh, "restore", "--from", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert json.loads(run(fresh, "status", "--json").stdout)["residents"] == 2
    assert run(fresh, "audit", "verify").returncode == 0


def test_a_lost_key_file_is_replaced_with_the_recovery_kit(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run(settings, "init")
    kit = tmp_path / "kit.html"
    made = run(settings, "keys", "recovery-kit", "--out", str(kit))
    assert made.returncode == 0, made.stderr
    page = kit.read_text(encoding="utf-8")
    code = page.split('<p class="code">')[1].split("</p>")[0]
    settings.key_file.unlink()
    new_key = tmp_path / "new.key"
    wrong = run(settings, "keys", "rewrap", "--recovery-code-stdin", "--new-key-file",
                str(new_key), stdin="AAAA-" + code[5:] + "\n")
    assert wrong.returncode == 1
    rewrapped = run(settings, "keys", "rewrap", "--recovery-code-stdin", "--new-key-file",
                    str(new_key), stdin=code + "\n")
    assert rewrapped.returncode == 0, rewrapped.stderr
    status = json.loads(run(settings.replace(key_file=new_key), "status", "--json").stdout)
    assert status["unlocked"]


def test_the_passphrase_provider_unlocks_into_the_runtime_directory(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env_settings = settings.replace(key_file=None)
    env = cli_env(env_settings)
    env.pop("RELAIS_KEY_FILE", None)
    env["RELAIS_RUNTIME_DIR"] = str(tmp_path / "run")

    def run_env(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([*relais_command(), *args], env=env, input=stdin,
                              capture_output=True, text=True, check=False, timeout=120)

    phrase = "le chat dort sur le radiateur\n"
    assert run_env("init", "--key-provider", "passphrase", "--passphrase-stdin",
                   stdin=phrase).returncode == 0
    locked = json.loads(run_env("status", "--json").stdout)
    assert locked["unlocked"] is False and "relais keys unlock" in locked["problem"]
    assert run_env("keys", "unlock", "--passphrase-stdin", stdin="wrong phrase entirely\n"
                   ).returncode == 1
    assert run_env("keys", "unlock", "--passphrase-stdin", stdin=phrase).returncode == 0
    assert json.loads(run_env("status", "--json").stdout)["unlocked"] is True


def test_keys_rotate_reencrypts_and_retires_the_old_key(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run(settings, "init")
    csv_file = tmp_path / "residents.csv"
    csv_file.write_text(_good_csv(), encoding="utf-8")
    run(settings, "residents", "import", str(csv_file))
    rotated = run(settings, "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    keys = json.loads(run(settings, "status", "--json").stdout)["keys"]
    assert [(key["version"], key["state"]) for key in keys] == [(1, "retired"), (2, "active")]
    assert run(settings, "audit", "verify").returncode == 0
