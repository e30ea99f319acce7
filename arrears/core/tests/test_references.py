"""ISO 11649 creditor references: the RF reference a debtor quotes on a bank transfer."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso11649

from arrears.core.references import make_rf, validate_rf

bodies = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", min_size=1, max_size=21)


def test_the_standards_example():
    # ISO 11649's own example: RF18 5390 0754 7034
    assert make_rf("539007547034") == "RF18539007547034"
    assert validate_rf("RF18 5390 0754 7034") == "RF18539007547034"


@given(bodies)
def test_every_made_reference_is_valid_and_carries_its_body(body):
    reference = make_rf(body)
    assert reference.startswith("RF") and reference[2:4].isdigit()
    assert reference[4:] == body.upper()
    assert len(reference) <= 25
    assert iso11649.is_valid(reference)
    assert validate_rf(reference) == reference


@given(bodies, st.integers(min_value=2, max_value=98))  # ISO 7064 mod 97-10 check digits run from 02 to 98
def test_a_reference_with_other_check_digits_is_refused(body, check):
    reference = make_rf(body)
    other = f"RF{check:02d}{reference[4:]}"
    if other != reference:
        with pytest.raises(ValidationError) as error:
            validate_rf(other, "reference")
        assert other in error.value.message_dict["reference"][0]


@pytest.mark.parametrize("value", ["RF18539007547035", "RF00539007547034", "RF18", "XX18539007547034", "",
                                   "RF18" + "1" * 22])
def test_bad_references_are_refused_naming_the_value(value):
    with pytest.raises(ValidationError) as error:
        validate_rf(value)
    assert value in error.value.message_dict["rf_reference"][0]


@pytest.mark.parametrize("body", ["", "1" * 22, "ABC-123", "ΑΒΓ", "12.5"])
def test_a_reference_body_must_be_1_to_21_letters_and_digits(body):
    with pytest.raises(ValueError):
        make_rf(body)


def test_spaces_in_a_body_are_ignored():
    assert make_rf("5390 0754 7034") == "RF18539007547034"


@pytest.mark.parametrize("value", ["RF006XG", "RF01539007547034", "RF99539007547034"])
def test_check_digits_outside_02_to_98_are_refused(value):
    with pytest.raises(ValidationError):
        validate_rf(value)
