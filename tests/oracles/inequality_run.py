"""Record PySAL's `inequality` answers on fixed data sets (the oracle of tests/compute/equity).

Usage (with the oracle's own python, see tests/oracles/inequality.txt):

    python -m venv /tmp/ineq && /tmp/ineq/bin/pip install -r tests/oracles/inequality.txt
    /tmp/ineq/bin/python tests/oracles/inequality_run.py \
        > tests/compute/equity/pysal_inequality.json

PySAL's Gini and Theil treat every value as one unit (no weights), so the data sets are plain
vectors; TheilD splits T by a partition. This script must not import cocity.
"""

from __future__ import annotations

import json

import numpy as np
from inequality.gini import Gini
from inequality.theil import Theil, TheilD

SETS = {
    # incomes of ten households (a textbook-style small example)
    "ten": [2.0, 3.0, 3.0, 5.0, 7.0, 8.0, 12.0, 15.0, 20.0, 45.0],
    # reports per 1,000 residents in twelve districts
    "twelve": [31.2, 44.0, 18.5, 9.7, 22.1, 51.3, 12.0, 27.7, 8.4, 25.5, 6.1, 49.9],
    # a random log-normal sample
    "lognormal": np.random.default_rng(7).lognormal(3.0, 0.8, 60).round(3).tolist(),
}
PARTITIONS = {
    "ten": [0, 0, 0, 1, 1, 1, 2, 2, 2, 2],
    "twelve": [0, 0, 1, 1, 1, 0, 2, 1, 2, 0, 2, 0],
    "lognormal": [i % 4 for i in range(60)],
}


def main() -> None:
    out = {}
    for name, values in SETS.items():
        y = np.asarray(values, dtype=float)
        parts = np.asarray(PARTITIONS[name])
        split = TheilD(y, parts)
        out[name] = {
            "values": values,
            "partition": PARTITIONS[name],
            "gini": float(Gini(y).g),
            "theil": float(np.asarray(Theil(y).T).ravel()[0]),
            "theil_between": float(np.asarray(split.bg).ravel()[0]),
            "theil_within": float(np.asarray(split.wg).ravel()[0]),
        }
    print(json.dumps({"oracle": "inequality==1.1.2", "answers": out}, indent=1))


if __name__ == "__main__":
    main()
