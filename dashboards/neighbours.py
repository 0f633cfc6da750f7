"""Similar councils: the 15 closest on adult population, 65+ share and region. Pure.

Distance is Euclidean on standardised log adult population and standardised share of adults
aged 65+, plus one standard deviation for a council in another region, so neighbours are
mostly, but not only, from the same region. Uses each council's latest population estimate.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NEIGHBOURS = 15
OTHER_REGION_PENALTY = 1.0

METHOD = ("Similar councils are the 15 closest on adult population (log scale) and the share "
          "of adults aged 65 and over, both standardised across councils, with a council in "
          "another region counted one standard deviation further away.")


def nearest_councils(profile: pd.DataFrame, area_code: str, count: int = NEIGHBOURS,
                     candidates: set[str] | None = None) -> pd.DataFrame:
    """profile: area_code, area_name, region_code, adults, older. Closest first, self excluded;
    only councils in `candidates` (those that existed in the year shown) when given."""
    data = profile.dropna(subset=["adults", "older"]).copy()
    if candidates is not None:
        data = data[data["area_code"].isin(candidates | {area_code})]
    if area_code not in set(data["area_code"]):
        return data.iloc[0:0].assign(distance=[])
    size = np.log(data["adults"])
    share = data["older"] / data["adults"]
    data["size_z"] = (size - size.mean()) / size.std()
    data["share_z"] = (share - share.mean()) / share.std()
    target = data[data["area_code"] == area_code].iloc[0]
    data["distance"] = np.sqrt((data["size_z"] - target["size_z"]) ** 2 +
                               (data["share_z"] - target["share_z"]) ** 2) + \
        np.where(data["region_code"] == target["region_code"], 0.0, OTHER_REGION_PENALTY)
    others = data[data["area_code"] != area_code]
    return others.sort_values(["distance", "area_name"]).head(count).reset_index(drop=True)


@dataclass(frozen=True)
class Standardised:
    """The candidate councils with their standardised size and 65+ share, as nearest_councils
    works them out: made once (per year's candidates) so each council's neighbours are then one
    distance per council, not a copy, filter and sort of the profile."""
    codes: list[str]
    names: list[str]
    regions: np.ndarray
    size_z: np.ndarray
    share_z: np.ndarray


def standardise(profile: pd.DataFrame, candidates: set[str] | None = None) -> Standardised:
    data = profile.dropna(subset=["adults", "older"])
    if candidates is not None:
        data = data[data["area_code"].isin(candidates)]
    size = np.log(data["adults"])
    share = data["older"] / data["adults"]
    return Standardised(data["area_code"].tolist(), data["area_name"].tolist(),
                        data["region_code"].to_numpy(dtype=object),
                        ((size - size.mean()) / size.std()).to_numpy(),
                        ((share - share.mean()) / share.std()).to_numpy())


def nearest_codes(standard: Standardised, area_code: str, count: int = NEIGHBOURS) -> tuple[str, ...] | None:
    """nearest_councils(profile, area_code, count, candidates)["area_code"] for a council among
    the standardised candidates (the same arithmetic, so the same distances and order); None
    when it is not among them or a distance is not a number (ask nearest_councils then)."""
    if area_code not in standard.codes:
        return None
    me = standard.codes.index(area_code)
    distance = np.sqrt((standard.size_z - standard.size_z[me]) ** 2 + (standard.share_z - standard.share_z[me]) ** 2) \
        + np.where(standard.regions == standard.regions[me], 0.0, OTHER_REGION_PENALTY)
    if not np.isfinite(distance).all():
        return None
    distances = distance.tolist()
    others = [i for i, code in enumerate(standard.codes) if code != area_code]
    # Stable, as the DataFrame sort on (distance, area_name) is.
    others.sort(key=lambda i: (distances[i], standard.names[i]))
    return tuple(standard.codes[i] for i in others[:count])
