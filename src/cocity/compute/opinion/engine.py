"""The whole opinion pipeline as one estimator: vote matrix → PCA → groups → statistics."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from cocity.compute.opinion.cluster import PolisGroupClustering, SilhouetteKMeans
from cocity.compute.opinion.matrix import VoteMatrix, VoteTable
from cocity.compute.opinion.pca import SparsityAwarePCA
from cocity.compute.opinion.stats import (
    GroupStats,
    RepresentativeStatement,
    comment_priority,
    consensus_from_counts,
    group_aware_consensus,
    representative_statements,
    statistics_from_counts,
    vote_counts,
)

Mode = Literal["compatible", "polis"]
MODES: tuple[str, ...] = ("compatible", "polis")


class OpinionAnalysis:
    """Polis-style analysis of one conversation.

    Parameters
    ----------
    mode:
        ``"compatible"`` makes red-dwarf's choices (k-means on the participants for k in 2..5,
        best silhouette); ``"polis"`` clusters like Polis (100 base clusters, size-weighted
        k-means on their centres, warm starts and k-smoothing across :meth:`update` calls).
    min_votes:
        Participants are clustered when they voted on at least this many statements (Polis:
        ``min(7, number of statements)`` in polis mode).
    top_up:
        If fewer participants qualify, the most active others are added up to this number
        (Polis: 15). ``None`` means 0 in compatible mode and 15 in polis mode.
    n_components, k_range, pick_max, confidence, n_base_clusters, smoothing_buffer:
        PCA size, range of group counts, statements per list, significance level of the z-tests,
        number of base clusters and k-smoothing buffer (polis mode).
    random_state:
        Seed for every random choice (the results do not depend on it beyond rounding, except
        the silhouette sample above ``silhouette_max_points`` participants in compatible mode).

    Attributes (after ``fit``)
    --------------------------
    matrix_ : VoteMatrix; participant_ids_, statement_ids_; pca_; components_;
    projections_ (participants × 2), statement_projections_, extremity_;
    in_conv_ (bool per participant: clustered); labels_ (group per participant, -1 if not
    clustered); k_; group_stats_ (:class:`GroupStats`); repness_ (group → statements);
    consensus_ (``{"agree": [ids], "disagree": [ids]}``); group_aware_consensus_
    (``{"agree": array, "disagree": array}`` per statement); priority_ (per statement).
    """

    def __init__(
        self,
        mode: Mode = "compatible",
        min_votes: int = 7,
        top_up: int | None = None,
        n_components: int = 2,
        k_range: tuple[int, int] = (2, 5),
        pick_max: int = 5,
        confidence: float = 0.9,
        n_base_clusters: int = 100,
        smoothing_buffer: int = 4,
        silhouette_max_points: int = 10_000,
        random_state: int | None = 0,
    ) -> None:
        self.mode = mode
        self.min_votes = min_votes
        self.top_up = top_up
        self.n_components = n_components
        self.k_range = k_range
        self.pick_max = pick_max
        self.confidence = confidence
        self.n_base_clusters = n_base_clusters
        self.smoothing_buffer = smoothing_buffer
        self.silhouette_max_points = silhouette_max_points
        self.random_state = random_state

    # -- public API -----------------------------------------------------------------------

    def fit(
        self,
        votes: VoteTable | VoteMatrix,
        moderated_out: Iterable[int] = (),
        meta: Iterable[int] = (),
    ) -> OpinionAnalysis:
        """Analyse from scratch (no memory of earlier runs)."""
        for attr in ("clusterer_", "in_conv_ids_"):
            if hasattr(self, attr):
                delattr(self, attr)
        return self.update(votes, moderated_out, meta)

    def update(
        self,
        votes: VoteTable | VoteMatrix,
        moderated_out: Iterable[int] = (),
        meta: Iterable[int] = (),
    ) -> OpinionAnalysis:
        """Analyse again after new votes. In polis mode the clustering is warm-started from the
        previous run, k is smoothed, and a participant once clustered stays clustered."""
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        matrix = votes if isinstance(votes, VoteMatrix) else VoteMatrix.from_votes(votes)
        mod_out = np.array(sorted(set(moderated_out)), dtype=np.int64)
        meta_ids = np.array(sorted(set(meta)), dtype=np.int64)

        pca = SparsityAwarePCA(self.n_components, mod_out.tolist(), self.random_state)
        pca.fit(matrix)
        in_conv = self._in_conv(matrix)
        x = pca.projections_[in_conv]
        labels = np.full(matrix.shape[0], -1, dtype=np.int64)
        if self.mode == "compatible":
            clusterer: SilhouetteKMeans | PolisGroupClustering = SilhouetteKMeans(
                k_range=self.k_range,
                silhouette_max_points=self.silhouette_max_points,
                random_state=self.random_state,
            ).fit(x)
        else:
            previous = getattr(self, "clusterer_", None)
            ids = matrix.participant_ids[in_conv]
            if isinstance(previous, PolisGroupClustering):
                clusterer = previous.update(x, ids)
            else:
                clusterer = PolisGroupClustering(
                    n_base_clusters=self.n_base_clusters,
                    k_range=self.k_range,
                    smoothing_buffer=self.smoothing_buffer,
                    random_state=self.random_state,
                ).fit(x, ids)
        labels[in_conv] = clusterer.labels_

        # One pass over the votes: counts for "not clustered" (row 0) and each group.
        k = int(labels.max()) + 1
        na, nd, ns = vote_counts(matrix, labels + 1, k + 1)
        stats = statistics_from_counts(matrix.statement_ids, na[1:], nd[1:], ns[1:])
        agree, disagree = group_aware_consensus(stats)
        n_agree, n_disagree, n_total = na[1:].sum(axis=0), nd[1:].sum(axis=0), ns[1:].sum(axis=0)

        self.matrix_ = matrix
        self.participant_ids_ = matrix.participant_ids
        self.statement_ids_ = matrix.statement_ids
        self.pca_ = pca
        self.components_ = pca.components_
        self.projections_ = pca.projections_
        self.statement_projections_ = pca.statement_projections_
        self.extremity_ = pca.extremity_
        self.clusterer_ = clusterer
        self.in_conv_ = in_conv
        self.in_conv_ids_ = set(matrix.participant_ids[in_conv].tolist())
        self.labels_ = labels
        self.k_ = int(clusterer.k_)
        self.group_stats_: GroupStats = stats
        self.repness_: dict[int, list[RepresentativeStatement]] = representative_statements(
            stats, mod_out.tolist(), self.pick_max, self.confidence
        )
        self.consensus_: dict[str, list[int]] = consensus_from_counts(
            matrix.statement_ids,
            na.sum(axis=0),
            nd.sum(axis=0),
            ns.sum(axis=0),
            mod_out.tolist(),
            self.pick_max,
            self.confidence,
        )
        self.group_aware_consensus_ = {"agree": agree, "disagree": disagree}
        self.priority_ = comment_priority(
            n_agree, n_disagree, n_total, pca.extremity_, np.isin(matrix.statement_ids, meta_ids)
        )
        return self

    def labels_by_participant(self) -> dict[int, int]:
        """Participant id → group, for clustered participants."""
        ids = self.participant_ids_[self.in_conv_]
        return dict(zip(ids.tolist(), self.labels_[self.in_conv_].tolist(), strict=True))

    def next_statement(self, seen: Iterable[int] = ()) -> int | None:
        """The unseen statement with the highest comment priority (``None`` if all seen)."""
        unseen = ~np.isin(self.statement_ids_, np.fromiter(seen, dtype=np.int64))
        if not unseen.any():
            return None
        candidates = np.flatnonzero(unseen)
        return int(self.statement_ids_[candidates[np.argmax(self.priority_[candidates])]])

    # -- internals ------------------------------------------------------------------------

    def _in_conv(self, matrix: VoteMatrix) -> NDArray[np.bool_]:
        counts = matrix.votes_per_participant()
        polis = self.mode == "polis"
        threshold = min(self.min_votes, matrix.shape[1]) if polis else self.min_votes
        in_conv = counts >= threshold
        if polis:
            before: set[int] = getattr(self, "in_conv_ids_", set())
            if before:
                in_conv |= np.isin(matrix.participant_ids, np.array(sorted(before), dtype=np.int64))
        top_up = (15 if polis else 0) if self.top_up is None else self.top_up
        missing = top_up - int(in_conv.sum())
        if missing > 0:
            others = np.flatnonzero(~in_conv & (counts > 0))
            order = others[np.argsort(-counts[others], kind="stable")]
            in_conv[order[:missing]] = True
        return in_conv
