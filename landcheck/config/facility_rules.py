"""The rules of filed 设施农用地 records (rules.toml [facility]): the cutoff date of 自然资发〔2021〕166号,
the table that maps a record's facility type to planting / livestock / aquaculture, the values of its
是否破坏耕作层 field, and the words of each verdict, every word checked against the vocabulary.

Parses and validates the table; reads no record (checks/facilities.py applies it).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from ..errors import LandcheckError
from .words import vocabulary

#: What a record's facility type is: the kinds of 自然资规〔2019〕4号 (domain.md §3.5, §9.2), or unknown.
FACILITY_KINDS = ("planting", "livestock", "aquaculture", "unknown")
#: The verdicts of a record, strictest first: where records overlap, the first one wins. Errors first
#: (new 养殖 before new plough-breaking 种植: 166号 names 养殖 first), then the findings to verify
#: (a 养殖 record filed before the cutoff needs 补划, a record without a readable date may be either,
#: a type not in the table may be anything), then `allowed` (stays 农田配套设施).
FACILITY_VERDICTS = ("animal_new", "planting_breaking_new", "animal_before", "undated", "unknown_type", "allowed")


@dataclass(frozen=True)
class FacilityVerdict:
    """What a 1202 piece inside a record of this verdict is (rules.toml [facility.verdicts.<key>])."""

    key: str
    severity: str = ""
    problem_type: str = ""
    suggested_measure: str = ""

    @property
    def is_finding(self) -> bool:
        return self.key != "allowed"


@dataclass(frozen=True)
class FacilityRules:
    """rules.toml [facility], parsed: cutoff date, type table, plough-layer values, verdict words."""

    cutoff_date: dt.date
    exact: dict          # normalised type value → kind
    keywords: tuple      # ((normalised word, kind), …) in order: the first found inside the value wins
    plough_yes: frozenset
    plough_no: frozenset
    verdicts: dict       # verdict key → FacilityVerdict

    def kind_of(self, value: str) -> tuple[str, bool]:
        """(kind, matched) of a delivered facility type: the exact table first, then the first keyword
        found inside it. Blank or unmatched → ('unknown', False); a value the table maps to `unknown`
        explicitly (辅助设施) → ('unknown', True)."""
        text = normalise_text(value)
        if not text:
            return "unknown", False
        if text in self.exact:
            return self.exact[text], True
        for word, kind in self.keywords:
            if word in text:
                return kind, True
        return "unknown", False

    def breaks_plough(self, value: str) -> tuple[bool | None, bool]:
        """(breaks, readable) of a delivered 是否破坏耕作层 value: blank → (None, True); a value that is
        neither yes nor no → (None, False)."""
        text = normalise_text(value)
        if not text:
            return None, True
        if text in self.plough_yes:
            return True, True
        if text in self.plough_no:
            return False, True
        return None, False


def normalise_text(value) -> str:
    """A delivered value compared with the table: NFKC (full-width → half-width), no spaces, upper case."""
    return "".join(unicodedata.normalize("NFKC", str(value or "")).split()).upper()


def facility_rules(rules) -> FacilityRules:
    """The [facility] table of a `Rules` (its `data` and `source`), parsed and checked."""
    return parse_facility(rules.data.get("facility"), rules.source)


def parse_facility(table, source: str) -> FacilityRules:
    """rules.toml [facility] parsed; LandcheckError naming the file and the entry when it is wrong."""
    if not isinstance(table, dict):
        raise LandcheckError(f"{source}: [facility] is missing.")
    cutoff = _date(table.get("cutoff_date"), source)
    types = table.get("types") or {}
    exact = {}
    for value, kind in (types.get("exact") or {}).items():
        exact[normalise_text(value)] = _kind(kind, source, f"[facility.types.exact] '{value}'")
    keywords = []
    for k, pair in enumerate(types.get("keywords") or []):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair) and pair[0].strip()):
            raise LandcheckError(f"{source}: [facility.types] keywords[{k}] must be [\"word\", \"kind\"], not {pair!r}.")
        keywords.append((normalise_text(pair[0]), _kind(pair[1], source, f"[facility.types] keywords[{k}] '{pair[0]}'")))
    plough = table.get("plough_layer") or {}
    yes = frozenset(normalise_text(v) for v in plough.get("yes", []))
    no = frozenset(normalise_text(v) for v in plough.get("no", []))
    if not yes or not no or yes & no:
        raise LandcheckError(f"{source}: [facility.plough_layer] needs `yes` and `no` lists of values with none in both.")
    return FacilityRules(cutoff, exact, tuple(keywords), yes, no, _verdicts(table.get("verdicts") or {}, source))


def _date(value, source: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise LandcheckError(f"{source}: [facility] cutoff_date must be a date (2021-11-27), not {value!r}.") from None


def _kind(kind, source: str, where: str) -> str:
    if kind not in FACILITY_KINDS:
        raise LandcheckError(f"{source}: {where}: kind '{kind}' is not one of {', '.join(FACILITY_KINDS)}.")
    return kind


def _verdicts(table: dict, source: str) -> dict:
    vocab = vocabulary()
    unknown = sorted(set(table) - set(FACILITY_VERDICTS))
    if unknown:
        raise LandcheckError(f"{source}: [facility.verdicts] unknown verdict {', '.join(unknown)} "
                             f"(verdicts: {', '.join(FACILITY_VERDICTS)}).")
    out = {"allowed": FacilityVerdict("allowed")}
    for key in FACILITY_VERDICTS[:-1]:
        e = table.get(key)
        where = f"[facility.verdicts.{key}]"
        if not isinstance(e, dict):
            raise LandcheckError(f"{source}: {where} is missing.")
        v = FacilityVerdict(key, str(e.get("severity", "")), str(e.get("problem_type", "")),
                            str(e.get("suggested_measure", "")))
        if v.severity not in vocab.severities:
            raise LandcheckError(f"{source}: {where} severity '{v.severity}' is not one of {', '.join(vocab.severities)}.")
        if not vocab.knows_problem_type(v.problem_type):
            raise LandcheckError(f"{source}: {where} problem_type '{v.problem_type}' is not in the vocabulary.")
        if v.suggested_measure not in vocab.all_measures:
            raise LandcheckError(f"{source}: {where} suggested_measure '{v.suggested_measure}' is not in the vocabulary.")
        out[key] = v
    return out
