"""`ReadReport`: what the reader saw, decided, repaired and dropped for one layer.

A plain record that goes into summary.json as it is. It must not read files or take decisions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class ReadReport:
    """What the reader saw, decided, repaired and dropped. All areas in m² unless named _mu."""

    path: str
    layer: str | None = None
    layers: list[str] = field(default_factory=list)
    driver: str | None = None
    n_read: int = 0
    n_features: int = 0
    encoding: str | None = None
    encoding_source: str | None = None  # option / cpg / dbf_language_byte / detected / format
    crs: str | None = None
    crs_name: str | None = None
    crs_source: str | None = None  # option / declared / inferred / corrected
    crs_warning: str | None = None
    likely_crs: str | None = None
    field_map: dict[str, str] = field(default_factory=dict)
    code_reading: str | None = None
    unknown_codes: dict[str, int] = field(default_factory=dict)
    unknown_names: dict[str, int] = field(default_factory=dict)  # DLMC without DLBM that gave no code
    # codes and names that map to no class: [{kind: code|name, value, rows, area_m2, action, category}]
    unknown_table: list[dict] = field(default_factory=list)
    repaired: list[dict] = field(default_factory=list)
    dropped: list[dict] = field(default_factory=list)
    mojibake_repaired: dict[str, int] = field(default_factory=dict)
    # field → values whose control characters were removed (landcheck.text.clean_text)
    text_cleaned: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def warn(self, message: str) -> None:
        self.warnings.append(message)
