"""Pure computations of co-creation: milestone progress, the difference between two versions of
a text, the similar-idea check and the geometry of the outcome chart (no Django)."""

from cocity.compute.cocreation.chart import Chart, chart_layout, nice_range
from cocity.compute.cocreation.diff import Segment, word_diff
from cocity.compute.cocreation.progress import progress_percent
from cocity.compute.cocreation.similar import (
    meaningful_words,
    min_shared_words,
    prefix_words,
    similar_items,
    similarity,
)

__all__ = [
    "Chart",
    "Segment",
    "chart_layout",
    "meaningful_words",
    "min_shared_words",
    "nice_range",
    "prefix_words",
    "progress_percent",
    "similar_items",
    "similarity",
    "word_diff",
]
