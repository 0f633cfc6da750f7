"""Similar councils: the 15 closest on adult population, 65+ share and region. Pure.

Distance is Euclidean on standardised log adult population and standardised share of adults
aged 65+, plus one standard deviation for a council in another region, so neighbours are
mostly, but not only, from the same region. Uses each council's latest population estimate.
"""
from __future__ import annotations

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
