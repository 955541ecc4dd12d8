"""The note, the slides and the README section take every number from results.json: none is typed by hand.

Two checks. Statically, the templates' literal text (outside Jinja expressions and tags, code, markup and
drawing coordinates) contains no digit except references (years, arXiv numbers, DOI, regulation and licence
numbers). Dynamically, rendering the results with every float perturbed changes the documents' numbers.
"""

import copy
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("jinja2")

from veille.render import TEMPLATES, render_documents  # noqa: E402
from veille.results_view import diff_ci, fr, pval, signed  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "docs" / "veille_results" / "results.json"
NUMBER = re.compile(r"(?<![A-Za-z\d-])\d+(?:[\u202f ]\d{3})*(?:[,.]\d+)?")
# Bibliographic references, regulation numbers, licence versions, "95 %" intervals, "1 000" documents.
REFERENCES = {
    "1985",
    "2003",
    "2004",
    "2016",
    "2017",
    "2019",
    "2020",
    "2021",
    "2022",
    "2024",
    "52",
    "239",
    "281",
    "193",
    "218",
    "679",
    "1689",
    "1908.10084",
    "2002.10957",
    "2209.11055",
    "2402.05672",
    "2210.07316",
    "10.5281",
    "17270888",
    "4.0",
    "95",
    "90",  # the TOST's 90 % interval (two one-sided 5 % tests)
    "1 000",
    "1,000",
}


def _perturb(obj):
    if isinstance(obj, bool) or obj is None:
        return obj
    if isinstance(obj, float):
        return round(obj * 0.87 + 0.0137, 6)
    if isinstance(obj, dict):
        return {k: _perturb(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_perturb(v) for v in obj]
    return obj


class _Text(HTMLParser):
    """Visible text of the slides, without style, script and figure drawings (their <desc> is tested in the note)."""

    def __init__(self):
        super().__init__()
        self.skip = 0
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "svg", "code"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script", "svg", "code"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def _tokens(text: str, kind: str) -> set[str]:
    if kind == "html":
        parser = _Text()
        parser.feed(text)
        text = " ".join(parser.parts)
    else:
        text = re.sub(r"```.*?```", " ", text, flags=re.S)
        text = re.sub(r"`[^`]*`", " ", text)
        text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
        text = re.sub(r"\]\([^)]*\)", "]", text)  # figure paths
    return {t.replace("\u202f", " ") for t in NUMBER.findall(text)}


def _render(results: dict, out: Path) -> dict[str, str]:
    out.mkdir(parents=True)
    (out / "results.json").write_text(json.dumps(results))
    paths = render_documents(results, out / "note.md", out / "slides.html", out, out / "readme.md")
    assert {p.name for p in paths} >= {"note.md", "slides.html", "readme.md"}
    return {name: (out / name).read_text(encoding="utf-8") for name in ("note.md", "slides.html", "readme.md")}


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads(COMMITTED.read_text(encoding="utf-8"))


def _literal_text(source: str) -> str:
    """A template's own words: Jinja blocks, comments, code, markup and drawings removed."""
    text = re.sub(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", " ", source, flags=re.S)
    text = re.sub(r"```.*?```|`[^`]*`", " ", text, flags=re.S)
    text = re.sub(r"<style.*?</style>|<script.*?</script>|<code>.*?</code>|<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)  # tags with their attributes (coordinates, ids, classes)
    # document structure, not data: heading and list numbers, cross-references, names of things
    text = re.sub(
        r"(?m)^#+ [\d.]+|^\s*\d+\. |\bsections? \d+(?:\.\d+)?|Apache-2\.0|\d+e centile|Figure \d+"
        r"|seuil de 5 %|moyennes sur 1, 5 et 15 minutes|vaut 0 pour|et 1\npour|niveau 2|Classification 2,|entre 0 et 1",
        " ",
        text,
    )
    return text


def test_templates_type_no_number():
    for name in ("note_methodologique.md.j2", "decision_fr.md.j2", "slides.html.j2", "readme_section.md.j2"):
        text = _literal_text((TEMPLATES / name).read_text(encoding="utf-8"))
        typed = set(NUMBER.findall(text)) - REFERENCES
        assert not typed, f"{name}: numbers typed in the template: {sorted(typed)}"


def test_the_documents_follow_the_results(committed, tmp_path):
    a = _render(committed, tmp_path / "a")
    b = _render(_perturb(copy.deepcopy(committed)), tmp_path / "b")
    for name, kind in (("note.md", "md"), ("slides.html", "html"), ("readme.md", "md")):
        assert a[name] != b[name]
        changed = _tokens(a[name], kind) ^ _tokens(b[name], kind)
        assert len(changed) > 10, name  # many numbers move with the results, not one or two


def test_headline_numbers_come_from_the_results(committed, tmp_path):
    docs = _render(committed, tmp_path / "a")
    note, slides = docs["note.md"], docs["slides.html"]
    meta = committed["meta"]
    by = {(e["method"], e["variant"]): e for e in committed["methods"]}
    tf = by[("tfidf_logreg", meta["primary_variant"])]
    best = by[(meta["best_embedding"], meta["primary_variant"])]
    assert f"{fr(tf['macro_f1_mean'])} ± {fr(tf['macro_f1_ci95'])}" in note
    assert f"{fr(best['macro_f1_mean'])} ± {fr(best['macro_f1_ci95'])}" in note
    test = next(
        c
        for c in committed["comparisons"]
        if c["task"] == "cv"
        and (c["a"], c["b"]) == (meta["best_embedding"], "tfidf_logreg")
        and c["variant_a"] == c["variant_b"] == meta["primary_variant"]
    )
    assert diff_ci(test) in note and pval(test["p_value"]) in note
    assert fr(tf["macro_f1_mean"], 3) in slides
    # French typography: no ASCII minus before a digit, no "p = <", no leftover template syntax
    for text in (note, slides):
        assert not re.search(r"(?<![\w-])-\d", re.sub(r"`[^`]*`|<[^>]+>", "", text))
        assert "p = <" not in text and "{{" not in text and "{%" not in text
        assert "taille(s)" not in text and "travaux d'étudiants" not in text
    assert "10.5281/zenodo.17270888" in note and "2402.05672" in note and "2209.11055" in note
    assert "rapport technique" not in note.split("Model2Vec: Fast")[1].split("\n")[0]


def test_slides_structure(committed, tmp_path):
    slides = _render(committed, tmp_path / "a")["slides.html"]
    sections = re.findall(r"<section\b.*?</section>", slides, flags=re.S)
    assert len(sections) >= 12
    assert "Les concepts" in slides and "Sources" in slides
    assert "honnête" not in slides
    for section in sections:
        assert 'class="notes"' in section  # speaker notes on every slide
        parser = _Text()
        parser.feed(section.split('<details class="notes">')[0])
        visible = " ".join(parser.parts)
        numbers = [t for t in NUMBER.findall(visible) if not re.fullmatch(r"(19|20)\d\d", t)]
        assert len(numbers) <= 14, (section[:80], numbers)
    for svg in re.findall(r"<svg\b[^>]*>", slides):
        assert 'role="img"' in svg and "aria-labelledby" in svg
    assert re.search(r'stroke-dasharray="8 4"', slides)  # lines differ by dash, not colour alone
    assert 'lang="fr"' in slides


def test_number_formatting():
    assert fr(-0.0004) == "0,000" and fr(-0.012) == "\u22120,012"
    assert signed(0.0123) == "+0,012" and signed(-0.0123) == "\u22120,012" and signed(0.0) == "0,000"
    assert pval(0.0004) == "p < 0,001" and pval(0.25) == "p = 0,250"
    assert fr(1234567) == "1\u202f234\u202f567"
    assert diff_ci({"mean_difference": 0.1, "diff_ci95": 0.03}) == "+0,100 [+0,070 ; +0,130]"


def _other_dataset(path: Path, per_class: int = 36) -> list[str]:
    """A generated catalogue that is not Flipkart: other columns, other categories, some near-twins."""
    import random

    rng = random.Random(3)
    vocab = {
        "Jardinage": ["rake", "seeds", "hose", "pot", "soil", "shovel"],
        "Cuisine": ["pan", "knife", "spatula", "kettle", "whisk", "ladle"],
        "Jouets": ["puzzle", "doll", "kite", "blocks", "robot", "ball"],
        "Librairie": ["novel", "atlas", "poems", "comic", "diary", "essay"],
    }
    rows = []
    for dept, words in vocab.items():
        for i in range(per_class):
            picked = rng.sample(words, 3)
            rows.append({"blurb": f"A {picked[0]} with a {picked[1]} and a {picked[2]}, item {i % 12}.", "dept": dept})
    import pandas as pd

    pd.DataFrame(rows).to_csv(path, index=False)
    return list(vocab)


@pytest.mark.veille
@pytest.mark.slow
def test_run_and_render_work_on_another_dataset_with_a_method_subset(tmp_path):
    """`run --methods tfidf,char --quick` then `render` on a dataset that is not Flipkart: the decision part
    renders, names the dataset's own categories where it names any, and never a Flipkart category."""
    import os
    import subprocess
    import sys

    pytest.importorskip("transformers")
    data = tmp_path / "other.csv"
    departments = _other_dataset(data)
    out = tmp_path / "out"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "veille", "run", "--data", str(data), "--text-col", "blurb", "--label-col", "dept",
         "--methods", "tfidf,char", "--quick", "--out", str(out), "--cache", str(tmp_path / "cache")],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    assert results["meta"]["methods_selected"] == ["tfidf_logreg", "tfidf_char_svm"]
    assert results["recommendation"] is None  # no technique under five years was run
    assert set(results["meta"]["classes"]) == set(departments)
    docs = _render(results, tmp_path / "docs")
    note = docs["note.md"]
    assert "## Décision" in note and "Aucune technique de moins de cinq ans" in note
    assert "other.csv" in docs["readme.md"]
    for flipkart in ("Watches", "Baby Care", "Home Decor", "montres"):
        assert all(flipkart not in text for text in docs.values()), flipkart
    # the scenario table has a row per size and a column per method run
    assert "| k (nouvelle catégorie) | TF-IDF | TF-IDF mots + caractères, SVM |" in note
    assert "{{" not in note and "{%" not in note


def test_decision_comes_first_and_renders_the_recommendation(committed, tmp_path):
    docs = _render(committed, tmp_path / "a")
    note, slides = docs["note.md"], docs["slides.html"]
    rec = committed["recommendation"]
    assert rec is not None and committed["meta"]["run_year"] - rec["release_year"] < 5
    label = next(e["label_fr"] for e in committed["methods"] if e["method"] == rec["method"])
    assert note.index("## Décision") < note.index("# Les preuves")
    assert f"**Ce que nous recommandons : {label}**" in note and str(rec["release_year"]) in note
    assert f"Décision : {label} ({rec['release_year']})" in slides
    first = re.findall(r"<section\b.*?</section>", slides, flags=re.S)[1]
    assert "Décision" in first  # the decision is the slide after the title
    # no "as good as" without the equivalence test, no unsupported wording from the second edition
    for text in (note, slides):
        assert "précision mesurable près" not in text and "avantage effacé" not in text
    for t in committed["scenario_tests"]["pairs"]:
        if t["equivalent"]:
            assert "démontrée (IC 90 %" in note
