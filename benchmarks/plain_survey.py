"""The plain way of the survey quality check, as a GIS analyst writes it (the reference of bench_commands.py).

    python benchmarks/plain_survey.py SURVEY.gpkg OUT.gpkg

Reads the 地类图斑 layer with pyogrio; finds invalid geometries, empty or repeated ids and codes,
overlaps (a `geopandas.sjoin` self-join for the candidate pairs, `geopandas.overlay(how="intersection")`
of the patches in them, pieces over 1 m² planar) and gaps (the layer dissolved into one shape, its
holes); writes them as one layer `problems` of OUT.gpkg. The last line printed is JSON: the counts and
the overlap area (m², planar). No landcheck import.
"""

import json
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

TOLERANCE_M2 = 1.0


def main(path: str, out: str) -> None:
    sv = gpd.read_file(path, engine="pyogrio", use_arrow=True)
    sv = sv.reset_index(drop=True)
    sv["pid"] = np.arange(len(sv))
    problems = []
    invalid = sv[~sv.is_valid]
    problems.append(gpd.GeoDataFrame({"kind": "invalid", "id": invalid["BSM"].astype(str)},
                                     geometry=invalid.geometry, crs=sv.crs))
    dup = sv[sv["BSM"].duplicated(keep=False) | sv["BSM"].isna()]
    problems.append(gpd.GeoDataFrame({"kind": "id", "id": dup["BSM"].astype(str)}, geometry=dup.geometry, crs=sv.crs))
    nocode = sv[sv["DLBM"].isna() | (sv["DLBM"].astype(str).str.strip() == "")]
    problems.append(gpd.GeoDataFrame({"kind": "code", "id": nocode["BSM"].astype(str)}, geometry=nocode.geometry,
                                     crs=sv.crs))
    # overlaps: candidate pairs from a self-join, then the overlay of the patches in them
    g = sv[["pid", "BSM", "geometry"]]
    pairs = gpd.sjoin(g, g, predicate="intersects")
    pairs = pairs[pairs["pid_left"] < pairs["pid_right"]]
    cand = np.unique(np.concatenate([pairs["pid_left"].to_numpy(), pairs["pid_right"].to_numpy()]))
    sub = g.iloc[cand]
    pieces = gpd.overlay(sub, sub, how="intersection", keep_geom_type=True)
    pieces = pieces[(pieces["pid_1"] < pieces["pid_2"]) & (pieces.area > TOLERANCE_M2)]
    problems.append(gpd.GeoDataFrame({"kind": "overlap", "id": pieces["BSM_1"].astype(str) + "/" + pieces["BSM_2"].astype(str)},
                                     geometry=pieces.geometry.values, crs=sv.crs))
    # gaps: holes of the dissolved layer
    whole = sv[["geometry"]].dissolve().geometry.iloc[0]
    holes = [shapely.Polygon(r) for part in getattr(whole, "geoms", [whole]) for r in part.interiors]
    problems.append(gpd.GeoDataFrame({"kind": ["gap"] * len(holes), "id": [""] * len(holes)}, geometry=holes, crs=sv.crs))
    out_df = pd.concat(problems, ignore_index=True)
    out_df.to_file(out, layer="problems", engine="pyogrio")
    print(json.dumps({"invalid": len(invalid), "id": len(dup), "code": len(nocode), "overlaps": len(pieces),
                      "overlap_m2": float(pieces.area.sum()), "gaps": len(holes),
                      "gap_m2": float(shapely.area(np.asarray(holes, dtype=object)).sum()) if holes else 0.0}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
