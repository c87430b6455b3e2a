"""PCA, clustering and statistics on small hand-made conversations."""

from __future__ import annotations

import numpy as np
import pytest

from cocity.compute.opinion import (
    PolisGroupClustering,
    SilhouetteKMeans,
    SparsityAwarePCA,
    VoteMatrix,
    VoteTable,
    comment_priority,
    consensus_statements,
    group_aware_consensus,
    group_statistics,
    kmeans,
    representative_statements,
    silhouette,
)
from cocity.compute.opinion import pca as pca_module
from cocity.compute.opinion.cluster import KSmoother, first_unique_points


def random_matrix(n: int, s: int, density: float, seed: int = 0) -> VoteMatrix:
    rng = np.random.default_rng(seed)
    mask = rng.random((n, s)) < density
    mask[:, 0] = True  # every participant voted at least once
    rows, cols = np.nonzero(mask)
    # Two camps so the components are well separated.
    camp = np.where(np.arange(n) < n // 2, 1, -1)
    lean = np.where(np.arange(s) % 2 == 0, 1, -1)
    p_agree = 0.5 + 0.35 * camp[rows] * lean[cols]
    u = rng.random(len(rows))
    votes = np.where(u < p_agree, 1, np.where(u < p_agree + 0.15, 0, -1))
    return VoteMatrix.from_votes(VoteTable.from_arrays(rows + 100, cols * 3, votes))


def reference_pca(m: VoteMatrix, zeroed: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Textbook version: mean-impute, dense SVD, sparsity-aware scaling."""
    x = m.to_dense()
    zero_cols = np.isin(m.statement_ids, zeroed)
    x[:, zero_cols] = 0.0
    n_seen = (~np.isnan(x)).sum(axis=1)
    mean = np.nanmean(x, axis=0)
    x = np.where(np.isnan(x), mean, x) - mean
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    comps = vt[:2]
    proj = x @ comps.T * np.sqrt(x.shape[1] / np.maximum(1, n_seen))[:, None]
    return comps, proj


@pytest.mark.parametrize("statements", [30, 600])  # dense and Lanczos paths
def test_pca_matches_textbook_svd(statements: int) -> None:
    m = random_matrix(300, statements, 0.3)
    zeroed = [int(m.statement_ids[1])]
    model = SparsityAwarePCA(moderated_out=zeroed).fit(m)
    comps, proj = reference_pca(m, zeroed)
    sign = np.sign((comps * model.components_).sum(1))
    np.testing.assert_allclose(model.components_ * sign[:, None], comps, atol=1e-9)
    np.testing.assert_allclose(model.projections_ * sign, proj, atol=1e-8)
    # The largest loading of each component is positive (scikit-learn's sign convention).
    idx = np.argmax(np.abs(model.components_), axis=1)
    assert (model.components_[np.arange(2), idx] > 0).all()
    # A statement's projection is that of a virtual participant agreeing with it alone.
    j = 5
    expected = np.sqrt(statements) * (1 - model.mean_[j]) * model.components_[:, j]
    np.testing.assert_allclose(model.statement_projections_[j], expected)
    assert model.extremity_[j] == pytest.approx(np.linalg.norm(expected))
    assert model.mean_[1] == 0.0  # zeroed statement


def test_pca_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    m = random_matrix(200, 120, 0.4, seed=3)
    dense = SparsityAwarePCA().fit(m)
    monkeypatch.setattr(pca_module, "DENSE_MAX_STATEMENTS", 10)
    lanczos = SparsityAwarePCA().fit(m)
    np.testing.assert_allclose(lanczos.projections_, dense.projections_, atol=1e-9)
    np.testing.assert_allclose(lanczos.explained_variance_, dense.explained_variance_, rtol=1e-9)


def test_pca_needs_two_participants() -> None:
    m = VoteMatrix.from_votes(VoteTable.from_records([(1, 1, 1), (1, 2, -1)]))
    with pytest.raises(ValueError, match="at least 2 participants"):
        SparsityAwarePCA().fit(m)


def test_kmeans_separates_blobs_and_relocates_empty_cluster() -> None:
    rng = np.random.default_rng(1)
    x = np.vstack([rng.normal(0, 0.1, (50, 2)), rng.normal(5, 0.1, (50, 2))])
    labels, centers, _ = kmeans(x, x[[0, 60]])
    assert set(labels[:50]) == {0}
    assert set(labels[50:]) == {1}
    np.testing.assert_allclose(centers[1], x[50:].mean(axis=0))
    # Two identical starting centres: the second one is empty after the first step.
    labels, _, _ = kmeans(x, np.array([[0.0, 0.0], [0.0, 0.0]]))
    assert len(set(labels.tolist())) == 2
    weighted, _, _ = kmeans(x, x[[0, 60]], weights=np.ones(len(x)) * 2)
    assert (weighted == kmeans(x, x[[0, 60]])[0]).all()


def brute_silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    scores = []
    for i in range(len(x)):
        same = labels == labels[i]
        if same.sum() == 1:
            scores.append(0.0)
            continue
        a = d[i, same].sum() / (same.sum() - 1)
        b = min(d[i, labels == g].mean() for g in set(labels.tolist()) if g != labels[i])
        scores.append((b - a) / max(a, b))
    return float(np.mean(scores))


def test_silhouette_matches_definition() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(40, 2))
    labels = np.array([0] * 15 + [1] * 24 + [2])  # a singleton scores 0
    assert silhouette(x, labels) == pytest.approx(brute_silhouette(x, labels), abs=1e-12)
    with pytest.raises(ValueError, match="silhouette needs"):
        silhouette(x, np.zeros(40, dtype=np.int64))


def test_silhouette_kmeans_picks_three_blobs() -> None:
    rng = np.random.default_rng(4)
    # Starting from the first distinct points (red-dwarf's choice) is deterministic but can
    # settle in a poor local optimum for some layouts; this one is unambiguous.
    centres = np.array([[0, 0], [6, 0], [3, 5]])
    x = np.vstack([rng.normal(c, 0.3, (40, 2)) for c in centres])
    model = SilhouetteKMeans().fit(x)
    assert model.k_ == 3
    assert set(model.scores_) == {2, 3, 4, 5}
    assert max(model.scores_, key=model.scores_.__getitem__) == 3
    sampled = SilhouetteKMeans(silhouette_max_points=60, random_state=1).fit(x)
    assert sampled.k_ == 3


def test_silhouette_kmeans_with_too_few_points() -> None:
    model = SilhouetteKMeans().fit(np.array([[0.0, 0.0], [1.0, 1.0]]))
    assert model.k_ == 1
    assert model.labels_.tolist() == [0, 0]


def test_first_unique_points() -> None:
    x = np.array([[2.0, 0.0], [1.0, 1.0], [1.0, 1.0], [1.0, 0.0]])
    assert first_unique_points(x, 2).tolist() == [[1.0, 0.0], [1.0, 1.0]]
    assert first_unique_points(x, 1, exclude=x[[3]]).tolist() == [[1.0, 1.0]]
    with pytest.raises(ValueError, match="not enough distinct"):
        first_unique_points(x, 4)


def test_k_smoother_waits_four_updates() -> None:
    smoother = KSmoother(buffer=4)
    assert [smoother.update(k) for k in [2, 3, 3, 3, 3, 2]] == [2, 2, 2, 2, 3, 3]


def test_polis_clustering_base_clusters_and_warm_start() -> None:
    rng = np.random.default_rng(5)
    x = np.vstack([rng.normal(c, 0.4, (150, 2)) for c in ([0, 0], [8, 0])])
    model = PolisGroupClustering(n_base_clusters=40).fit(x)
    assert len(model.base_centers_) == 40
    assert model.base_sizes_.sum() == len(x)
    assert model.k_ == 2
    assert set(model.labels_[:150].tolist()) != set(model.labels_[150:].tolist())
    # Three blobs now: the silhouette winner changes at once, the smoothed k only later.
    x3 = np.vstack([x, rng.normal([4, 8], 0.4, (150, 2))])
    ks = [model.update(x3).k_ for _ in range(4)]
    assert model.best_k_ == 3
    assert ks == [2, 2, 2, 3]
    tiny = PolisGroupClustering().fit(np.array([[0.0, 0.0], [1.0, 0.0]]))
    assert tiny.k_ == 1


# --- statistics ------------------------------------------------------------------------------


def small_conversation() -> tuple[VoteMatrix, np.ndarray]:
    # participants 0-3 in group 0, 4-7 in group 1; statement 0 splits them, 1 unites them.
    records = []
    for p in range(8):
        group = 0 if p < 4 else 1
        records.append((p, 0, 1 if group == 0 else -1))
        records.append((p, 1, 1))
        if p % 2 == 0:
            records.append((p, 2, 0))
    m = VoteMatrix.from_votes(VoteTable.from_records(records))
    return m, np.array([0, 0, 0, 0, 1, 1, 1, 1])


def test_group_statistics_by_hand() -> None:
    m, labels = small_conversation()
    st = group_statistics(m, labels)
    assert st.na[0].tolist() == [4, 4, 0]
    assert st.nd[1].tolist() == [4, 0, 0]
    assert st.ns[0].tolist() == [4, 4, 2]
    assert st.pa[0, 0] == pytest.approx(5 / 6)
    assert st.pat[0, 0] == pytest.approx(2 * np.sqrt(5) * (5 / 5 - 0.5))
    assert st.ra[0, 0] == pytest.approx((5 / 6) / (1 / 6))
    pi1, pi2, pi_hat = 5 / 5, 1 / 5, 6 / 10
    z = (pi1 - pi2) / np.sqrt(pi_hat * (1 - pi_hat) * (1 / 5 + 1 / 5))
    assert st.rat[0, 0] == pytest.approx(z)
    assert st.rat[0, 1] == 0.0  # everyone agrees: pooled rate 1
    agree, disagree = group_aware_consensus(st)
    assert agree[1] == pytest.approx((5 / 6) ** 2)
    assert disagree[0] == pytest.approx((1 / 6) * (5 / 6))
    assert set(st.as_dict()) == {
        "na",
        "nd",
        "ns",
        "pa",
        "pd",
        "pat",
        "pdt",
        "ra",
        "rd",
        "rat",
        "rdt",
    }


def test_representative_and_consensus_statements() -> None:
    m, labels = small_conversation()
    st = group_statistics(m, labels)
    rep = representative_statements(st)
    assert next((s.statement_id, s.repful_for) for s in rep[0]) == (0, "agree")
    assert rep[0][0].best_agree
    assert any(s.statement_id == 0 and s.repful_for == "disagree" for s in rep[1])
    cons = consensus_statements(m)
    assert cons["agree"] == [1]
    assert cons["disagree"] == []
    assert consensus_statements(m, moderated_out=[1])["agree"] == []
    assert representative_statements(st, moderated_out=[0, 1, 2]) == {0: [], 1: []}


def test_repness_falls_back_to_most_representative() -> None:
    # Nobody differs significantly: each group still gets one statement.
    records = [(p, s, 1 if (p + s) % 2 else -1) for p in range(4) for s in range(2)]
    m = VoteMatrix.from_votes(VoteTable.from_records(records))
    rep = representative_statements(group_statistics(m, np.array([0, 0, 1, 1])), confidence=0.999)
    assert all(len(v) == 1 for v in rep.values())


def test_comment_priority_formula() -> None:
    prio = comment_priority(
        np.array([3, 0]),
        np.array([1, 0]),
        np.array([5, 0]),
        np.array([0.5, 0.0]),
        np.array([False, True]),
    )
    importance = (4 / 7) * (1 - 2 / 7) * 1.5
    assert prio[0] == pytest.approx((importance * (1 + 8 * 2 ** (-1))) ** 2)
    assert prio[1] == 49.0


def test_polis_kmeans_warm_start_follows_members() -> None:
    from cocity.compute.opinion.cluster import polis_kmeans

    x = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 0.0], [5.1, 0.0], [10.0, 0.0]])
    ids = np.array([10, 11, 12, 13, 14])
    cold = polis_kmeans(x, ids, 2)
    assert cold.ids.tolist() == [0, 1]
    # Warm start: clusters keep their ids through their members; participant 99 is new and
    # far away, so a third cluster is split off at the most distant point.
    x2 = np.vstack([x, [[30.0, 0.0]]])
    warm = polis_kmeans(x2, np.append(ids, 99), 3, last=cold.membership())
    assert len(warm.ids) == 3
    assert warm.ids.max() == 2
    assert warm.labels[-1] != warm.labels[0]
    # Two old clusters whose members now sit on the same point are merged.
    same = np.zeros((5, 2))
    merged = polis_kmeans(same, ids, 2, last=cold.membership())
    assert len(merged.ids) == 1
    # Nobody from the last clustering is left: start again from the first distinct points.
    fresh = polis_kmeans(x, ids + 100, 2, last=cold.membership())
    assert fresh.ids.tolist() == [0, 1]
