"""Quality check of a delivered survey layer (`landcheck survey`): every problem of the layer as it
was delivered, each with a stable code (`CODES`), a severity, the feature it concerns, a one-line
message for a person and a geometry that locates it. Pure: no printing, no files.

Schemas (what the layer is; `detect_schema` for `auto`):
* `dltb`     地类图斑 (三调 / 年度变更调查): every check;
* `farmland` 永久基本农田: its own fields, geometry and overlaps (no gaps: not a wall-to-wall coverage);
* `change`   卫片 / 无人机 change patches (JCBH, TBLX, QSX, HSX): its own fields, geometry and overlaps;
* `geometry` any polygon layer: geometry, CRS, overlaps and gaps only.

What the reader repaired or dropped is reported as invalid_geometry / empty_geometry / non_polygon.
An overlap is one problem per pair ("a/b"), a gap lists the patches around it, a repeated id is one
problem per repeated value. Both engines run the same map and reduce steps (`mapreduce`).

Modules: schema (fields, codes, tolerances), problems (the table), geometry, attributes, areas,
fields (missing and repeated), topology (overlaps, gaps), report (summary, report.json), mapreduce,
check (`check_survey`).
"""

from .check import LocalRows, check_survey
from .geometry import validity_reasons
from .mapreduce import (
    PartRows,
    RowSource,
    SurveyContext,
    SurveyPartial,
    concat_rows,
    survey_context,
    survey_partial,
    survey_reduce,
)
from .problems import CODES, PROBLEM_COLUMNS
from .report import SurveyResult, build_report, exit_status, problems_for_output
from .schema import (
    CHANGE_FIELDS,
    CHECK,
    DLTB_FIELDS,
    DUPLICATE_IDS,
    FAIL_ON,
    FARMLAND_FIELDS,
    FIELD_NAMES_ZH,
    FIELD_TABLES,
    SCHEMAS,
    SEVERITIES,
    SurveyTolerances,
    detect_schema,
    require_known_schema,
)
from .topology import coverage_holes

__all__ = [
    "CHANGE_FIELDS",
    "CHECK",
    "CODES",
    "DLTB_FIELDS",
    "DUPLICATE_IDS",
    "FAIL_ON",
    "FARMLAND_FIELDS",
    "FIELD_NAMES_ZH",
    "FIELD_TABLES",
    "PROBLEM_COLUMNS",
    "SCHEMAS",
    "SEVERITIES",
    "LocalRows",
    "PartRows",
    "RowSource",
    "SurveyContext",
    "SurveyPartial",
    "SurveyResult",
    "SurveyTolerances",
    "build_report",
    "check_survey",
    "concat_rows",
    "coverage_holes",
    "detect_schema",
    "exit_status",
    "problems_for_output",
    "require_known_schema",
    "survey_context",
    "survey_partial",
    "survey_reduce",
    "validity_reasons",
]
