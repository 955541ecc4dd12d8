"""The methods compared, their names on the command line and the input variants each is measured on."""

from __future__ import annotations

from veille.data import LabelledTexts
from veille.errors import VeilleError

METHODS = {
    "tfidf_logreg": {"label": "TF-IDF + LogReg", "label_fr": "TF-IDF", "family": "bag-of-words", "year": None},
    "tfidf_char_svm": {
        "label": "TF-IDF words + characters + linear SVM",
        "label_fr": "TF-IDF mots + caractères, SVM",
        "family": "bag-of-words",
        "year": None,
    },
    "minilm_logreg": {
        "label": "MiniLM frozen + LogReg",
        "label_fr": "MiniLM figé",
        "family": "sentence-transformer",
        "year": 2021,
    },
    "model2vec_logreg": {
        "label": "Model2Vec + LogReg",
        "label_fr": "Model2Vec",
        "family": "static distilled",
        "year": 2024,
    },
    "e5_logreg": {
        "label": "multilingual-E5-small 4-bit + LogReg",
        "label_fr": "E5 multilingue (4 bits)",
        "family": "multilingual sentence-transformer",
        "year": 2024,
    },
    "setfit_minilm": {
        "label": "SetFit (MiniLM)",
        "label_fr": "SetFit (MiniLM)",
        "family": "contrastive fine-tuning",
        "year": 2022,
    },
    "zeroshot_minilm": {
        "label": "Zero-shot MiniLM (category names)",
        "label_fr": "MiniLM sans étiquette",
        "family": "zero-shot",
        "year": 2021,
    },
    "zeroshot_e5": {
        "label": "Zero-shot E5 (category names)",
        "label_fr": "E5 sans étiquette",
        "family": "zero-shot",
        "year": 2024,
    },
}


FROZEN = ("tfidf_logreg", "tfidf_char_svm", "minilm_logreg", "model2vec_logreg", "e5_logreg")


CLASSIC = ("tfidf_logreg", "tfidf_char_svm")


EMBEDDINGS = ("minilm_logreg", "model2vec_logreg", "e5_logreg")


# Names accepted by `--methods` (short or full); zero-shot needs the encoder it uses.
ALIASES = {
    "tfidf": "tfidf_logreg",
    "char": "tfidf_char_svm",
    "svm": "tfidf_char_svm",
    "minilm": "minilm_logreg",
    "model2vec": "model2vec_logreg",
    "e5": "e5_logreg",
    "setfit": "setfit_minilm",
    "setfit-cost": "setfit_cost",
    "zeroshot": "zeroshot",
}


# Run only when asked for: SetFit's cost per optimisation step measured on a bounded run (no score),
# to state what the full protocol would cost when SetFit itself is skipped.
OPTIONAL = ("setfit_cost",)


ALL_METHODS = (
    "tfidf_logreg",
    "tfidf_char_svm",
    "minilm_logreg",
    "model2vec_logreg",
    "e5_logreg",
    "setfit_minilm",
    "zeroshot",
)


def parse_methods(text: str | None) -> tuple[str, ...]:
    """`--methods` value -> full method names in a fixed order; TF-IDF (the baseline) is always kept.

    A leading '-' skips a method: "-setfit" runs everything but SetFit.
    """
    if not text:
        return ALL_METHODS
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n.lstrip("-") not in ALIASES and n.lstrip("-") not in (*ALL_METHODS, *OPTIONAL)]
    if unknown:
        raise VeilleError(f"unknown method(s) {', '.join(unknown)}; choose among {', '.join(ALIASES)}")
    full = [ALIASES.get(n.lstrip("-"), n.lstrip("-")) for n in names]
    skip = {f for n, f in zip(names, full, strict=True) if n.startswith("-")}
    named = {f for n, f in zip(names, full, strict=True) if not n.startswith("-")}
    chosen = (set(ALL_METHODS) - skip) | named if skip else named
    if "tfidf_logreg" not in chosen:
        if "tfidf_logreg" in skip:
            raise VeilleError("TF-IDF is the baseline every comparison refers to: it cannot be skipped")
        chosen.add("tfidf_logreg")
    return tuple(m for m in (*ALL_METHODS, *OPTIONAL) if m in chosen)


STRIPPED_SUFFIX = ":stripped"


def method_variants(data: LabelledTexts, selected: tuple[str, ...] = ALL_METHODS) -> dict[str, list[str]]:
    """Which input variants each selected method is measured on (E5 and the SVM skip the name variant:
    CPU budget); a method not selected gets no variant."""
    stripped = data.primary + STRIPPED_SUFFIX
    everything = [*data.variants, stripped]
    wanted = {
        "tfidf_logreg": everything,
        "tfidf_char_svm": [data.primary, stripped],
        "minilm_logreg": everything,
        "model2vec_logreg": everything,
        "e5_logreg": [data.primary, stripped],
    }
    return {m: (v if m in selected else []) for m, v in wanted.items()}
