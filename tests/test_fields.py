"""The field registry: complete, translated in every language, unambiguous, and consistent with the data."""

import numpy as np
import pytest

from layouts.i18n import LANGUAGES, language
from scoring import fields
from scoring.fields import FIELDS, KINDS, ROLES
from scoring.schema import CATEGORICAL_COLUMNS, TRAIN_COLUMNS, column_kind
from scoring.synthetic import generate_applications


@pytest.fixture(scope="module")
def sample():
    from scoring.loading import clean_anomalies

    train, _ = generate_applications(4000, 0, seed=3)
    return clean_anomalies(train)[0]


def test_every_kaggle_column_has_one_record_of_the_right_type():
    assert set(TRAIN_COLUMNS) <= set(FIELDS)
    for name in TRAIN_COLUMNS:
        field = FIELDS[name]
        assert field.raw and field.sources == (name,)
        assert (field.kind == "category") == (column_kind(name) == "category"), name
    assert {n for n, f in FIELDS.items() if f.categorical} == set(CATEGORICAL_COLUMNS)


def test_records_are_well_formed():
    for name, field in FIELDS.items():
        assert field.kind in KINDS and field.role in ROLES, name
        assert field.label and field.help, name
        if field.range is not None:
            low, high = field.range
            assert low < high, name
        if field.model and not field.categorical:
            assert callable(field.compute), name
        assert all(FIELDS[s].raw for s in field.sources), name
        if field.section is not None:
            assert field.section in {key for key, _ in fields.SECTIONS}, name
    assert all(FIELDS[n].kind not in ("category", "id", "target") for n in fields.COMPARABLE)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_labels_and_categories_are_translated_and_distinct(lang):
    tr = language(lang)
    labels = {}
    for name, field in FIELDS.items():
        label = tr.label(field.label)
        assert label and "{" not in label, name
        assert label not in labels, f"{name} and {labels.get(label)} share the label {label!r}"
        labels[label] = name
        assert tr.label(field.help), name
        for level, shown in field.categories.items():
            assert tr.label(shown), (name, level)
    # French is really French: no English label survives the translation.
    if lang != "en":
        english = language("en")
        same = [n for n, f in FIELDS.items() if tr.label(f.label) == english.label(f.label)]
        assert len(same) <= 3, same  # words that are the same in both (e.g. "Culture") are few


def test_protected_fields_never_enter_the_model():
    chosen = [f.name for f in fields.model_features()]
    for name in fields.DEFAULT_PROTECTED:
        assert name not in chosen
    assert set(fields.DEFAULT_PROTECTED) == {"CODE_GENDER", "NAME_FAMILY_STATUS"}
    # A configured protected field takes whatever is computed from it out too.
    with_age = [f.name for f in fields.model_features(("CODE_GENDER", "NAME_FAMILY_STATUS", "DAYS_BIRTH"))]
    assert "AGE_YEARS" not in with_age and "EMPLOYED_AGE_RATIO" not in with_age
    assert "CODE_GENDER" in [f.name for f in fields.model_features(())]


def test_every_category_level_of_the_data_has_a_display_name(sample):
    import json

    from scoring.synthetic_profile import PROFILE_PATH

    profile = json.loads(PROFILE_PATH.read_text())
    for name in CATEGORICAL_COLUMNS:
        levels = set(profile["marginals"][name]["values"]) | set(sample[name].dropna().unique())
        unknown = levels - set(FIELDS[name].categories)
        assert not unknown, (name, unknown)


def test_features_compute_from_their_sources_and_values_are_plausible(sample):
    for field in fields.model_features(()):
        if field.categorical:
            continue
        values = np.asarray(field.compute(sample[list(field.sources)]), dtype=float)
        assert values.shape == (len(sample),), field.name
        if field.range is not None:
            seen = values[~np.isnan(values)]
            low, high = field.range
            inside = ((seen >= low) & (seen <= high)).mean()
            assert inside >= 0.99, (field.name, inside)


def test_card_comparison_and_simulation_lists_come_from_the_registry():
    assert fields.CARD_FIELDS and all(FIELDS[n].section for n in fields.CARD_FIELDS)
    assert set(fields.SIMULABLE) == {n for n, f in FIELDS.items() if f.role in ("term", "declared")}
    assert "AMT_CREDIT" in fields.SIMULABLE and "DAYS_BIRTH" not in fields.SIMULABLE
    stored = set(fields.STORED_RAW_COLUMNS)
    assert set(fields.sources_of(list(fields.MODEL_CANDIDATES))) <= stored
    assert set(fields.DEFAULT_PROTECTED) <= stored
