"""The vocabulary: the words officers see and pick (problem types, measures, statuses, verdicts,
categories and the other labels of landcheck/data/vocabulary.toml), loaded once.

Nothing else in the package spells these words; this module decides nothing about findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .packaged import packaged_toml


@dataclass(frozen=True)
class Vocabulary:
    """The words officers see and pick: problem types, measures, statuses, verdicts."""

    problem_types: tuple[str, ...]
    measures: tuple[str, ...]
    statuses: tuple[str, ...]
    verdicts: tuple[str, ...]
    severities: tuple[str, ...]
    recovery: dict
    restorable_measures: tuple[str, ...]
    #: category key → (label, short label), in legend order
    categories: dict = field(default_factory=dict)
    #: other words officers read, by key ([labels] of vocabulary.toml)
    labels: dict = field(default_factory=dict)
    #: origin key (new / existing / unknown) → 新增 / 存量 / 待核实
    origins: dict = field(default_factory=dict)
    #: 种植属性 code (ZZSXDM) → its name
    planting_attributes: dict = field(default_factory=dict)

    def label(self, key: str, **values) -> str:
        """A word of the [labels] table (`no_village` → （未填行政村）), its {fields} filled from `values`."""
        return self.labels[key].format(**values) if values else self.labels[key]

    def category_label(self, category: str, short: bool = False) -> str:
        """The Chinese label of a finding category (`non_farm` → 非农化); unknown keys as they are."""
        entry = self.categories.get(category)
        return entry[1 if short else 0] if entry else (category or self.labels["config_no_category"])

    @property
    def all_measures(self) -> tuple[str, ...]:
        """Measures including their 恢复属性 refinements (退园还耕（即可恢复） …)."""
        refined = tuple(self.refined_measure(m, r) for m in self.restorable_measures for r in self.recovery.values())
        return self.measures + refined

    @staticmethod
    def refined_measure(measure: str, recovery: str) -> str:
        """A restorable measure refined by its 恢复属性: 退园还耕 + 即可恢复 → 退园还耕（即可恢复）."""
        return f"{measure}（{recovery}）"

    def with_number(self, problem_type: str, number: float) -> str:
        """A problem type that carries a configurable number, with the number configured: the
        vocabulary's 流转地块不足100亩 with 120 gives 流转地块不足120亩 (100.5 → 流转地块不足100.5亩)."""
        m = _NUMBER.search(problem_type)
        if problem_type not in self.problem_types or m is None:
            raise ValueError(f"'{problem_type}' is not a numbered problem type of the vocabulary")
        text = f"{float(number):.6f}".rstrip("0").rstrip(".")
        return problem_type[:m.start()] + text + problem_type[m.end():]

    def knows_problem_type(self, name: str) -> bool:
        """True for a problem type of the vocabulary, or one of its numbered types with another number
        (流转地块不足120亩 when the township's minimum block is 120 mu)."""
        if name in self.problem_types:
            return True
        for p in self.problem_types:
            m = _NUMBER.search(p)
            if m and re.fullmatch(re.escape(p[:m.start()]) + _NUMBER.pattern + re.escape(p[m.end():]), name):
                return True
        return False


#: A number inside a problem type (流转地块不足100亩): the configured value takes its place.
_NUMBER = re.compile(r"\d+(?:\.\d+)?")

_VOCAB: Vocabulary | None = None


def vocabulary() -> Vocabulary:
    """The packaged vocabulary (landcheck/data/vocabulary.toml)."""
    global _VOCAB
    if _VOCAB is None:
        v = packaged_toml("vocabulary.toml")
        _VOCAB = Vocabulary(
            problem_types=tuple(v["problem_types"]), measures=tuple(v["measures"]), statuses=tuple(v["statuses"]),
            verdicts=tuple(v["verdicts"]), severities=tuple(v["severities"]), recovery=dict(v["recovery"]),
            restorable_measures=tuple(v["restorable_measures"]),
            categories={k: (label, short) for k, label, short in v["categories"]},
            labels=dict(v.get("labels", {})), origins=dict(v.get("origins", {})),
            planting_attributes=dict(v.get("planting_attributes", {})),
        )
    return _VOCAB
