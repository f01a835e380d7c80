"""Control characters removed from a read layer's text (`landcheck.text.clean_text`), counted per field
in the `ReadReport` (`text_cleaned`, and a warning naming the fields), so that no output inherits them.
"""

from __future__ import annotations

import pandas as pd

from ..text import clean_frame
from .report import ReadReport


def clean_controls(df: pd.DataFrame, report: ReadReport) -> pd.DataFrame:
    """`df` with control characters removed from its text fields; what was cleaned goes into `report`."""
    df, counts = clean_frame(df)
    record_cleaned(report, counts)
    return df


def record_cleaned(report: ReadReport, counts: dict[str, int]) -> None:
    """Add per-field counts of cleaned values to `report` and warn once naming them."""
    for col, n in counts.items():
        report.text_cleaned[col] = report.text_cleaned.get(col, 0) + int(n)
    if counts:
        shown = ", ".join(f"{c} ({n})" for c, n in report.text_cleaned.items())
        report.warnings[:] = [w for w in report.warnings if not w.startswith(WARNING)]
        report.warn(f"{WARNING} {shown}")


#: The start of the warning (one per layer).
WARNING = "control characters removed from values of"
