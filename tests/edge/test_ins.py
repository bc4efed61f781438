"""Tests of edge.ins: matricule key and validation, OIDs, traits, matricule/traits coherence."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from edge.errors import RecordRejected
from edge.ins import (
    IdentityRejected,
    InsOid,
    InvalidMatricule,
    InvalidOid,
    InvalidTraits,
    MatriculeKind,
    MatriculeProblem,
    Sex,
    TraitsMismatch,
    matricule_key,
    matricule_kind,
    matricule_mismatches,
    validate_matricule,
    validate_oid,
    validate_traits,
)

TODAY = date(2026, 11, 22)


def independent_key(body: str) -> str:
    """The key computed another way: Corsica as "20" minus 1 or 2 millions, Horner mod 97."""
    offset = {"2A": 1_000_000, "2B": 2_000_000}.get(body[5:7], 0)
    digits = body[:5] + ("20" if offset else body[5:7]) + body[7:]
    remainder = 0
    for digit in digits:
        remainder = (remainder * 10 + int(digit)) % 97
    remainder = (remainder - offset) % 97
    return f"{97 - remainder:02d}"


# --- key and validation ----------------------------------------------------------------------


@pytest.mark.parametrize("matricule", ["279035121518989", "162018885045327", "124018852493334"])
def test_matricules_from_ans_examples_are_valid(matricule):
    assert matricule_key(matricule[:13]) == matricule[13:]
    assert independent_key(matricule[:13]) == matricule[13:]
    assert validate_matricule(matricule) == matricule


def test_fhir_example_matricule_is_refused_with_its_computed_key():
    with pytest.raises(InvalidMatricule) as caught:
        validate_matricule("123456789012345")
    assert caught.value.problem is MatriculeProblem.KEY
    assert caught.value.expected_key == "11"
    assert "11" in str(caught.value)
    assert "45" in str(caught.value)


@pytest.mark.parametrize("department", ["2A", "2B"])
def test_corsica_key_matches_an_independent_formula(department):
    body = f"18505{department}004012"
    key = matricule_key(body)
    assert key == independent_key(body)
    assert validate_matricule(body + key) == body + key


def test_corsica_2a_and_2b_give_different_keys_for_the_same_digits():
    assert matricule_key("185052A004012") != matricule_key("185052B004012")


@pytest.mark.parametrize("department", ["2A", "2B"])
def test_corsica_key_computed_as_if_20_is_refused(department):
    body = f"18505{department}004012"
    naive = f"{97 - int(body.replace(department, '20')) % 97:02d}"
    assert naive != independent_key(body)
    with pytest.raises(InvalidMatricule) as caught:
        validate_matricule(body + naive)
    assert caught.value.expected_key == independent_key(body)


def test_a_body_divisible_by_97_has_key_97():
    body = "185052B004012"
    assert int(body.replace("2B", "18")) % 97 == 0
    assert matricule_key(body) == "97"
    assert validate_matricule(body + "97") == body + "97"


def test_spaces_of_any_kind_are_removed_and_corsica_letters_upper_cased():
    assert validate_matricule(" 2 79 03 51 215 189 89 ") == "279035121518989"
    assert validate_matricule("2\u00a079\u202f03 51215 189\t89") == "279035121518989"
    body = "185052a004012"
    assert validate_matricule(body + independent_key(body.upper())) == (
        body.upper() + independent_key(body.upper())
    )


@pytest.mark.parametrize(
    ("value", "count"),
    [("", 0), ("27903512151898", 14), ("2790351215189890", 16), ("2790351215189", 13)],
)
def test_wrong_length_is_refused_with_the_length_found(value, count):
    with pytest.raises(InvalidMatricule) as caught:
        validate_matricule(value)
    assert caught.value.problem is MatriculeProblem.LENGTH
    assert f"en compte {count}" in str(caught.value)
    assert "15 caractères" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("A79035121518989", "« A » en position 1"),
        ("27X035121518989", "« X » en position 3"),
        ("2790351215189A9", "« A » en position 14"),
        ("279035121518-89", "« - » en position 13"),
        ("2A9035121518989", "« A » en position 2"),
        ("27903512151８989", "« ８ » en position 12"),
    ],
)
def test_a_character_other_than_a_digit_is_refused_with_its_position(value, shown):
    with pytest.raises(InvalidMatricule) as caught:
        validate_matricule(value)
    assert caught.value.problem is MatriculeProblem.CHARACTER
    assert shown in str(caught.value)


@pytest.mark.parametrize("department", ["2C", "A2", "3A", "AB", "B2"])
def test_letters_in_positions_6_and_7_other_than_2a_2b_are_refused(department):
    with pytest.raises(InvalidMatricule) as caught:
        validate_matricule(f"18505{department}00401211")
    assert caught.value.problem is MatriculeProblem.CHARACTER
    assert f"« {department} »" in str(caught.value)
    assert "positions 6 et 7" in str(caught.value)


@pytest.mark.parametrize("first", ["0", "3", "4", "5", "6", "9"])
def test_a_first_digit_other_than_1_2_7_8_is_refused(first):
    body = first + "790351215189"
    with pytest.raises(InvalidMatricule) as caught:
        validate_matricule(body + independent_key(body))
    assert caught.value.problem is MatriculeProblem.FIRST_DIGIT
    assert f"« {first} »" in str(caught.value)


@pytest.mark.parametrize("first", ["1", "2", "7", "8"])
def test_nir_and_nia_first_digits_are_accepted(first):
    body = first + "790351215189"
    assert validate_matricule(body + independent_key(body)) == body + independent_key(body)


def test_matricule_key_refuses_a_body_that_is_not_13_characters():
    with pytest.raises(InvalidMatricule) as caught:
        matricule_key("279035121518")
    assert caught.value.problem is MatriculeProblem.LENGTH
    assert "13 caractères" in str(caught.value)
    with pytest.raises(InvalidMatricule) as caught:
        matricule_key("27903512151X9")
    assert caught.value.problem is MatriculeProblem.CHARACTER


def test_matricule_errors_belong_to_the_identity_and_record_rejections():
    with pytest.raises(IdentityRejected):
        validate_matricule("1")
    assert issubclass(InvalidMatricule, RecordRejected)


def test_matricule_kind_follows_the_first_digit():
    assert matricule_kind("279035121518989") is MatriculeKind.NIR
    body = "7790351215189"
    assert matricule_kind(body + independent_key(body)) is MatriculeKind.NIA


@st.composite
def matricule_bodies(draw: st.DrawFn) -> str:
    digit = st.sampled_from("0123456789")
    first = draw(st.sampled_from("1278"))
    head = "".join(draw(st.lists(digit, min_size=4, max_size=4)))
    digits = st.lists(digit, min_size=2, max_size=2).map("".join)
    department = draw(st.one_of(st.sampled_from(["2A", "2B"]), digits))
    tail = "".join(draw(st.lists(digit, min_size=6, max_size=6)))
    return first + head + department + tail


@given(matricule_bodies())
def test_the_computed_key_always_validates(body):
    key = matricule_key(body)
    assert key == independent_key(body)
    assert validate_matricule(body + key) == body + key


@given(matricule_bodies(), st.integers(min_value=0, max_value=99))
def test_any_other_key_is_refused_and_the_right_one_given(body, number):
    key = f"{number:02d}"
    right = independent_key(body)
    assume(key != right)
    with pytest.raises(InvalidMatricule) as caught:
        validate_matricule(body + key)
    assert caught.value.problem is MatriculeProblem.KEY
    assert caught.value.expected_key == right


# --- OID -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "authority"),
    [
        ("1.2.250.1.213.1.4.8", InsOid.NIR),
        ("1.2.250.1.213.1.4.9", InsOid.NIA),
        ("1.2.250.1.213.1.4.10", InsOid.TEST),
        ("1.2.250.1.213.1.4.11", InsOid.DEMO),
        (" urn:oid:1.2.250.1.213.1.4.10 ", InsOid.TEST),
    ],
)
def test_the_four_ins_oids_are_recognised(value, authority):
    assert validate_oid(value) is authority


def test_only_nir_and_nia_oids_are_production():
    assert {oid for oid in InsOid if oid.is_production} == {InsOid.NIR, InsOid.NIA}
    assert all(oid.label for oid in InsOid)


def test_the_obsolete_ins_c_oid_is_refused_with_its_name():
    with pytest.raises(InvalidOid, match="INS-C"):
        validate_oid("1.2.250.1.213.1.4.2")


@pytest.mark.parametrize("value", ["", "1.2.250.1.213.1.4.1", "1.2.250.1.213.1.4.80", "2.16.840.1"])
def test_an_unknown_oid_is_refused_listing_the_expected_ones(value):
    with pytest.raises(InvalidOid) as caught:
        validate_oid(value)
    assert all(oid.value in str(caught.value) for oid in InsOid)


def test_a_nia_under_the_nir_oid_and_a_nir_under_the_nia_oid_are_refused():
    nia_body = "7790351215189"
    nia = nia_body + independent_key(nia_body)
    nir = "279035121518989"
    with pytest.raises(InvalidOid, match="NIA"):
        validate_oid(InsOid.NIR.value, nia)
    with pytest.raises(InvalidOid, match="NIR"):
        validate_oid(InsOid.NIA.value, nir)
    assert validate_oid(InsOid.NIR.value, nir) is InsOid.NIR
    assert validate_oid(InsOid.NIA.value, nia) is InsOid.NIA
    for oid in (InsOid.TEST, InsOid.DEMO):
        assert validate_oid(oid.value, nir) is oid
        assert validate_oid(oid.value, nia) is oid


# --- traits ----------------------------------------------------------------------------------


def traits(**changes):
    values = {
        "birth_family_name": "PAT-TROIS",
        "birth_given_names": "DOMINIQUE MARIE-LOUISE",
        "birth_date": date(1979, 3, 28),
        "sex": "F",
        "birthplace": "51215",
        "today": TODAY,
    }
    values.update(changes)
    return validate_traits(**values)


def refused_field(**changes):
    with pytest.raises(InvalidTraits) as caught:
        traits(**changes)
    return caught.value


def test_valid_traits_are_returned_with_the_given_names_as_a_tuple():
    result = traits()
    assert result.birth_family_name == "PAT-TROIS"
    assert result.birth_given_names == ("DOMINIQUE", "MARIE-LOUISE")
    assert result.first_given_name == "DOMINIQUE"
    assert result.given_names_text == "DOMINIQUE MARIE-LOUISE"
    assert result.sex is Sex.FEMALE
    assert result.birthplace == "51215"
    assert result.used_family_name is None
    assert result.used_given_name is None


def test_names_are_trimmed_collapsed_upper_cased_with_straight_apostrophes():
    result = traits(
        birth_family_name="  d\u2019artagnan  de   la fère ",
        birth_given_names=["  hélène ", "zoë  anne-sophie"],
        used_family_name="o'neil",
        used_given_name=" léa ",
    )
    assert result.birth_family_name == "D'ARTAGNAN DE LA FÈRE"
    assert result.birth_given_names == ("HÉLÈNE", "ZOË", "ANNE-SOPHIE")
    assert result.used_family_name == "O'NEIL"
    assert result.used_given_name == "LÉA"


def test_a_double_hyphen_double_family_name_is_accepted():
    assert traits(birth_family_name="DUPONT--DURAND").birth_family_name == "DUPONT--DURAND"


def test_empty_used_names_count_as_absent():
    result = traits(used_family_name="  ", used_given_name="")
    assert result.used_family_name is None
    assert result.used_given_name is None


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_birth_family_name_is_refused(value):
    error = refused_field(birth_family_name=value)
    assert error.field == "birth_family_name"
    assert "obligatoire" in str(error)


@pytest.mark.parametrize("value", ["", "  ", [], ["", " "]])
def test_no_birth_given_name_is_refused(value):
    error = refused_field(birth_given_names=value)
    assert error.field == "birth_given_names"
    assert "obligatoire" in str(error)


@pytest.mark.parametrize(
    ("field", "value", "character"),
    [
        ("birth_family_name", "DUPONT2", "2"),
        ("birth_family_name", "NUÑEZ", "Ñ"),
        ("birth_family_name", "SMITH_JONES", "_"),
        ("birth_family_name", "MARTIN.", "."),
        ("birth_given_names", "JEAN PAUL3", "3"),
        ("birth_given_names", "ŁUKASZ", "Ł"),
        ("used_family_name", "DUPONT/DURAND", "/"),
        ("used_given_name", "JO!", "!"),
    ],
)
def test_a_character_outside_the_rniv_set_is_refused_and_named(field, value, character):
    error = refused_field(**{field: value})
    assert error.field == field
    assert f"« {character} »" in str(error)


@pytest.mark.parametrize(("ligature", "letters"), [("Œ", "OE"), ("Æ", "AE"), ("œ", "OE")])
def test_a_ligature_is_refused_with_the_letters_to_write(ligature, letters):
    error = refused_field(birth_family_name=f"C{ligature}UR")
    assert error.field == "birth_family_name"
    assert f"« {letters} »" in str(error)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("birth_family_name", "-DUPONT"),
        ("birth_family_name", "DUPONT-"),
        ("birth_family_name", "'DUPONT"),
        ("birth_family_name", "DUPONT---DURAND"),
        ("birth_family_name", "D'-ARTAGNAN"),
        ("birth_family_name", "D' ARTAGNAN"),
        ("birth_family_name", "O''NEIL"),
        ("birth_family_name", "-"),
        ("birth_given_names", "JEAN--PIERRE"),
        ("birth_given_names", "JEAN -PIERRE"),
        ("used_given_name", "-LÉA"),
    ],
)
def test_names_must_start_and_end_with_a_letter_with_single_separators(field, value):
    error = refused_field(**{field: value})
    assert error.field == field
    assert "commencer et finir par une lettre" in str(error)


def test_a_birth_date_of_today_is_accepted_and_tomorrow_refused():
    assert traits(birth_date=TODAY).birth_date == TODAY
    error = refused_field(birth_date=date(2026, 11, 23))
    assert error.field == "birth_date"
    assert "futur" in str(error)


def test_a_birth_date_exactly_130_years_ago_is_accepted_and_one_day_earlier_refused():
    assert traits(birth_date=date(1896, 11, 22)).birth_date == date(1896, 11, 22)
    error = refused_field(birth_date=date(1896, 11, 21))
    assert error.field == "birth_date"
    assert "130 ans" in str(error)


def test_the_130_year_limit_on_29_february_falls_on_28_february():
    leap_day = date(2028, 2, 29)
    assert traits(birth_date=date(1898, 2, 28), today=leap_day).birth_date == date(1898, 2, 28)
    assert refused_field(birth_date=date(1898, 2, 27), today=leap_day).field == "birth_date"


def test_a_datetime_birth_date_is_a_programming_error():
    with pytest.raises(TypeError):
        traits(birth_date=datetime(1979, 3, 28, 12, 0))


@pytest.mark.parametrize(("value", "sex"), [("M", Sex.MALE), ("f", Sex.FEMALE), (" m ", Sex.MALE)])
def test_sex_m_or_f_is_accepted(value, sex):
    assert traits(sex=value).sex is sex


@pytest.mark.parametrize("value", ["", "X", "H", "U", "MF", "male"])
def test_a_sex_other_than_m_or_f_is_refused(value):
    error = refused_field(sex=value)
    assert error.field == "sex"
    assert "M (masculin) ou F (féminin)" in str(error)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("51215", "51215"),
        ("2a004", "2A004"),
        ("2B033", "2B033"),
        ("99352", "99352"),
        (" 97105 ", "97105"),
    ],
)
def test_cog_codes_of_france_corsica_overseas_and_abroad_are_accepted(value, code):
    assert traits(birthplace=value).birthplace == code


@pytest.mark.parametrize(
    "value", ["", "5121", "512150", "2C004", "2A00X", "A2004", "ABCDE", "5 215"]
)
def test_a_birthplace_that_is_not_a_cog_code_is_refused(value):
    error = refused_field(birthplace=value)
    assert error.field == "birthplace"
    assert "COG" in str(error)


def test_the_first_impossible_trait_is_reported_in_field_order():
    error = refused_field(birth_family_name="", sex="X", birthplace="0")
    assert error.field == "birth_family_name"


def test_traits_are_frozen():
    result = traits()
    with pytest.raises(AttributeError):
        result.sex = Sex.MALE


def test_sex_labels_are_french():
    assert Sex.MALE.label == "Masculin"
    assert Sex.FEMALE.label == "Féminin"


# --- matricule against traits ----------------------------------------------------------------


def test_the_dlu_example_matricule_agrees_with_its_traits():
    assert matricule_mismatches("279035121518989", traits()) == []


def test_sex_year_and_month_disagreements_are_listed():
    found = matricule_mismatches("279035121518989", traits(sex="M", birth_date=date(1980, 4, 28)))
    assert found == [TraitsMismatch.SEX, TraitsMismatch.BIRTH_YEAR, TraitsMismatch.BIRTH_MONTH]
    assert all(mismatch.label.endswith(".") for mismatch in found)


def test_a_male_nir_agrees_with_male_traits_only():
    body = "1790351215189"
    male = body + independent_key(body)
    assert matricule_mismatches(male, traits(sex="M")) == []
    assert matricule_mismatches(male, traits(sex="F")) == [TraitsMismatch.SEX]


def test_the_year_is_compared_on_two_digits_across_centuries():
    assert (
        matricule_mismatches(
            "279035121518989", traits(birth_date=date(1879, 3, 1), today=date(1990, 1, 1))
        )
        == []
    )
    assert matricule_mismatches("279035121518989", traits(birth_date=date(1978, 3, 1))) == [
        TraitsMismatch.BIRTH_YEAR
    ]


@pytest.mark.parametrize("month", ["20", "25", "30", "50", "00", "13"])
def test_a_month_outside_01_to_12_is_not_compared(month):
    body = f"279{month}5121518"
    matricule = body + independent_key(body)
    assert matricule_mismatches(matricule, traits(birth_date=date(1979, 7, 1))) == []


def test_the_birthplace_is_not_compared():
    assert matricule_mismatches("279035121518989", traits(birthplace="99352")) == []


def test_a_nia_is_not_compared_with_the_traits():
    body = "8790351215189"
    nia = body + independent_key(body)
    assert matricule_mismatches(nia, traits(sex="M", birth_date=date(1950, 1, 1))) == []
