"""New-application wiring: the form's values -> validated application -> score, reasons, waterfall, advice.

Nothing is invented: what the form leaves empty, and what it does not ask, reaches the model as missing.

Nothing about the application is stored or cached: the audit line says an application was scored, no more.
"""

from __future__ import annotations

from dash import Input, State

from app.queries import APPLICATION_COLUMNS, regions_of
from app.security import audit
from callbacks.common import LANG, outputs, register_callback, triggered, was_opened
from layouts import advice as advice_view
from layouts import application as view
from layouts import whatif as forms
from layouts.application import ids
from layouts.charts import ChartIds
from layouts.decision import credit_words, marked
from layouts.explanation import factors, waterfall, waterfall_caption, waterfall_table
from layouts.i18n import language
from layouts.summary import reason_items
from scoring import fields as registry
from scoring.advice import advise
from scoring.regions import region_of
from scoring.simulate import CASH, DURATION, InvalidChanges, new_application, terms_of

_KEYS = {name: name.lower() for name in APPLICATION_COLUMNS}
# Text boxes (numbers): Enter in one of them scores the application, as the button does.
_NUMBER_KEYS = {
    name: key
    for name, key in _KEYS.items()
    if name == DURATION or not (registry.FIELDS[name].categorical or registry.FIELDS[name].kind == "flag")
}

OUTPUTS = outputs(
    message=(ids.message, "children"),
    status=(ids.status, "children"),
    result=(ids.result, "hidden"),
    decision=(ids.decision, "children"),
    decision_class=(ids.decision, "className"),
    proba=(ids.proba, "children"),
    grey=(ids.grey, "children"),
    terms=(ids.terms, "children"),
    certainty=(ids.certainty, "children"),
    missing=(ids.missing, "children"),
    reasons=(ids.reasons, "children"),
    waterfall=(ChartIds(ids.waterfall).img, "children"),
    caption=(ChartIds(ids.waterfall).caption, "children"),
    table=(ChartIds(ids.waterfall).table, "children"),
    data=(ChartIds(ids.waterfall).data, "hidden"),
    advice_status=(ids.advice_status, "children"),
    advice=(ids.advice, "children"),
    **{f"error_{key}": (f"{ids.field(name)}-error", "children") for name, key in _KEYS.items()},
    **{f"value_{key}": (ids.field(name), "value") for name, key in _NUMBER_KEYS.items()},
)
INPUTS = {
    "clicks": Input(ids.submit, "n_clicks"),
    **{f"enter_{key}": Input(ids.field(name), "n_submit") for name, key in _NUMBER_KEYS.items()},
    "lang": LANG,
    "region": State(ids.region, "value"),
    **{f"value_{key}": State(ids.field(name), "value") for name, key in _KEYS.items()},
}


FORM_OUTPUTS = outputs(body=(ids.body, "children"), body_class=(ids.body, "className"))
FORM_INPUTS = {"clicks": Input(ids.open, "n_clicks"), "shown": State(ids.body, "className"), "lang": LANG}


def show_form(services, *, clicks, shown, lang) -> dict:
    """The form, built when its disclosure is first opened (closing and reopening keeps what was typed)."""
    if not was_opened(clicks) or shown == view.FILLED:
        return {}
    return {"body": view.form(lang, APPLICATION_COLUMNS, regions_of(services)), "body_class": view.FILLED}


SUBMITTERS = {ids.submit, *(ids.field(name) for name in _NUMBER_KEYS)}


def normalised_values(values: dict, problems, lang: str) -> dict:
    """Each number of the form shown back in the language's format; a field with a problem keeps what was typed."""
    typed = {name: values.get(f"value_{key}") for name, key in _NUMBER_KEYS.items()}
    texts = forms.normalised_texts(typed, _NUMBER_KEYS, problems, lang)
    return {f"value_{_NUMBER_KEYS[name]}": text for name, text in texts.items()}


def score_application(services, *, clicks, lang, region=None, **values) -> dict:
    tr = language(lang)
    if triggered() not in SUBMITTERS or (triggered() == ids.submit and not clicks):
        return {}
    form = {
        name: forms.raw_value(name, values.get(f"value_{key}"), lang) for name, key in _KEYS.items() if name != DURATION
    }
    chosen = region_of(regions_of(services), region)
    form.update(chosen.values if chosen is not None else {})  # no region chosen: both statistics not provided
    months = forms.raw_value(DURATION, values.get(f"value_{_KEYS[DURATION]}"), lang)
    errors = {f"error_{key}": "" for key in _KEYS.values()}
    simulator = services.simulator
    try:
        application = new_application(form, simulator.columns, months, simulator.rules.bounds)
    except InvalidChanges as invalid:
        beside, rest = forms.field_errors(invalid, _KEYS, lang)
        errors.update({f"error_{_KEYS[name]}": text for name, text in beside.items()})
        message = tr.ngettext(
            "{n} value needs correcting before the application can be scored.",
            "{n} values need correcting before the application can be scored.",
            len(invalid.by_field()),
        )
        return {
            **errors,
            **normalised_values(values, set(invalid.by_field()), lang),
            "message": " ".join([message, *rest]),
            "result": True,
            "status": tr._("Not scored: see the messages beside the fields."),
        }
    audit("application_scored")  # no client data in the audit trail
    explanation = simulator.explain(application)
    items = factors(explanation, services.portfolio.category_levels, lang)
    decision = credit_words(explanation.decision, lang)
    missing = [n for n in simulator.columns if application.values.get(n) is None]
    if application.values.get("NAME_CONTRACT_TYPE") != CASH:
        missing = [n for n in missing if n != DURATION]
    advice = advise(simulator, application)
    without_scores = all(application.values.get(n) is None for n in view.EXTERNAL)
    segment = (services.artifacts.metrics.get("segments") or {}).get("no_external_scores") if without_scores else None
    overall = services.artifacts.metrics.get("roc_auc")
    return {
        **errors,
        **normalised_values(values, set(), lang),
        "message": "",
        "result": False,
        "status": tr._(
            "Application scored: {decision}, probability of default {proba}.",
            decision=decision.lower(),
            proba=tr.percent(explanation.probability, 1),
        ),
        "decision": marked(explanation.decision, lang),
        "decision_class": f"decision decision-{explanation.decision}",
        "proba": tr._("Probability of default: {proba}", proba=tr.percent(explanation.probability, 1)),
        "grey": tr._("Grey zone: close to the threshold, an advisor must review the file.")
        if explanation.in_grey_zone
        else "",
        "terms": view.terms_text(terms_of(application.values), lang, simulator.rules.max_effort_rate),
        "certainty": view.certainty_text(segment, overall, lang),
        "missing": view.missing_text(missing, lang),
        "reasons": reason_items(items, lang),
        "waterfall": waterfall(explanation, items, lang),
        "caption": waterfall_caption(explanation, items, lang),
        "table": waterfall_table(explanation, items, lang),
        "data": False,
        "advice_status": advice_view.advice_status(advice, lang),
        "advice": advice_view.option_items(advice, lang),
    }


def register(app, services) -> None:
    register_callback(app, services, FORM_OUTPUTS, FORM_INPUTS, show_form)
    register_callback(app, services, OUTPUTS, INPUTS, score_application, message="message")
