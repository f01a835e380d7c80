"""Change detection (`landcheck survey`, issue 7 parts 3–4). Pure: GeoDataFrames in, changes +
findings + summary out; no printing, no files.

Two entry points:

* `compare_baseline(new, old, rules, farmland=None)` — this year's survey (年度变更调查) against the
  baseline survey. Every piece of ground (new patch ∩ old patch, from the overlay kernel
  `overlay.intersect_pairs`) whose land-use code DLBM differs is a *change*, with the new patch's id
  (`feature_id`), the old patch's id (`old_feature_id`), the codes before and after, its ellipsoidal
  area and, with a farmland layer, the part of it inside permanent basic farmland.
* `check_change_patches(patches, baseline, farmland, rules)` — 卫片 / 无人机 change patches (JCBH, TBLX,
  QSX, HSX; domain.md §5.2): each patch's area inside farmland and inside cultivated land of the
  baseline survey, and its suspected category from its 图斑类型 TBLX (the packaged rules'
  `[change_patches.tblx]`).

What counts as a change (decided for the land officer, see rules.toml `[changes]`):

* a change is a different DLBM (the full code, suffix K/A included: `0201` → `0201K` is a change of
  code). Pieces where either survey has no code are not judged: counted (`no_code_mu`);
* kinds (`kind` column; `change_type` is the Chinese word from the vocabulary):
  - `new_construction` 新增建设占用耕地: 耕地 (01xx) → a code whose class inside permanent basic
    farmland is `non_farm` (landuse.py `in_pbf`); its part inside farmland is 新增占用永久基本农田
    (`new_on_farmland`, severity error);
  - `outflow` 耕地流出: 耕地 → any other code that is not 耕地 (garden, forest, grass, ponds, 1202,
    1006, 1107, unused land, unknown codes);
  - `inflow` 耕地流入: any code that is not 耕地 → 耕地;
  - `within_cultivated` 耕地内部地类变化: one 耕地 code → another (0101 水田 → 0103 旱地): listed, not
    耕地流出/流入;
  - `other` 其他地类变化: any other change of code (0301 → 0601, 0201 → 0201K);
* findings (check `change`): new_construction (split: the part inside farmland is a
  新增占用永久基本农田 finding with the farmland's id, the rest a 新增建设占用耕地 finding) and outflow
  (one finding per piece; category and measure of the new code's class: 退园还耕, 退林还耕 …).
  耕地流入, 耕地内部地类变化 and 其他地类变化 are not violations: listed in the changes and counted, not
  findings (`finding = false` in the rules; an override file can change that);
* slivers: a changed piece thinner than `sliver_width_m` (2 × area / perimeter) or smaller than
  `min_area_m2` is boundary redrawing between the surveys, not a change: counted (`n_slivers`,
  `sliver_mu`), not listed. The part of a change inside (or outside) farmland that is a sliver is
  not split off: the change counts as wholly outside (or inside) farmland;
* coverage differences: ground only in the new survey (`new_only_mu`) or only in the old
  (`old_only_mu`), measured geometrically (`overlay.uncovered`), counted, and returned as the
  `coverage` frame (non-sliver parts).

The books balance: new layer area = unchanged + changes + slivers + no_code + new_only (and the same
for the old layer with old_only), within rounding when neither layer overlaps itself
(`summary["balance"]`).

All areas are ellipsoidal on CGCS2000 (`units.ellipsoidal_area`), worked out in the metric CRS of the
new layer (`units.metric_crs`); inputs may come in different CRSs. Rows keep unrounded m²; mu columns
are rounded half-up to 2 decimals; summary totals are rounded once from unrounded sums. Geometry
work is vectorised (shapely 2 arrays and the overlay kernel); Python loops run only over unique code
pairs and over the (few) findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import landuse, overlay, units
from ..columns import text_column, text_values
from ..config import Rules, vocabulary
from ..errors import LandcheckError
from ..findings import FINDING_COLUMNS, empty_findings, finding_keys, inside_points_lonlat, make_findings
from ..geometry import polygonal_part
from ..layers import FIELD_ALIASES
from .farmland import deoverlap, farmland_ids, with_feature_ids

CHECK = "change"
PATCH_CHECK = "change_patch"

#: Kinds of change, in report order (keys of rules.toml [changes]); `new_on_farmland` is the part of a
#: new_construction piece inside permanent basic farmland.
KINDS = ("new_construction", "new_on_farmland", "outflow", "inflow", "within_cultivated", "other")

#: Columns of the changes frame (plus geometry), one row per changed piece (non-sliver).
#: feature_id / old_feature_id: ids of the new and the old patch; from_* / to_*: code and name before
#: and after; change_type: the vocabulary's word for `kind`; severity: of its finding ("" when the kind
#: is not a finding; `error` for new construction with a part inside farmland); area_m2: ellipsoidal,
#: unrounded; in_farmland_m2: its part inside permanent basic farmland (NaN without a farmland layer);
#: farmland_id: the farmland patches it lies in ("、"-joined, largest share first); lon/lat: a point
#: inside it (EPSG:4490).
CHANGE_COLUMNS = [
    "feature_id", "old_feature_id", "from_dlbm", "from_dlmc", "to_dlbm", "to_dlmc", "kind", "change_type",
    "severity", "area_m2", "area_mu", "in_farmland_m2", "in_farmland_mu", "farmland_id", "village", "township",
    "lon", "lat",
]

#: Columns of the change-patch frame (plus geometry), one row per patch in file order.
#: patch_id: JCBH (监测编号) or the feature id when blank; tblx: the normalised 图斑类型, tblx_name its
#: name; category / category_label: the suspected category (rules [change_patches.tblx]);
#: in_farmland_m2 / in_cultivated_m2: parts inside permanent basic farmland / cultivated land of the
#: baseline (NaN without that layer); dlbm/dlmc: the baseline's code under most of the patch (else the
#: patch's own DLBM); is_finding: whether the patch became a finding.
PATCH_COLUMNS = [
    "patch_id", "feature_id", "tblx", "tblx_name", "category", "category_label", "qsx", "hsx", "area_m2", "area_mu",
    "in_farmland_m2", "in_farmland_mu", "in_cultivated_m2", "in_cultivated_mu", "dlbm", "dlmc", "farmland_id",
    "village", "township", "is_finding", "lon", "lat",
]

#: Ledger columns the findings carry beside FINDING_COLUMNS (ledger.TOOL_FIELDS): 原地类, 其中耕地面积,
#: 其中永久基本农田面积, 问题描述, 监测批次.
FINDING_EXTRA = ("orig_dlbm", "cultivated_m2", "pbf_m2", "description", "batch")

#: Fields of change-patch layers: the reader's aliases (layers.FIELD_ALIASES, for frames not read by
#: it), then fallbacks (a patch numbered in 图斑编号 reads as TBBH).
PATCH_FIELDS = {
    "JCBH": (*FIELD_ALIASES["JCBH"], "TBBH", "图斑编号"),
    "TBLX": FIELD_ALIASES["TBLX"],
    "QSX": FIELD_ALIASES["QSX"],
    "HSX": FIELD_ALIASES["HSX"],
    "BATCH": (*FIELD_ALIASES["JCPC"], "批次", "PC"),
    "DLBM": ("DLBM",),
    "ZLDWMC": ("ZLDWMC",),
}

Progress = Callable[[str, int, int], None]


@dataclass
class ChangeResult:
    """changes:  the changes frame (`CHANGE_COLUMNS`) or the change-patch frame (`PATCH_COLUMNS`), with
                 geometry in the CRS of the first input;
    findings: findings in the FINDING_COLUMNS schema (+ `FINDING_EXTRA`), same CRS;
    summary:  ready for summary.json;
    coverage: (compare_baseline) ground only in the new or only in the old survey, non-sliver parts:
              side (new_only / old_only), feature_id, dlbm, dlmc, area_m2, area_mu, geometry.
    notes:    warnings for a person (also in summary["warnings"])."""

    changes: gpd.GeoDataFrame
    findings: gpd.GeoDataFrame
    summary: dict
    coverage: gpd.GeoDataFrame | None = None
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------- rules
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


@dataclass(frozen=True)
class PatchType:
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


def patch_rules(rules: Rules) -> PatchRules:
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


# ----------------------------------------------------------------------------------------- helpers
def _to(df: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    return df.to_crs(crs) if df.crs != crs else df


def _date_text(df: pd.DataFrame, *names: str) -> np.ndarray:
    """A date field as text: dates as YYYYMMDD, anything else as delivered."""
    by_upper = {str(c).upper(): c for c in df.columns}
    for n in names:
        c = by_upper.get(n.upper())
        if c is None:
            continue
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            return np.array(["" if pd.isna(v) else f"{pd.Timestamp(v):%Y%m%d}" for v in s], dtype=object)
        return np.array([f"{v:%Y%m%d}" if hasattr(v, "strftime") else t for v, t in zip(s, text_values(s))],
                        dtype=object)
    return np.full(len(df), "", dtype=object)


def _names(codes: np.ndarray, own: np.ndarray) -> np.ndarray:
    """The code table's name of each code, else the layer's own DLMC."""
    uniq, inv = np.unique(codes.astype(str), return_inverse=True)
    table = np.array([landuse.name_of(c) or "" for c in uniq], dtype=object)[inv]
    return np.where(table == "", own, table)


def _village(df: pd.DataFrame) -> np.ndarray:
    v = text_column(df, "ZLDWMC", case_insensitive=True)
    return np.where(v == "", text_column(df, "QSDWMC", case_insensitive=True), v)


def _township(df: pd.DataFrame, township: str, rows: np.ndarray) -> np.ndarray:
    if township:
        return np.full(len(rows), township, dtype=object)
    return np.array([c[:9] for c in text_column(df, "ZLDWDM", case_insensitive=True)[rows]], dtype=object)


def _kcxs(df: pd.DataFrame) -> np.ndarray:
    if "KCXS" not in df.columns:
        return np.zeros(len(df))
    return pd.to_numeric(df["KCXS"], errors="coerce").fillna(0.0).clip(0, 1).to_numpy(dtype="float64")


def _polygons(geoms: np.ndarray) -> np.ndarray:
    """Polygonal part of each geometry (None when it has none); vectorised for the usual types."""
    geoms = np.asarray(geoms, dtype=object)
    out = np.full(len(geoms), None, dtype=object)
    if not len(geoms):
        return out
    tid = shapely.get_type_id(geoms)
    empty = shapely.is_empty(geoms)
    ok = np.isin(tid, (3, 6)) & ~empty
    out[ok] = geoms[ok]
    for k in np.flatnonzero((tid == 7) & ~empty):
        out[k] = polygonal_part(geoms[k])
    return out


def _lonlat(geoms: np.ndarray, crs) -> tuple[np.ndarray, np.ndarray]:
    if not len(geoms):
        return np.empty(0), np.empty(0)
    lon, lat = inside_points_lonlat(geoms, crs)
    return np.round(lon, 6), np.round(lat, 6)


@dataclass
class _Inside:
    """The part of each geometry inside a layer (snapped for slivers)."""

    m2: np.ndarray          # area inside (m², ellipsoidal)
    geom: np.ndarray        # the part inside (None: nothing; the geometry itself when wholly inside)
    out_geom: np.ndarray    # the part outside (None: nothing; the geometry itself when nothing inside)
    ids: np.ndarray         # the other layer's ids it lies in ("、"-joined, largest share first)


def _inside(geoms: np.ndarray, areas: np.ndarray, pieces: overlay.Pieces, piece_m2: np.ndarray, mask: np.ndarray | None,
            other_ids: np.ndarray, rules: Rules) -> _Inside:
    """The part of each of `geoms` inside the (non-overlapping) polygons that `pieces` pairs it with
    (`mask` over the pieces: which count). A part inside that is a sliver counts as outside, a part
    outside that is a sliver counts as inside: a boundary drawn a little differently in two layers does
    not split a piece of ground."""
    n = len(geoms)
    sel = np.ones(len(pieces), dtype=bool) if mask is None else mask
    ia, ib = pieces.ia[sel], pieces.ib[sel]
    pg = np.asarray(pieces.geometry, dtype=object)[sel]
    whole = np.asarray(pieces.whole, dtype=bool)[sel]
    pm = piece_m2[sel]
    m2 = np.minimum(np.bincount(ia, weights=pm, minlength=n), areas) if n else np.zeros(0)
    wholly = np.zeros(n, dtype=bool)
    wholly[ia[whole]] = True
    inside = np.full(n, None, dtype=object)
    outside = geoms.copy()
    part = np.flatnonzero((m2 > 0) & ~wholly)
    if len(part):
        remap = np.full(n, -1, dtype=np.int64)
        remap[part] = np.arange(len(part))
        m = remap[ia] >= 0
        gu = _polygons(overlay.group_union(pg[m], remap[ia[m]], len(part)))
        out = _polygons(shapely.difference(geoms[part], gu))
        out_m2 = np.maximum(areas[part] - m2[part], 0.0)
        in_sl = overlay.is_sliver(gu, m2[part], width_m=rules.sliver_width_m, min_area_m2=rules.min_area_m2)
        out_sl = ~in_sl & (shapely.is_missing(out) | overlay.is_sliver(out, out_m2, width_m=rules.sliver_width_m,
                                                                        min_area_m2=rules.min_area_m2))
        inside[part] = gu
        outside[part] = out
        m2[part[in_sl]] = 0.0
        inside[part[in_sl]] = None
        outside[part[in_sl]] = geoms[part[in_sl]]
        wholly[part[out_sl]] = True
    m2[wholly] = areas[wholly]
    inside[wholly] = geoms[wholly]
    outside[wholly] = None
    # ids of the polygons each lies in, largest share first (only where something is inside)
    ids = np.full(n, "", dtype=object)
    has = m2 > 0
    keep = has[ia] & (pm > 0)
    if keep.any():
        d = pd.DataFrame({"i": ia[keep], "id": other_ids[ib[keep]].astype(str), "a": pm[keep]})
        d = d.groupby(["i", "id"], sort=False)["a"].sum().reset_index()
        d = d.sort_values(["i", "a", "id"], ascending=[True, False, True], kind="stable")
        joined = d.groupby("i", sort=True)["id"].agg("、".join)
        ids[joined.index.to_numpy()] = joined.to_numpy(dtype=object)
    return _Inside(m2=m2, geom=inside, out_geom=outside, ids=ids)


def _farmland(farmland: gpd.GeoDataFrame | None, crs) -> tuple[np.ndarray | None, np.ndarray | None, int]:
    """Farmland polygons in `crs`, made non-overlapping (each square metre once), their ids, and the
    number of overlapping pairs."""
    if farmland is None:
        return None, None, 0
    if farmland.crs is None:
        raise ValueError("farmland needs a CRS")
    fm = _to(with_feature_ids(farmland), crs)
    geoms, overlaps, _ = deoverlap(fm.geometry.to_numpy())
    return geoms, farmland_ids(fm), len(overlaps)


def _inside_farmland(geoms, areas, f_geom, f_ids, crs, rules, threads, progress) -> _Inside:
    fp = overlay.intersect_pairs(geoms, f_geom, threads=threads, progress=progress)
    fa = np.empty(len(fp), dtype="float64")
    w = np.asarray(fp.whole, dtype=bool)
    fa[w] = areas[fp.ia[w]]
    fa[~w] = units.ellipsoidal_area(np.asarray(fp.geometry, dtype=object)[~w], crs)
    return _inside(geoms, areas, fp, fa, None, f_ids, rules)


def _label(progress: Progress | None, text: str):
    return progress and partial(progress, text)


def _pieces_for_uncovered(ia_b: np.ndarray, ia_a: np.ndarray, todo: np.ndarray, n_b: int) -> overlay.Pieces:
    """Pairs (a, b) restricted to the b's in `todo`, re-indexed into b[todo] (what overlay.uncovered needs)."""
    remap = np.full(n_b, -1, dtype=np.int64)
    remap[todo] = np.arange(len(todo))
    sel = remap[ia_b] >= 0
    k = int(sel.sum())
    return overlay.Pieces(ia=ia_a[sel], ib=remap[ia_b[sel]], geometry=np.full(k, None, dtype=object),
                          whole=np.zeros(k, dtype=bool))


def _uncovered(b: np.ndarray, a: np.ndarray, pair_b: np.ndarray, pair_a: np.ndarray, covered: np.ndarray,
               threads, progress) -> np.ndarray:
    """b minus the a's overlapping it, for the b's not known to be covered; None where covered."""
    out = np.full(len(b), None, dtype=object)
    todo = np.flatnonzero(~covered)
    if len(todo):
        res = overlay.uncovered(b[todo], a, pieces=_pieces_for_uncovered(pair_b, pair_a, todo, len(b)),
                                threads=threads, progress=progress)
        out[todo] = _polygons(res)
    return out


# ---------------------------------------------------------------------------------- classification
def change_kind(from_code: str, to_code: str) -> str:
    """The kind of change from one (different) code to another, see the module doc."""
    f_cult, t_cult = from_code.startswith("01"), to_code.startswith("01")
    if f_cult and t_cult:
        return "within_cultivated"
    if f_cult:
        return "new_construction" if landuse.pbf_class(to_code) == "non_farm" else "outflow"
    if t_cult:
        return "inflow"
    return "other"


def _kinds_of(from_codes: np.ndarray, to_codes: np.ndarray) -> np.ndarray:
    if not len(from_codes):
        return np.empty(0, dtype=object)
    pairs = pd.MultiIndex.from_arrays([from_codes.astype(str), to_codes.astype(str)])
    codes, uniq = pd.factorize(pairs)
    return np.array([change_kind(f, t) for f, t in uniq], dtype=object)[codes]


# ---------------------------------------------------------------------------------- compare_baseline
def compare_baseline(
    new: gpd.GeoDataFrame,
    old: gpd.GeoDataFrame,
    rules: Rules,
    farmland: gpd.GeoDataFrame | None = None,
    township: str = "",
    threads: int | None = None,
    progress: Progress | None = None,
) -> ChangeResult:
    """Compare the new survey patches with the baseline's (both with `DLBM`, optional DLMC, ZLDWMC,
    ZLDWDM, KCXS, ZZSXDM and `feature_id`, as `layers.read_layer(kind="survey", require_landuse=True)`
    gives them) and, with `farmland`, measure every change's part inside permanent basic farmland.
    Returns the changes (`CHANGE_COLUMNS`), the findings (check `change`), the coverage differences
    and the summary (see the module doc). `progress(label, done, total)` hears how far the overlays are."""
    if new.crs is None or old.crs is None:
        raise ValueError("the new and the old survey need a CRS")
    kinds = change_kinds(rules)
    new, old = with_feature_ids(new), with_feature_ids(old)
    crs = units.metric_crs(new.crs, tuple(new.total_bounds))
    nv, ov = _to(new, crs), _to(old, crs)
    ng, og = nv.geometry.to_numpy(), ov.geometry.to_numpy()
    n_code, o_code = text_column(nv, "DLBM", case_insensitive=True), text_column(ov, "DLBM", case_insensitive=True)
    n_area = units.ellipsoidal_area(ng, crs)
    o_area = units.ellipsoidal_area(og, crs)

    p = overlay.intersect_pairs(ng, og, threads=threads, progress=_label(progress, "新旧图斑套合"))
    ia, ib = p.ia, p.ib
    pg = np.asarray(p.geometry, dtype=object)
    whole = np.asarray(p.whole, dtype=bool)
    area = np.empty(len(ia), dtype="float64")
    area[whole] = n_area[ia[whole]]
    area[~whole] = units.ellipsoidal_area(pg[~whole], crs)

    fc, tc = o_code[ib], n_code[ia]
    no_code = (fc == "") | (tc == "")
    changed = ~no_code & (fc != tc)
    ci = np.flatnonzero(changed)
    sliver = overlay.is_sliver(pg[ci], area[ci], width_m=rules.sliver_width_m, min_area_m2=rules.min_area_m2) \
        if len(ci) else np.zeros(0, dtype=bool)
    keep, sliv = ci[~sliver], ci[sliver]
    kind = _kinds_of(fc[keep], tc[keep])

    # coverage: ground only in the new / only in the old survey (patches known covered are skipped:
    # a new patch inside one old patch; an old patch inside one new patch of the same area)
    new_covered = np.zeros(len(ng), dtype=bool)
    new_covered[ia[whole]] = True
    same = whole & np.isclose(shapely.area(ng[ia]), shapely.area(og[ib]), rtol=1e-9, atol=0.0) if len(ia) else whole
    old_covered = np.zeros(len(og), dtype=bool)
    old_covered[ib[same]] = True
    new_only = _uncovered(ng, og, ia, ib, new_covered, threads, _label(progress, "新图斑覆盖范围"))
    old_only = _uncovered(og, ng, ib, ia, old_covered, threads, _label(progress, "旧图斑覆盖范围"))
    new_only_m2 = units.ellipsoidal_area(new_only, crs)
    old_only_m2 = units.ellipsoidal_area(old_only, crs)

    # the part of each change inside permanent basic farmland
    f_geom, f_ids, n_overlaps = _farmland(farmland, crs)
    kg, ka = pg[keep], area[keep]
    if f_geom is not None:
        ins = _inside_farmland(kg, ka, f_geom, f_ids, crs, rules, threads, _label(progress, "变化图斑套合永久基本农田"))
    else:
        ins = _Inside(m2=np.full(len(keep), np.nan), geom=np.full(len(keep), None, dtype=object), out_geom=kg.copy(),
                      ids=np.full(len(keep), "", dtype=object))

    fid_new = nv["feature_id"].to_numpy(dtype=object).astype(str)
    fid_old = ov["feature_id"].to_numpy(dtype=object).astype(str)
    n_names = _names(n_code, text_column(nv, "DLMC", case_insensitive=True))
    o_names = _names(o_code, text_column(ov, "DLMC", case_insensitive=True))
    village = _village(nv)[ia[keep]]
    village = np.where(village == "", _village(ov)[ib[keep]], village)
    town = _township(nv, township, ia[keep])
    has_in = np.nan_to_num(ins.m2) > 0
    sev = np.array([kinds[k].severity if kinds[k].finding else "" for k in kind], dtype=object)
    if len(kind):
        nc_in = (kind == "new_construction") & has_in
        sev[nc_in] = kinds["new_on_farmland"].severity
    lon, lat = _lonlat(kg, crs)
    changes = gpd.GeoDataFrame({
        "feature_id": fid_new[ia[keep]], "old_feature_id": fid_old[ib[keep]],
        "from_dlbm": fc[keep], "from_dlmc": o_names[ib[keep]], "to_dlbm": tc[keep], "to_dlmc": n_names[ia[keep]],
        "kind": kind, "change_type": np.array([kinds[k].problem_type for k in kind], dtype=object), "severity": sev,
        "area_m2": ka, "area_mu": units.area_mu_array(ka), "in_farmland_m2": ins.m2, "in_farmland_mu": units.area_mu_array(ins.m2),
        "farmland_id": ins.ids, "village": village, "township": town, "lon": lon, "lat": lat,
    }, geometry=gpd.GeoSeries(kg, crs=crs))
    changes = changes[CHANGE_COLUMNS + ["geometry"]]

    findings = _change_findings(changes, ins, kinds, rules, nv, ia[keep], _kcxs(ov)[ib[keep]], crs)

    coverage = _coverage_frame(new_only, new_only_m2, old_only, old_only_m2, fid_new, fid_old, n_code, o_code,
                               n_names, o_names, rules, crs)
    parts = dict(
        new_m2=float(n_area.sum()), old_m2=float(o_area.sum()),
        unchanged_m2=float(area[~no_code & ~changed].sum()), changes_m2=float(ka.sum()),
        sliver_m2=float(area[sliv].sum()), no_code_m2=float(area[no_code].sum()),
        new_only_m2=float(new_only_m2.sum()), old_only_m2=float(old_only_m2.sum()),
    )
    counts = dict(n_new=len(nv), n_old=len(ov), n_slivers=len(sliv), n_no_code=int(no_code.sum()),
                  n_new_only=int((coverage["side"] == "new_only").sum()), n_old_only=int((coverage["side"] == "old_only").sum()),
                  farmland_overlaps=n_overlaps)
    kcxs = np.where(np.isin(kind, ("new_construction", "outflow")), _kcxs(ov)[ib[keep]],
                    np.where(kind == "inflow", _kcxs(nv)[ia[keep]], 0.0)) if len(kind) else np.zeros(0)
    summary = _change_summary(changes, findings, kinds, parts, counts, kcxs, f_geom is not None, rules)
    if new.crs != crs:
        changes, findings, coverage = changes.to_crs(new.crs), findings.to_crs(new.crs), coverage.to_crs(new.crs)
    return ChangeResult(changes=changes, findings=findings, summary=summary, coverage=coverage,
                        notes=list(summary["warnings"]))


def _class_rule(rules: Rules, code: str, zz: str):
    entry = landuse.lookup(code)
    r = rules.for_class(entry.in_pbf if entry else None, entry.group if entry else "", code)
    return r.category, rules.refine_measure(r.suggested_measure, zz)


def _change_findings(changes, ins: _Inside, kinds, rules, nv, new_rows, old_kcxs, crs) -> gpd.GeoDataFrame:
    """Findings of the changes: per piece of a finding kind; a new_construction piece is split into its
    part inside farmland (new_on_farmland) and the rest (new_construction)."""
    kind = changes["kind"].to_numpy(dtype=object)
    geoms = changes.geometry.to_numpy()
    area = changes["area_m2"].to_numpy(dtype="float64")
    in_m2 = np.nan_to_num(ins.m2)
    farm_known = np.isfinite(ins.m2)
    zz = text_column(nv, "ZZSXDM", case_insensitive=True)[new_rows]
    rows, part_kind, part_geom, part_m2, part_pbf, part_fid = [], [], [], [], [], []

    def add(idx, k, g, m2, pbf, fid):
        rows.append(idx)
        part_kind.append(np.full(len(idx), k, dtype=object))
        part_geom.append(g)
        part_m2.append(m2)
        part_pbf.append(pbf)
        part_fid.append(fid)

    nc = kind == "new_construction"
    if kinds["new_on_farmland"].finding:  # split: the part inside farmland, and the rest
        i = np.flatnonzero(nc & (in_m2 > 0))
        add(i, "new_on_farmland", ins.geom[i], in_m2[i], in_m2[i], ins.ids[i])
        if kinds["new_construction"].finding:
            i = np.flatnonzero(nc & (area - in_m2 > 0) & ~shapely.is_missing(ins.out_geom))
            add(i, "new_construction", ins.out_geom[i], area[i] - in_m2[i], np.where(farm_known[i], 0.0, np.nan),
                np.full(len(i), "", dtype=object))
    elif kinds["new_construction"].finding:  # one finding per piece, its farmland part in pbf_m2
        i = np.flatnonzero(nc)
        add(i, "new_construction", geoms[i], area[i], ins.m2[i], ins.ids[i])
    for k in ("outflow", "inflow", "within_cultivated", "other"):
        if kinds[k].finding:
            i = np.flatnonzero(kind == k)
            add(i, k, geoms[i], area[i], ins.m2[i], ins.ids[i])
    if not rows:
        return _with_extra(empty_findings(crs), {})
    idx = np.concatenate(rows)
    fk = np.concatenate(part_kind)
    g = np.concatenate(part_geom)
    m2 = np.concatenate(part_m2).astype("float64")
    pbf = np.concatenate(part_pbf).astype("float64")
    fid = np.concatenate(part_fid).astype(str)
    if not len(idx):
        return _with_extra(empty_findings(crs), {})
    order = np.lexsort((np.array([_FINDING_ORDER.index(k) for k in fk]), idx))
    idx, fk, g, m2, pbf, fid = idx[order], fk[order], g[order], m2[order], pbf[order], fid[order]

    ptype = np.array([kinds[k].problem_type for k in fk], dtype=object)
    category = np.array([kinds[k].category for k in fk], dtype=object)
    severity = np.array([kinds[k].severity for k in fk], dtype=object)
    measure = np.array([kinds[k].suggested_measure for k in fk], dtype=object)
    to_code = changes["to_dlbm"].to_numpy(dtype=object)[idx]
    by_class = np.array([kinds[k].by_class for k in fk], dtype=bool)
    cache: dict = {}
    for j in np.flatnonzero(by_class):
        key = (to_code[j], zz[idx[j]])
        if key not in cache:
            cache[key] = _class_rule(rules, *key)
        cat, m = cache[key]
        category[j] = cat or category[j] or "other"
        measure[j] = m or measure[j]
    c = changes.iloc[idx]
    from_code, from_name = c["from_dlbm"].to_numpy(dtype=object), c["from_dlmc"].to_numpy(dtype=object)
    to_name = c["to_dlmc"].to_numpy(dtype=object)
    patch = c["feature_id"].to_numpy(dtype=object)
    old_patch = c["old_feature_id"].to_numpy(dtype=object)
    lon, lat = _lonlat(g, crs)
    keys = finding_keys(CHECK, patch, [f"{f}|{o}|{k}" for f, o, k in zip(fid, old_patch, fk)], lon, lat)
    mu = units.area_mu_array(m2)
    from_cult = np.array([str(x).startswith("01") for x in from_code], dtype=bool)
    to_cult = np.array([str(x).startswith("01") for x in to_code], dtype=bool)
    cult = np.where(from_cult | to_cult, m2, np.nan)
    orig = np.array([f"{n}({cd})" if n else cd for n, cd in zip(from_name, from_code)], dtype=object)
    desc = np.array([
        ("永久基本农田内" if k == "new_on_farmland" else "") + f"{o}→{f'{tn}({tcd})' if tn else tcd} {x:.2f}亩"
        for k, o, tn, tcd, x in zip(fk, orig, to_name, to_code, mu)], dtype=object)
    data = {
        "finding_key": keys, "check": [CHECK] * len(idx), "problem_type": ptype, "category": category,
        "severity": severity, "suggested_measure": measure, "patch_id": patch, "farmland_id": fid,
        "dlbm": to_code, "dlmc": to_name, "village": c["village"].to_numpy(dtype=object),
        "township": c["township"].to_numpy(dtype=object), "area_m2": m2, "lon": lon, "lat": lat,
    }
    out = make_findings(data, g, crs)
    return _with_extra(out, {"orig_dlbm": orig, "cultivated_m2": cult, "pbf_m2": pbf, "description": desc,
                             "batch": np.full(len(idx), "", dtype=object)})


#: Order of the findings of one piece: its part inside farmland first.
_FINDING_ORDER = ("new_on_farmland", "new_construction", "outflow", "inflow", "within_cultivated", "other")


def _with_extra(findings: gpd.GeoDataFrame, extra: dict) -> gpd.GeoDataFrame:
    """Findings with the ledger's extra columns (`FINDING_EXTRA`) before the geometry."""
    out = findings.copy()
    n = len(out)
    for c in FINDING_EXTRA:
        default = np.full(n, np.nan) if c.endswith("_m2") else np.full(n, "", dtype=object)
        out[c] = extra.get(c, default)
    return out[list(FINDING_COLUMNS) + list(FINDING_EXTRA) + ["geometry"]]


def _coverage_frame(new_only, new_only_m2, old_only, old_only_m2, fid_new, fid_old, n_code, o_code, n_names, o_names,
                    rules, crs) -> gpd.GeoDataFrame:
    frames = []
    for side, g, m2, fid, code, name in (("new_only", new_only, new_only_m2, fid_new, n_code, n_names),
                                          ("old_only", old_only, old_only_m2, fid_old, o_code, o_names)):
        i = np.flatnonzero(m2 > 0)
        if len(i):
            i = i[~overlay.is_sliver(g[i], m2[i], width_m=rules.sliver_width_m, min_area_m2=rules.min_area_m2)]
        frames.append(pd.DataFrame({"side": np.full(len(i), side, dtype=object), "feature_id": fid[i], "dlbm": code[i],
                                    "dlmc": name[i], "area_m2": m2[i], "area_mu": units.area_mu_array(m2[i]), "geometry": g[i]}))
    df = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(df["geometry"].to_numpy(dtype=object), crs=crs))


def _change_summary(changes, findings, kinds, parts, counts, kcxs, has_farmland, rules) -> dict:
    kind = changes["kind"].to_numpy(dtype=object)
    area = changes["area_m2"].to_numpy(dtype="float64")
    in_m2 = np.nan_to_num(changes["in_farmland_m2"].to_numpy(dtype="float64"))
    out_m2 = float(area[kind == "outflow"].sum())
    in_c_m2 = float(area[kind == "inflow"].sum())
    nc_m2 = float(area[kind == "new_construction"].sum())
    nc_farm_m2 = float(in_m2[kind == "new_construction"].sum())
    tk = area * kcxs
    tiankan = {"cultivated_out": float(tk[kind == "outflow"].sum()), "cultivated_in": float(tk[kind == "inflow"].sum()),
               "new_construction_on_cultivated": float(tk[kind == "new_construction"].sum())}
    labels = {k: kinds[k].problem_type for k in KINDS if k != "new_on_farmland"}
    by_kind_m2 = {k: float(area[kind == k].sum()) for k in labels}
    by_kind_farm = {k: float(in_m2[kind == k].sum()) for k in labels}
    groups: dict[str, float] = {}
    out_rows = np.flatnonzero(kind == "outflow")
    if len(out_rows):
        to = changes["to_dlbm"].to_numpy(dtype=object)[out_rows]
        grp = np.array([(landuse.lookup(c).group if landuse.lookup(c) else "unknown") for c in to], dtype=object)
        for g_, a in pd.Series(area[out_rows]).groupby(grp).sum().items():
            groups[str(g_)] = float(a)
    accounted = parts["unchanged_m2"] + parts["changes_m2"] + parts["sliver_m2"] + parts["no_code_m2"]
    new_acc = accounted + parts["new_only_m2"]
    old_acc = accounted + parts["old_only_m2"]
    warnings = []
    if abs(parts["new_m2"] - new_acc) > max(0.01, 1e-7 * parts["new_m2"]) or \
            abs(parts["old_m2"] - old_acc) > max(0.01, 1e-7 * parts["old_m2"]):
        warnings.append("the areas do not add up: a survey layer has overlapping patches (counted twice); "
                        "check both layers with `landcheck survey`")
    if counts["farmland_overlaps"]:
        warnings.append(f"{counts['farmland_overlaps']} pairs of farmland polygons overlap: counted once")
    by_village: dict[str, dict] = {}
    if len(changes):
        df = pd.DataFrame({"v": changes["village"].replace("", "（未知）").to_numpy(dtype=object), "k": kind,
                           "a": area, "f": in_m2})
        for v, g in df.groupby("v", sort=True):
            by_village[str(v)] = {
                "n_changes": int(len(g)),
                "cultivated_out_mu": units.area_mu(g.loc[g["k"] == "outflow", "a"].sum()),
                "cultivated_in_mu": units.area_mu(g.loc[g["k"] == "inflow", "a"].sum()),
                "new_construction_on_cultivated_mu": units.area_mu(g.loc[g["k"] == "new_construction", "a"].sum()),
                "new_on_farmland_mu": units.area_mu(g.loc[g["k"] == "new_construction", "f"].sum()) if has_farmland else None,
            }
    f_types = findings["problem_type"].to_numpy(dtype=object) if len(findings) else np.empty(0, dtype=object)
    return {
        "check": CHECK,
        "n_new": counts["n_new"], "n_old": counts["n_old"],
        "new_mu": units.area_mu(parts["new_m2"]), "old_mu": units.area_mu(parts["old_m2"]),
        "n_changes": int(len(changes)), "changes_mu": units.area_mu(parts["changes_m2"]),
        "cultivated_out_mu": units.area_mu(out_m2), "cultivated_in_mu": units.area_mu(in_c_m2),
        "net_mu": units.area_mu(in_c_m2 - out_m2),
        "cultivated_change_mu": units.area_mu(in_c_m2 - out_m2 - nc_m2),
        "new_construction_on_cultivated_mu": units.area_mu(nc_m2),
        "new_on_farmland_mu": units.area_mu(nc_farm_m2) if has_farmland else None,
        "cultivated_out_by_group_mu": {g_: units.area_mu(a) for g_, a in sorted(groups.items())},
        "n_by_type": {labels[k]: int((kind == k).sum()) for k in labels},
        "mu_by_type": {labels[k]: units.area_mu(by_kind_m2[k]) for k in labels},
        "in_farmland_mu_by_type": {labels[k]: units.area_mu(by_kind_farm[k]) for k in labels} if has_farmland else None,
        "unchanged_mu": units.area_mu(parts["unchanged_m2"]),
        "n_slivers": counts["n_slivers"], "sliver_mu": units.area_mu(parts["sliver_m2"]),
        "n_no_code": counts["n_no_code"], "no_code_mu": units.area_mu(parts["no_code_m2"]),
        "n_new_only": counts["n_new_only"], "new_only_mu": units.area_mu(parts["new_only_m2"]),
        "n_old_only": counts["n_old_only"], "old_only_mu": units.area_mu(parts["old_only_m2"]),
        "tiankan_mu": {k: units.area_mu(v) for k, v in tiankan.items()},
        "n_findings": int(len(findings)),
        "findings_mu": units.area_mu(float(findings["area_m2"].sum())) if len(findings) else 0.0,
        "n_findings_by_type": {t: int((f_types == t).sum()) for t in dict.fromkeys(f_types)},
        "areas_m2": {
            **{k: v for k, v in parts.items()},
            "cultivated_out": out_m2, "cultivated_in": in_c_m2, "net": in_c_m2 - out_m2,
            "cultivated_change": in_c_m2 - out_m2 - nc_m2,
            "new_construction_on_cultivated": nc_m2, "new_on_farmland": nc_farm_m2 if has_farmland else None,
            "by_kind": by_kind_m2, "in_farmland_by_kind": by_kind_farm if has_farmland else None,
            "cultivated_out_by_group": groups, "tiankan": tiankan,
            "findings": float(findings["area_m2"].sum()) if len(findings) else 0.0,
        },
        "balance": {
            "new_m2": round(parts["new_m2"], 2), "new_accounted_m2": round(new_acc, 2),
            "new_difference_m2": round(parts["new_m2"] - new_acc, 4) + 0.0,
            "old_m2": round(parts["old_m2"], 2), "old_accounted_m2": round(old_acc, 2),
            "old_difference_m2": round(parts["old_m2"] - old_acc, 4) + 0.0,
        },
        "has_farmland": has_farmland, "farmland_overlaps": counts["farmland_overlaps"],
        "thresholds": {"sliver_width_m": rules.sliver_width_m, "min_area_m2": rules.min_area_m2},
        "by_village": by_village,
        "warnings": warnings,
    }


# ------------------------------------------------------------------------------ change patches
def check_change_patches(
    patches: gpd.GeoDataFrame,
    baseline: gpd.GeoDataFrame | None,
    farmland: gpd.GeoDataFrame | None,
    rules: Rules,
    township: str = "",
    threads: int | None = None,
    progress: Progress | None = None,
) -> ChangeResult:
    """卫片 / 无人机 change patches (JCBH, TBLX, QSX, HSX or their Chinese names; `feature_id`) against
    the baseline survey (cultivated land = DLBM 01xx) and permanent basic farmland. Every patch is a
    row of `changes` (`PATCH_COLUMNS`); a patch is a finding (check `change_patch`, problem type and
    severity from rules [change_patches], category = the suspected category of its TBLX) when its TBLX
    is one to verify (`finding`, default true) and it lies on cultivated land or farmland (beyond
    slivers); with neither layer given, every such patch is a finding. Patches on neither are counted
    in the summary (`n_outside`, `outside_mu`)."""
    if patches.crs is None:
        raise ValueError("the change patches need a CRS")
    if baseline is not None and baseline.crs is None:
        raise ValueError("the baseline survey needs a CRS")
    pr = patch_rules(rules)
    vocab = vocabulary()
    patches = with_feature_ids(patches)
    crs = units.metric_crs(patches.crs, tuple(patches.total_bounds))
    pv = _to(patches, crs)
    g = pv.geometry.to_numpy()
    area = units.ellipsoidal_area(g, crs)
    n = len(pv)
    fids = pv["feature_id"].to_numpy(dtype=object).astype(str)
    jcbh = text_column(pv, *PATCH_FIELDS["JCBH"], case_insensitive=True)
    patch_id = np.where(jcbh != "", jcbh, fids)
    tblx_raw = text_column(pv, *PATCH_FIELDS["TBLX"], case_insensitive=True)
    tblx, tblx_name, category, tblx_finding, known = pr.classify(tblx_raw) if n else (np.empty(0, object),) * 3 + (np.empty(0, bool),) * 2
    qsx, hsx = _date_text(pv, *PATCH_FIELDS["QSX"]), _date_text(pv, *PATCH_FIELDS["HSX"])
    batch = text_column(pv, *PATCH_FIELDS["BATCH"], case_insensitive=True)
    own_code = text_column(pv, "DLBM", case_insensitive=True)  # the reader normalises DLBM wherever a layer has one

    # farmland
    f_geom, f_ids, n_overlaps = _farmland(farmland, crs)
    if f_geom is not None:
        fin = _inside_farmland(g, area, f_geom, f_ids, crs, rules, threads, _label(progress, "卫片图斑套合永久基本农田"))
    else:
        fin = _Inside(np.full(n, np.nan), np.full(n, None, dtype=object), g.copy(), np.full(n, "", dtype=object))

    # baseline: cultivated part, and the code and village under most of the patch
    dom_code = own_code.copy()
    dom_name = _names(own_code, text_column(pv, "DLMC", case_insensitive=True))
    village = text_column(pv, "ZLDWMC", case_insensitive=True)
    town = _township(pv, township, np.arange(n))
    if baseline is not None:
        bv = _to(with_feature_ids(baseline), crs)
        bg = bv.geometry.to_numpy()
        b_code = text_column(bv, "DLBM", case_insensitive=True)
        bp = overlay.intersect_pairs(g, bg, threads=threads, progress=_label(progress, "卫片图斑套合地类图斑"))
        pa = np.empty(len(bp), dtype="float64")
        w = np.asarray(bp.whole, dtype=bool)
        pa[w] = area[bp.ia[w]]
        pa[~w] = units.ellipsoidal_area(np.asarray(bp.geometry, dtype=object)[~w], crs)
        cult = np.array([c.startswith("01") for c in b_code], dtype=bool)
        cin = _inside(g, area, bp, pa, cult[bp.ib], bv["feature_id"].to_numpy(dtype=object), rules)
        in_cult = cin.m2
        if len(bp):
            order = np.lexsort((-pa, bp.ia))
            first = order[np.r_[True, bp.ia[order][1:] != bp.ia[order][:-1]]]
            rows = bp.ia[first]
            b_names = _names(b_code, text_column(bv, "DLMC", case_insensitive=True))
            dom_code[rows] = b_code[bp.ib[first]]
            dom_name[rows] = b_names[bp.ib[first]]
            bvill = _village(bv)[bp.ib[first]]
            village[rows] = np.where(village[rows] == "", bvill, village[rows])
            if not township:
                btown = np.array([c[:9] for c in text_column(bv, "ZLDWDM", case_insensitive=True)[bp.ib[first]]], dtype=object)
                town[rows] = np.where(town[rows] == "", btown, town[rows])
    else:
        in_cult = np.full(n, np.nan)

    have_layers = f_geom is not None or baseline is not None
    touches = (np.nan_to_num(fin.m2) > 0) | (np.nan_to_num(in_cult) > 0)
    is_finding = tblx_finding & (touches if have_layers else np.ones(n, dtype=bool))
    labels = np.array([vocab.category_label(c) for c in category], dtype=object)
    lon, lat = _lonlat(g, crs)
    frame = gpd.GeoDataFrame({
        "patch_id": patch_id, "feature_id": fids, "tblx": tblx, "tblx_name": tblx_name, "category": category,
        "category_label": labels, "qsx": qsx, "hsx": hsx, "area_m2": area, "area_mu": units.area_mu_array(area),
        "in_farmland_m2": fin.m2, "in_farmland_mu": units.area_mu_array(fin.m2), "in_cultivated_m2": in_cult,
        "in_cultivated_mu": units.area_mu_array(in_cult), "dlbm": dom_code, "dlmc": dom_name, "farmland_id": fin.ids,
        "village": village, "township": town, "is_finding": is_finding, "lon": lon, "lat": lat,
    }, geometry=gpd.GeoSeries(g, crs=crs))[PATCH_COLUMNS + ["geometry"]]

    findings = _patch_findings(frame, pr, batch, tblx_raw, crs)
    summary = _patch_summary(frame, findings, tblx_raw, known, jcbh, f_geom is not None, baseline is not None,
                             have_layers, n_overlaps, pr.unknown_category)
    if patches.crs != crs:
        frame, findings = frame.to_crs(patches.crs), findings.to_crs(patches.crs)
    return ChangeResult(changes=frame, findings=findings, summary=summary, notes=list(summary["warnings"]))


def _patch_findings(frame, pr: PatchRules, batch, tblx_raw, crs) -> gpd.GeoDataFrame:
    i = np.flatnonzero(frame["is_finding"].to_numpy(dtype=bool))
    if not len(i):
        return _with_extra(empty_findings(crs), {})
    f = frame.iloc[i]
    k = len(i)
    mu, fmu, cmu = f["area_mu"].to_numpy(), f["in_farmland_mu"].to_numpy(), f["in_cultivated_mu"].to_numpy()
    code, name = f["dlbm"].to_numpy(dtype=object), f["dlmc"].to_numpy(dtype=object)
    orig = np.array([f"{nm}({cd})" if nm and cd else (nm or cd) for nm, cd in zip(name, code)], dtype=object)
    desc = []
    for t, tn, raw, a, fm_, cm_, q, h in zip(f["tblx"], f["tblx_name"], tblx_raw[i], mu, fmu, cmu, f["qsx"], f["hsx"]):
        what = f"{tn}({t})" if tn else (raw or "图斑类型未填")
        parts = [f"卫片图斑 {what} {a:.2f}亩"]
        inner = [f"耕地 {c:.2f}亩" for c in (cm_,) if np.isfinite(c)] + [f"永久基本农田 {x:.2f}亩" for x in (fm_,) if np.isfinite(x)]
        if inner:
            parts.append("其中" + "、".join(inner))
        if q or h:
            parts.append(f"前时相 {q or '—'} 后时相 {h or '—'}")
        desc.append("，".join(parts))
    data = {
        "check": [PATCH_CHECK] * k, "problem_type": [pr.problem_type] * k, "category": f["category"].to_numpy(dtype=object),
        "severity": [pr.severity] * k, "suggested_measure": [pr.suggested_measure] * k,
        "patch_id": f["patch_id"].to_numpy(dtype=object), "farmland_id": f["farmland_id"].to_numpy(dtype=object),
        "dlbm": code, "dlmc": name, "village": f["village"].to_numpy(dtype=object),
        "township": f["township"].to_numpy(dtype=object), "area_m2": f["area_m2"].to_numpy(dtype="float64"),
        "lon": f["lon"].to_numpy(), "lat": f["lat"].to_numpy(),
    }
    out = make_findings(data, f.geometry.to_numpy(), crs)
    return _with_extra(out, {"orig_dlbm": orig, "cultivated_m2": f["in_cultivated_m2"].to_numpy(dtype="float64"),
                             "pbf_m2": f["in_farmland_m2"].to_numpy(dtype="float64"),
                             "description": np.array(desc, dtype=object), "batch": batch[i]})


def _patch_summary(frame, findings, tblx_raw, known, jcbh, has_farmland, has_baseline, have_layers, n_overlaps,
                   unknown_category) -> dict:
    area = frame["area_m2"].to_numpy(dtype="float64")
    fm = frame["in_farmland_m2"].to_numpy(dtype="float64")
    cu = frame["in_cultivated_m2"].to_numpy(dtype="float64")
    fin = frame["is_finding"].to_numpy(dtype=bool)
    touches = (np.nan_to_num(fm) > 0) | (np.nan_to_num(cu) > 0)
    outside = ~touches if have_layers else np.zeros(len(frame), dtype=bool)
    cat = frame["category"].to_numpy(dtype=object)
    by_cat = {}
    for c in dict.fromkeys(cat):
        m = cat == c
        by_cat[str(c)] = {
            "label": vocabulary().category_label(c), "n": int(m.sum()), "mu": units.area_mu(area[m].sum()),
            "in_farmland_mu": units.area_mu(np.nansum(fm[m])) if has_farmland else None,
            "in_cultivated_mu": units.area_mu(np.nansum(cu[m])) if has_baseline else None,
            "n_findings": int((m & fin).sum()),
        }
    tb = frame["tblx"].to_numpy(dtype=object)
    by_tblx = {str(t): int((tb == t).sum()) for t in sorted(set(tb), key=str)}
    unknown = {}
    for raw in np.asarray(tblx_raw, dtype=object)[~np.asarray(known, dtype=bool)]:
        unknown[str(raw)] = unknown.get(str(raw), 0) + 1
    ids = frame["patch_id"].to_numpy(dtype=object)
    dup = sorted({str(x) for x in pd.Series(ids)[pd.Series(ids).duplicated()]})
    warnings = []
    if unknown:
        warnings.append(f"{sum(unknown.values())} patches have a 图斑类型 TBLX that the rules do not know "
                        f"({', '.join(sorted(unknown)[:10])}): suspected '{unknown_category}' "
                        "— add them to [change_patches.tblx] in a rules file")
    if dup:
        warnings.append(f"{len(dup)} 监测编号 JCBH occur more than once ({', '.join(dup[:10])})")
    if n_overlaps:
        warnings.append(f"{n_overlaps} pairs of farmland polygons overlap: counted once")
    if not have_layers:
        warnings.append("neither a baseline survey nor a farmland layer was given: every patch to verify is a finding")
    by_village: dict[str, dict] = {}
    if len(frame):
        df = pd.DataFrame({"v": frame["village"].replace("", "（未知）").to_numpy(dtype=object), "a": area, "f": fin})
        for v, g in df.groupby("v", sort=True):
            by_village[str(v)] = {"n_patches": int(len(g)), "patches_mu": units.area_mu(g["a"].sum()), "n_findings": int(g["f"].sum())}
    return {
        "check": PATCH_CHECK,
        "n_patches": int(len(frame)), "patches_mu": units.area_mu(area.sum()),
        "in_farmland_mu": units.area_mu(np.nansum(fm)) if has_farmland else None,
        "in_cultivated_mu": units.area_mu(np.nansum(cu)) if has_baseline else None,
        "n_findings": int(len(findings)), "findings_mu": units.area_mu(float(findings["area_m2"].sum())) if len(findings) else 0.0,
        "n_outside": int(outside.sum()), "outside_mu": units.area_mu(area[outside].sum()),
        "n_not_to_verify": int((~frame["is_finding"].to_numpy(dtype=bool) & ~outside).sum()),
        "by_category": by_cat, "by_tblx": by_tblx, "unknown_tblx": unknown,
        "n_without_jcbh": int((jcbh == "").sum()), "duplicate_jcbh": dup,
        "areas_m2": {"patches": float(area.sum()), "in_farmland": float(np.nansum(fm)) if has_farmland else None,
                     "in_cultivated": float(np.nansum(cu)) if has_baseline else None,
                     "outside": float(area[outside].sum()),
                     "findings": float(findings["area_m2"].sum()) if len(findings) else 0.0},
        "has_farmland": has_farmland, "has_baseline": has_baseline, "farmland_overlaps": n_overlaps,
        "by_village": by_village,
        "warnings": warnings,
    }


# ------------------------------------------------------------------------------------------ output
_AREA_COLUMNS = ("area_m2", "in_farmland_m2", "in_cultivated_m2")


def changes_for_output(changes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The changes (or change-patch) frame as written to files: m² rounded half-up to 2 decimals."""
    out = changes.copy()
    for c in _AREA_COLUMNS:
        if c in out.columns:
            out[c] = _round_array(out[c].to_numpy(dtype="float64"))
    return out


def _round_array(v: np.ndarray) -> np.ndarray:
    out = np.full(len(v), np.nan)
    ok = np.isfinite(v)
    if ok.any():
        out[ok] = units.round_half_up_array(v[ok], 2)
    return out


def changes_for_report(changes: gpd.GeoDataFrame) -> list[dict]:
    """The changes (or change-patch) frame as a JSON-ready list of rows (no geometry, NaN → None,
    m² rounded to 2 decimals)."""
    if changes is None or not len(changes):
        return []
    df = pd.DataFrame(changes_for_output(changes).drop(columns=changes.geometry.name))
    rows = []
    for rec in df.to_dict(orient="records"):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, (np.bool_, bool)):
                clean[k] = bool(v)
            elif isinstance(v, (np.integer,)):
                clean[k] = int(v)
            elif isinstance(v, (float, np.floating)):
                clean[k] = None if not np.isfinite(v) else float(v)
            else:
                clean[k] = v
        rows.append(clean)
    return rows
