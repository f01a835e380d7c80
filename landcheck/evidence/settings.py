"""The [evidence] table of the rules (landcheck/data/rules.toml, overridable with --rules): match
tolerances, the direction sector, the time offset of photos that record none, size limits, patrol days.

Reads a loaded `Rules`; validates ranges (LandcheckError naming the key); touches no file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..config import load_rules
from ..errors import LandcheckError
from .photos import Limits, parse_offset


@dataclass(frozen=True)
class EvidenceSettings:
    handheld_tolerance_m: float = 30.0
    drone_tolerance_m: float = 100.0
    direction_half_angle: float = 60.0
    #: a drone photo whose gimbal pitch is at or below this looks straight down: its yaw is no direction
    nadir_pitch: float = -80.0
    track_tolerance_m: float = 30.0
    patrol_days: int = 30
    limits: Limits = Limits()


_MAX = {"handheld_tolerance_m": 1000.0, "drone_tolerance_m": 5000.0, "direction_half_angle": 180.0,
        "track_tolerance_m": 1000.0, "patrol_days": 3650.0, "max_file_mb": 2000.0, "max_megapixels": 2000.0}


def evidence_settings(rules=None) -> EvidenceSettings:
    """The [evidence] settings of `rules` (a loaded Rules; None: the packaged rules)."""
    rules = rules if rules is not None else load_rules()
    table = dict(rules.data.get("evidence", {}))
    source = f"{rules.source}: [evidence]"
    for key, top in _MAX.items():
        if key in table:
            v = table[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not 0 < v <= top:
                raise LandcheckError(f"{source} {key} = {v!r} is out of range: a number above 0, at most {top:g}.")
    offset = str(table.get("default_utc_offset", "+08:00"))
    try:
        parse_offset(offset)
    except ValueError:
        raise LandcheckError(f"{source} default_utc_offset = {offset!r} is not an offset like \"+08:00\".") from None
    pitch = table.get("nadir_pitch", -80.0)
    if isinstance(pitch, bool) or not isinstance(pitch, (int, float)) or not -90 <= pitch <= 0:
        raise LandcheckError(f"{source} nadir_pitch = {pitch!r} is out of range: from -90 to 0 degrees.")
    limits = Limits(max_file_mb=float(table.get("max_file_mb", 60.0)), max_megapixels=float(table.get("max_megapixels", 200.0)),
                    default_offset=offset)
    return EvidenceSettings(handheld_tolerance_m=float(table.get("handheld_tolerance_m", 30.0)),
                            drone_tolerance_m=float(table.get("drone_tolerance_m", 100.0)),
                            direction_half_angle=float(table.get("direction_half_angle", 60.0)), nadir_pitch=float(pitch),
                            track_tolerance_m=float(table.get("track_tolerance_m", 30.0)),
                            patrol_days=int(table.get("patrol_days", 30)), limits=limits)
