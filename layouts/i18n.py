"""The single catalogue of UI strings (French default, English switch).

Feature and column labels in French come from ``scoring`` (the business vocabulary lives with the
data); their English versions are here, so that every string the UI shows resolves through ``t``.
"""

from __future__ import annotations

from scoring.features import FEATURES
from scoring.schema import COLUMN_INFO

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

_UI: dict[str, tuple[str, str]] = {
    # key: (French, English)
    "app.title": ("Tableau de bord crédit — Prêt à dépenser", "Credit dashboard — Prêt à dépenser"),
    "app.heading": ("Tableau de bord crédit", "Credit dashboard"),
    "app.subtitle": ("Aide à l'explication des décisions de crédit", "Helping advisors explain credit decisions"),
    "skip.main": ("Aller au contenu principal", "Skip to main content"),
    "nav.label": ("Sections du tableau de bord", "Dashboard sections"),
    "nav.select": ("Choix du client", "Client selection"),
    "nav.score": ("Score et décision", "Score and decision"),
    "nav.why": ("Pourquoi", "Why"),
    "nav.card": ("Fiche client", "Client card"),
    "nav.compare": ("Comparaison", "Comparison"),
    "nav.statement": ("Accessibilité", "Accessibility"),
    "lang.label": ("Langue", "Language"),
    "lang.switch": ("English", "Français"),
    "lang.switch_hint": ("Switch the interface to English", "Passer l'interface en français"),
    "banner.synthetic": (
        "Données de démonstration synthétiques : ces clients n'existent pas. Les scores et explications "
        "illustrent l'outil, pas une politique de crédit réelle.",
        "Synthetic demo data: these clients do not exist. Scores and explanations illustrate the tool, "
        "not a real credit policy.",
    ),
    "banner.real": ("Données clients réelles : consultation tracée.", "Real client data: access is logged."),
    "banner.dev": ("Mode développement : pas d'authentification.", "Development mode: no login."),
    # selection
    "select.heading": ("Choisir un client", "Choose a client"),
    "select.label": ("Identifiant client (SK_ID_CURR)", "Client id (SK_ID_CURR)"),
    "select.help": (
        "Saisissez un identifiant numérique ; des suggestions apparaissent dès 3 chiffres. {n} clients dans le portefeuille.",
        "Type a numeric id; suggestions appear from 3 digits. {n} clients in the portfolio.",
    ),
    "select.submit": ("Afficher le client", "Show client"),
    "select.examples": ("Exemples :", "Examples:"),
    "select.example_refused": ("client refusé", "refused client"),
    "select.example_granted": ("client accordé", "granted client"),
    "select.example_grey": ("client en zone grise", "grey-zone client"),
    "error.empty": ("Saisissez un identifiant client.", "Enter a client id."),
    "error.invalid": (
        "« {value} » n'est pas un identifiant valide : saisissez uniquement des chiffres (ex. 100002).",
        "“{value}” is not a valid id: digits only (e.g. 100002).",
    ),
    "error.unknown": (
        "Le client {value} n'existe pas dans le portefeuille. Vérifiez l'identifiant.",
        "Client {value} is not in the portfolio. Check the id.",
    ),
    "error.internal": (
        "Une erreur inattendue est survenue ; les autres informations restent affichées. Réessayez.",
        "An unexpected error occurred; the rest of the page is unchanged. Please retry.",
    ),
    "status.none": ("Aucun client sélectionné.", "No client selected."),
    "status.client": (
        "Client {client} : {decision}, probabilité de défaut {proba}.",
        "Client {client}: {decision}, probability of default {proba}.",
    ),
    # score
    "score.heading": ("Score et décision", "Score and decision"),
    "score.placeholder": ("Choisissez un client pour voir son score.", "Choose a client to see their score."),
    "score.proba_label": ("Probabilité de défaut", "Probability of default"),
    "score.threshold_label": ("Seuil de décision", "Decision threshold"),
    "decision.granted": ("Crédit accordé", "Credit granted"),
    "decision.refused": ("Crédit refusé", "Credit refused"),
    "decision.grey": (
        "Zone grise : dossier proche du seuil, à examiner par un conseiller.",
        "Grey zone: close to the threshold, to be reviewed by an advisor.",
    ),
    "distance.above": (
        "{points} points au-dessus du seuil de {threshold} : le risque dépasse ce que la banque accepte.",
        "{points} points above the {threshold} threshold: the risk exceeds what the bank accepts.",
    ),
    "distance.below": (
        "{points} points sous le seuil de {threshold} : le risque reste acceptable.",
        "{points} points below the {threshold} threshold: the risk is acceptable.",
    ),
    "score.threshold_explained": (
        "Le seuil minimise le coût attendu : accorder un crédit à un client qui fera défaut coûte {ratio} fois "
        "plus cher que refuser un bon client.",
        "The threshold minimises the expected cost: granting credit to a client who defaults costs {ratio} times "
        "as much as refusing a good client.",
    ),
    "gauge.title": ("Probabilité de défaut et seuil", "Probability of default and threshold"),
    "gauge.aria": (
        "Jauge : probabilité de défaut {proba}, {position} du seuil de {threshold}.",
        "Gauge: probability of default {proba}, {position} the {threshold} threshold.",
    ),
    "gauge.zones": (
        "Zones : risque faible sous {low}, zone grise de {low} à {high} (examen par un conseiller), risque élevé au-delà.",
        "Zones: low risk below {low}, grey zone from {low} to {high} (reviewed by an advisor), high risk above.",
    ),
    "gauge.above": ("au-dessus", "above"),
    "gauge.below": ("en dessous", "below"),
    "gauge.client": ("Ce client", "This client"),
    "gauge.threshold": ("Seuil", "Threshold"),
    "gauge.zone_low": ("Risque faible", "Low risk"),
    "gauge.zone_grey": ("Zone grise", "Grey zone"),
    "gauge.zone_high": ("Risque élevé", "High risk"),
    # explanation
    "why.heading": ("Pourquoi cette décision ?", "Why this decision?"),
    "why.placeholder": ("Choisissez un client pour voir ce qui a pesé.", "Choose a client to see what mattered."),
    "why.local_heading": ("Ce qui a pesé pour ce client", "What mattered for this client"),
    "why.global_heading": ("Ce qui compte en général", "What matters in general"),
    "why.raises": ("augmente le risque", "raises the risk"),
    "why.lowers": ("diminue le risque", "lowers the risk"),
    "why.others": ("Autres facteurs ({n})", "Other factors ({n})"),
    "why.base": ("Client moyen", "Average client"),
    "why.final": ("Ce client", "This client"),
    "why.missing": ("non renseigné", "not provided"),
    "why.paragraph_up": (
        "Les éléments qui augmentent le plus le risque : {items}.",
        "What raises the risk most: {items}.",
    ),
    "why.paragraph_down": (
        "Les éléments qui le diminuent le plus : {items}.",
        "What lowers it most: {items}.",
    ),
    "why.paragraph_none_up": ("Aucun élément n'augmente nettement le risque.", "Nothing raises the risk markedly."),
    "why.paragraph_none_down": ("Aucun élément ne diminue nettement le risque.", "Nothing lowers the risk markedly."),
    "why.paragraph_start": (
        "Partant d'un client moyen ({base}), le modèle arrive à {proba} pour ce client.",
        "Starting from an average client ({base}), the model reaches {proba} for this client.",
    ),
    "why.waterfall_title": ("Contributions au score (SHAP)", "Contributions to the score (SHAP)"),
    "why.waterfall_axis": ("Probabilité de défaut (échelle logistique)", "Probability of default (logistic scale)"),
    "why.waterfall_aria": (
        "Graphique en cascade : du client moyen ({base}) à ce client ({proba}). Premier facteur : {first}.",
        "Waterfall chart: from the average client ({base}) to this client ({proba}). Main factor: {first}.",
    ),
    "why.importance_title": ("Importance moyenne des facteurs (|SHAP| moyen)", "Mean importance of factors (mean |SHAP|)"),
    "why.importance_aria": (
        "Diagramme en barres des {n} facteurs les plus importants en général ; en tête : {first}.",
        "Bar chart of the {n} most important factors in general; first: {first}.",
    ),
    "why.importance_caption": (
        "En moyenne sur le portefeuille, {first} pèse le plus. Comparez avec les facteurs propres à ce client.",
        "On average over the portfolio, {first} matters most. Compare with this client's own factors.",
    ),
    "why.importance_axis": ("Impact moyen sur le score (log-odds)", "Mean impact on the score (log-odds)"),
    "chart.waiting": (
        "Graphique en attente : choisissez un client pour l'afficher.",
        "Chart waiting: choose a client to draw it.",
    ),
    "table.factor": ("Facteur", "Factor"),
    "table.value": ("Valeur du client", "Client value"),
    "table.effect": ("Effet", "Effect"),
    "table.contribution": ("Contribution (log-odds)", "Contribution (log-odds)"),
    "table.importance": ("Importance moyenne", "Mean importance"),
    "table.show": ("Afficher les données du graphique", "Show the chart data"),
    "table.bin": ("Intervalle", "Range"),
    "table.count": ("Nombre de clients", "Number of clients"),
    "table.granted": ("Accordés", "Granted"),
    "table.refused": ("Refusés", "Refused"),
    "table.item": ("Élément", "Item"),
    # client card
    "card.heading": ("Fiche client", "Client card"),
    "card.placeholder": ("Choisissez un client pour voir sa fiche.", "Choose a client to see their card."),
    "card.caption": ("Informations descriptives du client {client}", "Descriptive information for client {client}"),
    "card.identity": ("Profil", "Profile"),
    "card.loan": ("Demande de crédit", "Loan application"),
    "card.scores": ("Scores externes et région", "External scores and region"),
    "card.in_training": (
        "Ce client faisait partie des données d'apprentissage du modèle.",
        "This client was part of the model's training data.",
    ),
    "value.missing": ("Non renseigné", "Not provided"),
    "value.yes": ("Oui", "Yes"),
    "value.no": ("Non", "No"),
    "value.not_employed": (
        "Sans emploi salarié (retraité ou sans emploi)",
        "Not in paid employment (retired or unemployed)",
    ),
    "unit.years": ("{value} ans", "{value} years"),
    "unit.years_short": ("ans", "years"),
    "unit.thousand_eur": ("k€", "k€"),
    "punct.colon": (" : ", ": "),
    "punct.and": (" et ", " and "),
    "plotly.separators": (", ", ".,"),  # Plotly's decimal then thousands separators
    "path.statement": ("/accessibilite", "/accessibility"),
    "error.not_found": ("Page introuvable.", "Page not found."),
    # comparison
    "compare.heading": ("Comparer avec d'autres clients", "Compare with other clients"),
    "compare.placeholder": ("Choisissez un client pour le comparer.", "Choose a client to compare them."),
    "compare.feature": ("Caractéristique comparée", "Compared characteristic"),
    "compare.feature_y": ("Seconde caractéristique (vue croisée)", "Second characteristic (cross view)"),
    "compare.group": ("Groupe de comparaison", "Comparison group"),
    "compare.group_all": ("Tous les clients", "All clients"),
    "compare.group_decision": ("Clients avec la même décision", "Clients with the same decision"),
    "compare.group_nearest": ("Les clients les plus similaires", "The most similar clients"),
    "compare.k": ("Nombre de clients similaires", "Number of similar clients"),
    "compare.k_help": ("Entre 10 et 5 000.", "Between 10 and 5,000."),
    "compare.filters": ("Filtres du groupe", "Group filters"),
    "compare.filter_any": ("Tous", "Any"),
    "compare.filter_same": ("Comme ce client", "Same as this client"),
    "compare.gender": ("Genre", "Gender"),
    "compare.age": ("Tranche d'âge", "Age band"),
    "compare.income": ("Tranche de revenu annuel", "Annual income band"),
    "compare.contract": ("Type de contrat", "Contract type"),
    "compare.size": ("Groupe comparé : {n} clients.", "Compared group: {n} clients."),
    "compare.empty": (
        "Aucun client ne correspond à ce groupe. Élargissez les filtres.",
        "No client matches this group. Widen the filters.",
    ),
    "compare.k_invalid": (
        "Le nombre de clients similaires doit être un entier entre 10 et 5 000 ; {k} utilisé.",
        "The number of similar clients must be a whole number between 10 and 5,000; using {k}.",
    ),
    "compare.hist_title": ("Répartition : {feature}", "Distribution: {feature}"),
    "compare.hist_aria": (
        "Histogramme de {feature} pour {n} clients ; ce client : {value}, plus élevé que {pct} du groupe.",
        "Histogram of {feature} for {n} clients; this client: {value}, higher than {pct} of the group.",
    ),
    "compare.hist_caption": (
        "Ce client ({value}) se situe au-dessus de {pct} des clients du groupe ; médiane du groupe : {median}.",
        "This client ({value}) is above {pct} of the group; group median: {median}.",
    ),
    "compare.hist_missing": (
        "La valeur de ce client n'est pas renseignée pour {feature} ; médiane du groupe : {median}.",
        "This client's value is missing for {feature}; group median: {median}.",
    ),
    "compare.no_values": ("Aucune valeur renseignée dans ce groupe.", "No value in this group."),
    "compare.scatter_title": ("Vue croisée : {x} et {y}", "Cross view: {x} and {y}"),
    "compare.scatter_aria": (
        "Vue croisée de {x} et {y} pour {n} clients ; ce client est marqué d'une étoile ({xv} ; {yv}).",
        "Cross view of {x} and {y} for {n} clients; this client is marked with a star ({xv}; {yv}).",
    ),
    "compare.scatter_caption": (
        "Chaque point est un client du groupe ; l'étoile marque ce client ({xv} ; {yv}). "
        "Au-delà de {max} clients, la densité remplace les points.",
        "Each dot is a client of the group; the star marks this client ({xv}; {yv}). "
        "Above {max} clients, density replaces the dots.",
    ),
    "compare.density": ("Nombre de clients", "Number of clients"),
    "compare.group_members": ("Clients du groupe", "Group clients"),
    "compare.probability": ("Probabilité de défaut", "Probability of default"),
    # login (production)
    "login.title": ("Connexion conseiller — Prêt à dépenser", "Advisor login — Prêt à dépenser"),
    "login.heading": ("Connexion conseiller", "Advisor login"),
    "login.intro": (
        "Ce tableau de bord affiche des données personnelles : il est réservé aux conseillers.",
        "This dashboard shows personal data: it is for advisors only.",
    ),
    "login.user": ("Identifiant", "Username"),
    "login.password": ("Mot de passe", "Password"),
    "login.submit": ("Se connecter", "Log in"),
    "login.bad": ("Identifiant ou mot de passe incorrect.", "Wrong username or password."),
    "login.expired": ("Le formulaire a expiré : veuillez réessayer.", "The form expired: please try again."),
    "login.throttled": ("Trop de tentatives : réessayez dans quelques minutes.", "Too many attempts: try again in a few minutes."),
    "login.out": ("Vous êtes déconnecté.", "You are logged out."),
    "nav.logout": ("Se déconnecter", "Log out"),
    # statement
    "statement.link": ("Déclaration d'accessibilité", "Accessibility statement"),
    "footer.model": (
        "Modèle XGBoost, seuil métier {threshold} (coût d'un défaut = {ratio} × coût d'un refus).",
        "XGBoost model, business threshold {threshold} (cost of a default = {ratio} × cost of a refusal).",
    ),
}

_ENGLISH_FEATURES = {
    "EXT_SOURCE_1": "External score 1",
    "EXT_SOURCE_2": "External score 2",
    "EXT_SOURCE_3": "External score 3",
    "EXT_SOURCE_MEAN": "Mean of external scores",
    "EXT_SOURCE_MIN": "Lowest external score",
    "EXT_SOURCE_PROD": "Product of external scores",
    "AGE_YEARS": "Age",
    "YEARS_EMPLOYED": "Years in current job",
    "NOT_EMPLOYED": "Not in paid employment (retired, unemployed)",
    "EMPLOYED_AGE_RATIO": "Share of life spent in current job",
    "AMT_INCOME_TOTAL": "Annual income",
    "AMT_CREDIT": "Credit amount",
    "AMT_ANNUITY": "Loan annuity",
    "AMT_GOODS_PRICE": "Price of the financed goods",
    "CREDIT_INCOME_RATIO": "Credit relative to income",
    "ANNUITY_INCOME_RATIO": "Debt burden (annuity / income)",
    "PAYMENT_RATE": "Yearly repayment rate (annuity / credit)",
    "CREDIT_GOODS_RATIO": "Credit relative to goods price",
    "INCOME_PER_PERSON": "Income per household member",
    "CNT_CHILDREN": "Number of children",
    "CNT_FAM_MEMBERS": "Household members",
    "REGION_POPULATION_RELATIVE": "Population density of the region",
    "REGION_RATING_CLIENT_W_CITY": "Region and city rating",
    "YEARS_REGISTRATION": "Years since registration change",
    "YEARS_ID_PUBLISH": "Age of the identity document",
    "YEARS_LAST_PHONE_CHANGE": "Years since phone number change",
    "OWN_CAR_AGE": "Age of the car",
    "DEF_30_CNT_SOCIAL_CIRCLE": "30-day defaults among acquaintances",
    "AMT_REQ_CREDIT_BUREAU_YEAR": "Credit bureau enquiries (12 months)",
    "TOTALAREA_MODE": "Home floor area (normalised)",
    "FLAG_DOCUMENT_3": "Document 3 provided",
    "FLAG_WORK_PHONE": "Home phone provided",
    "REG_CITY_NOT_WORK_CITY": "Permanent address outside the work city",
    "NAME_CONTRACT_TYPE": "Contract type",
    "CODE_GENDER": "Gender",
    "FLAG_OWN_CAR": "Owns a car",
    "FLAG_OWN_REALTY": "Owns a home",
    "NAME_INCOME_TYPE": "Income type",
    "NAME_EDUCATION_TYPE": "Education",
    "NAME_FAMILY_STATUS": "Family status",
    "NAME_HOUSING_TYPE": "Housing",
    "OCCUPATION_TYPE": "Occupation",
    "ORGANIZATION_TYPE": "Employer sector",
}

_ENGLISH_COLUMNS = {
    "SK_ID_CURR": "Client id",
    "FLAG_OWN_REALTY": "Owns a home",
    "NAME_TYPE_SUITE": "Accompanied when applying",
    "DAYS_BIRTH": "Age",
    "DAYS_EMPLOYED": "Years in current job",
    "DAYS_REGISTRATION": "Years since registration change",
    "DAYS_ID_PUBLISH": "Age of the identity document",
    "FLAG_EMP_PHONE": "Work phone provided",
    "FLAG_PHONE": "Home phone provided",
    "REGION_RATING_CLIENT": "Region rating (1 = best, 3 = worst)",
    "REGION_RATING_CLIENT_W_CITY": "Region and city rating (1 to 3)",
    "REG_CITY_NOT_LIVE_CITY": "Permanent address outside the city of residence",
    "LIVE_CITY_NOT_WORK_CITY": "Lives outside the work city",
    "DEF_60_CNT_SOCIAL_CIRCLE": "60-day defaults among acquaintances",
    "OBS_30_CNT_SOCIAL_CIRCLE": "Observed acquaintances (30 days)",
    "DAYS_LAST_PHONE_CHANGE": "Years since phone number change",
    "AMT_REQ_CREDIT_BUREAU_QRT": "Credit bureau enquiries (3 months)",
    "AMT_REQ_CREDIT_BUREAU_MON": "Credit bureau enquiries (1 month)",
    "HOUR_APPR_PROCESS_START": "Hour of application",
}


def _catalogue() -> dict[str, dict[str, str]]:
    fr = {k: v[0] for k, v in _UI.items()}
    en = {k: v[1] for k, v in _UI.items()}
    for feature in FEATURES:
        fr[f"feature.{feature.name}"] = feature.label
        en[f"feature.{feature.name}"] = _ENGLISH_FEATURES[feature.name]
    for column, info in COLUMN_INFO.items():
        fr[f"column.{column}"] = info.label
        en[f"column.{column}"] = _ENGLISH_COLUMNS.get(column) or _ENGLISH_FEATURES.get(column, info.label)
    return {"fr": fr, "en": en}


CATALOGUE: dict[str, dict[str, str]] = _catalogue()


def normalise_language(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """Translated string for ``key``; a missing key is a bug, so it fails loudly in tests."""
    text = CATALOGUE[normalise_language(lang)][key]
    return text.format(**values) if values else text


# French names of Kaggle category levels an advisor reads; English keeps Kaggle's own words.
_FRENCH_LEVELS: dict[str, dict[str, str]] = {
    "NAME_CONTRACT_TYPE": {"Cash loans": "Prêt personnel", "Revolving loans": "Crédit renouvelable"},
    "CODE_GENDER": {"F": "Femme", "M": "Homme"},
    "FLAG_OWN_CAR": {"Y": "Oui", "N": "Non"},
    "FLAG_OWN_REALTY": {"Y": "Oui", "N": "Non"},
    "NAME_INCOME_TYPE": {
        "Working": "Salarié",
        "Commercial associate": "Commercial / indépendant",
        "Pensioner": "Retraité",
        "State servant": "Fonctionnaire",
        "Unemployed": "Sans emploi",
        "Student": "Étudiant",
        "Businessman": "Chef d'entreprise",
        "Maternity leave": "Congé maternité",
    },
    "NAME_EDUCATION_TYPE": {
        "Secondary / secondary special": "Secondaire",
        "Higher education": "Supérieur",
        "Incomplete higher": "Supérieur non terminé",
        "Lower secondary": "Premier cycle du secondaire",
        "Academic degree": "Doctorat",
    },
    "NAME_FAMILY_STATUS": {
        "Married": "Marié(e)",
        "Single / not married": "Célibataire",
        "Civil marriage": "Union civile",
        "Separated": "Séparé(e)",
        "Widow": "Veuf / veuve",
    },
    "NAME_HOUSING_TYPE": {
        "House / apartment": "Maison / appartement",
        "With parents": "Chez les parents",
        "Municipal apartment": "Logement social",
        "Rented apartment": "Location",
        "Office apartment": "Logement de fonction",
        "Co-op apartment": "Coopérative",
    },
    "NAME_TYPE_SUITE": {
        "Unaccompanied": "Seul(e)",
        "Family": "Famille",
        "Spouse, partner": "Conjoint(e)",
        "Children": "Enfants",
        "Other_A": "Autre",
        "Other_B": "Autre",
        "Group of people": "Groupe",
    },
}
_ENGLISH_LEVELS: dict[str, dict[str, str]] = {
    "CODE_GENDER": {"F": "Woman", "M": "Man"},
    "FLAG_OWN_CAR": {"Y": "Yes", "N": "No"},
    "FLAG_OWN_REALTY": {"Y": "Yes", "N": "No"},
}


def level(column: str, value: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Display name of a category level."""
    table = _FRENCH_LEVELS if normalise_language(lang) == "fr" else _ENGLISH_LEVELS
    return table.get(column, {}).get(value, value)
