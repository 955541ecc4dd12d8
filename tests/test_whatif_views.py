"""What-if, advice and new-application views over HTTP, as the browser calls their callbacks."""

from __future__ import annotations

import numpy as np
import pytest

from app.queries import APPLICATION_COLUMNS as COLUMNS
from app.queries import regions_of
from layouts.application import ids as app_ids
from layouts.dom import companion_id
from layouts.whatif import FORM_FIELDS
from layouts.whatif import ids as whatif_ids
from scoring.simulate import parse_number

from .dash_requests import call, key

WHATIF, ADVICE, APPLICATION = "whatif-status.children", "advice-status.children", "application-message.children"


@pytest.fixture(scope="module")
def client(dash_app):
    return dash_app.server.test_client()


def error_of(view_ids, name: str) -> str:
    """'id.children' of a form field's error message."""
    return key(companion_id(view_ids.field(name), "error"), "children")


def help_of(view_ids, name: str) -> str:
    return key(companion_id(view_ids.field(name), "help"), "children")


def refused(dash_app, rank: int = 0) -> int:
    portfolio = dash_app.server.config["services"].portfolio
    proba = np.asarray(portfolio.proba)
    index = np.flatnonzero(proba >= portfolio.decision.threshold)
    return int(portfolio.ids[index[np.argsort(proba[index])][rank]])


def form_of(client, dash_app, client_id: int, lang: str = "fr") -> dict:
    status, out = call(client, dash_app, WHATIF, {"client-id.data": client_id, "lang.data": lang}, ["client-id.data"])
    assert status == 200
    return out


def simulate(client, dash_app, client_id: int, form: dict, lang: str = "fr") -> dict:
    values = {"client-id.data": client_id, "lang.data": lang, "whatif-submit.n_clicks": 1, **form}
    status, out = call(client, dash_app, WHATIF, values, ["whatif-submit.n_clicks"])
    assert status == 200
    return out


def test_choosing_a_client_fills_the_form_with_their_values(client, dash_app):
    client_id = refused(dash_app)
    out = form_of(client, dash_app, client_id)
    values = {k: v for k, v in out.items() if k.endswith(".value")}
    assert len(values) == len(FORM_FIELDS)
    # Numbers are text in the language's format, read back by the app ("1 134 212" in French).
    amount = values[key(whatif_ids.field("AMT_CREDIT"), "value")]
    assert isinstance(amount, str) and parse_number(amount, ",") > 0
    assert amount == dash_app_language("fr").number(parse_number(amount, ","), 0)
    assert values[key(whatif_ids.field("NAME_CONTRACT_TYPE"), "value")] in ("Cash loans", "Revolving loans")
    assert "Valeur du client" in out[help_of(whatif_ids, "AMT_CREDIT")]
    assert out["whatif-result.hidden"] is True


def test_simulating_a_smaller_amount_shows_before_after_and_the_difference(client, dash_app):
    client_id = refused(dash_app, 3)
    form = {k: v for k, v in form_of(client, dash_app, client_id).items() if k.endswith(".value")}
    form[key(whatif_ids.field("AMT_CREDIT"), "value")] = str(
        int(parse_number(form[key(whatif_ids.field("AMT_CREDIT"), "value")], ",") * 0.5)
    )
    out = simulate(client, dash_app, client_id, form)
    assert out["whatif-result.hidden"] is False and out["whatif-message.children"] == ""
    assert out["whatif-status.children"].startswith("La probabilité de défaut passe de")
    changed = str(out["whatif-changes.children"])
    assert "Montant du crédit" in changed and "Mensualité" in changed
    assert "Crédit refusé" in str(out["whatif-before.children"])
    assert out["whatif-waterfall-data.hidden"] is False and "wf-row" in str(out["whatif-waterfall-img.children"])


def test_bad_values_are_said_beside_their_fields_in_the_ui_language(client, dash_app):
    client_id = refused(dash_app, 5)
    form = {k: v for k, v in form_of(client, dash_app, client_id).items() if k.endswith(".value")}
    bad = {
        **form,
        key(whatif_ids.field("AMT_CREDIT"), "value"): "beaucoup",
        key(whatif_ids.field("CNT_FAM_MEMBERS"), "value"): 0,
        key(whatif_ids.field("CREDIT_DURATION_MONTHS"), "value"): 1000,
    }
    out = simulate(client, dash_app, client_id, bad)
    assert out["whatif-result.hidden"] is True
    assert "saisissez un nombre" in out[error_of(whatif_ids, "AMT_CREDIT")]
    assert "de 1 à 20" in out[error_of(whatif_ids, "CNT_FAM_MEMBERS")]
    assert "Durée du crédit" in out[error_of(whatif_ids, "CREDIT_DURATION_MONTHS")]
    assert "3 valeurs sont à corriger" in out["whatif-message.children"]
    english = simulate(client, dash_app, client_id, bad, lang="en")
    assert "enter a number" in english[error_of(whatif_ids, "AMT_CREDIT")]


def dash_app_language(code: str):
    from layouts.i18n import language

    return language(code)


def test_french_number_entry_decimal_comma_spaces_and_letters(client, dash_app):
    """Issue 23: "1,5" is 1.5 (shown back as "1,5"), "450 000" and "450 000,50" are amounts, letters are an error
    said beside their field (never a silently dropped value); English reads "1.5" and refuses "1,5"."""
    client_id = refused(dash_app, 9)
    form = {k: v for k, v in form_of(client, dash_app, client_id).items() if k.endswith(".value")}
    years = key(whatif_ids.field("DAYS_EMPLOYED"), "value")
    amount = key(whatif_ids.field("AMT_CREDIT"), "value")
    out = simulate(client, dash_app, client_id, {**form, years: "1.5", amount: "450 000,50"})
    assert out["whatif-result.hidden"] is False, out.get("whatif-message.children")
    changes = " ".join(item["props"]["children"] for item in out["whatif-changes.children"])
    assert "1,5 an" in changes  # 1.5 years, not 15
    assert "→ 450\u202f000" in changes  # the amount as typed, not 450 or 45 000 050
    assert out[years] == "1,5"  # shown back in French format
    assert out[amount].replace("\u202f", " ") == "450 000,50"
    out = simulate(client, dash_app, client_id, {**form, years: "1,5"})
    assert "1,5 an" in str(out["whatif-changes.children"]) and out[years] == "1,5"
    # Letters: an error tied to the field; what was typed stays in the box.
    out = simulate(client, dash_app, client_id, {**form, amount: "12ab"})
    assert out["whatif-result.hidden"] is True
    assert "saisissez un nombre, par exemple 1" in out[error_of(whatif_ids, "AMT_CREDIT")]
    assert amount not in out  # the typed text is not replaced
    english = simulate(client, dash_app, client_id, {**form, years: "1,5"}, lang="en")
    assert "enter a number, for example 1,500.5" in english[error_of(whatif_ids, "DAYS_EMPLOYED")]
    english = simulate(client, dash_app, client_id, {**form, years: "1.5"}, lang="en")
    assert "1.5 years" in str(english["whatif-changes.children"]) and english[years] == "1.5"


def test_enter_in_a_number_field_runs_the_simulation(client, dash_app):
    client_id = refused(dash_app, 3)
    form = {k: v for k, v in form_of(client, dash_app, client_id).items() if k.endswith(".value")}
    months = whatif_ids.field("CREDIT_DURATION_MONTHS")
    # 48 months: within the product's duration range (the data's own percentiles)
    values = {"client-id.data": client_id, "lang.data": "fr", key(months, "n_submit"): 1, **form, key(months, "value"): "48"}
    status, out = call(client, dash_app, WHATIF, values, [key(months, "n_submit")])
    assert status == 200
    assert out["whatif-status.children"].startswith("La probabilité de défaut passe de")
    assert "48 mois" in str(out["whatif-changes.children"])


def test_nothing_changed_is_said(client, dash_app):
    client_id = refused(dash_app, 7)
    form = {k: v for k, v in form_of(client, dash_app, client_id).items() if k.endswith(".value")}
    out = simulate(client, dash_app, client_id, form)
    assert "Modifiez au moins une valeur" in out["whatif-status.children"]


def test_advice_lists_checked_options_or_says_there_are_none(client, dash_app):
    seen = set()
    for rank in range(0, 60, 6):
        client_id = refused(dash_app, rank)
        values = {"client-id.data": client_id, "lang.data": "fr", "advice-submit.n_clicks": 1}
        status, out = call(client, dash_app, ADVICE, values, ["advice-submit.n_clicks"])
        assert status == 200
        options = out["advice-options.children"]
        if options:
            assert all(str(o["props"]["children"]).startswith("Accordé") for o in options)
            assert "vérifiée par le modèle" in out["advice-status.children"]
            seen.add("options")
        else:
            assert "Aucune modification du montant" in out["advice-status.children"]
            seen.add("none")
        assert out["letter-link.href"] == f"/lettre?client={client_id}" and out["letter-block.hidden"] is False
    assert "options" in seen
    # No client: no letter links (they would lead to an error page).
    status, out = call(client, dash_app, ADVICE, {"client-id.data": None, "lang.data": "fr"}, ["client-id.data"])
    assert status == 200 and out["letter-block.hidden"] is True
    status, out = call(
        client, dash_app, ADVICE, {"client-id.data": refused(dash_app), "lang.data": "fr"}, ["client-id.data"]
    )
    assert out["advice-options.children"] == [] and "Chercher des solutions" in out["advice-status.children"]


def form_field(component_id) -> str | None:
    return component_id.get("type") if isinstance(component_id, dict) else None


def application_values(dash_app, lang: str = "fr") -> dict:
    """The form as the page shows it once opened (its defaults), read from the full layout."""
    from wsgi import serve_layout

    layout = serve_layout(dash_app.server.config["services"], lang, full=True)
    values = {}

    def walk(component):
        cid = getattr(component, "id", None)
        if (cid == app_ids.region or form_field(cid) == "application-field") and hasattr(component, "value"):
            values[key(cid, "value")] = component.value
        children = getattr(component, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if hasattr(child, "to_plotly_json"):
                walk(child)

    walk(layout)
    return values


def ordinary_loan(dash_app, values: dict) -> dict:
    """An ordinary loan typed in the form: six months of the portfolio's median monthly income over 36 months
    (15,000 € for a client with 2,500 € a month, in the data's unit), age 40; nothing else."""
    income = int(np.median(np.asarray(dash_app.server.config["services"].portfolio.raw("AMT_INCOME_TOTAL"))))
    typed = {
        "DAYS_BIRTH": 40,
        "AMT_INCOME_TOTAL": income,
        "NAME_CONTRACT_TYPE": "Cash loans",
        "AMT_CREDIT": 6 * income,
        "CREDIT_DURATION_MONTHS": 36,
    }
    return {**values, **{key(app_ids.field(name), "value"): value for name, value in typed.items()}}


def test_new_application_form_starts_empty_and_scores_an_ordinary_loan(client, dash_app):
    values = application_values(dash_app)
    assert len(values) == len(COLUMNS) + 1 and "app-region.value" in values  # the columns asked, and the region
    assert all(v in (None, "") for v in values.values())  # nothing pre-filled, nothing invented
    assert key(app_ids.field("EXT_SOURCE_2"), "value") in values  # asked, optional
    for unknown in ("REGION_POPULATION_RELATIVE", "TOTALAREA_MODE", "FLAG_DOCUMENT_3", "DEF_30_CNT_SOCIAL_CIRCLE"):
        assert key(app_ids.field(unknown), "value") not in values  # not what an advisor can know
    body = {**ordinary_loan(dash_app, values), "app-region.value": "", "application-submit.n_clicks": 1, "lang.data": "fr"}
    status, out = call(client, dash_app, APPLICATION, body, ["application-submit.n_clicks"])
    assert status == 200 and out["application-result.hidden"] is False, out
    assert out["application-proba.children"].startswith("Probabilité de défaut")
    assert out["application-status.children"].startswith("Demande évaluée")
    assert len(out["application-reasons.children"]) == 3
    assert "Taux d’effort" in out["application-terms.children"] and "36 mois" in out["application-terms.children"]
    missing = out["application-missing.children"]
    assert "Score externe 1" in missing and "Densité de population de la région" in missing
    # The external scores as the bureau gives them, and a region from the list: no longer missing.
    regions = regions_of(dash_app.server.config["services"])
    body.update({key(app_ids.field("EXT_SOURCE_2"), "value"): 0.61, "app-region.value": str(regions[0].number)})
    status, out = call(client, dash_app, APPLICATION, body, ["application-submit.n_clicks"])
    missing = out["application-missing.children"]
    assert "Score externe 2" not in missing and "Densité de population de la région" not in missing


def test_new_application_missing_required_values_are_said(client, dash_app):
    values = application_values(dash_app, "en")
    body = {
        **ordinary_loan(dash_app, values),
        key(app_ids.field("AMT_CREDIT"), "value"): None,
        key(app_ids.field("DAYS_BIRTH"), "value"): 12,
        "app-region.value": "",
        "application-submit.n_clicks": 1,
        "lang.data": "en",
    }
    status, out = call(client, dash_app, APPLICATION, body, ["application-submit.n_clicks"])
    assert status == 200 and out["application-result.hidden"] is True
    assert "required" in out[error_of(app_ids, "AMT_CREDIT")]
    assert "from 18 to 100" in out[error_of(app_ids, "DAYS_BIRTH")]


def test_sections_are_in_the_navigation(client):
    html = client.get("/").get_data(as_text=True)
    assert html  # Dash renders the layout client side; the nav is in the layout
    from layouts.page import nav_links

    assert [href for href, _ in nav_links("fr")][-4:] == ["#whatif", "#curve", "#advice", "#application"]
