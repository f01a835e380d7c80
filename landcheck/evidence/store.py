"""The ledger's `photos` layer (one point per attached photo, WGS 84) and the history rows of evidence:
`photo` (an attachment: stage and path) and `site_check` (a patrol track passed the task: date and track).

Reads the layer from a ledger file; builds rows; the write is the ledger's own atomic save under its
lock (`ledger.store`, layer passed in `Ledger.layers`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from ..errors import LandcheckError

PHOTOS = "photos"
#: Columns of the `photos` layer (besides its point geometry). `path` is relative to the ledger's folder,
#: `thumbnail` a base64 JPEG, `stage` a vocabulary word (整改前 / 整改中 / 整改后).
PHOTO_COLUMNS = ("sha256", "path", "taken_at", "lon", "lat", "direction", "altitude", "device", "drone", "issue_id",
                 "stage", "distance_m", "thumbnail", "imported")
NUMERIC = ("lon", "lat", "direction", "altitude", "distance_m")
#: History fields written by evidence import.
PHOTO_FIELD, VISIT_FIELD = "photo", "site_check"
ORIGIN = "evidence"


def empty_photos() -> gpd.GeoDataFrame:
    data = {c: pd.Series([], dtype="float64" if c in NUMERIC else "str") for c in PHOTO_COLUMNS}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=4326))


def photo_frame(rows: list[dict]) -> gpd.GeoDataFrame:
    """The layer's rows for `rows` (dicts with the PHOTO_COLUMNS), points at lon/lat."""
    if not rows:
        return empty_photos()
    df = pd.DataFrame(rows, columns=list(PHOTO_COLUMNS))
    for c in PHOTO_COLUMNS:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64") if c in NUMERIC else df[c].fillna("").astype("str")
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)


def read_photos(path: str | Path) -> gpd.GeoDataFrame:
    """The `photos` layer of the ledger at `path` (empty when it has none)."""
    path = Path(path)
    try:
        if PHOTOS not in {str(n) for n, _ in pyogrio.list_layers(path)}:
            return empty_photos()
        gdf = pyogrio.read_dataframe(path, layer=PHOTOS, fid_as_index=False)
    except Exception as exc:  # pyogrio's errors: the file, not a bug
        raise LandcheckError(f"{path}: the ledger's photos layer cannot be read ({type(exc).__name__}: {exc}).") from None
    rows = [{c: r.get(c) for c in PHOTO_COLUMNS} for r in gdf.drop(columns=gdf.geometry.name).to_dict("records")]
    return photo_frame(rows)


def append_photos(existing: gpd.GeoDataFrame, rows: list[dict]) -> gpd.GeoDataFrame:
    """`existing` with `rows` added (the whole layer, as the save replaces it)."""
    new = photo_frame(rows)
    if not len(existing):
        return new
    return gpd.GeoDataFrame(pd.concat([existing, new], ignore_index=True), geometry=existing.geometry.name, crs=4326)


def visit_rows(history: pd.DataFrame) -> set[tuple[str, str]]:
    """(issue_id, new) of the site_check rows already in the history."""
    if not len(history):
        return set()
    h = history[history["field"] == VISIT_FIELD]
    return set(zip(h["issue_id"].astype(str), h["new"].astype(str)))


#: base64 text only (a thumbnail goes into a page as a data: URL)
_B64 = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def photos_by_task(photos: pd.DataFrame) -> dict[str, list[list]]:
    """issue_id → its photos for a map, by time: [thumbnail (base64 JPEG, '' when not plain base64),
    taken_at, stage, lon, lat, direction (None when unknown)]."""
    out: dict[str, list[list]] = {}
    if not len(photos):
        return out
    for _, p in photos.sort_values(["taken_at", "path"], kind="stable").iterrows():
        thumb = str(p["thumbnail"] or "")
        direction = p["direction"]
        out.setdefault(str(p["issue_id"]), []).append([
            thumb if set(thumb) <= _B64 else "", str(p["taken_at"]), str(p["stage"]), float(p["lon"]), float(p["lat"]),
            None if pd.isna(direction) else round(float(direction), 1)])
    return out
