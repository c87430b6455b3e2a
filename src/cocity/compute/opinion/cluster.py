"""Opinion groups: k-means on the participants' projections, k chosen by silhouette.

Two estimators:

* :class:`SilhouetteKMeans` (``compatible`` mode) makes red-dwarf's choices: for each k in
  2..5, Lloyd's k-means started from the first k distinct points (in lexicographic order), up to
  300 iterations with scikit-learn's stopping rule; the k with the highest mean silhouette wins
  (the smallest k on a tie) and groups are numbered in the order of their starting points.
* :class:`PolisGroupClustering` (``polis`` mode) follows Polis: 100 base clusters on the
  participants, then size-weighted k-means on the base-cluster centres for k in 2..5, k chosen by
  silhouette over the base centres, warm starts from the previous update, and k-smoothing (a new
  k is adopted only after it wins 4 consecutive updates). Call :meth:`update` once per
  recomputation to carry that state forward.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist

Float2D = NDArray[np.float64]


def first_unique_points(x: Float2D, k: int, exclude: Float2D | None = None) -> Float2D:
    """The first ``k`` distinct rows of ``x`` in lexicographic order (Polis' start centres)."""
    unique = np.unique(x, axis=0)
    if exclude is not None and len(exclude):
        taken = {tuple(row) for row in exclude}
        unique = np.array([row for row in unique if tuple(row) not in taken]).reshape(
            -1, x.shape[1]
        )
    if len(unique) < k:
        raise ValueError(f"not enough distinct points for {k} clusters")
    return unique[:k]


def first_distinct_in_order(x: Float2D, k: int, exclude: Float2D | None = None) -> Float2D:
    """The first ``k`` distinct rows of ``x`` in row order (Polis' ``init-clusters``)."""
    _, first = np.unique(x, axis=0, return_index=True)
    rows = x[np.sort(first)]
    if exclude is not None and len(exclude):
        taken = {tuple(row) for row in exclude}
        rows = np.array([r for r in rows if tuple(r) not in taken]).reshape(-1, x.shape[1])
    if len(rows) < k:
        raise ValueError(f"not enough distinct points for {k} clusters")
    return rows[:k]


#: With more centres than this, the nearest centre is found with a k-d tree.
KDTREE_MIN_CENTERS = 16


def _assign(
    x: Float2D, centers: Float2D, x_sq: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Nearest centre of each point and the squared distance to it."""
    if len(centers) > KDTREE_MIN_CENTERS:
        dist, labels = cKDTree(centers).query(x)
        return np.asarray(labels, dtype=np.int64), np.asarray(dist) ** 2
    # Same arithmetic as scikit-learn's Lloyd step: ||c||² - 2 x·c, then argmin.
    d = x @ (-2.0 * centers.T)
    d += (centers * centers).sum(axis=1)[None, :]
    labels = np.argmin(d, axis=1)
    return labels, np.take_along_axis(d, labels[:, None], axis=1)[:, 0] + x_sq


def _update_centers(
    x: Float2D, w: NDArray[np.float64], labels: NDArray[np.int64], k: int
) -> tuple[Float2D, NDArray[np.float64]]:
    weight = np.bincount(labels, weights=w, minlength=k).astype(np.float64)
    sums = np.zeros((k, x.shape[1]))
    for dim in range(x.shape[1]):
        sums[:, dim] = np.bincount(labels, weights=w * x[:, dim], minlength=k)
    return sums, weight


def kmeans(
    x: Float2D,
    init: Float2D,
    weights: NDArray[np.float64] | None = None,
    max_iter: int = 300,
    tol: float = 1e-4,
) -> tuple[NDArray[np.int64], Float2D, int]:
    """Lloyd's k-means from given centres, with scikit-learn's stopping rule.

    Stops when the labels no longer change, or when the total squared centre shift is at most
    ``tol`` times the mean per-feature variance of ``x``. An empty cluster restarts at the point
    farthest from its centre (labels are left to the next step, as in scikit-learn). Returns
    labels, centres and the number of iterations.
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=np.float64)
    k = len(init)
    x_mean = x.mean(axis=0)
    xc = x - x_mean
    x_sq = (xc * xc).sum(axis=1)
    # [w·x, w]: one matrix product per step gives every cluster's weighted sum and weight.
    xw = np.hstack([xc * w[:, None], w[:, None]])
    eye = np.eye(k)
    centers = np.asarray(init, dtype=np.float64) - x_mean
    threshold = float(np.mean(np.var(x, axis=0)) * tol)
    use_tree = k > KDTREE_MIN_CENTERS
    labels_old = np.full(len(x), -1, dtype=np.int64)
    strict = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007
        if use_tree:
            labels, dist = _assign(xc, centers, x_sq)
        else:
            # scikit-learn's Lloyd step: argmin of ||c||² - 2 x·c.
            d = xc @ (-2.0 * centers.T)
            d += (centers * centers).sum(axis=1)
            labels = d.argmin(axis=1)
        totals = eye[labels].T @ xw
        sums, weight = totals[:, :-1], totals[:, -1]
        if weight.min() <= 0:
            if not use_tree:
                dist = np.take_along_axis(d, labels[:, None], axis=1)[:, 0] + x_sq
            empty = np.flatnonzero(weight <= 0)
            far = np.argsort(-dist, kind="stable")[: len(empty)]
            for cluster, point in zip(empty, far, strict=False):
                old = labels[point]
                sums[old] -= w[point] * xc[point]
                weight[old] -= w[point]
                sums[cluster] = w[point] * xc[point]
                weight[cluster] = w[point]
            filled = weight > 0
            new_centers = centers.copy()
            new_centers[filled] = sums[filled] / weight[filled, None]
        else:
            new_centers = sums / weight[:, None]
        shift = float(((new_centers - centers) ** 2).sum())
        centers = new_centers
        if np.array_equal(labels, labels_old):
            strict = True
            break
        if shift <= threshold:
            break
        labels_old = labels
    if not strict:
        labels, _ = _assign(xc, centers, x_sq)
    return labels.astype(np.int64), centers + x_mean, n_iter


def silhouette_scores(
    x: Float2D, labelings: Sequence[NDArray[np.int64]], chunk: int = 1024
) -> list[float]:
    """Mean silhouette coefficient (Euclidean) of each labelling of the same points, as
    scikit-learn's ``silhouette_score``; the pairwise distances are computed once, by chunks."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    encoded = []
    for labels in labelings:
        uniq, lab = np.unique(labels, return_inverse=True)
        if not 2 <= len(uniq) <= n - 1:
            raise ValueError("silhouette needs 2 <= number of groups <= number of points - 1")
        encoded.append((lab, len(uniq)))
    offsets = np.cumsum([0] + [m for _, m in encoded])
    onehot = np.zeros((n, int(offsets[-1])))
    for (lab, _), off in zip(encoded, offsets, strict=False):
        onehot[np.arange(n), off + lab] = 1.0
    dist_sums = np.empty((n, int(offsets[-1])))
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        dist_sums[start:stop] = cdist(x[start:stop], x) @ onehot
    rows = np.arange(n)
    out = []
    for (lab, m), off in zip(encoded, offsets, strict=False):
        sums = dist_sums[:, off : off + m]
        sizes = np.bincount(lab, minlength=m).astype(np.float64)
        own = sizes[lab] - 1
        a = sums[rows, lab] / np.maximum(own, 1)
        other = sums / sizes[None, :]
        other[rows, lab] = np.inf
        b = other.min(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = (b - a) / np.maximum(a, b)
        s = np.nan_to_num(s)
        s[own == 0] = 0.0
        out.append(float(s.mean()))
    return out


def silhouette(x: Float2D, labels: NDArray[np.int64]) -> float:
    """Mean silhouette coefficient (Euclidean) of one labelling."""
    return silhouette_scores(x, [labels])[0]


class SilhouetteKMeans:
    """k-means for k in ``k_range`` from the first distinct points; best mean silhouette wins.

    Attributes: ``k_``, ``labels_``, ``cluster_centers_``, ``scores_`` (k → silhouette).
    ``random_state`` is accepted for the estimator interface; the method is deterministic.
    """

    def __init__(
        self,
        k_range: tuple[int, int] = (2, 5),
        max_iter: int = 300,
        tol: float = 1e-4,
        silhouette_max_points: int = 10_000,
        random_state: int | None = 0,
    ) -> None:
        self.k_range = k_range
        self.max_iter = max_iter
        self.tol = tol
        self.silhouette_max_points = silhouette_max_points
        self.random_state = random_state

    def fit(self, x: Float2D) -> SilhouetteKMeans:
        x = np.asarray(x, dtype=np.float64)
        fits: dict[int, tuple[NDArray[np.int64], Float2D]] = {}
        sample = np.arange(len(x))
        if len(x) > self.silhouette_max_points:
            rng = np.random.default_rng(self.random_state)
            sample = np.sort(rng.choice(len(x), self.silhouette_max_points, replace=False))
        unique = np.unique(x, axis=0)
        for k in range(self.k_range[0], self.k_range[1] + 1):
            if len(unique) < k or len(x) <= k:
                continue
            labels, centers, _ = kmeans(x, unique[:k], max_iter=self.max_iter, tol=self.tol)
            if len(np.unique(labels[sample])) >= 2:
                fits[k] = (labels, centers)
        scores: dict[int, float] = {}
        if fits:
            values = silhouette_scores(x[sample], [fit[0][sample] for fit in fits.values()])
            scores = dict(zip(fits, values, strict=True))
        self.scores_ = scores
        if not scores:
            self.k_ = 1
            self.labels_ = np.zeros(len(x), dtype=np.int64)
            self.cluster_centers_ = x.mean(axis=0, keepdims=True) if len(x) else np.zeros((1, 2))
            return self
        best = max(scores, key=lambda kk: (scores[kk], -kk))
        self.k_ = best
        self.labels_, self.cluster_centers_ = fits[best]
        return self


@dataclass
class KSmoother:
    """Polis' k-smoothing state: a new k is adopted after winning ``buffer`` updates in a row."""

    buffer: int = 4
    last_k: int | None = None
    last_k_count: int = 0
    smoothed_k: int | None = None

    def update(self, this_k: int) -> int:
        self.last_k_count = self.last_k_count + 1 if self.last_k == this_k else 1
        self.last_k = this_k
        if self.last_k_count >= self.buffer or self.smoothed_k is None:
            self.smoothed_k = this_k
        return self.smoothed_k


@dataclass
class Clustering:
    """Clusters with stable ids: ``ids[j]`` is cluster j's id, ``labels`` index clusters."""

    ids: NDArray[np.int64]
    centers: Float2D
    labels: NDArray[np.int64]
    point_ids: NDArray[np.int64]

    def membership(self) -> dict[int, int]:
        """Point id → cluster id (what a warm start carries over)."""
        return dict(zip(self.point_ids.tolist(), self.ids[self.labels].tolist(), strict=True))


def _weighted_centres(
    x: Float2D, w: NDArray[np.float64], labels: NDArray[np.int64], m: int
) -> tuple[Float2D, NDArray[np.float64]]:
    sums, weight = _update_centers(x, w, labels, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / weight[:, None], weight


def _polis_start(
    x: Float2D,
    w: NDArray[np.float64],
    point_ids: NDArray[np.int64],
    k: int,
    last: dict[int, int] | None,
) -> tuple[NDArray[np.int64], Float2D]:
    """Polis' ``clean-start-clusters``: recentre the last clusters on their members' new
    positions, drop the empty ones, merge identical ones, then split off the most distant
    points until there are ``min(k, distinct points)`` clusters. Cold start: first distinct
    points in row order (``init-clusters``)."""
    n_distinct = len(np.unique(x, axis=0))
    if not last:
        centres = first_distinct_in_order(x, min(k, n_distinct))
        return np.arange(len(centres), dtype=np.int64), centres
    prev = np.array([last.get(int(p), -1) for p in point_ids.tolist()], dtype=np.int64)
    ids = np.unique(prev[prev >= 0])
    if len(ids) == 0:
        centres = first_distinct_in_order(x, min(k, n_distinct))
        return np.arange(len(centres), dtype=np.int64), centres
    labels = np.where(prev >= 0, np.searchsorted(ids, prev), -1)
    members = labels >= 0
    centres, weight = _weighted_centres(x[members], w[members], labels[members], len(ids))
    # Merge clusters that landed on the same centre (the bigger one keeps its id).
    _, first, inverse = np.unique(centres, axis=0, return_index=True, return_inverse=True)
    if len(first) < len(ids):
        inverse = inverse.reshape(-1)
        keep_id: dict[int, int] = {}
        for j in np.argsort(-weight, kind="stable"):
            keep_id.setdefault(int(inverse[j]), int(ids[j]))
        merged = np.array([keep_id[int(inverse[j])] for j in range(len(ids))])
        labels = np.where(members, np.searchsorted(np.unique(merged), merged[labels]), -1)
        ids = np.unique(merged)
        centres, weight = _weighted_centres(x[members], w[members], labels[members], len(ids))
    possible = min(k, n_distinct)
    while len(ids) < possible:
        d = cdist(x, centres)
        nearest = d.min(axis=1)
        far = int(np.argmax(nearest))
        if nearest[far] <= 0:
            break
        labels = labels.copy()
        labels[far] = len(ids)
        ids = np.append(ids, ids.max() + 1)
        members = labels >= 0
        centres, weight = _weighted_centres(x[members], w[members], labels[members], len(ids))
        filled = weight > 0
        ids, centres = ids[filled], centres[filled]
        remap = np.cumsum(filled) - 1
        labels = np.where(labels >= 0, remap[np.maximum(labels, 0)], -1)
    return ids[: max(possible, 1)], centres[: max(possible, 1)]


def _sorted_rows(c: Float2D) -> Float2D:
    return c[np.lexsort(c.T[::-1])]


def polis_kmeans(
    x: Float2D,
    point_ids: NDArray[np.int64],
    k: int,
    last: dict[int, int] | None = None,
    weights: NDArray[np.float64] | None = None,
    max_iter: int = 100,
    threshold: float = 0.01,
) -> Clustering:
    """Polis' k-means (``clusters/kmeans``): warm start from the last clustering's members,
    Lloyd steps that drop empty clusters, stop when no centre moves by ``threshold`` or after
    ``max_iter`` steps."""
    x = np.asarray(x, dtype=np.float64)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=np.float64)
    ids, centres = _polis_start(x, w, point_ids, k, last)
    x_sq = (x * x).sum(axis=1)
    labels = np.zeros(len(x), dtype=np.int64)
    for _ in range(max_iter + 1):
        labels, _ = _assign(x, centres, x_sq)
        new_centres, weight = _weighted_centres(x, w, labels, len(ids))
        filled = weight > 0
        if not filled.all():
            remap = np.cumsum(filled) - 1
            labels = remap[labels]
            ids, new_centres = ids[filled], new_centres[filled]
        same = len(new_centres) == len(centres) and bool(
            np.all(
                np.linalg.norm(_sorted_rows(new_centres) - _sorted_rows(centres), axis=1)
                < threshold
            )
        )
        centres = new_centres
        if same:
            break
    return Clustering(ids=ids, centers=centres, labels=labels, point_ids=point_ids)


class PolisGroupClustering:
    """Polis' two-level clustering with warm starts and k-smoothing.

    ``fit(x, ids)`` runs one update from scratch; ``update(x, ids)`` runs one more update
    warm-started from the previous one (clusters keep their members by participant id, as in
    Polis). Attributes: ``base_`` (:class:`Clustering` of the participants), ``base_centers_``,
    ``base_sizes_``, ``base_labels_``, ``k_`` (smoothed), ``best_k_`` (this update's silhouette
    winner), ``scores_``, ``labels_`` (group per participant), ``group_centers_``.
    """

    def __init__(
        self,
        n_base_clusters: int = 100,
        k_range: tuple[int, int] = (2, 5),
        smoothing_buffer: int = 4,
        max_iter: int = 100,
        random_state: int | None = 0,
    ) -> None:
        self.n_base_clusters = n_base_clusters
        self.k_range = k_range
        self.smoothing_buffer = smoothing_buffer
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, x: Float2D, ids: NDArray[np.int64] | None = None) -> PolisGroupClustering:
        for attr in ("base_", "groupings_", "smoother_"):
            if hasattr(self, attr):
                delattr(self, attr)
        return self.update(x, ids)

    def update(self, x: Float2D, ids: NDArray[np.int64] | None = None) -> PolisGroupClustering:
        x = np.asarray(x, dtype=np.float64)
        point_ids = np.arange(len(x), dtype=np.int64) if ids is None else np.asarray(ids)
        previous: Clustering | None = getattr(self, "base_", None)
        base = polis_kmeans(
            x,
            point_ids,
            self.n_base_clusters,
            last=previous.membership() if previous is not None else None,
            max_iter=self.max_iter,
        )
        sizes = np.bincount(base.labels, minlength=len(base.ids)).astype(np.float64)
        groupings: dict[int, Clustering] = getattr(self, "groupings_", {})
        max_k = min(self.k_range[1], 2 + len(base.ids) // 12)
        fits: dict[int, Clustering] = {}
        for k in range(self.k_range[0], max_k + 1):
            if len(base.ids) <= k:
                continue
            last = groupings.get(k)
            fits[k] = polis_kmeans(
                base.centers,
                base.ids,
                k,
                last=last.membership() if last is not None else None,
                weights=sizes,
                max_iter=self.max_iter,
            )
        usable = {k: c for k, c in fits.items() if len(np.unique(c.labels)) >= 2}
        scores: dict[int, float] = {}
        if usable:
            values = silhouette_scores(base.centers, [c.labels for c in usable.values()])
            scores = dict(zip(usable, values, strict=True))
        smoother: KSmoother = getattr(self, "smoother_", KSmoother(self.smoothing_buffer))
        self.base_ = base
        self.base_centers_ = base.centers
        self.base_sizes_ = sizes
        self.base_labels_ = base.labels
        self.groupings_ = fits
        self.scores_ = scores
        self.smoother_ = smoother
        if not scores:
            self.best_k_ = self.k_ = 1
            self.labels_ = np.zeros(len(x), dtype=np.int64)
            self.group_centers_ = x.mean(axis=0, keepdims=True)
            return self
        self.best_k_ = max(scores, key=lambda kk: (scores[kk], -kk))
        k = smoother.update(self.best_k_)
        if k not in usable:
            k = self.best_k_
        self.k_ = len(usable[k].ids)
        group = usable[k]
        # Groups are numbered in the order of their ids (Polis sorts clusters by id).
        rank = np.argsort(np.argsort(group.ids))
        self.group_centers_ = group.centers[np.argsort(group.ids)]
        self.labels_ = rank[group.labels][base.labels]
        return self
