"""Land-use codes (GB/T 21010-2017 + 三调工作分类): names, parents, the class inside permanent basic
farmland, normalisation of delivered codes and names of every era (二调 codes and names, 2001
《全国土地分类（过渡期间适用）》 names), the 二调 class 201–205 a code still carries.

Facts only: what a class *means* for a check (category, problem type, measure) lives in the rules.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterable

import numpy as np
import pandas as pd

#: The classes a land-use code can have inside permanent basic farmland (`in_pbf` of the code table).
PBF_CLASSES = ("ok", "infrastructure", "facility", "non_grain", "non_farm", "other")
#: The 三大类 of a code (`sanda` of the code table; 耕地 apart from the other 农用地): GB/T 21010-2017
#: 三大类对照表 and TD/T 1055-2019 表A.4 (the source is cited in the table's header).
SANDA_CLASSES = ("cultivated", "other_farmland", "construction", "unused")


@dataclass(frozen=True)
class LandUseCode:
    code: str
    name_zh: str
    name_en: str
    parent: str
    group: str
    in_pbf: str
    scheme: str
    sanda: str = ""

    @property
    def is_cultivated(self) -> bool:
        return self.code.startswith("01")


@lru_cache(maxsize=1)
def code_table() -> dict[str, LandUseCode]:
    """The packaged code table, keyed by code (`0101`, `1104A`, `203` …)."""
    text = resources.files("landcheck.data").joinpath("landuse_codes.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {
        r["code"]: LandUseCode(r["code"], r["name_zh"], r["name_en"], r["parent"], r["group"], r["in_pbf"], r["scheme"],
                               r.get("sanda") or "")
        for r in rows
    }


@lru_cache(maxsize=1)
def erdiao_table() -> dict[str, tuple[str, str]]:
    """二调 code → (二调 name, 三调 code)."""
    text = resources.files("landcheck.data").joinpath("erdiao_names.csv").read_text(encoding="utf-8")
    return {r["code_2nd"]: (r["name_2nd"], r["code_3rd"]) for r in csv.DictReader(text.splitlines())}


@dataclass(frozen=True)
class OldName:
    """A 2001 过渡期 land-use name: its 三调 code, the other codes it may mean, the source, a note."""

    name: str
    code: str
    alternatives: tuple[str, ...]
    source: str
    note: str


@lru_cache(maxsize=1)
def transition_table() -> dict[str, OldName]:
    """2001 《全国土地分类（过渡期间适用）》 name → `OldName` (names only: its 3-digit codes clash
    with the 二调 ones). Where a name may mean more than one class, the more cautious one is taken."""
    text = resources.files("landcheck.data").joinpath("transition_names.csv").read_text(encoding="utf-8")
    return {r["name_2001"]: OldName(r["name_2001"], r["code_3rd"], tuple(r["alternatives"].split()), r["source"],
                                    r["note"]) for r in csv.DictReader(text.splitlines())}


#: 二调 land classes of settlements and mining (城市, 建制镇, 村庄, 采矿用地, 风景名胜及特殊用地): 三调 made
#: them the CZCSXM attribute of construction land; a normalised DLBM keeps them as they are.
ERDIAO_SETTLEMENT_CODES = ("201", "202", "203", "204", "205")


def erdiao_class(code: str | None) -> str:
    """'201'..'205' when a normalised code is a 二调 settlement or mining class (construction land in
    二调), else ''."""
    return code if code in ERDIAO_SETTLEMENT_CODES else ""


@lru_cache(maxsize=1)
def _name_index() -> dict[str, str]:
    """Name → 三调 code: current names first, then 二调-era names (有林地, 村庄, 建制镇, 裸地 …), then
    2001 过渡期 names (灌溉水田, 菜地, 农村居民点 …)."""
    index: dict[str, str] = {}
    for code, (name, code3) in erdiao_table().items():
        index.setdefault(name, code3)
    leaves = [(c, e) for c, e in code_table().items() if len(c) >= 3 or c in ("09",)]  # not 一级 groupings
    # 城镇村属性码 (201…205) first, so that a land class of the same name wins (特殊用地 → 09, not 205)
    for code, entry in sorted(leaves, key=lambda ce: ce[1].parent != "20"):
        index[entry.name_zh] = code
    for name, old in transition_table().items():
        index.setdefault(name, old.code)
    return index


def lookup(code: str | None) -> LandUseCode | None:
    """The table entry of a normalised code, or None when unknown."""
    if code is None:
        return None
    return code_table().get(code)


def sanda(code: str | None) -> str:
    """The 三大类 of a normalised code (one of `SANDA_CLASSES`), '' when unknown or a grouping that spans
    more than one (04, 10, 11, 12)."""
    entry = lookup(code)
    return entry.sanda if entry else ""


def name_of(code: str | None) -> str | None:
    entry = lookup(code)
    return entry.name_zh if entry else None


def code_for_name(name: str | None) -> str | None:
    """三调 code for a land-use name (current or 二调-era), or None."""
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return None
    return _name_index().get(str(name).strip())


def pbf_class(code: str | None) -> str | None:
    """Class of a code inside permanent basic farmland (ok / infrastructure / facility / non_grain /
    non_farm / other), from the table's `in_pbf` column; None when the code is unknown."""
    entry = lookup(code)
    return entry.in_pbf if entry else None


_NUMERIC_FLOAT = re.compile(r"^(\d+)\.0+$")


def clean_code(raw) -> str | None:
    """Strip a delivered code, drop a float's `.0`, upper-case the suffix (`1104a` → `1104A`).
    Does not pad: padding depends on the layer (see `normalise_codes`)."""
    if raw is None or (isinstance(raw, float) and pd.isna(raw)):
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip().upper()
    if not text:
        return None
    m = _NUMERIC_FLOAT.match(text)
    return m.group(1) if m else text


@dataclass
class CodeReading:
    """How a layer's land-use codes were read."""

    codes: pd.Series
    note: str
    unknown: dict[str, int]
    from_names: int = 0
    #: names (DLMC) of rows without a code that match no known land-use name
    unknown_names: dict[str, int] = field(default_factory=dict)
    #: rows whose own name overruled the layer's reading of a 3-digit code
    by_own_name: int = 0
    #: old names (2001 过渡期) that may mean more than one class, read as the more cautious one → rows
    cautious_names: dict[str, int] = field(default_factory=dict)


def _pad(code: str) -> str:
    """Zero-pad a purely numeric 三调 code that lost its leading zero: `9` → `09`, `101` → `0101`,
    `201`-style suffixed codes such as `104A`→`0104A` are not real; only digits and K/A suffix handled."""
    m = re.match(r"^(\d+)([A-Z]?)$", code)
    if not m:
        return code
    digits, suffix = m.groups()
    if len(digits) == 1:
        return "0" + digits + suffix
    if len(digits) == 3:
        return "0" + digits + suffix
    return code


def _as_objects(values: Iterable) -> np.ndarray:
    """The values as a 1-d object array (a Series, an array or any iterable)."""
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype=object)
    values = list(values) if not isinstance(values, np.ndarray) else values
    arr = np.empty(len(values), dtype=object)
    arr[:] = list(values)
    return arr


def _clean_name(name) -> str | None:
    return None if (name is None or (isinstance(name, float) and pd.isna(name))) else str(name).strip()


def _distinct(values: np.ndarray, clean) -> tuple[list, np.ndarray]:
    """The distinct values after `clean` (values equal once cleaned are one entry; None for missing)
    and each row's index into them."""
    row_to_raw, raw = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    cleaned = pd.Series([clean(v) for v in raw], dtype=object)
    raw_to_distinct, distinct = pd.factorize(cleaned, use_na_sentinel=False)
    distinct = [None if v is None or (isinstance(v, float) and v != v) else v for v in distinct]
    return distinct, raw_to_distinct[row_to_raw] if len(row_to_raw) else np.empty(0, dtype=np.int64)


def normalise_codes(raw: Iterable, names: Iterable | None = None) -> CodeReading:
    """Normalise a layer's land-use codes (DLBM) with its names (DLMC) when present.

    * strip, upper-case suffix, `101.0` → `101`;
    * 1- and 3-digit codes: a 3-digit code is either a 二调 code (`101` 铁路用地, `203` 村庄) or a 三调 code
      that lost its leading zero (`101` → `0101` 水田). The layer decides as a whole, from its names
      where they are given, else from its other codes (4-digit 三调 codes beside them → lost zero);
    * a row whose own name fits exactly one reading of its code is read that way (`203` 村庄 in a
      layer read as 三调 stays `203`, not `0203` 橡胶园), and counted;
    * 二调 codes become their 三调 equivalents (`031` 有林地 → `0301`; `203` 村庄 stays `203`);
    * codes missing but a name given → the code of that name;
    * unknown codes are kept as they are and counted; so are names that give no code.
    """
    codes_in = _as_objects(raw)
    code_values, code_inv = _distinct(codes_in, clean_code)
    name_values, name_inv = _distinct(_as_objects(names) if names is not None else np.full(len(codes_in), None, dtype=object),
                                      _clean_name)
    # each distinct (code, name) pair once, with its number of rows: the decisions are the same for every row of a pair
    pair_ids, pair_inv = np.unique(code_inv.astype(np.int64) * max(len(name_values), 1) + name_inv, return_inverse=True)
    weights = np.bincount(pair_inv, minlength=len(pair_ids))
    pairs = [(code_values[i // max(len(name_values), 1)], name_values[i % max(len(name_values), 1)]) for i in pair_ids]
    table = code_table()
    erdiao = erdiao_table()
    distinct = [c for c in code_values if c is not None]
    short = [c for c in distinct if re.fullmatch(r"\d{1,3}", c) and not re.fullmatch(r"0\d", c)]  # `09` is already 三调
    reading = "none"
    if short:
        votes = Counter()
        for (code, name), w in zip(pairs, weights):
            if code is None or not re.fullmatch(r"\d{1,3}", code) or not name:
                continue
            if name_of(_pad(code)) == name:
                votes["3"] += int(w)
            if code.zfill(3) in erdiao and erdiao[code.zfill(3)][0] == name:
                votes["2"] += int(w)
        if votes:
            reading = "3" if votes["3"] >= votes["2"] else "2"
            basis = "its DLMC names"
        else:
            has_three_tiao = any(re.fullmatch(r"\d{4}[A-Z]?|0\d|\d{2}H\d[A-Z]?", c) for c in distinct)
            all_erdiao = all(c.zfill(3) in erdiao for c in short)
            reading = "3" if has_three_tiao or not all_erdiao else "2"
            basis = "its other codes" if has_three_tiao else "the code list"
    out = []
    from_names = 0
    by_own_name = 0
    unknown_names: Counter = Counter()
    cautious: Counter = Counter()
    old_names = transition_table()
    for (code, name), w in zip(pairs, weights):
        w = int(w)
        if code is None:
            guess = code_for_name(name)
            if guess is not None:
                from_names += w
                if name in old_names and old_names[name].alternatives and guess == old_names[name].code:
                    cautious[name] += w
            elif name:
                unknown_names[name] += w
            out.append(guess)
            continue
        if re.fullmatch(r"\d{1,3}", code) and not re.fullmatch(r"0\d", code):
            row = reading
            if name:
                fits3 = name_of(_pad(code)) == name
                fits2 = code.zfill(3) in erdiao and erdiao[code.zfill(3)][0] == name
                if fits3 != fits2:
                    row = "3" if fits3 else "2"
                    by_own_name += w * (row != reading)
            if row == "2" and code.zfill(3) in erdiao:
                code = erdiao[code.zfill(3)][1]
            else:
                code = _pad(code)
        out.append(code)
    per_pair = np.empty(len(out), dtype=object)
    per_pair[:] = out
    codes = pd.Series(per_pair[pair_inv] if len(codes_in) else np.empty(0, dtype=object), dtype="object")
    unknown = Counter()
    for c, w in zip(out, weights):
        if c is not None and c not in table:
            unknown[c] += int(w)
    if reading == "3":
        note = f"3-digit codes read as 三调 codes missing their leading zero (101 → 0101), judged from {basis}"
    elif reading == "2":
        note = f"3-digit codes read as 二调 codes and mapped to 三调 (031 有林地 → 0301), judged from {basis}"
    else:
        note = "codes read as given"
    if by_own_name:
        note += f"; {by_own_name} rows read the other way, as their own DLMC name says"
    if from_names:
        note += f"; {from_names} codes taken from land-use names"
    if cautious:
        note += "; " + "; ".join(
            f"{n} ×{k} read as {old_names[n].code} {name_of(old_names[n].code)} (may be "
            f"{' or '.join(old_names[n].alternatives)}; the more cautious class)" for n, k in cautious.most_common())
    if unknown_names:
        shown = ", ".join(f"{n} ×{k}" for n, k in unknown_names.most_common(10))
        note += f"; {sum(unknown_names.values())} rows have neither a code nor a known land-use name ({shown})"
    return CodeReading(codes=codes, note=note, unknown=dict(unknown), from_names=from_names,
                       unknown_names=dict(unknown_names), by_own_name=by_own_name, cautious_names=dict(cautious))
