"""The sandbox's fault switch: set by file or over HTTP, one fault or a seeded mix."""

from __future__ import annotations

import json
import urllib.request
from collections import Counter

import pytest

from sync.sandbox.faults import (
    Fault,
    FaultKind,
    FaultSetting,
    FaultSwitch,
    parse_setting,
    serve_control,
)

MIX = {FaultKind.NONE: 0.5, FaultKind.OFFLINE: 0.25, FaultKind.HTTP_5XX: 0.25}


def test_without_a_switch_file_nothing_is_injected(tmp_path) -> None:
    assert FaultSwitch(tmp_path).draw().kind is FaultKind.NONE


def test_a_fault_set_by_one_process_is_seen_by_another_reading_the_same_directory(tmp_path
                                                                                  ) -> None:
    FaultSwitch(tmp_path).set(FaultKind.ERROR_MDN, code="902")
    fault = FaultSwitch(tmp_path).draw()
    assert (fault.kind, fault.code) == (FaultKind.ERROR_MDN, "902")


def test_a_service_ignores_the_faults_it_cannot_apply(tmp_path) -> None:
    switch = FaultSwitch(tmp_path)
    switch.set(FaultKind.ERROR_MDN, code="902")
    assert switch.draw(frozenset({FaultKind.OFFLINE})).kind is FaultKind.NONE


def test_a_seeded_mix_draws_the_same_sequence_and_roughly_its_weights(tmp_path) -> None:
    first, second = FaultSwitch(tmp_path / "a"), FaultSwitch(tmp_path / "b")
    for switch in (first, second):
        switch.set(FaultSetting(mix=MIX, seed=7))
    draws = [first.draw().kind for _ in range(400)]
    assert draws == [second.draw().kind for _ in range(400)]
    counts = Counter(draws)
    assert 150 < counts[FaultKind.NONE] < 250 and counts[FaultKind.OFFLINE] > 50


def test_an_unknown_fault_kind_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="meteor"):
        parse_setting({"kind": "meteor"})


@pytest.mark.integration
def test_the_control_endpoint_shows_and_replaces_the_switch(tmp_path) -> None:
    switch = FaultSwitch(tmp_path)
    server = serve_control(switch)
    url = f"http://127.0.0.1:{server.server_port}/fault"
    try:
        body = json.dumps(FaultSetting(Fault(FaultKind.SLOW, delay_seconds=1.5)).to_json())
        request = urllib.request.Request(url, data=body.encode(), method="PUT")
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 (loopback)
            assert json.load(answer)["kind"] == "slow"
        assert switch.draw() == Fault(FaultKind.SLOW, delay_seconds=1.5)
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310
            assert json.load(answer)["delay_seconds"] == 1.5
    finally:
        server.shutdown()
        server.server_close()
