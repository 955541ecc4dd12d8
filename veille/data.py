"""Loading and validating a labelled CSV of product texts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from veille.errors import VeilleError

DEFAULT_TEXT_COL = "description"
DEFAULT_LABEL_COL = "product_category_tree"
DEFAULT_NAME_COL = "product_name"

# `["Home Furnishing >> Curtains & Accessories >> ..."]` -> "Home Furnishing"
_TREE_PREFIX = re.compile(r'^\s*\[?\s*"?\s*')


@dataclass(frozen=True)
class LabelledTexts:
    """Texts per input variant (same row order) and their labels."""

    variants: dict[str, list[str]]
    labels: np.ndarray
    source: str
    text_col: str
    label_col: str

    @property
    def classes(self) -> list[str]:
        return sorted(set(self.labels.tolist()))

    @property
    def primary(self) -> str:
        return next(iter(self.variants))

    def __len__(self) -> int:
        return len(self.labels)


def extract_label(value: object) -> str:
    """First level of a category tree (`["A >> B >> C"]` -> `A`); other values are kept, stripped."""
    text = str(value).strip()
    if ">>" in text or text.startswith('["'):
        text = _TREE_PREFIX.sub("", text).split(">>")[0]
        text = text.rstrip().rstrip("]").rstrip().rstrip('"')
    return text.strip()


def load_labelled_texts(
    path: str | Path,
    text_col: str = DEFAULT_TEXT_COL,
    label_col: str = DEFAULT_LABEL_COL,
    name_col: str | None = DEFAULT_NAME_COL,
    min_per_class: int = 5,
    require_name: bool = False,
) -> LabelledTexts:
    """Read the CSV and return the text variants and labels, or raise a one-line VeilleError.

    The name variant (`name + description`) is added when `name_col` exists; if it is missing it is
    skipped unless `require_name` (the user asked for it explicitly).
    """
    path = Path(path)
    if not path.is_file():
        raise VeilleError(f"data file not found: {path}")
    if text_col == label_col:
        raise VeilleError(f"--text-col and --label-col are the same column ({text_col!r}): the label would leak")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise VeilleError(f"cannot read {path} as CSV: {str(exc).splitlines()[0]}") from None
    missing = [c for c in (text_col, label_col) if c not in frame.columns]
    if name_col and require_name and name_col not in frame.columns:
        missing.append(name_col)
    if missing:
        raise VeilleError(
            f"missing column(s) {', '.join(map(repr, missing))} in {path.name}; available: {', '.join(frame.columns[:20])}"
        )
    if frame.empty:
        raise VeilleError(f"{path.name} has no rows")

    texts = frame[text_col].astype(str).str.strip()
    empty = np.flatnonzero(texts.eq("").to_numpy())
    if len(empty):
        rows = ", ".join(str(i + 2) for i in empty[:5])  # +2: header line and 1-based numbering
        raise VeilleError(f"{len(empty)} empty text(s) in column {text_col!r} (CSV lines {rows}...)")
    labels = frame[label_col].map(extract_label)
    if labels.eq("").any():
        raise VeilleError(f"{int(labels.eq('').sum())} empty label(s) in column {label_col!r}")
    counts = labels.value_counts()
    if counts.size < 2:
        raise VeilleError(f"column {label_col!r} has a single class; at least 2 are needed")
    small = counts[counts < min_per_class]
    if len(small):
        worst = small.index[-1]
        raise VeilleError(
            f"class {worst!r} has {int(small.iloc[-1])} example(s); each class needs at least "
            f"{min_per_class} (cross-validation folds)"
        )

    variants = {text_col: texts.tolist()}
    if name_col and name_col in frame.columns:
        names = frame[name_col].astype(str).str.strip()
        variants[f"{name_col}+{text_col}"] = (names + ". " + texts).tolist()
    return LabelledTexts(
        variants=variants,
        labels=labels.to_numpy(dtype=object).astype(str),
        source=str(path),
        text_col=text_col,
        label_col=label_col,
    )


def subsample_per_class(data: LabelledTexts, limit: int | None, seed: int) -> LabelledTexts:
    """Keep at most `limit` rows per class (stratified, seeded), preserving the original row order."""
    if limit is None:
        return data
    rng = np.random.default_rng(seed)
    keep = []
    for cls in data.classes:
        rows = np.flatnonzero(data.labels == cls)
        keep.extend(rng.choice(rows, size=min(limit, len(rows)), replace=False).tolist())
    keep = np.sort(np.asarray(keep))
    return LabelledTexts(
        variants={k: [v[i] for i in keep] for k, v in data.variants.items()},
        labels=data.labels[keep],
        source=data.source,
        text_col=data.text_col,
        label_col=data.label_col,
    )
