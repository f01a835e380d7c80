"""The bundled sample township (示例镇): a deterministic, realistic synthetic township (EPSG:4527,
near 117.1°E 37.3°N) — survey patches, permanent basic farmland, transfer parcels and facility records,
with violations planted inside the farmland. `make_township` builds it in memory (no I/O),
`write_township` writes it as real deliveries arrive (GBK Shapefile without .cpg/.prj, GeoPackages),
`python -m landcheck.sample OUT_DIR` regenerates `layers/` (`--variant names`: `names_variant`, the same
township with 二调 names only and a farmland layer with its own class), `expected_findings` estimates what a
farmland check should find (category and 新增/存量), independently of the checks. What is in the layers:
`layers/README.md`.

Modules, in the order the generator runs: `constants`, `geom`, `draw`, `plan`, `blocks`, `patches`,
`baseline`, `violations`, `survey`, `farmland`, `records`, `township`, `expected`, `names`, `write`,
`readme`, `cli`. This file only re-exports the public names; nothing here is used by the checks.
"""

from __future__ import annotations

from .cli import main
from .constants import (AREA_PER_PATCH_M2, BLOCK_H, BLOCK_JITTER, BLOCK_W, CENTRE_LONLAT, COOP_KINDS, COOP_WORDS,
                        COUNTY_CODE, COUNTY_NAME, EPSG, FACILITY_KINDS, FIELD, FRINGE, FRINGE_FACTOR, GIVEN_CHARS,
                        GRID_M, HIGHWAY, KCXS_TABLE, OPERATOR_MIX, RIVER, SEAT, SEAT_BLOCK_M, SEAT_UNIT_NAMES,
                        SINGLE_TOWN_CODE, STRIP, SURNAMES, SURVEY_YEAR, VILLAGE, VILLAGE_BLOCK_M, VILLAGE_SUFFIXES,
                        VIOLATIONS, ZZSX_NAMES)
from .expected import by_origin, expected_findings, summary, transfer_blocks
from .names import names_variant
from .readme import readme_text
from .township import Township, make_township
from .write import GPKG_LAYERS, write_dltb_shapefile, write_township

__all__ = [
    "AREA_PER_PATCH_M2", "BLOCK_H", "BLOCK_JITTER", "BLOCK_W", "CENTRE_LONLAT", "COOP_KINDS", "COOP_WORDS",
    "COUNTY_CODE", "COUNTY_NAME", "EPSG", "FACILITY_KINDS", "FIELD", "FRINGE", "FRINGE_FACTOR", "GIVEN_CHARS",
    "GPKG_LAYERS", "GRID_M", "HIGHWAY", "KCXS_TABLE", "OPERATOR_MIX", "RIVER", "SEAT", "SEAT_BLOCK_M",
    "SEAT_UNIT_NAMES", "SINGLE_TOWN_CODE", "STRIP", "SURNAMES", "SURVEY_YEAR", "Township", "VILLAGE",
    "VILLAGE_BLOCK_M", "VILLAGE_SUFFIXES", "VIOLATIONS", "ZZSX_NAMES", "by_origin", "expected_findings",
    "main", "make_township", "names_variant", "readme_text", "summary", "transfer_blocks", "write_dltb_shapefile",
    "write_township",
]
