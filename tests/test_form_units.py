"""The one translation between the data's units and the forms' (scoring.form_units): round trips by kind."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.queries import APPLICATION_COLUMNS
from layouts.whatif import FORM_FIELDS, field_errors, normalised_texts
from scoring import fields as registry
from scoring.derived import DAYS_PER_YEAR
from scoring.form_units import range_in_form, shown_value, to_form, to_raw, years_twin
from scoring.simulate import DURATION, InvalidChanges, Problem, instalment

NUMBERS = sorted(
    n
    for n in {*FORM_FIELDS, *APPLICATION_COLUMNS} - {DURATION}
    if not registry.FIELDS[n].categorical and registry.FIELDS[n].kind != "flag"
)


@pytest.mark.parametrize("name", NUMBERS)
@given(fraction=st.floats(0, 1))
def test_a_raw_value_shown_in_the_form_reads_back_to_within_the_forms_rounding(name, fraction):
    low, high = registry.FIELDS[name].range
    raw = low + fraction * (high - low)
    back = to_raw(name, to_form(name, raw))
    kind = registry.FIELDS[name].kind
    # the form shows days as years to one decimal, amounts whole, other numbers to 4 decimals
    tolerance = {"days": 0.05 * DAYS_PER_YEAR, "money": 0.5}.get(kind, 0.00005)
    assert abs(back - raw) <= tolerance + 1e-9 * abs(raw)


@pytest.mark.parametrize("name", NUMBERS)
@given(fraction=st.floats(0, 1))
def test_a_number_typed_in_the_form_is_shown_back_unchanged(name, fraction):
    low, high = range_in_form(name, *registry.FIELDS[name].range)
    typed = round(low + fraction * (high - low), 1 if registry.FIELDS[name].kind == "days" else 0)
    assert to_form(name, to_raw(name, typed)) == typed


def test_days_are_asked_as_positive_years_and_stored_as_negative_days():
    assert to_form("DAYS_BIRTH", -40 * DAYS_PER_YEAR) == 40.0
    assert to_raw("DAYS_BIRTH", 40) == -40 * DAYS_PER_YEAR
    assert to_raw("AMT_CREDIT", 40) == 40  # other kinds keep their unit
    low, high = range_in_form("DAYS_BIRTH", *registry.FIELDS["DAYS_BIRTH"].range)
    assert (round(low), round(high)) == (18, 100)  # what the form's range message says
    assert range_in_form("AMT_CREDIT", 1, 5) == (1.0, 5.0)


def test_missing_the_sentinel_levels_and_flags():
    assert to_form("DAYS_EMPLOYED", registry.FIELDS["DAYS_EMPLOYED"].sentinel[0]) is None  # "not employed": empty box
    assert to_form("AMT_CREDIT", None) is None and to_form("AMT_CREDIT", math.nan) is None
    assert to_form("NAME_CONTRACT_TYPE", "Cash loans") == "Cash loans"
    assert to_form("FLAG_WORK_PHONE", 1.0) == "1"
    assert to_form("AMT_CREDIT", 450_000.4) == 450_000 and to_form("EXT_SOURCE_2", 0.123456) == 0.1235


def test_the_shown_duration_is_that_of_the_clients_terms_in_whole_months():
    values = {"NAME_CONTRACT_TYPE": "Cash loans", "AMT_CREDIT": 100_000.0, "AMT_ANNUITY": instalment(100_000.0, 36)}
    assert shown_value(DURATION, values) == 36
    assert shown_value(DURATION, {**values, "NAME_CONTRACT_TYPE": "Revolving loans"}) is None
    assert shown_value("AMT_CREDIT", values) == 100_000


def test_the_years_feature_of_a_days_column():
    twin = years_twin("DAYS_EMPLOYED")
    assert twin is not None and twin.kind == "years" and twin.sources == ("DAYS_EMPLOYED",)
    assert years_twin("AMT_CREDIT") is None


def test_refused_values_are_worded_beside_their_fields_or_in_the_message():
    """One mapping from ``InvalidChanges`` to the form's errors, for the what-if and the new-application views."""
    invalid = InvalidChanges(
        [
            Problem("AMT_CREDIT", "not_a_number", {"value": "beaucoup"}),
            Problem("AMT_CREDIT", "required"),  # a second problem of a field: its first one is said
            Problem("AMT_ANNUITY", "instalment_out_of_range", {"value": 9e9, "low": 1000, "high": 5000}),
        ]
    )
    beside, elsewhere = field_errors(invalid, {"AMT_CREDIT", "DAYS_BIRTH"}, "en")
    assert list(beside) == ["AMT_CREDIT"] and "enter a number" in beside["AMT_CREDIT"]
    assert len(elsewhere) == 1 and "monthly instalment would be" in elsewhere[0]
    beside, elsewhere = field_errors(invalid, {"AMT_CREDIT", "DAYS_BIRTH"}, "fr")
    assert "saisissez un nombre" in beside["AMT_CREDIT"]


def test_typed_numbers_are_shown_back_in_the_language_unless_refused():
    typed = {"DAYS_EMPLOYED": "1.5", "AMT_CREDIT": "12ab", "CNT_CHILDREN": "2", "AMT_INCOME_TOTAL": ""}
    names = ("DAYS_EMPLOYED", "AMT_CREDIT", "CNT_CHILDREN", "AMT_INCOME_TOTAL")
    assert normalised_texts(typed, names, {"CNT_CHILDREN"}, "fr") == {"DAYS_EMPLOYED": "1,5"}
    assert normalised_texts(typed, names, set(), "en") == {"DAYS_EMPLOYED": "1.5", "CNT_CHILDREN": "2"}
