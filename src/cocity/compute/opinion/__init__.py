"""Polis-style opinion engine: vote matrix, PCA, opinion groups, representative and consensus
statements, group-aware consensus and comment priority. Pure numpy/scipy, no Django.

See docs/opinion.md for the method and its parameters.
"""

from cocity.compute.opinion.cluster import (
    PolisGroupClustering,
    SilhouetteKMeans,
    kmeans,
    silhouette,
)
from cocity.compute.opinion.engine import MODES, OpinionAnalysis
from cocity.compute.opinion.export import PolisExport, PolisExportError, read_polis_export
from cocity.compute.opinion.matrix import VoteMatrix, VoteTable
from cocity.compute.opinion.pca import SparsityAwarePCA
from cocity.compute.opinion.stats import (
    GroupStats,
    RepresentativeStatement,
    comment_priority,
    consensus_statements,
    group_aware_consensus,
    group_statistics,
    representative_statements,
)

__all__ = [
    "MODES",
    "GroupStats",
    "OpinionAnalysis",
    "PolisExport",
    "PolisExportError",
    "PolisGroupClustering",
    "RepresentativeStatement",
    "SilhouetteKMeans",
    "SparsityAwarePCA",
    "VoteMatrix",
    "VoteTable",
    "comment_priority",
    "consensus_statements",
    "group_aware_consensus",
    "group_statistics",
    "kmeans",
    "read_polis_export",
    "representative_statements",
    "silhouette",
]
