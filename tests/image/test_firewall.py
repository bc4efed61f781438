"""The nftables ruleset: the shipped template and the ruleset relais-firewall renders from the
home's settings both pass `nft -c`; only 80/443 from the LAN and MLLP from the listed monitors
come in, and the output chain is closed by default."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from image_support import IMAGE, require, script_env

TEMPLATE = IMAGE / "nftables" / "relais.nft"


def nft_check(path: Path) -> subprocess.CompletedProcess[str]:
    nft = require("nft")
    done = subprocess.run([nft, "-c", "-f", str(path)], capture_output=True, text=True, check=False)
    if done.returncode != 0 and ("Operation not permitted" in done.stderr or "netlink" in done.stderr):
        pytest.skip(f"nft -c needs CAP_NET_ADMIN (a netlink socket) here: {done.stderr.strip()}")
    return done


def render(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [root / "usr/local/sbin/relais-firewall", "render", str(root / "rendered.nft")],
        env=script_env(root),
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_shipped_ruleset_parses() -> None:
    done = nft_check(TEMPLATE)
    assert done.returncode == 0, done.stderr


def test_nft_check_rejects_a_broken_ruleset(tmp_path: Path) -> None:
    broken = tmp_path / "broken.nft"
    broken.write_text(TEMPLATE.read_text().replace("policy drop;", "policy maybe;", 1))
    assert nft_check(broken).returncode != 0


def test_rendered_ruleset_with_monitors_and_endpoints_parses(image_root: Path) -> None:
    conf = image_root / "etc/relais/firewall.conf"
    text = conf.read_text()
    text = re.sub(r"^MONITORS=.*$", 'MONITORS="192.168.1.50 192.168.1.51 fd00::50"', text, flags=re.M)
    text = re.sub(r"^NATIONAL_HOSTS=.*$", 'NATIONAL_HOSTS="203.0.113.7 2001:db8::7"', text, flags=re.M)
    text = re.sub(r"^MLLP_PORT=.*$", 'MLLP_PORT="6661"', text, flags=re.M)
    conf.write_text(text)
    done = render(image_root)
    assert done.returncode == 0, done.stderr
    rendered = (image_root / "rendered.nft").read_text()
    assert "add element inet relais monitors4 { 192.168.1.50, 192.168.1.51 }" in rendered
    assert "add element inet relais monitors6 { fd00::50 }" in rendered
    assert "add element inet relais national6 { 2001:db8::7 }" in rendered
    assert "add element inet relais mllp_ports { 6661 }" in rendered
    checked = nft_check(image_root / "rendered.nft")
    assert checked.returncode == 0, checked.stderr


def test_settings_that_could_inject_rules_are_refused(image_root: Path) -> None:
    conf = image_root / "etc/relais/firewall.conf"
    conf.write_text(re.sub(r"^MONITORS=.*$", 'MONITORS="1.2.3.4 }; accept; {"', conf.read_text(), flags=re.M))
    done = render(image_root)
    assert done.returncode == 1
    assert "MONITORS" in done.stderr


def test_a_wrong_mllp_port_is_refused(image_root: Path) -> None:
    conf = image_root / "etc/relais/firewall.conf"
    conf.write_text(re.sub(r"^MLLP_PORT=.*$", 'MLLP_PORT="70000"', conf.read_text(), flags=re.M))
    assert render(image_root).returncode == 1


def chain(name: str) -> str:
    text = TEMPLATE.read_text()
    match = re.search(rf"chain {name} \{{(.*?)\n\t\}}", text, re.S)
    assert match is not None
    return match.group(1)


def test_every_chain_drops_by_default() -> None:
    for name in ("input", "forward", "output"):
        assert "policy drop;" in chain(name)


def test_inbound_tcp_is_only_80_443_from_the_lan_and_mllp_from_monitors() -> None:
    rules = [line.strip() for line in chain("input").splitlines() if "tcp dport" in line]
    assert rules == [
        "tcp dport { 80, 443 } ip saddr @lan4 accept",
        "tcp dport { 80, 443 } ip6 saddr @lan6 accept",
        "tcp dport @mllp_ports ip saddr @monitors4 accept",
        "tcp dport @mllp_ports ip6 saddr @monitors6 accept",
    ]
    assert "22" not in chain("input")


def test_outbound_tcp_goes_only_to_listed_sets_or_the_lan_resolver() -> None:
    for raw in chain("output").splitlines():
        rule = raw.strip()
        if rule.startswith("tcp dport"):
            assert re.search(r"daddr @(national|updates|lan|dns)[46] accept$", rule), rule
