"""Tests of edge.ins_status: RNIV statuses, evidence, every transition, the sharing gate."""

from __future__ import annotations

from itertools import chain, combinations

import pytest

from edge.ins import IdentityRejected, InsOid
from edge.ins_status import (
    DoubtRaised,
    IdDocumentCheck,
    IdDocumentType,
    IdentityAttribute,
    IdentityStatus,
    InsiResult,
    InsiReturnCode,
    TransitionRefused,
    check_attributes,
    matricule_withheld_reason,
    may_transmit_matricule,
    next_status,
)

PROV, RECUP, VALI, QUAL = (
    IdentityStatus.PROV,
    IdentityStatus.RECUP,
    IdentityStatus.VALI,
    IdentityStatus.QUAL,
)
DOUT, FICT, HOMD, HOMA = (
    IdentityAttribute.DOUBTFUL,
    IdentityAttribute.FICTITIOUS,
    IdentityAttribute.HOMONYM_DETECTED,
    IdentityAttribute.HOMONYM_CONFIRMED,
)
INSI_OK = InsiResult(
    InsiReturnCode.FOUND, matricule="279035121518989", oid=InsOid.TEST.value, traits_match=True
)
PASSPORT = IdDocumentCheck(IdDocumentType.PASSPORT)
DOUBT = DoubtRaised("Traits différents sur la carte Vitale")

# The model of NATIONAL.md §1.4, written out independently of the module: which criteria each
# status meets, and which attributes each status may carry.
MEETS = {PROV: set(), RECUP: {"insi"}, VALI: {"document"}, QUAL: {"insi", "document"}}
MAY_CARRY = {
    PROV: {DOUT, FICT, HOMD, HOMA},
    RECUP: {DOUT, HOMD, HOMA},
    VALI: {HOMD, HOMA},
    QUAL: {HOMD, HOMA},
}
ALL_ATTRIBUTE_SETS = [
    frozenset(combo)
    for combo in chain.from_iterable(combinations(IdentityAttribute, n) for n in range(5))
]


def status_meeting(criteria):
    return next(status for status, met in MEETS.items() if met == criteria)


def expected(current, event, attributes):
    """The oracle: the status after the event, or None when the change must be refused."""
    if event is DOUBT:
        lowered = status_meeting(MEETS[current] - {"document"})
        return lowered if attributes <= MAY_CARRY[lowered] else PROV
    criterion = "insi" if event is INSI_OK else "document"
    new = status_meeting(MEETS[current] | {criterion})
    return new if attributes <= MAY_CARRY[new] else None


@pytest.mark.parametrize("attributes", ALL_ATTRIBUTE_SETS, ids=lambda a: "+".join(sorted(a)))
@pytest.mark.parametrize("event", [INSI_OK, PASSPORT, DOUBT], ids=["insi", "document", "doubt"])
@pytest.mark.parametrize("current", list(IdentityStatus))
def test_every_transition_follows_the_two_criteria_and_the_attributes(current, event, attributes):
    outcome = expected(current, event, attributes)
    if outcome is None:
        with pytest.raises(TransitionRefused) as caught:
            next_status(current, event, attributes)
        assert "impossible" in str(caught.value)
    else:
        assert next_status(current, event, attributes) is outcome


@pytest.mark.parametrize(
    ("current", "event", "after"),
    [
        (PROV, INSI_OK, RECUP),
        (PROV, PASSPORT, VALI),
        (RECUP, PASSPORT, QUAL),
        (VALI, INSI_OK, QUAL),
        (RECUP, INSI_OK, RECUP),
        (VALI, PASSPORT, VALI),
        (QUAL, INSI_OK, QUAL),
        (QUAL, PASSPORT, QUAL),
        (QUAL, DOUBT, RECUP),
        (VALI, DOUBT, PROV),
        (RECUP, DOUBT, RECUP),
        (PROV, DOUBT, PROV),
    ],
)
def test_the_transitions_named_in_the_rniv(current, event, after):
    assert next_status(current, event) is after


def test_a_doubtful_identity_cannot_be_validated_or_qualified():
    with pytest.raises(TransitionRefused, match="douteuse") as caught:
        next_status(PROV, PASSPORT, {DOUT})
    assert "lever le doute" in str(caught.value)
    with pytest.raises(TransitionRefused, match="Identité qualifiée"):
        next_status(RECUP, PASSPORT, {DOUT})
    assert next_status(PROV, INSI_OK, {DOUT}) is RECUP


def test_a_fictitious_identity_stays_provisional():
    for event in (INSI_OK, PASSPORT):
        with pytest.raises(TransitionRefused, match="fictive"):
            next_status(PROV, event, {FICT})


def test_a_doubt_is_never_refused_even_on_inconsistent_attributes():
    assert next_status(QUAL, DOUBT, {FICT}) is PROV
    assert next_status(QUAL, DOUBT, {HOMA}) is RECUP


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_doubt_without_a_reason_is_refused(reason):
    with pytest.raises(TransitionRefused, match="motif"):
        next_status(QUAL, DoubtRaised(reason))


@pytest.mark.parametrize(
    ("result", "words"),
    [
        (InsiResult(InsiReturnCode.NOT_FOUND), "aucune identité"),
        (InsiResult(InsiReturnCode.SEVERAL), "plusieurs identités"),
        (InsiResult(InsiReturnCode.FOUND, oid=InsOid.NIR.value, traits_match=True), "incomplète"),
        (
            InsiResult(InsiReturnCode.FOUND, matricule="279035121518989", traits_match=True),
            "incomplète",
        ),
        (InsiResult(InsiReturnCode.FOUND, "279035121518988", InsOid.NIR.value, True), "clé"),
        (InsiResult(InsiReturnCode.FOUND, "279035121518989", "1.2.3", True), "OID"),
        (InsiResult(InsiReturnCode.FOUND, "279035121518989", InsOid.NIA.value, True), "NIR"),
        (
            InsiResult(InsiReturnCode.FOUND, "279035121518989", InsOid.NIR.value, False),
            "ne sont pas ceux du résident",
        ),
    ],
)
def test_an_unusable_insi_answer_changes_nothing_and_says_why(result, words):
    for current in (PROV, VALI):
        with pytest.raises(TransitionRefused) as caught:
            next_status(current, result)
        assert words in str(caught.value)


def test_an_insi_answer_with_a_bad_matricule_keeps_the_cause():
    bad = InsiResult(InsiReturnCode.FOUND, "279035121518988", InsOid.NIR.value, True)
    with pytest.raises(TransitionRefused) as caught:
        next_status(PROV, bad)
    assert isinstance(caught.value.__cause__, IdentityRejected)


def test_an_insi_answer_with_spaces_in_the_matricule_is_accepted():
    spaced = InsiResult(InsiReturnCode.FOUND, "2 79 03 51 215 189 89", InsOid.NIR.value, True)
    assert next_status(PROV, spaced) is RECUP


@pytest.mark.parametrize(
    "document",
    [IdDocumentType.FAMILY_BOOK_WITH_VITALE, IdDocumentType.BIRTH_CERTIFICATE_WITH_VITALE],
)
def test_the_ehpad_exception_documents_need_a_direct_admission(document):
    with pytest.raises(TransitionRefused, match="admission directe en EHPAD"):
        next_status(RECUP, IdDocumentCheck(document))
    assert next_status(RECUP, IdDocumentCheck(document, direct_ehpad_admission=True)) is QUAL


@pytest.mark.parametrize("document", [d for d in IdDocumentType if not d.ehpad_exception])
def test_high_trust_documents_validate_without_condition(document):
    assert next_status(PROV, IdDocumentCheck(document)) is VALI
    assert next_status(RECUP, IdDocumentCheck(document)) is QUAL


def test_exactly_two_documents_are_the_ehpad_exception():
    assert {d for d in IdDocumentType if d.ehpad_exception} == {
        IdDocumentType.FAMILY_BOOK_WITH_VITALE,
        IdDocumentType.BIRTH_CERTIFICATE_WITH_VITALE,
    }


@pytest.mark.parametrize("attributes", ALL_ATTRIBUTE_SETS, ids=lambda a: "+".join(sorted(a)))
@pytest.mark.parametrize("status", list(IdentityStatus))
def test_check_attributes_refuses_what_the_status_cannot_carry(status, attributes):
    if attributes <= MAY_CARRY[status]:
        check_attributes(status, attributes)
    else:
        with pytest.raises(TransitionRefused) as caught:
            check_attributes(status, attributes)
        assert status.label in str(caught.value)


def test_marking_a_qualified_identity_doubtful_says_to_raise_a_doubt():
    with pytest.raises(TransitionRefused, match="signaler un doute"):
        check_attributes(QUAL, [DOUT])


def test_only_a_qualified_identity_may_send_its_matricule():
    assert [s for s in IdentityStatus if may_transmit_matricule(s)] == [QUAL]
    assert matricule_withheld_reason(QUAL) is None


@pytest.mark.parametrize(
    ("status", "step"),
    [(PROV, "INSi et vérifier une pièce"), (RECUP, "vérifier une pièce"), (VALI, "par INSi")],
)
def test_a_withheld_matricule_says_why_and_what_to_do(status, step):
    reason = matricule_withheld_reason(status)
    assert reason is not None
    assert f"« {status.label} »" in reason
    assert step in reason


def test_codes_are_the_national_ones_and_labels_french():
    assert [s.value for s in IdentityStatus] == ["PROV", "RECUP", "VALI", "QUAL"]
    assert [a.value for a in IdentityAttribute] == ["DOUT", "FICT", "HOMD", "HOMA"]
    assert IdentityStatus.QUAL.label == "Identité qualifiée"
    assert all(d.label for d in IdDocumentType)
    assert IdDocumentType("eCN") is IdDocumentType.E_ID_CARD
    assert [c.value for c in InsiReturnCode] == ["00", "01", "02"]


def test_transition_refusals_are_identity_rejections():
    assert issubclass(TransitionRefused, IdentityRejected)
