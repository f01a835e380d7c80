"""What landcheck sees in a read layer, as a plain dict for `landcheck inspect` (text or JSON):
layers, CRS, encoding, fields, land-use codes with their areas, the read report.

Describes only: no reading (the caller passes `read_layer`'s frame and report), no printing.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from .. import landuse, units
from ..config import vocabulary
from .report import ReadReport


def describe_layer(gdf: gpd.GeoDataFrame, report: ReadReport) -> dict:
    """Layers, chosen layer, feature count, CRS, encoding, field mapping, land-use code histogram
    (count and ellipsoidal mu per code), total area in mu, lon/lat extent and the read report."""
    area_m2 = units.ellipsoidal_area(gdf.geometry.values, gdf.crs)
    lon_lat = gdf.geometry.to_crs(units.CGCS2000_GEOGRAPHIC).total_bounds
    return {
        "path": report.path,
        "layers": report.layers,
        "layer": report.layer,
        "driver": report.driver,
        "n_features": int(len(gdf)),
        "crs": report.crs,
        "crs_name": report.crs_name,
        "crs_source": report.crs_source,
        "encoding": report.encoding,
        "encoding_source": report.encoding_source,
        "fields": [c for c in gdf.columns if c not in (gdf.geometry.name, "feature_id", "feature_no")],
        "field_map": report.field_map,
        "geometry_types": {str(k): int(v) for k, v in gdf.geometry.geom_type.value_counts().items()},
        "extent_lonlat": [round(float(v), 6) for v in lon_lat],
        "total_area_m2": units.round_half_up(float(area_m2.sum()), 2),
        "total_area_mu": units.area_mu(area_m2.sum()),
        "codes": code_histogram(gdf, area_m2),
        "read_report": report.to_dict(),
    }


def code_histogram(gdf: gpd.GeoDataFrame, area_m2: np.ndarray) -> list[dict]:
    """Per land-use code: name (from the code table, else the layer's DLMC), class inside permanent
    basic farmland, feature count and area in mu. Empty when the layer has no land-use field."""
    if "DLBM" not in gdf.columns:
        return []
    codes = gdf["DLBM"].fillna(vocabulary().label("layers_no_code")).astype(str).values
    rows = []
    for code in sorted(set(codes)):
        mask = codes == code
        entry = landuse.lookup(code)
        name = entry.name_zh if entry else None
        if name is None and "DLMC" in gdf.columns:
            names = gdf.loc[mask, "DLMC"].dropna()
            name = str(names.iloc[0]) if len(names) else None
        rows.append({
            "code": code,
            "name": name,
            "known": entry is not None,
            "pbf_class": entry.in_pbf if entry else None,
            "count": int(mask.sum()),
            "area_mu": units.area_mu(area_m2[mask].sum()),
        })
    return rows
