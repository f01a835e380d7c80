"""Random draws from tables: weighted codes (`pick`), village names, people's names, operator names.

Functions of an rng and the name pools in `constants` only: no geometry, no frames."""

from __future__ import annotations

import numpy as np

from .constants import COOP_KINDS, COOP_WORDS, COUNTY_NAME, GIVEN_CHARS, SURNAMES, VILLAGE_SUFFIXES


def pick(rng: np.random.Generator, n: int, table: list[tuple[str, float]]) -> np.ndarray:
    codes = np.array([c for c, _ in table], dtype=object)
    p = np.array([w for _, w in table], dtype=float)
    return codes[rng.choice(len(codes), size=n, p=p / p.sum())]


def village_names(rng: np.random.Generator, n: int) -> list[str]:
    """n distinct village names such as 王家庄村, 李官屯村, 张坊村."""
    pool = [s + suf + "村" for s in SURNAMES for suf in VILLAGE_SUFFIXES]
    order = rng.permutation(len(pool))
    return [pool[i] for i in order[:n]]


def person(rng: np.random.Generator, n: int) -> list[str]:
    s = rng.choice(SURNAMES, n)
    g1 = rng.choice(GIVEN_CHARS, n)
    g2 = rng.choice(GIVEN_CHARS, n)
    two = rng.random(n) < 0.75
    return [a + b + (c if t else "") for a, b, c, t in zip(s, g1, g2, two)]


def operators(rng: np.random.Generator, entity: list[str]) -> list[str]:
    """Distinct operator names for the given kinds of entity: cooperatives (商河县丰源种植专业合作社),
    family farms (商河县王建国家庭农场), agricultural companies (济南金穗农业发展有限公司)."""
    names: list[str] = []
    people = iter(person(rng, 4 * len(entity) + 10))
    words = [str(w) for w in rng.permutation(COOP_WORDS)]
    for k, kind in enumerate(entity):
        while True:
            word = words.pop() if words else next(people)[:2]
            if kind == "coop":
                name = f"{COUNTY_NAME}{word}{COOP_KINDS[k % len(COOP_KINDS)]}"
            elif kind == "farm":
                name = f"{COUNTY_NAME}{next(people)}家庭农场"
            else:
                name = f"济南{word}农业发展有限公司"
            if name not in names:
                names.append(name)
                break
    return names
