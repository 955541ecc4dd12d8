"""The RGAA self-audit as data: conformity rate, conformity status and non-conformities.

``docs/accessibilite/audit.json`` is the single source: one entry per RGAA 4.1 criterion (status C, NC or
NA, the pages it was checked on, how, and why). The accessibility statement (app/templates/statement.html)
and the readable grid (``docs/accessibilite/audit_rgaa.md``, written by ``python -m app.accessibility_audit
render``) are both computed from it, so the published rate and list of non-conformities cannot drift from
the audit. Everything here is a pure function of the parsed file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path

from markupsafe import Markup, escape

from layouts.i18n import language

AUDIT_DIR = Path(__file__).resolve().parents[1] / "docs" / "accessibilite"
AUDIT_PATH = AUDIT_DIR / "audit.json"
GRID_PATH = AUDIT_DIR / "audit_rgaa.md"
# RGAA 4.1: 106 criteria in 13 themes; the number of criteria of each theme, in order.
THEME_SIZES = (9, 2, 3, 13, 8, 2, 5, 10, 4, 14, 13, 11, 12)
STATUSES = ("C", "NC", "NA")
CHECK_KINDS = ("automated", "manual", "not_checkable")
AUDIT_LANGUAGES = ("fr", "en")  # the statement's languages: every published text exists in both
# RGAA statuses of the statement: total (100 %), partial (50 % or more), none (below 50 %, or no audit).
TOTAL, PARTIAL, NON_COMPLIANT = "total", "partial", "non"


class AuditError(ValueError):
    """The audit file does not describe a complete RGAA 4.1 audit."""


@dataclass(frozen=True)
class Criterion:
    number: str
    theme: int
    title: str  # the official French title
    status: str  # C, NC or NA
    pages: tuple[str, ...]
    checks: tuple[dict, ...]
    justification: str
    wcag: tuple[str, ...] = ()
    defect: dict | None = None  # NC only: {"fr": ..., "en": ...}, the text the statement publishes
    severity: int | None = None  # NC only: 1 (most severe) to 3

    @property
    def order(self) -> tuple[int, int]:
        theme, index = self.number.split(".")
        return int(theme), int(index)


@dataclass(frozen=True)
class Audit:
    data: dict  # the whole file, for the statement's other sections
    criteria: tuple[Criterion, ...]

    @property
    def counts(self) -> Counter:
        return Counter(c.status for c in self.criteria)

    @property
    def date(self) -> date:
        return date.fromisoformat(self.data["audit"]["date"])


def expected_numbers() -> list[str]:
    return [f"{theme}.{index}" for theme, size in enumerate(THEME_SIZES, 1) for index in range(1, size + 1)]


def _bilingual(value, where: str) -> dict:
    if not isinstance(value, dict) or any(
        not isinstance(value.get(code), str) or not value[code] for code in AUDIT_LANGUAGES
    ):
        raise AuditError(f"{where}: needs a text in each of {', '.join(AUDIT_LANGUAGES)}")
    return value


def _criterion(item: dict, page_ids: set[str]) -> Criterion:
    number = str(item.get("number", "?"))
    status = item.get("status")
    if status not in STATUSES:
        raise AuditError(f"criterion {number}: status {status!r} is not one of {', '.join(STATUSES)}")
    checks = item.get("checks") or []
    if not checks or any(check.get("kind") not in CHECK_KINDS for check in checks):
        raise AuditError(f"criterion {number}: every check needs a kind among {', '.join(CHECK_KINDS)}")
    for check in checks:
        if not (check.get("test") if check["kind"] == "automated" else check.get("what")):
            raise AuditError(f"criterion {number}: an {check['kind']} check must say which test or what was looked at")
    pages = tuple(item.get("pages") or ())
    if not pages or not set(pages) <= page_ids:
        raise AuditError(f"criterion {number}: pages {list(pages)} must be ids of the audit sample")
    if not item.get("title") or not item.get("justification"):
        raise AuditError(f"criterion {number}: title and justification are required")
    defect, severity = item.get("defect"), item.get("severity")
    if status == "NC":
        _bilingual(defect, f"criterion {number} (NC) defect")
        if severity not in (1, 2, 3):
            raise AuditError(f"criterion {number} (NC): severity must be 1, 2 or 3")
    elif defect is not None:
        raise AuditError(f"criterion {number}: only a non-conforming criterion describes a defect")
    return Criterion(
        number=number,
        theme=int(number.split(".")[0]),
        title=item["title"],
        status=status,
        pages=pages,
        checks=tuple(checks),
        justification=item["justification"],
        wcag=tuple(item.get("wcag") or ()),
        defect=defect,
        severity=severity if status == "NC" else None,
    )


def parse_audit(data: dict) -> Audit:
    """Check that ``data`` is a complete RGAA 4.1 audit (each criterion once, with a status) and wrap it."""
    try:
        page_ids = {page["id"] for page in data["sample"] if page.get("audited")}
        criteria = tuple(_criterion(item, page_ids) for item in data["criteria"])
        date.fromisoformat(data["audit"]["date"])
        date.fromisoformat(data["statement"]["established"])
        _bilingual(data["audit"]["by"], "audit.by")
        themes = {t["number"]: _bilingual(t["title"], f"theme {t['number']}") for t in data["themes"]}
    except (KeyError, TypeError) as exc:
        raise AuditError(f"audit file lacks {exc}") from None
    except ValueError as exc:
        raise AuditError(str(exc)) from None
    numbers = [c.number for c in criteria]
    if sorted(numbers, key=lambda n: tuple(map(int, n.split(".")))) != expected_numbers():
        missing = sorted(set(expected_numbers()) - set(numbers))
        extra = sorted({n for n in numbers if numbers.count(n) > 1 or n not in expected_numbers()})
        raise AuditError(
            f"the 106 RGAA 4.1 criteria must each appear once (missing {missing}, duplicate or unknown {extra})"
        )
    if sorted(themes) != list(range(1, len(THEME_SIZES) + 1)):
        raise AuditError("the 13 RGAA themes must each have a title")
    known = set(numbers)
    for derogation in data.get("derogations", []):
        if not set(derogation.get("criteria", [])) <= known:
            raise AuditError(f"a derogation names unknown criteria: {derogation.get('criteria')}")
        for key in ("content", "reason"):
            _bilingual(derogation.get(key), f"derogation {key}")
    return Audit(data=data, criteria=tuple(sorted(criteria, key=lambda c: c.order)))


def load_audit(path: Path | None = None) -> Audit:
    path = Path(path or AUDIT_PATH)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AuditError(f"cannot read {path}: {exc}") from None
    return parse_audit(data)


def conformity_rate(audit: Audit) -> Fraction | None:
    """RGAA rate: criteria conforming / criteria applicable (conforming + not conforming); None if none applies."""
    counts = audit.counts
    applicable = counts["C"] + counts["NC"]
    return Fraction(counts["C"], applicable) if applicable else None


def conformity_status(audit: Audit | None) -> str:
    """RGAA status: total at 100 %, partial from 50 %, non-compliant below 50 % or without an audit."""
    rate = conformity_rate(audit) if audit is not None else None
    if rate is None:
        return NON_COMPLIANT
    if rate == 1:
        return TOTAL
    return PARTIAL if rate >= Fraction(1, 2) else NON_COMPLIANT


def non_conforming(audit: Audit) -> list[Criterion]:
    """Non-conforming criteria, most severe first, then in RGAA order."""
    return sorted((c for c in audit.criteria if c.status == "NC"), key=lambda c: (c.severity, c.order))


def non_conformities_by_theme(audit: Audit, lang: str) -> list[dict]:
    """[{"number", "theme": title, "criteria": [{"number", "text"}]}] in RGAA order, themes with a non-conformity."""
    titles = {t["number"]: t["title"][lang] for t in audit.data["themes"]}
    groups: dict[int, list[dict]] = {}
    for criterion in audit.criteria:
        if criterion.status == "NC":
            groups.setdefault(criterion.theme, []).append({"number": criterion.number, "text": criterion.defect[lang]})
    return [{"number": theme, "theme": titles[theme], "criteria": found} for theme, found in sorted(groups.items())]


def theme_counts(audit: Audit, lang: str) -> list[dict]:
    """Per theme: its title and how many criteria are C, NC and NA."""
    rows = []
    for theme in audit.data["themes"]:
        counts = Counter(c.status for c in audit.criteria if c.theme == theme["number"])
        rows.append({"number": theme["number"], "title": theme["title"][lang], **{s: counts[s] for s in STATUSES}})
    return rows


def foreign(text: str, phrase: str, code: str | None) -> Markup:
    """``text`` escaped, with ``phrase`` marked as being in language ``code`` (RGAA 8.7); unchanged if code is None."""
    escaped = escape(text)
    if not code:
        return escaped
    return Markup(str(escaped).replace(str(escape(phrase)), f'<span lang="{code}">{escape(phrase)}</span>'))


def statement_context(audit: Audit | None, lang: str) -> dict:
    """Everything the statement page shows that comes from the audit (texts in ``lang``)."""
    tr = language(lang)
    # French names (Défenseur des droits, its postal address) are marked as French on pages in other languages.
    context = {
        "audited": audit is not None,
        "status": conformity_status(audit),
        "french_mark": None if lang == "fr" else "fr",
    }
    if audit is None:
        return context
    data, counts, rate = audit.data, audit.counts, conformity_rate(audit)

    def pick(value):
        return value[lang] if isinstance(value, dict) else value

    context.update(
        standard=data["standard"],
        rgaa_version=data["standard"].removeprefix("RGAA").strip(),
        entity=data["entity"],
        service=pick(data["service"]),
        audited_by=pick(data["audit"]["by"]),
        audit_date=tr.date(audit.date),
        established=tr.date(date.fromisoformat(data["statement"]["established"])),
        updated=tr.date(date.fromisoformat(data["statement"]["updated"])) if data["statement"].get("updated") else None,
        contact_email=data["statement"]["contact_email"],
        rate=rate,
        rate_text=tr.percent(float(rate), 1) if rate is not None else None,
        conforming=counts["C"],
        non_conforming=counts["NC"],
        not_applicable=counts["NA"],
        applicable=counts["C"] + counts["NC"],
        total=len(audit.criteria),
        themes=theme_counts(audit, lang),
        non_conformities=non_conformities_by_theme(audit, lang),
        derogations=[
            {
                "criteria": d["criteria"],
                "content": d["content"][lang],
                "reason": d["reason"][lang],
                "alternative": d.get("alternative", {}).get(lang),
            }
            for d in data.get("derogations", [])
        ],
        derogations_note=pick(data.get("derogations_note", {lang: ""})),
        outside_scope=[pick(item) for item in data.get("outside_scope", [])],
        pages=[
            {"label": pick(p["label"]), "url": p.get("url"), "states": pick(p["states"])}
            for p in data["sample"]
            if p.get("audited")
        ],
        pending_pages=[
            {"label": pick(p["label"]), "states": pick(p["states"])} for p in data["sample"] if not p.get("audited")
        ],
        browsers=[
            {"name": b["name"], "version": b.get("version"), "notes": pick(b.get("notes", ""))}
            for b in data["environment"]["browsers"]
        ],
        assistive_technologies=[pick(a) for a in data["environment"].get("assistive_technologies", [])],
        tools=[
            {"name": pick(t["name"]), "version": t.get("version"), "use": pick(t["use"])}
            for t in data["environment"]["tools"]
        ],
        technologies=data["environment"].get("technologies", []),
        plan=data["plan"],
    )
    return context


# ------------------------------------------------------------------------------------- Markdown grid

_STATUS_FR = {"C": "Conforme", "NC": "Non conforme", "NA": "Non applicable"}
_STATUS_SENTENCE_FR = {TOTAL: "totalement conforme", PARTIAL: "partiellement conforme", NON_COMPLIANT: "non conforme"}
_CHECK_FR = {"automated": "test automatisé", "manual": "vérification manuelle", "not_checkable": "non vérifiable ici"}


def _percent_fr(rate: Fraction) -> str:
    return f"{float(rate) * 100:.1f}".replace(".", ",") + "\u00a0%"


def _md(text: str) -> str:
    """Plain text for Markdown: markup written in the audit (<figure>) is shown, not interpreted."""
    return text.replace("<", "\\<").replace("\n", " ")


def _summary_lines(audit: Audit) -> list[str]:
    data, counts, rate = audit.data, audit.counts, conformity_rate(audit)
    lines = [
        "<!-- Fichier généré par `python -m app.accessibility_audit render` à partir de audit.json :",
        "     ne pas modifier à la main. -->",
        "",
        f"# Audit {data['standard']} — {data['service']['fr']} ({data['entity']})",
        "",
        "## Synthèse",
        "",
        f"- Audit réalisé par {data['audit']['by']['fr']}, le {audit.date.strftime('%d/%m/%Y')}, "
        f"sur le commit `{data['audit']['commit']}`.",
        f"- Critères : {len(audit.criteria)} ; conformes : {counts['C']} ; non conformes : {counts['NC']} ; "
        f"non applicables : {counts['NA']}.",
        (
            f"- Taux de conformité (critères conformes / critères applicables) : {counts['C']} / "
            f"{counts['C'] + counts['NC']} = **{_percent_fr(rate)}**, soit "
            f"**{_STATUS_SENTENCE_FR[conformity_status(audit)]}** au sens du RGAA."
            if rate is not None
            else "- Aucun critère applicable : taux non défini."
        ),
        f"- {data['criteria_source']}",
        "",
        "| Thème | Conformes | Non conformes | Non applicables |",
        "|---|---:|---:|---:|",
    ]
    return lines + [
        f"| {row['number']}. {row['title']} | {row['C']} | {row['NC']} | {row['NA']} |" for row in theme_counts(audit, "fr")
    ]


def _sample_lines(data: dict) -> list[str]:
    lines = ["", "## Échantillon", ""]
    for page in data["sample"]:
        where = f" (`{page['url']}`)" if page.get("url") else ""
        if page.get("audited"):
            lines.append(f"- `{page['id']}` : {page['label']['fr']}{where} — états vérifiés : {page['states']['fr']}.")
        else:
            lines.append(
                f"- `{page['id']}` : {page['label']['fr']}{where} — **pas encore audité** : {page['states']['fr']}."
            )
    return lines


def _environment_lines(env: dict) -> list[str]:
    lines = ["", "## Environnement de test", ""]
    lines += [f"- Navigateur : {b['name']} {b.get('version') or ''} ({b['notes']['fr']})." for b in env["browsers"]]
    if env.get("assistive_technologies"):
        lines += [
            f"- Technologie d'assistance : {a['fr'] if isinstance(a, dict) else a}." for a in env["assistive_technologies"]
        ]
    else:
        lines.append(
            "- Technologies d'assistance : aucune (NVDA, JAWS et VoiceOver non disponibles sur la machine d'audit) ; "
            "les restitutions vocales ne sont pas vérifiées."
        )
    for tool in env["tools"]:
        name = tool["name"]["fr"] if isinstance(tool["name"], dict) else tool["name"]
        version = f" {tool['version']}" if tool.get("version") else ""
        lines.append(f"- Outil : {name}{version} — {tool['use']['fr']}.")
    return lines


def _findings_lines(audit: Audit) -> list[str]:
    """Non-conformities, derogations, what is outside the obligation and the other findings."""
    data = audit.data
    lines = ["", "## Non-conformités, de la plus grave à la moins grave", ""]
    for criterion in non_conforming(audit):
        lines.append(f"- (gravité {criterion.severity}) **{criterion.number}** — {_md(criterion.justification)}")
    lines += ["", "## Dérogations", ""]
    if data.get("derogations"):
        for d in data["derogations"]:
            lines.append(f"- Critères {', '.join(d['criteria'])} : {d['content']['fr']} Raison : {d['reason']['fr']}")
    lines.append(data.get("derogations_note", {}).get("fr", ""))
    lines += ["", "## Contenus non soumis à l'obligation d'accessibilité", ""]
    lines += [f"- {item['fr']}" for item in data.get("outside_scope", [])]
    if data.get("other_findings"):
        lines += ["", "## Autres constats (hors critères RGAA)", ""]
        lines += [
            f"- (gravité {f['severity']}) {_md(f['fr'])}"
            for f in sorted(data["other_findings"], key=lambda f: f["severity"])
        ]
    return lines


def _criteria_lines(audit: Audit) -> list[str]:
    """The detailed grid: every criterion under its theme, with its status, pages, checks and justification."""
    data = audit.data
    pages = {p["id"]: p for p in data["sample"]}
    titles = {t["number"]: t["title"]["fr"] for t in data["themes"]}
    lines = ["", "## Grille détaillée"]
    for criterion in audit.criteria:
        if criterion.number.endswith(".1"):
            lines += ["", f"### {criterion.theme}. {titles[criterion.theme]}"]
        lines += [
            "",
            f"#### {criterion.number} — {criterion.title}",
            "",
            f"- Statut : **{criterion.status}** ({_STATUS_FR[criterion.status]})"
            + (f", gravité {criterion.severity}" if criterion.severity else ""),
            f"- Pages : {' ; '.join(pages[p]['label']['fr'] for p in criterion.pages)}",
        ]
        if criterion.wcag:
            lines.append(f"- WCAG : {', '.join(criterion.wcag)}")
        for check in criterion.checks:
            what = f"`{check['test']}`" if check["kind"] == "automated" else check["what"]
            lines.append(
                f"- Vérification ({_CHECK_FR[check['kind']]}) : {what if check['kind'] == 'automated' else _md(what)}"
            )
        lines.append(f"- Justification : {_md(criterion.justification)}")
    return lines


def render_grid(audit: Audit) -> str:
    """The audit as a readable French Markdown document (the committed ``audit_rgaa.md``)."""
    lines = [
        *_summary_lines(audit),
        *_sample_lines(audit.data),
        *_environment_lines(audit.data["environment"]),
        *_findings_lines(audit),
        *_criteria_lines(audit),
    ]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.accessibility_audit", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["render", "check", "summary"])
    args = parser.parse_args(argv)
    try:
        audit = load_audit()
    except AuditError as exc:
        print(f"invalid audit: {exc}", file=sys.stderr)
        return 1
    if args.command == "render":
        GRID_PATH.write_text(render_grid(audit), encoding="utf-8")
        print(f"wrote {GRID_PATH}")
    elif args.command == "check":
        if not GRID_PATH.is_file() or GRID_PATH.read_text(encoding="utf-8") != render_grid(audit):
            print(f"{GRID_PATH.name} is out of date: run `python -m app.accessibility_audit render`", file=sys.stderr)
            return 1
        print("audit grid up to date")
    else:
        rate = conformity_rate(audit)
        counts = audit.counts
        print(f"{counts['C']} C, {counts['NC']} NC, {counts['NA']} NA: rate {float(rate):.1%}, {conformity_status(audit)}")
        for criterion in non_conforming(audit):
            print(f"  [{criterion.severity}] {criterion.number} {criterion.defect['en']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
