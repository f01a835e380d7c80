"""Configuration: a run's `landcheck.toml` (where the officers' layers are, field overrides, id
prefix, targets) and the bundled sample township that `landcheck run` uses without one."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .errors import LandcheckError

#: The layers a run knows, with what each is for.
LAYER_ROLES = {
    "survey": "地类图斑 DLTB (年度变更调查 / 三调)",
    "farmland": "永久基本农田 (YJJBNTTB / YJJBNTBHTB)",
    "transfer": "流转地块 (land-transfer parcels)",
    "facility_records": "设施农用地备案 (filed facility-farmland records)",
}


@dataclass
class LayerSpec:
    """Where one input layer is and how to read it."""

    path: Path
    layer: str | None = None
    crs: str | None = None
    encoding: str | None = None
    fields: dict[str, str] = field(default_factory=dict)

    def read_options(self) -> dict:
        return {"layer": self.layer, "crs": self.crs, "encoding": self.encoding, "fields": self.fields or None}


@dataclass
class RunConfig:
    """Everything `landcheck run` needs. Areas in mu."""

    township: str = ""
    township_code: str = ""
    id_prefix: str = ""
    layers: dict[str, LayerSpec] = field(default_factory=dict)
    transfer_target_mu: float = 5000.0
    min_block_mu: float = 100.0
    output_dir: Path = Path("out")
    maps_dir: Path = Path("maps")
    source: Path | None = None  # the config file, None for the bundled sample

    @property
    def prefix(self) -> str:
        """Issue-id prefix: configured, else the township code, else its name, else LC."""
        return self.id_prefix or self.township_code or self.township or "LC"


def bundled_layers_dir() -> Path:
    """The `layers/` folder of the bundled sample township (beside the package in a checkout)."""
    return Path(__file__).resolve().parent.parent / "layers"


def sample_config() -> RunConfig:
    """The run configuration of the bundled sample township."""
    d = bundled_layers_dir()
    if not (d / "survey" / "DLTB.shp").exists():
        raise LandcheckError(
            f"the bundled sample township is not in {d}. Run landcheck from a checkout of the project, "
            f"or give your own landcheck.toml (landcheck init writes a template)."
        )
    layers = {
        "survey": LayerSpec(d / "survey" / "DLTB.shp"),
        "farmland": LayerSpec(d / "farmland.gpkg"),
        "transfer": LayerSpec(d / "transfer.gpkg"),
        "facility_records": LayerSpec(d / "facility_records.gpkg"),
    }
    layers = {k: v for k, v in layers.items() if v.path.exists()}
    return RunConfig(township="示例镇", township_code="371426104", id_prefix="SL", layers=layers)


def load_run_config(path: str | Path) -> RunConfig:
    """Read a `landcheck.toml`; layer paths are relative to the file's folder."""
    p = Path(path)
    if not p.exists():
        raise LandcheckError(f"{p}: config file not found. `landcheck init` writes a template.")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LandcheckError(f"{p}: not valid TOML ({exc}). Compare with the template from `landcheck init`.") from None
    base = p.resolve().parent
    town = data.get("township", {})
    targets = data.get("targets", {})
    output = data.get("output", {})
    layers: dict[str, LayerSpec] = {}
    for role, spec in data.get("layers", {}).items():
        if role not in LAYER_ROLES:
            raise LandcheckError(f"{p}: unknown layer [layers.{role}]. Known: {', '.join(LAYER_ROLES)}.")
        if not isinstance(spec, dict) or "path" not in spec:
            raise LandcheckError(f"{p}: [layers.{role}] needs a path = \"…\".")
        fields = spec.get("fields", {})
        if not isinstance(fields, dict):
            raise LandcheckError(f"{p}: [layers.{role}.fields] must be a table of CANONICAL = \"your field\".")
        layers[role] = LayerSpec(
            path=(base / spec["path"]).resolve() if not Path(spec["path"]).is_absolute() else Path(spec["path"]),
            layer=spec.get("layer"),
            crs=spec.get("crs"),
            encoding=spec.get("encoding"),
            fields={str(k).upper(): str(v) for k, v in fields.items()},
        )
    if "survey" not in layers and "farmland" not in layers and "transfer" not in layers:
        raise LandcheckError(f"{p}: no layers configured. Add [layers.survey] and [layers.farmland] with their paths.")
    try:
        return RunConfig(
            township=str(town.get("name", "")),
            township_code=str(town.get("code", "")),
            id_prefix=str(town.get("id_prefix", "")),
            layers=layers,
            transfer_target_mu=float(targets.get("transfer_target_mu", 5000.0)),
            min_block_mu=float(targets.get("min_block_mu", 100.0)),
            output_dir=base / output.get("dir", "out"),
            maps_dir=base / output.get("maps", "maps"),
            source=p,
        )
    except (TypeError, ValueError) as exc:
        raise LandcheckError(f"{p}: a target is not a number ({exc}).") from None


CONFIG_TEMPLATE = """\
# landcheck.toml — where your township's layers are and how to read them.
# Paths are relative to this file. Run:  landcheck run landcheck.toml

[township]
name = "某某镇"            # 乡镇名称, shown in reports
code = "371426104"        # 乡镇代码 (9 digits of ZLDWDM)
id_prefix = ""            # prefix of 整改台账 issue ids; empty = the township code

[layers.survey]           # 地类图斑 DLTB: latest 年度变更调查 or 三调
path = "data/DLTB.shp"    # .shp / .gdb folder / .gpkg / .zip / .geojson / .parquet …
# layer = "DLTB"          # which layer, when the file holds several (File Geodatabase)
# crs = "EPSG:4527"       # only when the .prj is missing and the zone cannot be inferred
# encoding = "GBK"        # only when the text comes out garbled
# [layers.survey.fields]  # your field names, when they differ from the standard ones
# DLBM = "地类代码"
# ZLDWMC = "村名"

[layers.farmland]         # 永久基本农田 (YJJBNTTB / YJJBNTBHTB)
path = "data/永久基本农田.gpkg"

# [layers.transfer]       # 流转地块 (land-transfer parcels)
# path = "data/流转地块.shp"

# [layers.facility_records]   # 设施农用地备案 polygons
# path = "data/设施农用地备案.gpkg"

[targets]
transfer_target_mu = 5000   # 流转目标 (mu)
min_block_mu = 100          # 每块流转土地不少于 (mu)

[output]
dir = "out"                 # results (summary.json, findings, ledger)
maps = "maps"               # inspection maps
"""


# ------------------------------------------------------------------------------------------
# Vocabulary and rules (packaged TOML, overridable)
# ------------------------------------------------------------------------------------------
CATEGORIES = ("cultivated", "non_grain_crop", "abandoned", "non_grain", "non_farm", "facility", "infrastructure", "other")
#: Categories that are not findings.
NOT_FINDINGS = ("cultivated", "infrastructure")


def _packaged_toml(name: str) -> dict:
    from importlib import resources

    return tomllib.loads(resources.files("landcheck.data").joinpath(name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Vocabulary:
    """The words officers see and pick: problem types, measures, statuses, verdicts."""

    problem_types: tuple[str, ...]
    measures: tuple[str, ...]
    statuses: tuple[str, ...]
    verdicts: tuple[str, ...]
    severities: tuple[str, ...]
    recovery: dict
    restorable_measures: tuple[str, ...]
    #: category key → (label, short label), in legend order
    categories: dict = field(default_factory=dict)
    #: other words officers read, by key ([labels] of vocabulary.toml)
    labels: dict = field(default_factory=dict)

    def label(self, key: str, **values) -> str:
        """A word of the [labels] table (`no_village` → （未填行政村）), its {fields} filled from `values`."""
        return self.labels[key].format(**values) if values else self.labels[key]

    def category_label(self, category: str, short: bool = False) -> str:
        """The Chinese label of a finding category (`non_farm` → 非农化); unknown keys as they are."""
        entry = self.categories.get(category)
        return entry[1 if short else 0] if entry else (category or "未分类")

    @property
    def all_measures(self) -> tuple[str, ...]:
        """Measures including their 恢复属性 refinements (退园还耕（即可恢复） …)."""
        refined = tuple(f"{m}（{r}）" for m in self.restorable_measures for r in self.recovery.values())
        return self.measures + refined

    def with_number(self, problem_type: str, number: float) -> str:
        """A problem type that carries a configurable number, with the number configured: the
        vocabulary's 流转地块不足100亩 with 120 gives 流转地块不足120亩 (100.5 → 流转地块不足100.5亩)."""
        m = _NUMBER.search(problem_type)
        if problem_type not in self.problem_types or m is None:
            raise ValueError(f"'{problem_type}' is not a numbered problem type of the vocabulary")
        text = f"{float(number):.6f}".rstrip("0").rstrip(".")
        return problem_type[:m.start()] + text + problem_type[m.end():]

    def knows_problem_type(self, name: str) -> bool:
        """True for a problem type of the vocabulary, or one of its numbered types with another number
        (流转地块不足120亩 when the township's minimum block is 120 mu)."""
        if name in self.problem_types:
            return True
        for p in self.problem_types:
            m = _NUMBER.search(p)
            if m and re.fullmatch(re.escape(p[:m.start()]) + _NUMBER.pattern + re.escape(p[m.end():]), name):
                return True
        return False


#: A number inside a problem type (流转地块不足100亩): the configured value takes its place.
_NUMBER = re.compile(r"\d+(?:\.\d+)?")

_VOCAB: Vocabulary | None = None


def vocabulary() -> Vocabulary:
    """The packaged vocabulary (landcheck/data/vocabulary.toml)."""
    global _VOCAB
    if _VOCAB is None:
        v = _packaged_toml("vocabulary.toml")
        _VOCAB = Vocabulary(
            problem_types=tuple(v["problem_types"]), measures=tuple(v["measures"]), statuses=tuple(v["statuses"]),
            verdicts=tuple(v["verdicts"]), severities=tuple(v["severities"]), recovery=dict(v["recovery"]),
            restorable_measures=tuple(v["restorable_measures"]),
            categories={k: (label, short) for k, label, short in v["categories"]},
            labels=dict(v.get("labels", {})),
        )
    return _VOCAB


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

    def for_planting(self, zzsxdm: str | None) -> Rule:
        """Rule of cultivated land (01xx) by its planting attribute; blank or unknown → LS."""
        entry = self.data["planting"].get((zzsxdm or "LS").strip().upper()) or self.data["planting"]["LS"]
        return Rule(**{k: entry.get(k, "") for k in ("category", "severity", "problem_type", "suggested_measure")})

    def refine_measure(self, measure: str, recovery_code: str | None) -> str:
        """退园还耕 + ZZSXDM JKHF → 退园还耕（即可恢复）; other measures unchanged."""
        vocab = vocabulary()
        label = vocab.recovery.get((recovery_code or "").strip().upper())
        if label and measure in vocab.restorable_measures:
            return f"{measure}（{label}）"
        return measure


def _deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_rules(path: str | Path | None = None) -> Rules:
    """The packaged rules, overridden by `path` (any subset of the same tables). Every category,
    severity, problem type and measure is checked against the vocabulary."""
    data = _packaged_toml("rules.toml")
    source = "packaged"
    if path is not None:
        p = Path(path)
        if not p.exists():
            raise LandcheckError(f"{p}: rules file not found.")
        try:
            data = _deep_merge(data, tomllib.loads(p.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise LandcheckError(f"{p}: not valid TOML ({exc}).") from None
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
    for key in ("sliver_width_m", "min_area_m2"):
        try:
            float(data["thresholds"][key])
        except (KeyError, TypeError, ValueError):
            raise LandcheckError(f"{source}: [thresholds] {key} must be a number.") from None
