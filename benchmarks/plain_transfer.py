"""The plain way of the transfer check, as a GIS analyst writes it (the reference of bench_commands.py).

    python benchmarks/plain_transfer.py PARCELS.gpkg OUT.gpkg [--by FIELD] [--gap-m 8] [--min-mu 100]

Reads the parcels with pyogrio; contiguous blocks: each parcel buffered by gap / 2, dissolved by the
group field, exploded; each parcel joined to its blob (representative point within) and the parcels
dissolved by blob; the block's area (planar), blocks under --min-mu flagged; writes layers `blocks`
and `parcels` (with their block) of OUT.gpkg. The last line printed is JSON: blocks, blocks under the
minimum, total mu. No landcheck import.
"""

import argparse
import json

import geopandas as gpd
import numpy as np

MU = 10000 / 15


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("out")
    ap.add_argument("--by", default=None)
    ap.add_argument("--gap-m", type=float, default=8.0)
    ap.add_argument("--min-mu", type=float, default=100.0)
    a = ap.parse_args(argv)
    parcels = gpd.read_file(a.path, engine="pyogrio", use_arrow=True).reset_index(drop=True)
    group = parcels[a.by] if a.by else gpd.pd.Series("all", index=parcels.index)
    buf = gpd.GeoDataFrame({"grp": group.to_numpy()}, geometry=parcels.buffer(a.gap_m / 2), crs=parcels.crs)
    blobs = buf.dissolve(by="grp").explode(index_parts=False).reset_index()
    blobs["blob"] = np.arange(len(blobs))
    pts = gpd.GeoDataFrame({"grp": group.to_numpy(), "pos": np.arange(len(parcels))},
                           geometry=parcels.representative_point(), crs=parcels.crs)
    j = gpd.sjoin(pts, blobs[["grp", "blob", "geometry"]].rename(columns={"grp": "grp_blob"}), predicate="within")
    j = j[j["grp"] == j["grp_blob"]].drop_duplicates("pos")
    label = np.full(len(parcels), -1, dtype=np.int64)
    label[j["pos"].to_numpy()] = j["blob"].to_numpy()
    parcels["block"] = label
    blocks = parcels[["block", "geometry"]].dissolve(by="block").reset_index()
    blocks["area_mu"] = blocks.area / MU
    blocks["below_min"] = blocks["area_mu"] < a.min_mu
    blocks.to_file(a.out, layer="blocks", engine="pyogrio")
    parcels.to_file(a.out, layer="parcels", engine="pyogrio")
    print(json.dumps({"blocks": len(blocks), "below_min": int(blocks["below_min"].sum()),
                      "total_mu": float(blocks["area_mu"].sum()), "unassigned": int((label < 0).sum())}))


if __name__ == "__main__":
    main()
