"""How well participants mirror a population, group by group (districts, age bands, income
quintiles).

For groups g with population shares ``p_g`` and participant counts ``c_g`` (``N`` in all), the
participants' shares are ``q_g = c_g / N`` and the representation ratios ``r_g = q_g / p_g``
(1: the group takes part in proportion to its size). The summary measures:

* ``min_max``: the lowest ratio over the highest (Go Vocal's score);
* ``min_mean``: the lowest ratio over the mean ratio (less driven by one over-represented group);
* ``tvd``: total variation distance ``½ Σ |q_g - p_g|``, the share of participants who would have
  to come from another group to match the population;
* ``overlap``: ``Σ min(q_g, p_g) = 1 - tvd``.

Robust to empty groups: a group with no participants has ratio 0 (the measures say so instead of
failing); a group with no population is left out (it cannot be under-represented); with no
participants at all every measure is None.

Uncertainty: each share has a Wilson score interval (95 %); each measure has a percentile
interval from a parametric bootstrap (``draws`` multinomial samples of ``N`` participants with the
observed shares, fixed ``random_state``), which treats participants as a random sample of the
people who could have taken part.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Z95 = 1.959963984540054


def wilson(count: int, total: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``count / total`` (Wilson 1927)."""
    if total <= 0:
        return (0.0, 1.0)
    p = count / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def _measures(q: npt.NDArray[np.float64], p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """min/max, min/mean, tvd, overlap for rows of participant shares ``q`` (k × groups)."""
    r = q / p
    top = r.max(axis=-1)
    low = r.min(axis=-1)
    mean = r.mean(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        min_max = np.where(top > 0, low / top, np.nan)
        min_mean = np.where(mean > 0, low / mean, np.nan)
    tvd = 0.5 * np.abs(q - p).sum(axis=-1)
    return np.stack([min_max, min_mean, tvd, 1 - tvd], axis=-1)


MEASURES = ("min_max", "min_mean", "tvd", "overlap")


@dataclass
class Representation:
    groups: list[str]
    population_share: list[float]
    participants: list[int]
    share: list[float]
    share_ci: list[tuple[float, float]]
    ratio: list[float]
    total: int
    measures: dict[str, float | None] = field(default_factory=dict)
    measures_ci: dict[str, tuple[float, float] | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "groups": [
                {
                    "group": g,
                    "population_share": ps,
                    "participants": c,
                    "share": s,
                    "share_ci": list(ci),
                    "ratio": r,
                }
                for g, ps, c, s, ci, r in zip(
                    self.groups,
                    self.population_share,
                    self.participants,
                    self.share,
                    self.share_ci,
                    self.ratio,
                    strict=True,
                )
            ],
            "total": self.total,
            "measures": self.measures,
            "measures_ci": {k: (list(v) if v else None) for k, v in self.measures_ci.items()},
        }


def representation(
    counts: Mapping[str, float],
    population_shares: Mapping[str, float],
    *,
    draws: int = 1000,
    random_state: int = 0,
) -> Representation:
    """Participants' shares against the population's for the groups of ``population_shares``
    (counts of groups not listed there are ignored; counts may be fractional estimates, then
    intervals use their rounded total)."""
    groups = [g for g, s in population_shares.items() if s > 0]
    p = np.array([population_shares[g] for g in groups], dtype=float)
    p = p / p.sum() if p.sum() > 0 else p
    c = np.array([max(float(counts.get(g, 0)), 0.0) for g in groups], dtype=float)
    n_exact = float(c.sum())
    n = round(n_exact)
    q = c / n_exact if n_exact > 0 else np.zeros_like(c)
    result = Representation(
        groups=groups,
        population_share=[float(x) for x in p],
        participants=[round(float(x)) for x in c],
        share=[float(x) for x in q],
        share_ci=[wilson(round(float(x)), n) for x in c],
        ratio=[float(x) for x in (q / p if n_exact > 0 else np.zeros_like(q))],
        total=n,
    )
    if n_exact <= 0 or not groups:
        result.measures = dict.fromkeys(MEASURES)
        result.measures_ci = dict.fromkeys(MEASURES)
        return result
    point = _measures(q[None, :], p)[0]
    result.measures = {m: _clean(v) for m, v in zip(MEASURES, point, strict=True)}
    if n > 0 and draws > 0:
        rng = np.random.default_rng(random_state)
        sample = rng.multinomial(n, q, size=draws) / n
        boot = _measures(sample, p)
        lows = np.nanpercentile(boot, 2.5, axis=0)
        highs = np.nanpercentile(boot, 97.5, axis=0)
        result.measures_ci = {
            m: (float(lo), float(hi)) for m, lo, hi in zip(MEASURES, lows, highs, strict=True)
        }
    else:
        result.measures_ci = dict.fromkeys(MEASURES)
    return result


def _clean(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def mix_shares(
    counts: Mapping[str, float], compositions: Mapping[str, Sequence[float] | Mapping[str, float]]
) -> dict[str, float]:
    """Expected counts per demographic group of people counted per area, when each area's
    composition (shares per group) is known but the people's own are not: ``Σ_area c_area ·
    share_area,g`` (an ecological estimate, not a survey)."""
    out: dict[str, float] = {}
    for area, count in counts.items():
        comp = compositions.get(area)
        if not comp or count <= 0:
            continue
        items = comp.items() if isinstance(comp, Mapping) else enumerate(comp, start=1)
        for g, share in items:
            out[str(g)] = out.get(str(g), 0.0) + float(count) * float(share)
    return out
