"""National, tax and company identifiers: valid ones normalised, wrong check digits refused by name."""

import pytest
from django.core.exceptions import ValidationError

from arrears.core.identifiers import SCHEMES, masked, scheme

# (scheme, as a person would type it, compact form, the same number with a wrong check character)
CASES = [
    ("GR-AFM", "094259216", "094259216", "094259217"),
    ("GR-AMKA", "01013099997", "01013099997", "01013099996"),
    ("PL-PESEL", "44051401359", "44051401359", "44051401358"),
    ("PL-NIP", "856-734-62-15", "8567346215", "8567346216"),
    ("PL-REGON", "192598184", "192598184", "192598185"),
    ("ES-DNI", "54362315-K", "54362315K", "54362315Z"),
    ("ES-NIE", "x-2482300w", "X2482300W", "X2482300A"),
    ("ES-CIF", "A13 585 625", "A13585625", "A13585626"),
    ("MX-CURP", "BOXW310820HNERXN09", "BOXW310820HNERXN09", "BOXW310820HNERXN08"),
    ("RU-INN", "123456789047", "123456789047", "123456789048"),
    ("RU-OGRN", "1022200525819", "1022200525819", "1022200525818"),
    ("GB-UTR", "1955839661", "1955839661", "2955839661"),  # the UTR's check digit is the first
]
# Valid numbers without a check digit to get wrong: the shape is still checked.
SHAPE_ONLY = [
    ("MX-RFC", "GODE561231GR8", "GODE561231GR8", "GODE561331GR8"),  # 31 December, then month 13
    ("US-SSN", "536-90-4399", "536904399", "000-90-4399"),
    ("US-EIN", "04-2103594", "042103594", "00-2103594"),
]


@pytest.mark.parametrize(("code", "typed", "compact", "wrong"), CASES + SHAPE_ONLY)
def test_a_valid_identifier_is_normalised_to_its_compact_form(code, typed, compact, wrong):
    assert scheme(code).normalise(typed) == compact


@pytest.mark.parametrize(("code", "typed", "compact", "wrong"), CASES + SHAPE_ONLY)
def test_a_wrong_identifier_is_refused_naming_the_field_the_value_and_the_scheme(code, typed, compact, wrong):
    with pytest.raises(ValidationError) as error:
        scheme(code).normalise(wrong, "debtors[0].identifiers[0].value")
    [message] = error.value.message_dict["debtors[0].identifiers[0].value"]
    assert wrong in message
    assert str(SCHEMES[code].label) in message


@pytest.mark.parametrize("value", ["", "abc", "0942592", "09425921600000"])
def test_garbage_is_refused_as_an_afm(value):
    with pytest.raises(ValidationError) as error:
        scheme("GR-AFM").normalise(value)
    assert "identifier" in error.value.message_dict


def test_every_scheme_validates_with_a_python_stdnum_module():
    assert {code for code, *_ in CASES + SHAPE_ONLY} == set(SCHEMES)
    for s in SCHEMES.values():
        assert callable(s.validator().validate)
        assert s.code.startswith(f"{s.country}-")
        assert s.kind in {"national", "tax", "company"}


@pytest.mark.parametrize("code", ["GR-XYZ", "gr-afm", "", "FR-INSEE"])
def test_an_unknown_identifier_type_is_refused_naming_it(code):
    with pytest.raises(ValidationError) as error:
        scheme(code, "debtors[0].identifiers[0].scheme")
    assert code in error.value.message_dict["debtors[0].identifiers[0].scheme"][0]


@pytest.mark.parametrize(("compact", "shown"), [("094259216", "••••••216"), ("44051401359", "••••••••359"),
                                                ("AB1", "AB1"), ("9", "9")])
def test_staff_see_only_the_last_characters(compact, shown):
    assert masked(compact) == shown
