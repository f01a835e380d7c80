"""Writing a township the way real deliveries come: the DLTB Shapefile in GBK without `.cpg`/`.prj` and
with DBF language byte 0, the other layers as GeoPackages (`GPKG_LAYERS`).

File output only: computes no attributes and writes no README (see `readme`)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from .township import Township


#: Layer names inside the GeoPackages.
GPKG_LAYERS = {"farmland": "YJJBNTBHTB", "transfer": "流转地块", "facility_records": "设施农用地备案", "town_boundary": "CZKFBJ"}


def write_dltb_shapefile(survey: gpd.GeoDataFrame, path: Path) -> Path:
    """Write the DLTB Shapefile like a county office hands it out: text in GBK, no `.cpg`, DBF
    language byte (offset 29) 0, no `.prj` (the zone-prefixed eastings tell the CRS), field widths
    fitted to the data. pyogrio is used: the fiona engine writes Chinese as `??`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx"):
        path.with_suffix(ext).unlink(missing_ok=True)
    survey.to_file(path, engine="pyogrio", encoding="GBK", layer_options={"RESIZE": "YES"})
    path.with_suffix(".cpg").unlink(missing_ok=True)
    path.with_suffix(".prj").unlink(missing_ok=True)
    with open(path.with_suffix(".dbf"), "r+b") as f:
        f.seek(29)
        f.write(b"\x00")
    return path


def _write_gpkg(df: gpd.GeoDataFrame, path: Path, layer: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    df.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
    return path


def write_township(t: Township, out_dir: Path) -> dict[str, Path]:
    """Write the layers into `out_dir`: `survey/DLTB.shp` (GBK, no .cpg/.prj, LDID 0),
    `farmland.gpkg` (YJJBNTBHTB), `transfer.gpkg` (流转地块), `facility_records.gpkg` (设施农用地备案),
    `town_boundary.gpkg` (CZKFBJ 城镇开发边界, when drawn), all EPSG:4527. Existing files of the same names are replaced. Returns the paths by role."""
    out_dir = Path(out_dir)
    paths = {"survey": write_dltb_shapefile(t.survey, out_dir / "survey" / "DLTB.shp")}
    for role, frame in (("farmland", t.farmland), ("transfer", t.transfer), ("facility_records", t.facility_records),
                        ("town_boundary", t.town_boundary)):
        if frame is not None:
            paths[role] = _write_gpkg(frame, out_dir / f"{role}.gpkg", GPKG_LAYERS[role])
    return paths
