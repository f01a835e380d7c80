"""A run's configuration: `landcheck.toml` (where the officers' layers are, field overrides, id
prefix, targets), its template, and the bundled sample township that `landcheck run` uses without one.

Reads the file; opens no layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LandcheckError
from .keys import NUMBER, check_keys
from .packaged import TOMLDecodeError, parse_toml

#: The layers a run knows, with what each is for.
LAYER_ROLES = {
    "survey": "地类图斑 DLTB (年度变更调查 / 三调)",
    "farmland": "永久基本农田 (YJJBNTTB / YJJBNTBHTB)",
    "transfer": "流转地块 (land-transfer parcels)",
    "facility_records": "设施农用地备案 (filed facility-farmland records)",
    "baseline": "基期地类图斑 (last year's DLTB: 新增 or 存量 of every farmland finding)",
}

_LAYER_KEYS = {"path": str, "layer": str, "crs": str, "encoding": str, "fields": {"*": str}}
#: Every key landcheck.toml may hold (an unknown one is an error naming the closest of these).
CONFIG_KEYS = {
    "township": {"name": str, "code": str, "id_prefix": str, "county": str},
    "monitoring": {"batch": str},
    "layers": {role: _LAYER_KEYS for role in LAYER_ROLES},
    "targets": {"transfer_target_mu": NUMBER, "min_block_mu": NUMBER},
    "output": {"dir": str, "maps": str, "basemap": str},
    "supplement": {"enabled": bool, "include_suggested": bool, "exclude": list, "prefer": list, "need_mu": NUMBER},
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
class SupplementConfig:
    """[supplement] of landcheck.toml (issue 17): the need from the run's ledger (officer-set 调出补划; also
    landcheck's suggestions with include_suggested) or `need_mu`, layers to avoid and to prefer (paths)."""

    include_suggested: bool = False
    need_mu: float | None = None
    excludes: list[Path] = field(default_factory=list)
    prefers: list[Path] = field(default_factory=list)


def supplement_config(data: dict, base: Path, p: Path) -> SupplementConfig | None:
    """The [supplement] table (None when absent or enabled = false); paths relative to the file's folder."""
    t = data.get("supplement")
    if t is None or not t.get("enabled", True):
        return None
    paths = {}
    for key in ("exclude", "prefer"):
        if not all(isinstance(x, str) for x in t.get(key, [])):
            raise LandcheckError(f"{p}: [supplement] {key} must be a list of paths, e.g. {key} = [\"data/城镇开发边界.gpkg\"].")
        paths[key] = [(base / x).resolve() if not Path(x).is_absolute() else Path(x) for x in t.get(key, [])]
    need = t.get("need_mu")
    return SupplementConfig(include_suggested=bool(t.get("include_suggested", False)),
                            need_mu=None if need is None else positive(need, "supplement", "need_mu", p),
                            excludes=paths["exclude"], prefers=paths["prefer"])


@dataclass
class RunConfig:
    """Everything `landcheck run` needs. Areas in mu."""

    township: str = ""
    township_code: str = ""
    county: str = ""  # 县名称 (the county template's 县名称)
    batch: str = ""  # 监测批次 (卫片 batch) when the layers carry none
    id_prefix: str = ""
    layers: dict[str, LayerSpec] = field(default_factory=dict)
    transfer_target_mu: float = 5000.0
    min_block_mu: float = 100.0
    output_dir: Path = Path("out")
    maps_dir: Path = Path("maps")
    online_assets: bool = False  # `run --online-assets`: the maps link Leaflet from the CDN instead of inlining it
    basemap: str = "osm"  # [output] basemap: online tiles of the maps (osm, esri, tianditu*, gaode*, none)
    source: Path | None = None  # the config file, None for the bundled sample
    supplement: SupplementConfig | None = None  # [supplement]: `landcheck run` also proposes 调出补划 (off by default)

    @property
    def prefix(self) -> str:
        """Issue-id prefix: configured, else the township code, else its name, else LC."""
        return self.id_prefix or self.township_code or self.township or "LC"


#: Where `landcheck run` writes the bundled sample township's results and maps (not out/, maps/).
SAMPLE_OUTPUT = Path("sample-out")


def bundled_layers_dir() -> Path:
    """The `layers/` folder of the bundled sample township (beside the package in a checkout)."""
    return Path(__file__).resolve().parents[2] / "layers"


def sample_config() -> RunConfig:
    """The run configuration of the bundled sample township (written into sample-out/)."""
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
    # 调出补划 on the sample (issue 17): no officer has decided anything yet, so the need is landcheck's own
    # suggestions (the run says so), and the seat's 城镇开发边界 is avoided
    boundary = d / "town_boundary.gpkg"
    supplement = SupplementConfig(include_suggested=True, excludes=[boundary] if boundary.exists() else [])
    # its own folder, so that a later run of the township's landcheck.toml (out/, maps/) starts clean
    return RunConfig(township="示例镇", township_code="371426104", id_prefix="SL", layers=layers,
                     output_dir=SAMPLE_OUTPUT, maps_dir=SAMPLE_OUTPUT / "maps", supplement=supplement)


def positive(value, table: str, key: str, path: Path) -> float:
    """A target in mu: a finite number above 0 (LandcheckError naming file and key otherwise)."""
    import math

    v = float(value)
    if not math.isfinite(v) or v <= 0 or v > 1e7:
        raise LandcheckError(f"{path}: [{table}] {key} = {v:.6g} is out of range: a number of mu above 0 (at most 1e7).")
    return v


def load_run_config(path: str | Path) -> RunConfig:
    """Read a `landcheck.toml`; layer paths are relative to the file's folder."""
    p = Path(path)
    if not p.exists():
        raise LandcheckError(f"{p}: config file not found. `landcheck init` writes a template.")
    if p.is_dir():  # `landcheck run .`: the folder's own landcheck.toml, when it has one
        if not (p / "landcheck.toml").is_file():
            raise LandcheckError(f"{p}: is a folder, not a configuration file; give its landcheck.toml "
                                 f"(`landcheck init {p / 'landcheck.toml'}` writes a template).")
        p = p / "landcheck.toml"
    try:
        text = p.read_text(encoding="utf-8")
        data = parse_toml(text)
    except (TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LandcheckError(f"{p}: not valid TOML ({exc}). Compare with the template from `landcheck init`.") from None
    check_keys(data, CONFIG_KEYS, str(p), text)
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
            county=str(town.get("county", "")),
            batch=str(data.get("monitoring", {}).get("batch", "")),
            id_prefix=str(town.get("id_prefix", "")),
            layers=layers,
            transfer_target_mu=positive(targets.get("transfer_target_mu", 5000.0), "targets", "transfer_target_mu", p),
            min_block_mu=positive(targets.get("min_block_mu", 100.0), "targets", "min_block_mu", p),
            output_dir=base / output.get("dir", "out"),
            maps_dir=base / output.get("maps", "maps"),
            basemap=str(output.get("basemap", "osm")),
            source=p,
            supplement=supplement_config(data, base, p),
        )
    except (TypeError, ValueError) as exc:
        raise LandcheckError(f"{p}: a target is not a number ({exc}).") from None


CONFIG_TEMPLATE = """\
# landcheck.toml — where your township's layers are and how to read them.
# Paths are relative to this file. Run:  landcheck run   (in this folder; or landcheck run PATH/landcheck.toml)
# Unknown keys are errors (a typo is named with its line and the closest known key).

[township]
name = "某某镇"            # 乡镇名称, shown in reports
county = ""               # 县名称 (the county's 非农违法图斑清单)
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

# [layers.facility_records]   # 设施农用地备案 polygons (设施类型 and 备案日期 decide each record)
# path = "data/设施农用地备案.gpkg"

# [layers.baseline]       # last year's 地类图斑: tells 新增 from 存量 for every farmland finding
# path = "data/DLTB_2025.shp"

# [monitoring]
# batch = "2026年第1批"    # 监测批次 of 卫片 change patches, when the layer has no batch field

[targets]
transfer_target_mu = 5000   # 流转目标 (mu)
min_block_mu = 100          # 每块流转土地不少于 (mu)

[output]
dir = "out"                 # results (summary.json, findings, ledger)
maps = "maps"               # inspection maps (they work offline; tiles need the internet)
# basemap = "osm"           # online tiles: osm, esri, tianditu, tianditu-img (TIANDITU_KEY), gaode, gaode-img, none

# [supplement]              # 调出补划: propose 耕地 for the tasks whose 整改措施 an officer set to 调出补划
# exclude = ["data/城镇开发边界.gpkg", "data/生态保护红线.gpkg"]   # land never proposed
# prefer = ["data/永久基本农田储备区.gpkg", "data/高标准农田.gpkg"]  # land proposed first, in this order
# include_suggested = false # also tasks whose 调出补划 is landcheck's own suggestion
"""
