"""Units and measures: CGCS2000 Gauss–Krüger zones, ellipsoidal area, m² ⇄ mu, half-up rounding.

Every reported area in landcheck is ellipsoidal on the CGCS2000 ellipsoid (identical to GRS80).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import numpy as np
import pyproj
import shapely
from pyproj import CRS, Geod, Transformer

#: One mu (亩) in square metres, exactly 10000/15.
MU_M2: float = 10000.0 / 15.0

#: CGCS2000 geographic CRS.
CGCS2000_GEOGRAPHIC = "EPSG:4490"

#: The ellipsoid of CGCS2000 (same a and 1/f as GRS80).
GEOD = Geod(ellps="GRS80")

# 3° Gauss–Krüger zones 25..45 (CM 75°E..135°E); with zone prefix EPSG:4513..4533, without 4534..4554.
GK3_ZONES = range(25, 46)
# 6° Gauss–Krüger zones 13..23 (CM 75°E..135°E); with zone prefix EPSG:4491..4501, without 4502..4512.
GK6_ZONES = range(13, 24)

#: Largest feature (bbox diagonal, metres) whose area is taken from the projected plane and the local
#: areal scale; bigger features are measured exactly on the ellipsoid with pyproj.Geod.
_LOCAL_SCALE_MAX_EXTENT_M = 20_000.0

#: Longest edge (metres) of a projected polygon measured on the ellipsoid: longer edges are densified.
_SEGMENT_M = 1_000.0


def m2_to_mu(m2):
    """Square metres → mu (亩): 1 mu = 10000/15 m² exactly. Works on scalars and arrays."""
    return np.asarray(m2, dtype="float64") * 15.0 / 10000.0 if not np.isscalar(m2) else m2 * 15.0 / 10000.0


def mu_to_m2(mu):
    """Mu (亩) → square metres."""
    return np.asarray(mu, dtype="float64") * MU_M2 if not np.isscalar(mu) else mu * MU_M2


def round_half_up(value: float, ndigits: int = 2) -> float:
    """Round half away from zero like the official ledgers (Python's round() is banker's rounding).

    The decimal value is taken from the shortest repr of the float, so 0.125 → 0.13 and 2.675 → 2.68.
    """
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return value
    quantum = Decimal(1).scaleb(-ndigits)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def round_half_up_array(values, ndigits: int = 2) -> np.ndarray:
    """Vectorised `round_half_up` for an array of floats (NaN stays NaN)."""
    arr = np.asarray(values, dtype="float64")
    out = np.array([round_half_up(v, ndigits) for v in arr.ravel()], dtype="float64")
    return out.reshape(arr.shape)


def area_mu(m2: float | None) -> float | None:
    """m² → mu rounded half-up to 2 decimals, the figure a ledger prints (never -0.0; None stays None,
    NaN stays NaN)."""
    if m2 is None:
        return None
    return round_half_up(float(m2_to_mu(float(m2))), 2) + 0.0


def area_mu_array(m2) -> np.ndarray:
    """`area_mu` of every element of an array of m² (NaN stays NaN)."""
    return round_half_up_array(m2_to_mu(np.asarray(m2, dtype="float64")), 2) + 0.0


def total_mu(m2) -> float:
    """The sum of m² values (NaN skipped) in mu, rounded once: a total from unrounded parts."""
    return area_mu(float(np.nansum(np.asarray(m2, dtype="float64"))))


def to_lonlat(x, y, crs) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in `crs` → CGCS2000 lon/lat (EPSG:4490), as arrays; NaN stays NaN."""
    x = np.asarray(x, dtype="float64").ravel()
    y = np.asarray(y, dtype="float64").ravel()
    lon = np.full(len(x), np.nan)
    lat = np.full(len(x), np.nan)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.any():
        t = Transformer.from_crs(crs, CGCS2000_GEOGRAPHIC, always_xy=True)
        lon[ok], lat[ok] = t.transform(x[ok], y[ok])
    return lon, lat


def gk3_zone_for_lon(lon: float) -> int:
    """CGCS2000 3° Gauss–Krüger zone number for a longitude (zone 39 ↔ CM 117°E)."""
    return int(np.floor(lon / 3.0 + 0.5))


def gk3_epsg(zone: int, prefixed: bool = True) -> int:
    """EPSG code of CGCS2000 3° GK zone `zone` (25..45): 4513.. with zone-prefixed easting, 4534.. without."""
    if zone not in GK3_ZONES:
        raise ValueError(f"3° Gauss–Krüger zone {zone} is outside CGCS2000's zones 25–45 (75–135°E)")
    return (4513 if prefixed else 4534) + zone - 25


def gk6_epsg(zone: int, prefixed: bool = True) -> int:
    """EPSG code of CGCS2000 6° GK zone `zone` (13..23): 4491.. prefixed, 4502.. without prefix."""
    if zone not in GK6_ZONES:
        raise ValueError(f"6° Gauss–Krüger zone {zone} is outside CGCS2000's zones 13–23")
    return (4491 if prefixed else 4502) + zone - 13


def zone_from_easting(x: float) -> int | None:
    """Zone number from a zone-prefixed easting (39 508 866 → 39), or None for a plain easting."""
    if not np.isfinite(x) or x < 1e7:
        return None
    return int(x / 1e6)


def epsg_from_prefixed_easting(x: float) -> int | None:
    """EPSG code for a zone-prefixed easting: 3° zones 25–45 or 6° zones 13–23; None otherwise."""
    zone = zone_from_easting(x)
    if zone in GK3_ZONES:
        return gk3_epsg(zone, prefixed=True)
    if zone in GK6_ZONES:
        return gk6_epsg(zone, prefixed=True)
    return None


def metric_crs_for_lonlat(lon: float, lat: float) -> CRS:
    """A metric CRS for local steps (buffers, widths): the CGCS2000 3° GK zone (no prefix) inside
    75–135°E, else the local UTM zone on WGS 84."""
    if 73.5 <= lon < 136.5:
        return CRS.from_epsg(gk3_epsg(min(max(gk3_zone_for_lon(lon), 25), 45), prefixed=False))
    zone = int((lon + 180) // 6) + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def metric_crs(crs: CRS | str | int, bounds: tuple[float, float, float, float]) -> CRS:
    """The CRS to do metric steps in for data in `crs` with `bounds`: `crs` itself when projected in
    metres, else the GK zone (or UTM zone) of the data's centre."""
    crs = CRS.from_user_input(crs)
    if crs.is_projected and crs.axis_info and crs.axis_info[0].unit_name in ("metre", "meter"):
        return crs
    lon, lat = _to_lonlat(crs).transform((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
    return metric_crs_for_lonlat(lon, lat)


@lru_cache(maxsize=64)
def _to_lonlat(crs: CRS) -> Transformer:
    return Transformer.from_crs(crs, CGCS2000_GEOGRAPHIC, always_xy=True)


def _is_grs80_like(crs: CRS) -> bool:
    ell = crs.ellipsoid
    return ell is not None and abs(ell.semi_major_metre - 6378137.0) < 1e-3 and abs(ell.inverse_flattening - 298.257) < 1e-2


#: Projection methods whose PROJ scale factors are those of the ellipsoidal map the coordinates are in
#: (not e.g. Web Mercator, whose spherical formulas sit on a WGS 84 datum).
_LOCAL_SCALE_METHODS = ("Transverse Mercator", "Lambert Conic Conformal", "Albers Equal Area")


def _local_scale_ok(crs: CRS) -> bool:
    """True when planar area / PROJ's areal scale gives m² on the ellipsoid: a Gauss–Krüger-like
    projection on GRS80/CGCS2000 with metre axes."""
    if not (crs.is_projected and _is_grs80_like(crs)):
        return False
    if not crs.axis_info or any(a.unit_conversion_factor != 1.0 for a in crs.axis_info[:2]):
        return False  # feet: the planar area is not in m²
    op = crs.coordinate_operation
    return op is not None and (op.method_name or "").startswith(_LOCAL_SCALE_METHODS)


def ellipsoidal_area(geoms, crs: CRS | str | int | None) -> np.ndarray:
    """Ellipsoidal area in m² on the CGCS2000 ellipsoid of each geometry (array-like of shapely
    geometries in `crs`). Non-polygonal and empty geometries give 0.

    For parcels in a Gauss–Krüger-like projected CRS in metres on the GRS80/CGCS2000 ellipsoid
    (Transverse Mercator, Lambert conformal conic, Albers), the planar area is divided by the
    projection's areal scale at the parcel (exact to well under 0.01 m² for a 100-mu parcel and
    vectorised). Larger features and other CRSs (feet, Web Mercator, other ellipsoids) are measured
    exactly with pyproj.Geod(GRS80) on CGCS2000 lon/lat, projected edges densified to 1 km first.
    """
    if crs is None:
        raise ValueError("cannot measure area without a CRS")
    crs = CRS.from_user_input(crs)
    geoms = np.asarray(geoms, dtype=object)
    out = np.zeros(len(geoms), dtype="float64")
    if len(geoms) == 0:
        return out
    polygonal = shapely.get_type_id(geoms)
    mask = np.isin(polygonal, (3, 6, 7)) & ~shapely.is_empty(geoms)
    if not mask.any():
        return out
    g = geoms[mask]
    result = np.empty(len(g), dtype="float64")
    exact = np.ones(len(g), dtype=bool)
    if _local_scale_ok(crs):
        xmin, ymin, xmax, ymax = shapely.bounds(g).T
        small = np.hypot(xmax - xmin, ymax - ymin) <= _LOCAL_SCALE_MAX_EXTENT_M
        if small.any():
            pts = shapely.point_on_surface(g[small])
            px, py = shapely.get_x(pts), shapely.get_y(pts)
            lon, lat = _to_lonlat(crs).transform(px, py)
            factors = pyproj.Proj(crs).get_factors(lon, lat, errcheck=False)
            result[small] = shapely.area(g[small]) / np.asarray(factors.areal_scale)
            exact = ~small
    if exact.any():
        result[exact] = _geod_area(g[exact], crs)
    out[mask] = result
    return out


def _geod_area(geoms: np.ndarray, crs: CRS) -> np.ndarray:
    """Exact ellipsoidal area (GRS80) after transforming to CGCS2000 lon/lat."""
    if crs.to_epsg() == 4490:
        ll = geoms
    else:
        if crs.is_projected:
            # edges are straight in the projected plane, not geodesics: densify before transforming
            # (with 1 km steps a 100 km square agrees with a 50 m densification to ~2e-9)
            unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
            geoms = shapely.segmentize(geoms, _SEGMENT_M / unit)
        ll = shapely.transform(geoms, lambda xy: np.column_stack(_to_lonlat(crs).transform(xy[:, 0], xy[:, 1])))
    ll = shapely.orient_polygons(ll)
    return np.array([abs(GEOD.geometry_area_perimeter(g)[0]) for g in ll], dtype="float64")
