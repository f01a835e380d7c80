"""WGS84 → GCJ-02, the published "火星坐标" formula (identity outside China's box), for 高德 tiles.
Pure arithmetic on coordinates and shapely geometries."""

from __future__ import annotations


import math

import numpy as np
import shapely


# ------------------------------------------------------------------------------------------
# WGS84 → GCJ-02 (the published "火星坐标" formula; identity outside China's box)
# ------------------------------------------------------------------------------------------
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def out_of_china(lon, lat):
    """True where the GCJ-02 offset does not apply (the usual rectangle around China)."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def gcj02_from_wgs84(lon, lat):
    """WGS84 (≈ CGCS2000) lon/lat → GCJ-02 lon/lat, vectorised; unchanged outside China."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    x, y = lon - 105.0, lat - 35.0
    pi = math.pi
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0)
    radlat = lat / 180.0 * pi
    magic = 1.0 - _GCJ_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrtmagic) * pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrtmagic * np.cos(radlat) * pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, lon + dlon), np.where(outside, lat, lat + dlat)


def gcj02_geoms(geoms: np.ndarray) -> np.ndarray:
    def shift(xy):
        x, y = gcj02_from_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(np.asarray(geoms, dtype=object), shift)


