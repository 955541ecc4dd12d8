"""Accessibility statement (déclaration d'accessibilité, RGAA style) as a static, self-contained page."""

from __future__ import annotations

from html import escape

from layouts.i18n import normalise_language, t

AXE_VERSION = "4.14.1"  # keep in step with package.json
STATEMENT_DATE = "2026-11-28"

_TEXT = {
    "fr": {
        "title": "Déclaration d'accessibilité — Tableau de bord crédit",
        "back": "Retour au tableau de bord",
        "body": [
            (
                "p",
                "Prêt à dépenser s'engage à rendre son tableau de bord conseiller accessible, conformément au "
                "Référentiel général d'amélioration de l'accessibilité (RGAA 4.1), fondé sur les WCAG.",
            ),
            ("h2", "État de conformité"),
            (
                "p",
                "Le tableau de bord crédit est <strong>partiellement conforme</strong> au RGAA 4.1 et vise le niveau "
                "AA des WCAG 2.2. Aucun audit par un expert indépendant n'a encore été réalisé : le niveau déclaré "
                "repose sur les tests décrits ci-dessous.",
            ),
            ("h2", "Tests réalisés"),
            (
                "ul",
                [
                    f"Analyse automatique axe-core {AXE_VERSION} (règles wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22aa) dans "
                    "Chromium sans interface, sur chaque vue et chaque état : client affiché, erreur de saisie, "
                    "groupes de comparaison, tableaux de données ouverts, français et anglais, largeur de 320 px.",
                    "Parcours clavier scriptés : lien d'évitement, ordre de tabulation, focus visible, absence de piège, "
                    "choix d'un client et changement de comparaison au clavier seul.",
                    "Vérification que chaque graphique a une alternative textuelle (libellé, légende, tableau de données).",
                    "Affichage à 320 px de large sans défilement horizontal.",
                ],
            ),
            ("h2", "Limites connues"),
            (
                "ul",
                [
                    "Les graphiques sont des images statiques : leurs valeurs sont données par les légendes et les tableaux "
                    "de données, pas par l'exploration au pointeur.",
                    "Les restitutions par lecteur d'écran (NVDA, JAWS, VoiceOver) n'ont pas encore été testées par des "
                    "utilisateurs ; seules les propriétés ARIA et les régions d'annonce ont été vérifiées automatiquement.",
                    "Les suggestions d'identifiants utilisent la liste native du navigateur, dont la restitution varie "
                    "selon les lecteurs d'écran.",
                    "Le portefeuille de démonstration est synthétique.",
                ],
            ),
            ("h2", "Technologies utilisées"),
            ("p", "HTML5, CSS, JavaScript (Dash, React, Plotly), Bootstrap 5 servi localement."),
            ("h2", "Retour d'information et contact"),
            (
                "p",
                "Si vous ne parvenez pas à accéder à un contenu ou à un service, écrivez à "
                '<a href="mailto:accessibilite@pret-a-depenser.example">accessibilite@pret-a-depenser.example</a> : '
                "nous vous répondrons sous cinq jours ouvrés avec une alternative.",
            ),
            ("h2", "Voies de recours"),
            ("p", "Si vous n'obtenez pas de réponse satisfaisante, vous pouvez saisir le Défenseur des droits."),
            ("p", f"Déclaration établie le {STATEMENT_DATE}."),
        ],
    },
    "en": {
        "title": "Accessibility statement — Credit dashboard",
        "back": "Back to the dashboard",
        "body": [
            (
                "p",
                "Prêt à dépenser is committed to making its advisor dashboard accessible, following the French "
                "RGAA 4.1 standard, based on WCAG.",
            ),
            ("h2", "Compliance status"),
            (
                "p",
                "The credit dashboard is <strong>partially compliant</strong> with RGAA 4.1 and targets WCAG 2.2 level "
                "AA. No independent expert audit has been carried out yet: this claim rests on the tests below.",
            ),
            ("h2", "Tests carried out"),
            (
                "ul",
                [
                    f"Automated axe-core {AXE_VERSION} analysis (rules wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22aa) in "
                    "headless Chromium on every view and state: client shown, input error, comparison groups, data tables "
                    "open, French and English, 320 px width.",
                    "Scripted keyboard walks: skip link, tab order, visible focus, no trap, choosing a client and "
                    "changing the comparison with the keyboard alone.",
                    "Every chart has a text alternative (label, caption, data table).",
                    "Display at 320 px wide without horizontal scrolling.",
                ],
            ),
            ("h2", "Known limitations"),
            (
                "ul",
                [
                    "Charts are static images: their values are given by captions and data tables, "
                    "not by pointer exploration.",
                    "Screen-reader output (NVDA, JAWS, VoiceOver) has not yet been tested with users; only ARIA properties "
                    "and live regions were checked automatically.",
                    "Id suggestions use the browser's native list, whose rendering varies between screen readers.",
                    "The demo portfolio is synthetic.",
                ],
            ),
            ("h2", "Technologies"),
            ("p", "HTML5, CSS, JavaScript (Dash, React, Plotly), Bootstrap 5 served locally."),
            ("h2", "Feedback and contact"),
            (
                "p",
                "If you cannot access some content or service, write to "
                '<a href="mailto:accessibilite@pret-a-depenser.example">accessibilite@pret-a-depenser.example</a>: '
                "we will answer within five working days with an alternative.",
            ),
            ("h2", "Enforcement"),
            ("p", "If you do not get a satisfactory answer, you can contact the Défenseur des droits."),
            ("p", f"Statement drawn up on {STATEMENT_DATE}."),
        ],
    },
}


def statement_html(lang: str, stylesheets: list[str]) -> str:
    lang = normalise_language(lang)
    text = _TEXT[lang]
    parts = []
    for tag, content in text["body"]:
        if tag == "ul":
            parts.append("<ul>" + "".join(f"<li>{escape(item, quote=False)}</li>" for item in content) + "</ul>")
        else:
            parts.append(f"<{tag}>{content}</{tag}>")  # trusted constant text with inline markup
    links = "".join(f'<link rel="stylesheet" href="{escape(href)}">' for href in stylesheets)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(text['title'], quote=False)}</title>{links}</head><body>"
        f'<a class="skip-link" href="#main">{escape(t("skip.main", lang), quote=False)}</a>'
        f'<main id="main" tabindex="-1" class="site-main statement"><h1>{escape(text["title"], quote=False)}</h1>'
        + "".join(parts)
        + f'<p><a href="/">{escape(text["back"], quote=False)}</a></p></main></body></html>'
    )
