"""The RGAA self-audit file and the accessibility statement computed from it."""

from __future__ import annotations

import copy
import html
import json
import re
from fractions import Fraction
from pathlib import Path

import pytest

from app.accessibility_audit import (
    AUDIT_PATH,
    GRID_PATH,
    NON_COMPLIANT,
    PARTIAL,
    STATUSES,
    THEME_SIZES,
    TOTAL,
    AuditError,
    conformity_rate,
    conformity_status,
    expected_numbers,
    load_audit,
    non_conforming,
    non_conformities_by_theme,
    parse_audit,
    render_grid,
    statement_context,
)
from layouts.i18n import language

ROOT = Path(__file__).resolve().parents[1]
STATUS_WORDS = {
    "fr": {TOTAL: "totalement conforme", PARTIAL: "partiellement conforme", NON_COMPLIANT: "est non conforme"},
    "en": {TOTAL: "fully compliant", PARTIAL: "partially compliant", NON_COMPLIANT: "is non-compliant"},
}


@pytest.fixture(scope="module")
def data() -> dict:
    return json.loads(AUDIT_PATH.read_text(encoding="utf-8"))


def with_statuses(data: dict, changes: dict[str, str]) -> dict:
    """A copy of the audit with some criteria's status changed (and an NC given the defect it needs)."""
    changed = copy.deepcopy(data)
    for item in changed["criteria"]:
        if item["number"] in changes:
            item["status"] = changes[item["number"]]
            if item["status"] == "NC":
                item.setdefault("defect", {"fr": "Défaut de test.", "en": "Test defect."})
                item.setdefault("severity", 2)
            else:
                item.pop("defect", None)
                item.pop("severity", None)
    return changed


def test_every_rgaa_criterion_appears_exactly_once_with_a_status(data):
    numbers = [item["number"] for item in data["criteria"]]
    assert len(numbers) == len(set(numbers)) == sum(THEME_SIZES) == 106
    assert sorted(numbers, key=lambda n: tuple(map(int, n.split(".")))) == expected_numbers()
    assert expected_numbers()[0] == "1.1" and expected_numbers()[-1] == "13.12"
    for item in data["criteria"]:
        assert item["status"] in STATUSES, item["number"]
        assert item["title"].rstrip().endswith("?"), item["number"]  # every RGAA criterion is a question
    audit = load_audit()
    assert [c.number for c in audit.criteria] == expected_numbers()
    assert len(data["themes"]) == len(THEME_SIZES) == 13


def test_every_non_conformity_is_described_in_both_languages_with_a_severity(data):
    for item in data["criteria"]:
        if item["status"] == "NC":
            assert item["defect"]["fr"].strip() and item["defect"]["en"].strip(), item["number"]
            assert item["severity"] in (1, 2, 3)
        else:
            assert "defect" not in item, item["number"]


def test_rate_and_status_are_computed_from_the_file(data):
    if not any(item["status"] == "NC" for item in data["criteria"]):  # the real grid may conform fully: make one fail
        first = next(item["number"] for item in data["criteria"] if item["status"] == "C")
        data = with_statuses(data, {first: "NC"})
    audit = parse_audit(data)
    counts = audit.counts
    assert conformity_rate(audit) == Fraction(counts["C"], counts["C"] + counts["NC"])
    conforming = next(item["number"] for item in data["criteria"] if item["status"] == "C")
    failing = next(item["number"] for item in data["criteria"] if item["status"] == "NC")

    # One more non-conforming criterion: same applicable count, one fewer conforming.
    worse = parse_audit(with_statuses(data, {conforming: "NC"}))
    assert conformity_rate(worse) == Fraction(counts["C"] - 1, counts["C"] + counts["NC"])
    # A non-conforming criterion found not applicable leaves the applicable set.
    fewer = parse_audit(with_statuses(data, {failing: "NA"}))
    assert conformity_rate(fewer) == Fraction(counts["C"], counts["C"] + counts["NC"] - 1)

    # Everything applicable conforming: totally compliant; under half: non-compliant.
    applicable = [item["number"] for item in data["criteria"] if item["status"] != "NA"]
    fixed = parse_audit(with_statuses(data, dict.fromkeys(applicable, "C")))
    assert conformity_rate(fixed) == 1 and conformity_status(fixed) == TOTAL
    half = len(applicable) // 2 + 1
    broken = parse_audit(with_statuses(data, {n: ("NC" if i < half else "C") for i, n in enumerate(applicable)}))
    assert conformity_rate(broken) < Fraction(1, 2) and conformity_status(broken) == NON_COMPLIANT
    paired = applicable[: 2 * (len(applicable) // 2)]  # exactly half of these fail
    even = parse_audit(with_statuses(data, {n: ("NC" if i % 2 else "C") for i, n in enumerate(paired)}))
    assert conformity_rate(even) >= Fraction(1, 2) and conformity_status(even) == PARTIAL


def test_without_an_audit_or_an_applicable_criterion_the_status_is_non_compliant(data):
    assert conformity_status(None) == NON_COMPLIANT
    nothing = parse_audit(with_statuses(data, {item["number"]: "NA" for item in data["criteria"]}))
    assert conformity_rate(nothing) is None and conformity_status(nothing) == NON_COMPLIANT
    assert statement_context(None, "fr") == {"audited": False, "status": NON_COMPLIANT, "french_mark": None}


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d["criteria"].pop(), "each appear once"),
        (lambda d: d["criteria"].append(copy.deepcopy(d["criteria"][0])), "each appear once"),
        (lambda d: d["criteria"][0].update(status="OK"), "not one of"),
        (lambda d: d["criteria"][0].update(pages=["nowhere"]), "sample"),
        (lambda d: d["criteria"][0].update(checks=[{"kind": "automated"}]), "which test"),
        (lambda d: d["criteria"][0].update(checks=[]), "kind"),
        (lambda d: d["criteria"][0].update(status="NC", defect={"fr": "en français"}, severity=1), "each of fr, en"),
        (lambda d: d["criteria"][0].update(status="C", defect={"fr": "x", "en": "y"}), "only a non-conforming"),
        (lambda d: d["audit"].update(date="28/11/2026"), "isoformat"),
        (lambda d: d.pop("themes"), "lacks"),
    ],
)
def test_an_incomplete_or_inconsistent_audit_is_refused(data, damage, message):
    broken = copy.deepcopy(data)
    damage(broken)
    with pytest.raises(AuditError, match=message):
        parse_audit(broken)


def test_every_test_named_by_the_audit_exists(data):
    named = {check["test"] for item in data["criteria"] for check in item["checks"] if check["kind"] == "automated"}
    assert named
    for reference in named:
        path, _, name = reference.partition("::")
        source = (ROOT / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {re.escape(name)}\(", source, re.M), f"{reference} is not a test of the suite"


def test_the_markdown_grid_is_generated_from_the_audit():
    assert GRID_PATH.read_text(encoding="utf-8") == render_grid(load_audit()), (
        "docs/accessibilite/audit_rgaa.md is out of date: run `python -m app.accessibility_audit render`"
    )


def test_the_axe_core_version_of_the_audit_is_the_one_the_tests_run(data):
    (axe,) = [tool for tool in data["environment"]["tools"] if tool["name"] == "axe-core"]
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    assert axe["version"] == package["devDependencies"]["axe-core"]


def test_non_conformities_are_listed_by_theme_once_each(data):
    audit = parse_audit(data)
    expected = [c.number for c in audit.criteria if c.status == "NC"]
    for lang in ("fr", "en"):
        groups = non_conformities_by_theme(audit, lang)
        listed = [item["number"] for group in groups for item in group["criteria"]]
        assert listed == expected
        assert all(item["number"].split(".")[0] == str(group["number"]) for group in groups for item in group["criteria"])
    severities = [c.severity for c in non_conforming(audit)]
    assert severities == sorted(severities)


# ------------------------------------------------------------------------------------- the statement


@pytest.fixture(scope="module")
def dash_app(synthetic_artifacts):
    from app.config import Config
    from wsgi import create_app

    return create_app(Config(artifacts_dir=synthetic_artifacts, build_default=False))


def words(text: str) -> str:
    """Text with every run of white space (no-break spaces included) as one space."""
    return " ".join(text.split())


def page_text(page: str) -> str:
    return words(html.unescape(re.sub(r"<[^>]+>", " ", page)))


def listed_criteria(page: str) -> list[str]:
    return re.findall(r'<li data-criterion="([0-9.]+)"', page)


@pytest.mark.parametrize(("path", "lang"), [("/accessibilite", "fr"), ("/accessibility", "en")])
def test_statement_shows_the_audit_rate_status_and_non_conformities(dash_app, path, lang):
    audit = load_audit()
    client = dash_app.server.test_client()
    client.set_cookie("lang", "en" if lang == "fr" else "fr")  # the address, not the cookie, says the language
    response = client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    text = page_text(page)
    tr = language(lang)
    assert words(tr.percent(float(conformity_rate(audit)), 1)) in text
    assert STATUS_WORDS[lang][conformity_status(audit)] in text
    counts = audit.counts
    assert f"{counts['C']} " in text and f"{counts['C'] + counts['NC']} " in text
    assert listed_criteria(page) == [c.number for c in audit.criteria if c.status == "NC"]
    for criterion in audit.criteria:
        if criterion.status == "NC":
            assert words(criterion.defect[lang]) in text
    assert "Libre réponse 71120" in text and "75342 Paris CEDEX 07" in text
    if lang == "en":  # French names in the English page are marked as French (RGAA 8.7)
        assert '<span lang="fr">Défenseur des droits</span>' in page and '<address lang="fr">' in page


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_statement_follows_a_changed_audit(dash_app, data, lang):
    """The page is computed from the audit: fix every non-conformity and the status and list change."""
    from app.rendering import render_page

    failing = [item["number"] for item in data["criteria"] if item["status"] == "NC"]
    fixed = parse_audit(with_statuses(data, dict.fromkeys(failing, "C")))
    worse = parse_audit(with_statuses(data, {item["number"]: "NC" for item in data["criteria"] if item["status"] == "C"}))
    links = {"foreign": lambda text, *_: text, "other": "x", "other_name": "x", "other_path": "/"}
    with dash_app.server.test_request_context():
        for audit, status in ((fixed, TOTAL), (worse, NON_COMPLIANT)):
            page = render_page("statement.html", lang, **links, **statement_context(audit, lang))
            text = page_text(page)
            assert STATUS_WORDS[lang][status] in text
            assert words(language(lang).percent(float(conformity_rate(audit)), 1)) in text
            assert listed_criteria(page) == [c.number for c in audit.criteria if c.status == "NC"]
        missing = render_page("statement.html", lang, **links, **statement_context(None, lang))
        assert {"fr": "déclaré non conforme", "en": "declared non-compliant"}[lang] in page_text(missing)
