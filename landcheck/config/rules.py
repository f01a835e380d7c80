"""The packaged rules (landcheck/data/rules.toml) merged with a person's override file: thresholds,
and what each land-use class and planting attribute means inside permanent basic farmland, every
word checked against the vocabulary.

Parses and validates tables; applies no rule to a layer.
"""

from __future__ import annotations

import math

from dataclasses import dataclass
from pathlib import Path

from .. import landuse
from ..errors import LandcheckError
from .facility_rules import parse_facility
from .keys import ANY, DATE, NUMBER, check_keys
from .packaged import TOMLDecodeError, packaged_toml, parse_toml
from .words import vocabulary

#: Finding categories of the farmland rules, in report order.
CATEGORIES = ("cultivated", "non_grain_crop", "mixed_crop", "abandoned", "non_grain", "pond", "non_farm", "facility",
              "infrastructure", "other")
#: Categories that are not findings.
NOT_FINDINGS = ("cultivated", "infrastructure")

_WORDS = {"category": str, "severity": str, "problem_type": str, "suggested_measure": str}
_VERDICT = {"severity": str, "problem_type": str, "suggested_measure": str}
#: Every key a rules file may hold (packaged rules.toml and a --rules override): the farmland tables
#: parsed here, [facility] (facility_rules), [changes] and [change_patches] (change_rules).
RULES_KEYS = {
    "thresholds": {ANY: NUMBER},
    "classes": {ANY: {**_WORDS, "groups": {ANY: _WORDS}, "codes": {ANY: _WORDS}}},
    "planting": {ANY: _WORDS},
    "origin": {"settlement_codes": list,
               ANY: {o: {"severity": str, "suggested_measure": str, "note": str, "keep_recovery": bool}
                     for o in ("new", "existing", "unknown")}},
    "facility": {"cutoff_date": DATE, "plough_layer": {"yes": list, "no": list},
                 "types": {"exact": {ANY: str}, "keywords": list}, "verdicts": {ANY: _VERDICT}},
    "changes": {**{k: {**_WORDS, "finding": bool, "by_class": bool}
                   for k in ("new_construction", "new_on_farmland", "outflow", "inflow", "within_cultivated", "other")},
                "account": {"exempt_water": list, "exempt_ecological": list, "exempt_disaster": list}},
    "change_patches": {"problem_type": str, "severity": str, "suggested_measure": str, "unknown_category": str,
                       "tblx": {ANY: [str, {"name": str, "category": str, "finding": bool, "aliases": list}]}},
    "evidence": {"handheld_tolerance_m": NUMBER, "drone_tolerance_m": NUMBER, "direction_half_angle": NUMBER,
                 "nadir_pitch": NUMBER, "track_tolerance_m": NUMBER, "default_utc_offset": str, "max_file_mb": NUMBER,
                 "max_megapixels": NUMBER, "patrol_days": NUMBER},
    "supplement": {"unstable_codes": list, "steepest_grade": NUMBER, "min_area_m2": NUMBER, "min_width_m": NUMBER,
                   "adjacency_gap_m": NUMBER, "allow_abandoned": bool},
}


@dataclass(frozen=True)
class Rule:
    """What one land-use class means inside permanent basic farmland."""

    category: str
    severity: str = ""
    problem_type: str = ""
    suggested_measure: str = ""

    @property
    def is_finding(self) -> bool:
        return self.category not in NOT_FINDINGS


#: Upper bounds of thresholds beyond which a value is absurd (a 1e9 m sliver makes every finding a
#: sliver); shares are at most 1. Every threshold is a finite number, not negative.
THRESHOLD_MAX = {"sliver_width_m": 5.0, "min_area_m2": 100.0, "overlap_tolerance_m2": 100.0, "survey_gap_width_m": 50.0,
                 "survey_gap_area_m2": 1e6, "survey_gap_min_area_m2": 100.0, "tbmj_tolerance_m2": 100.0,
                 "tbmj_tolerance_pct": 100.0, "derived_area_tolerance_m2": 100.0, "rural_road_max_width_m": 50.0,
                 "kcxs_max": 1.0, "min_block_mu": 1e5, "gap_m": 1000.0, "min_coverage_share": 1.0,
                 "warn_coverage_share": 1.0, "max_dropped_share": 1.0}


def check_thresholds(thresholds: dict, source: str) -> None:
    """LandcheckError (naming file and key) unless every threshold is a finite number from 0 to its
    upper bound (THRESHOLD_MAX)."""
    for key, value in thresholds.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise LandcheckError(f"{source}: [thresholds] {key} must be a number, not {str(value)[:40]!r}.")
        top = THRESHOLD_MAX.get(key, float("inf"))
        if not math.isfinite(value) or value < 0 or value > top:
            raise LandcheckError(f"{source}: [thresholds] {key} = {value:.6g} is out of range: a finite number from 0"
                                 + (f" to {top:g}." if math.isfinite(top) else "."))


@dataclass
class Rules:
    """Packaged rules merged with an override file. Thresholds in metres / m² / mu."""

    data: dict
    source: str = "packaged"

    @property
    def sliver_width_m(self) -> float:
        return float(self.data["thresholds"]["sliver_width_m"])

    @property
    def min_area_m2(self) -> float:
        return float(self.data["thresholds"]["min_area_m2"])

    def threshold(self, name: str) -> float:
        return float(self.data["thresholds"][name])

    def for_class(self, pbf_class: str | None, group: str = "", code: str = "") -> Rule:
        """Rule of a non-cultivated class, refined by the code's group, then by the code itself.
        An unknown code (class None) is treated as class `other` (to verify)."""
        cls = self.data["classes"].get(pbf_class or "other") or self.data["classes"]["other"]
        merged = {k: v for k, v in cls.items() if k not in ("groups", "codes")}
        merged.update(cls.get("groups", {}).get(group, {}))
        merged.update(cls.get("codes", {}).get(code, {}))
        return Rule(**{k: merged.get(k, "") for k in ("category", "severity", "problem_type", "suggested_measure")})

    def for_code_class(self, code: str, zzsxdm: str | None = None) -> Rule:
        """Rule of a code's class (`for_class` with its class and group from the code table), the measure
        refined by the recovery attribute ZZSXDM (`refine_measure`)."""
        entry = landuse.lookup(code)
        r = self.for_class(entry.in_pbf if entry else None, entry.group if entry else "", code)
        return Rule(r.category, r.severity, r.problem_type, self.refine_measure(r.suggested_measure, zzsxdm))

    def for_patch(self, code: str, zzsxdm: str | None = None) -> Rule:
        """Rule of a survey patch: cultivated land (class ok) by its planting attribute, any other
        code by its class (`for_code_class`)."""
        entry = landuse.lookup(code)
        if entry is not None and entry.in_pbf == "ok":
            return self.for_planting(zzsxdm)
        return self.for_code_class(code, zzsxdm)

    def for_planting(self, zzsxdm: str | None) -> Rule:
        """Rule of cultivated land (01xx) by its planting attribute; blank or unknown → LS."""
        entry = self.data["planting"].get((zzsxdm or "LS").strip().upper()) or self.data["planting"]["LS"]
        return Rule(**{k: entry.get(k, "") for k in ("category", "severity", "problem_type", "suggested_measure")})

    def origin_override(self, category: str, origin: str) -> dict:
        """What [origin.CATEGORY.ORIGIN] sets for findings of that category and origin (severity,
        suggested_measure, note, keep_recovery); {} when nothing."""
        return dict(self.data.get("origin", {}).get(category, {}).get(origin, {}))

    @property
    def settlement_codes(self) -> tuple[str, ...]:
        """城镇村属性码 CZCSXM values that mark a settlement extent (存量 construction)."""
        return tuple(str(c) for c in self.data.get("origin", {}).get("settlement_codes", ()))

    def refine_measure(self, measure: str, recovery_code: str | None) -> str:
        """退园还耕 + ZZSXDM JKHF → 退园还耕（即可恢复）; other measures unchanged."""
        vocab = vocabulary()
        label = vocab.recovery.get((recovery_code or "").strip().upper())
        if label and measure in vocab.restorable_measures:
            return vocab.refined_measure(measure, label)
        return measure


def _deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_rules(path: str | Path | None = None) -> Rules:
    """The packaged rules, overridden by `path` (any subset of the same tables). Every category,
    severity, problem type and measure is checked against the vocabulary."""
    data = packaged_toml("rules.toml")
    source = "packaged"
    if path is not None:
        p = Path(path)
        if not p.exists():
            raise LandcheckError(f"{p}: rules file not found.")
        try:
            text = p.read_text(encoding="utf-8")
            override = parse_toml(text)
        except (TOMLDecodeError, UnicodeDecodeError) as exc:
            raise LandcheckError(f"{p}: not valid TOML ({exc}).") from None
        check_keys(override, RULES_KEYS, str(p), text)
        data = _deep_merge(data, override)
        source = str(p)
    _validate_rules(data, source)
    return Rules(data=data, source=source)


def _validate_rules(data: dict, source: str) -> None:
    vocab = vocabulary()
    entries = []
    for cname, cls in data.get("classes", {}).items():
        entries.append((f"classes.{cname}", cls))
        for sub in ("groups", "codes"):
            for k, v in cls.get(sub, {}).items():
                entries.append((f"classes.{cname}.{sub}.{k}", {**{x: cls.get(x) for x in ("category",)}, **v}))
    entries += [(f"planting.{k}", v) for k, v in data.get("planting", {}).items()]
    for cat, by_origin in data.get("origin", {}).items():
        if not isinstance(by_origin, dict):
            continue
        for origin, v in by_origin.items():
            if origin not in ("new", "existing", "unknown") or not isinstance(v, dict):
                raise LandcheckError(f"{source}: [origin.{cat}.{origin}] origin must be new, existing or unknown.")
            entries.append((f"origin.{cat}.{origin}", {"category": cat, **v}))
            if "note" in v and v["note"] not in vocab.all_measures:
                raise LandcheckError(f"{source}: [origin.{cat}.{origin}] note '{v['note']}' is not a measure of the vocabulary.")
    for where, e in entries:
        if e.get("category") not in CATEGORIES:
            raise LandcheckError(f"{source}: [{where}] category '{e.get('category')}' is not one of {', '.join(CATEGORIES)}.")
        if e.get("category") in NOT_FINDINGS:
            continue
        for key, allowed in (("problem_type", vocab.problem_types), ("suggested_measure", vocab.all_measures),
                             ("severity", vocab.severities)):
            if key not in e:
                continue
            # a numbered problem type may carry the township's own number (流转地块不足120亩)
            known = vocab.knows_problem_type(e[key]) if key == "problem_type" else e[key] in allowed
            if not known:
                raise LandcheckError(f"{source}: [{where}] {key} '{e[key]}' is not in the vocabulary ({', '.join(allowed)}).")
    check_thresholds(data.get("thresholds") or {}, source)
    if "facility" in data:
        parse_facility(data["facility"], source)
