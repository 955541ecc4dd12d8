"""French number formatting and `Results`, the read-only view of results.json that the templates and the
figures read."""

from __future__ import annotations

import math

MINUS = "\u2212"
NNBSP = "\u202f"
EMBEDDINGS = ("minilm_logreg", "model2vec_logreg", "e5_logreg")
FROZEN = ("tfidf_logreg", *EMBEDDINGS)
SCENARIO_METHODS = ("tfidf_logreg", "tfidf_char_svm", *EMBEDDINGS)
# The detailed evidence sections compare these methods by name; a run without one of them (--methods)
# renders the generic, decision-first part only.
DETAILED = ("tfidf_logreg", *EMBEDDINGS)


def fr(value, digits: int = 3) -> str:
    """French number: decimal comma, narrow no-break space for thousands, true minus sign; '—' if missing.

    A value that rounds to zero is written without a sign (never '-0,000').
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", NNBSP).replace("-", MINUS)
    text = f"{value:,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        text = text.lstrip("-")
    return text.replace(",", NNBSP).replace(".", ",").replace("-", MINUS)


def signed(value, digits: int = 3) -> str:
    """A difference with its sign: '+0,105', '−0,012', '0,000'."""
    if value is None:
        return "—"
    text = fr(value, digits)
    return text if text.startswith(MINUS) or float(f"{value:.{digits}f}") == 0 else "+" + text


def pval(p) -> str:
    """'p < 0,001' or 'p = 0,123' (the comparison sign is part of the output)."""
    if p is None:
        return "p non calculable"
    return "p < 0,001" if p < 0.001 else f"p = {fr(p, 3)}"


def diff_ci(comp: dict | None, digits: int = 3) -> str:
    """'+0,105 [+0,072 ; +0,138]': mean difference and its 95 % interval."""
    if not comp:
        return "—"
    d, h = comp["mean_difference"], comp.get("diff_ci95")
    if h is None:
        return signed(d, digits)
    return f"{signed(d, digits)} [{signed(d - h, digits)} ; {signed(d + h, digits)}]"


def short(value) -> str:
    """A setting as written by hand: 10 rather than 10,000; 0,1 rather than 0,100."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return fr(int(value))
    return fr(float(value), 3).rstrip("0")


def ms(value) -> str:
    """Milliseconds: one decimal below 100 ms, none above."""
    return "—" if value is None else f"{fr(value, 1 if value < 100 else 0)} ms"


def approx(value) -> str:
    """A ratio to two significant figures ('about 420 times', not '424 times'); '—' if missing."""
    if value is None or value <= 0:
        return "—"
    digits = max(0, 1 - int(math.floor(math.log10(value))))
    rounded = round(value, digits)
    return fr(int(rounded)) if rounded >= 10 or digits == 0 else fr(float(rounded), digits)


def plural(n: int, one: str, many: str) -> str:
    return one if n <= 1 else many


class Results:
    """Read-only helpers over results.json for the templates."""

    def __init__(self, data: dict, warm: dict | None, quick: dict | None, cold: dict | None = None):
        self.data = data
        self.meta = data["meta"]
        self.warm = warm
        self.quick = quick
        self.cold = cold or data["meta"]
        self.cfg = self.meta["config"]
        self.primary = self.meta["primary_variant"]
        self.stripped = self.meta["stripped_variant"]
        self.variants = self.meta["variants"]
        self.second = next((v for v in self.variants if v not in (self.primary, self.stripped)), None)
        self.by = {(e["method"], e["variant"]): e for e in data["methods"]}
        self.best = self.meta["best_method"]
        self.best_embedding = self.meta["best_embedding"]

    # --- entries
    def m(self, method: str, variant: str | None = None) -> dict:
        return self.by[(method, variant or self.primary)]

    def has(self, method: str, variant: str | None = None) -> bool:
        return (method, variant or self.primary) in self.by

    def label(self, method: str) -> str:
        return self.m(method)["label_fr"]

    def frozen(self) -> list[dict]:
        return [self.m(x) for x in FROZEN if self.has(x)]

    def curve(self, method: str, k) -> dict | None:
        return self.m(method)["learning_curve"].get(str(k)) if self.has(method) else None

    def shots(self) -> list[int]:
        return sorted({int(k) for e in self.data["methods"] for k in e["learning_curve"] if int(k) > 0})

    def curve_shots(self) -> list[int]:
        return [k for k in self.shots() if self.curve("tfidf_logreg", k)]

    def test(self, task: str, a: str, b: str, shots=None, variant_a=None, variant_b=None) -> dict | None:
        va, vb = variant_a or self.primary, variant_b or variant_a or self.primary
        for c in self.data["comparisons"]:
            if (c["task"], c["a"], c["b"], c["variant_a"], c["variant_b"]) == (task, a, b, va, vb) and (
                shots is None or c.get("shots") == int(shots)
            ):
                return c
        return None

    @staticmethod
    def significant(comp: dict | None) -> bool:
        return bool(comp) and comp["p_value"] is not None and comp["p_value"] < 0.05

    @staticmethod
    def ci_excludes_zero(comp: dict | None) -> bool:
        return bool(comp) and comp.get("diff_ci95") is not None and abs(comp["mean_difference"]) > comp["diff_ci95"]

    def gap_closes_at(self, method: str) -> int | None:
        """Smallest size from which the method's lead over TF-IDF is no longer clear at any larger size."""
        sizes = self.curve_shots()
        for i, k in enumerate(sizes):
            if all(
                not (
                    self.ci_excludes_zero(c := self.test("curve", method, "tfidf_logreg", shots=j))
                    and c["mean_difference"] > 0
                )
                for j in sizes[i:]
            ):
                return k
        return None

    def setfit_shots(self) -> list[int]:
        return sorted(int(k) for k in self.m("setfit_minilm")["learning_curve"]) if self.has("setfit_minilm") else []

    def zero_shot(self, method: str) -> dict | None:
        return self.curve(method, 0) if self.has(method) else None

    def best_zero_shot(self) -> str | None:
        options = [m for m in ("zeroshot_minilm", "zeroshot_e5") if self.has(m)]
        return max(options, key=lambda m: self.zero_shot(m)["macro_f1_mean"]) if options else None

    def cost(self, method: str) -> dict | None:
        return self.data.get("costs", {}).get(method)

    def minutes(self, seconds) -> str:
        return fr(seconds / 60, 1) if seconds is not None else "—"

    def wall(self, run: dict | None) -> float | None:
        return run.get("command_wall_seconds", run.get("run_seconds")) if run else None

    def cue(self, when: str, cue: str, cls: str) -> float:
        return self.data["data"]["boilerplate"][f"cues_{when}"][cue][cls]

    def cue_overall(self, cue: str) -> float:
        """Share of all documents carrying the cue (the per-class shares weighted by class size)."""
        shares, sizes = self.data["data"]["boilerplate"]["cues_before"][cue], self.meta["classes"]
        return sum(shares[c] * n for c, n in sizes.items()) / sum(sizes.values())

    def cue_extremes(self, cue: str) -> tuple[str, str]:
        """The classes where a cue is most and least frequent (named from the data, never in a template)."""
        shares = self.data["data"]["boilerplate"]["cues_before"][cue]
        return max(shares, key=shares.get), min(shares, key=shares.get)

    # --- third edition: decision first
    @property
    def complete(self) -> bool:
        """True when every method the detailed sections name was run (a full default run)."""
        return all(self.has(m) for m in DETAILED) and self.best_embedding is not None

    @property
    def rec(self) -> dict | None:
        return self.data.get("recommendation")

    def scenario_methods(self) -> list[str]:
        return [m for m in SCENARIO_METHODS if self.has(m) and self.m(m).get("scenario")]

    def scenario_shots(self) -> list[int]:
        return sorted({int(k) for m in self.scenario_methods() for k in self.m(m)["scenario"]})

    def scen(self, method: str, k) -> dict | None:
        return self.m(method)["scenario"].get(str(k)) if self.has(method) else None

    def scenario_test(self, k, metric: str = "new_class_f1") -> dict | None:
        pairs = self.data.get("scenario_tests", {}).get("pairs", [])
        return next((t for t in pairs if t["k"] == int(k) and t["metric"] == metric), None)

    def budget(self, method: str) -> dict | None:
        return self.data.get("label_budget", {}).get(method)

    def per_million(self, method: str) -> dict | None:
        return self.m(method).get("per_million") if self.has(method) else None

    def setfit_estimate(self) -> dict | None:
        return self.m("setfit_minilm").get("protocol_estimate") if self.has("setfit_minilm") else None
