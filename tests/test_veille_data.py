"""Data loading and validation of the veille benchmark: errors are one line with a non-zero exit."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from veille.data import extract_label, load_labelled_texts, subsample_per_class
from veille.errors import VeilleError

# Vendored in the repository (data/flipkart/README.md): a bare clone has it, nothing is skipped.
FLIPKART = Path(__file__).resolve().parents[1] / "data/flipkart/flipkart_com-ecommerce_sample_1050.csv"
ROOT = Path(__file__).resolve().parents[1]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "veille", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def _csv(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('["Home Furnishing >> Curtains & Accessories >> Curtains"]', "Home Furnishing"),
        ('["Baby Care >> Baby Bath & Skin"]', "Baby Care"),
        ('["Watches"]', "Watches"),
        ("Kitchen & Dining", "Kitchen & Dining"),
        ("  Computers ", "Computers"),
    ],
)
def test_extract_label_takes_first_level_of_category_tree(raw, expected):
    assert extract_label(raw) == expected


def test_flipkart_loads_seven_balanced_classes_and_two_variants():
    data = load_labelled_texts(FLIPKART)
    assert len(data) == 1050
    assert {c: int((data.labels == c).sum()) for c in data.classes} == dict.fromkeys(data.classes, 150)
    assert "Watches" in data.classes and "Baby Care" in data.classes
    assert list(data.variants) == ["description", "product_name+description"]
    # The label column is never an input.
    assert not any(">>" in t for t in data.variants["description"][:50])
    name_first = data.variants["product_name+description"][0]
    assert name_first.endswith(data.variants["description"][0])


def test_subsample_is_stratified_and_seeded(tmp_path):
    frame = pd.DataFrame({"description": [f"text {i}" for i in range(40)], "product_category_tree": ["a", "b"] * 20})
    data = load_labelled_texts(_csv(tmp_path, frame))
    small = subsample_per_class(data, 5, seed=1)
    assert sorted(small.labels.tolist()) == ["a"] * 5 + ["b"] * 5
    again = subsample_per_class(data, 5, seed=1)
    assert small.variants == again.variants
    assert subsample_per_class(data, 5, seed=2).variants != small.variants


def test_same_text_and_label_column_is_refused(tmp_path):
    frame = pd.DataFrame({"description": ["x"] * 10, "product_category_tree": ["a", "b"] * 5})
    with pytest.raises(VeilleError, match="leak"):
        load_labelled_texts(_csv(tmp_path, frame), text_col="description", label_col="description")


def test_vendored_sample_is_the_cli_default_and_carries_its_attribution():
    from veille.cli import VENDORED_FLIPKART, _parser

    assert VENDORED_FLIPKART == FLIPKART and FLIPKART.is_file()
    assert _parser().parse_args(["run", "--out", "o"]).data == str(FLIPKART)
    readme = (FLIPKART.parent / "README.md").read_text()
    assert "CC BY-SA 4.0" in readme and "PromptCloud" in readme and "creativecommons.org/licenses/by-sa/4.0" in readme
    import hashlib

    assert hashlib.sha256(FLIPKART.read_bytes()).hexdigest() in readme  # "changes: none" is checkable


def test_cli_missing_file(tmp_path):
    result = _cli("run", "--data", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: data file not found: {tmp_path / 'nope.csv'}"
    assert not (tmp_path / "out").exists()


def test_cli_missing_column_names_it_and_lists_available(tmp_path):
    frame = pd.DataFrame({"texte": ["a b c"] * 10, "categorie": ["x", "y"] * 5})
    result = _cli("run", "--data", str(_csv(tmp_path, frame)), "--out", str(tmp_path / "o"), "--text-col", "text")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "'text'" in lines[0] and "'product_category_tree'" in lines[0] and "texte" in lines[0]


def test_cli_class_with_too_few_examples(tmp_path):
    frame = pd.DataFrame(
        {"description": [f"item {i}" for i in range(13)], "product_category_tree": ["a"] * 10 + ["rare"] * 3}
    )
    result = _cli("run", "--data", str(_csv(tmp_path, frame)), "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: class 'rare' has 3 example(s); each class needs at least 5 (cross-validation folds)"
    ]


def test_cli_empty_texts(tmp_path):
    texts = [f"item {i}" for i in range(12)]
    texts[3] = "   "
    texts[7] = ""
    frame = pd.DataFrame({"description": texts, "product_category_tree": ["a", "b"] * 6})
    result = _cli("run", "--data", str(_csv(tmp_path, frame)), "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["error: 2 empty text(s) in column 'description' (CSV lines 5, 9...)"]


def test_cli_render_missing_results(tmp_path):
    result = _cli("render", "--results", str(tmp_path / "results.json"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: results file not found")


def test_labels_are_plain_strings(tmp_path):
    frame = pd.DataFrame({"description": ["t"] * 10, "product_category_tree": ['["A >> x"]', '["B >> y"]'] * 5})
    data = load_labelled_texts(_csv(tmp_path, frame))
    assert data.classes == ["A", "B"]
    assert isinstance(data.labels, np.ndarray)
