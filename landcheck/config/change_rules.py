"""The rules of the change checks (checks/changes): rules.toml [changes] (what each kind of change
against the baseline means) and [change_patches] (the suspected category of a change patch by its
图斑类型 TBLX), every word checked against the vocabulary.

Parses and validates tables; compares no layers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .. import landuse
from ..errors import LandcheckError
from .rules import Rules
from .words import vocabulary

#: Kinds of change, in report order (keys of rules.toml [changes]); `new_on_farmland` is the part of a
#: new_construction piece inside permanent basic farmland.
KINDS = ("new_construction", "new_on_farmland", "outflow", "inflow", "within_cultivated", "other")


@dataclass(frozen=True)
class ChangeKind:
    """What one kind of change means (rules.toml [changes.<kind>])."""

    key: str
    problem_type: str
    category: str = ""
    severity: str = ""
    suggested_measure: str = ""
    finding: bool = False
    by_class: bool = False


def change_kinds(rules: Rules) -> dict[str, ChangeKind]:
    """The kinds of change from the rules, checked against the vocabulary (LandcheckError if not)."""
    table = rules.data.get("changes") or {}
    vocab = vocabulary()
    out = {}
    for key in KINDS:
        e = table.get(key)
        if not isinstance(e, dict):
            raise LandcheckError(f"{rules.source}: [changes.{key}] is missing.")
        kind = ChangeKind(key=key, problem_type=str(e.get("problem_type", "")), category=str(e.get("category", "")),
                          severity=str(e.get("severity", "")), suggested_measure=str(e.get("suggested_measure", "")),
                          finding=bool(e.get("finding", False)), by_class=bool(e.get("by_class", False)))
        _check_words(rules.source, f"changes.{key}", kind.problem_type, kind.category, kind.severity,
                     kind.suggested_measure, kind.finding, vocab, need_category=not kind.by_class)
        out[key] = kind
    return out


def _check_words(source, where, problem_type, category, severity, measure, finding, vocab, need_category=True):
    if not vocab.knows_problem_type(problem_type):
        raise LandcheckError(f"{source}: [{where}] problem_type '{problem_type}' is not in the vocabulary.")
    if (category or need_category) and category not in vocab.categories:
        raise LandcheckError(f"{source}: [{where}] category '{category}' is not one of {', '.join(vocab.categories)}.")
    if finding and severity not in vocab.severities:
        raise LandcheckError(f"{source}: [{where}] severity '{severity}' is not one of {', '.join(vocab.severities)}.")
    if measure and measure not in vocab.all_measures:
        raise LandcheckError(f"{source}: [{where}] suggested_measure '{measure}' is not in the vocabulary.")


#: The causes of the year's 耕地 account (summary.json `cultivated_account`), out and in, in report order
#: (domain.md §9.5); `unclassified`: the other code is not in the code table. Words: labels cause_<key>.
OUT_CAUSES = ("to_other_farmland", "to_construction", "to_unused", "exempt_water", "exempt_ecological",
              "exempt_disaster", "unclassified_out")
IN_CAUSES = ("from_other_farmland", "from_construction", "from_unused", "unclassified_in")
#: Causes 166号 leaves out of 进出平衡 (国家安排的生态退耕, 自然灾害损毁, 河湖水面自然扩大).
EXEMPT_CAUSES = ("exempt_water", "exempt_ecological", "exempt_disaster")


@dataclass(frozen=True)
class AccountRules:
    """rules.toml [changes.account]: the codes 耕地 turns into that make an exempt cause (checked before
    the 三大类 of the new code): water (河湖水面, 1101/1102), ecological (生态退耕), disaster (灾毁)."""

    exempt_water: tuple[str, ...] = ("1101", "1102")
    exempt_ecological: tuple[str, ...] = ()
    exempt_disaster: tuple[str, ...] = ()


def account_rules(rules: Rules) -> AccountRules:
    """The exempt target codes of the 耕地 account (LandcheckError when a code is not a known land-use code)."""
    t = (rules.data.get("changes") or {}).get("account") or {}
    if not isinstance(t, dict):
        raise LandcheckError(f"{rules.source}: [changes.account] must be a table.")
    out = {}
    for key in ("exempt_water", "exempt_ecological", "exempt_disaster"):
        if key not in t:
            continue
        raw = t[key]
        if not isinstance(raw, list):
            raise LandcheckError(f"{rules.source}: [changes.account] {key} must be a list of land-use codes.")
        codes = tuple(str(c).strip() for c in raw)
        unknown = [c for c in codes if landuse.lookup(c) is None]
        if unknown:
            raise LandcheckError(f"{rules.source}: [changes.account] {key}: {', '.join(unknown)} "
                                 "not in the land-use code table.")
        out[key] = codes
    return AccountRules(**out)


@dataclass(frozen=True)
class PatchType:
    """One 图斑类型 TBLX of change patches (rules.toml [change_patches.tblx])."""

    code: str
    name: str
    category: str
    finding: bool


@dataclass(frozen=True)
class PatchRules:
    """rules.toml [change_patches]: TBLX → suspected category, and the words of every finding."""

    problem_type: str
    severity: str
    suggested_measure: str
    unknown_category: str
    types: dict  # normalised code → PatchType
    names: dict  # name or alias → code

    def classify(self, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(code, name, category, finding, known) of each delivered TBLX value; unique values looked
        up once. An unknown value keeps its text as code, gets `unknown_category`, and is a finding."""
        uniq, inv = np.unique(np.asarray(raw, dtype=object).astype(str), return_inverse=True)
        rows = [self.lookup(u) for u in uniq]
        cols = list(zip(*rows)) if rows else [(), (), (), (), ()]
        return tuple(np.asarray(c, dtype=(bool if k >= 3 else object))[inv] for k, c in enumerate(cols))

    def lookup(self, value: str) -> tuple[str, str, str, bool, bool]:
        code = normalise_tblx(value)
        t = self.types.get(code) or self.types.get(self.names.get(value.strip(), ""))
        if t is None:
            t = self.types.get(self.names.get(code, ""))
        if t is None:
            return code, "", self.unknown_category, True, False
        return t.code, t.name, t.category, t.finding, True


def normalise_tblx(value) -> str:
    """A delivered 图斑类型: stripped, upper case, `20.0` → `20`, one digit zero-padded (`1` → `01`)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().upper()
    m = re.fullmatch(r"(\d+)\.0+", text)
    if m:
        text = m.group(1)
    if re.fullmatch(r"\d", text):
        text = "0" + text
    return text


def change_patch_rules(rules: Rules) -> PatchRules:
    """The change-patch rules, checked against the vocabulary (LandcheckError if not)."""
    t = rules.data.get("change_patches") or {}
    vocab = vocabulary()
    where = "change_patches"
    pt, sev, measure = str(t.get("problem_type", "")), str(t.get("severity", "")), str(t.get("suggested_measure", ""))
    unknown = str(t.get("unknown_category", "other"))
    _check_words(rules.source, where, pt, unknown, sev, measure, True, vocab)
    types, names = {}, {}
    for code, e in (t.get("tblx") or {}).items():
        if isinstance(e, str):
            e = {"category": e}
        c = normalise_tblx(code)
        cat = str(e.get("category", ""))
        if cat not in vocab.categories:
            raise LandcheckError(f"{rules.source}: [change_patches.tblx] {code}: category '{cat}' is not one of "
                                 f"{', '.join(vocab.categories)}.")
        types[c] = PatchType(c, str(e.get("name", "")), cat, bool(e.get("finding", True)))
        for n in [e.get("name", ""), *e.get("aliases", [])]:
            if n:
                names[str(n).strip()] = c
                names[str(n).strip().upper()] = c
    return PatchRules(pt, sev, measure, unknown, types, names)
