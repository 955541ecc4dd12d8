"""Readability of the French client letter (textstat's French formulas), over refused, review and granted clients.

    python -m benchmarks.letter_readability --out benchmarks/results/letter_readability.json

Kandel & Moles (1958), the French adaptation of Flesch: 207 − 1.015 × words per sentence − 73.6 × syllables
per word (textstat ``flesch_reading_ease`` with ``set_lang("fr")``; syllables from Pyphen's French
dictionary). Read like Flesch: 60-70 standard, 70-80 fairly easy, above 80 easy. LIX (words per sentence +
percentage of words over six letters; below 40 easy, 40-50 standard) is given as a second, language-neutral
measure. The text is the letter's ``main`` element as the client reads it (headings, decision, reasons,
options, rights, references).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from benchmarks.common import ROOT, save
from tests.letter_text import letter_sentences

KINDS = ("refused", "review", "granted")


def letters(artifacts: Path, per_kind: int, lang: str = "fr") -> dict[str, list[str]]:
    from app.config import Config
    from wsgi import create_app

    app = create_app(Config(artifacts_dir=artifacts, build_default=False))
    portfolio = app.server.config["services"].portfolio
    proba = np.asarray(portfolio.proba)
    low, high = portfolio.decision.grey_zone
    masks = {"refused": proba >= high, "review": (proba >= low) & (proba < high), "granted": proba < low}
    client = app.server.test_client()
    client.set_cookie("lang", lang)
    out: dict[str, list[str]] = {}
    for kind in KINDS:
        index = np.flatnonzero(masks[kind])
        chosen = index[np.linspace(0, len(index) - 1, min(per_kind, len(index))).astype(int)]
        out[kind] = [
            letter_sentences(client.get(f"/lettre?client={int(portfolio.ids[i])}").get_data(as_text=True)) for i in chosen
        ]
    return out


def measures(text: str) -> dict[str, float]:
    import textstat

    textstat.set_lang("fr")
    return {
        "kandel_moles": textstat.flesch_reading_ease(text),
        "lix": textstat.lix(text),
        "words_per_sentence": textstat.words_per_sentence(text),
        "syllables_per_word": textstat.avg_syllables_per_word(text),
        "words": textstat.lexicon_count(text),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifacts", type=Path, default=ROOT / "artifacts" / "bench-356255")
    parser.add_argument("--per-kind", type=int, default=30)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    texts = letters(args.artifacts, args.per_kind)
    result = {"formula": "Kandel-Moles (textstat flesch_reading_ease, lang fr) and LIX", "letters": {}}
    for kind, items in texts.items():
        values = [measures(t) for t in items]
        result["letters"][kind] = {
            "n": len(values),
            **{
                key: {
                    "mean": round(float(np.mean([v[key] for v in values])), 1),
                    "min": round(float(np.min([v[key] for v in values])), 1),
                    "max": round(float(np.max([v[key] for v in values])), 1),
                }
                for key in values[0]
            },
        }
        result["letters"][kind]["example"] = items[0]
    save(result, args.out)


if __name__ == "__main__":
    main()
