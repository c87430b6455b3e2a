"""PCA of the vote matrix with Polis' sparsity-aware projection scaling.

Unseen cells are imputed with the statement's mean vote, so after centring they are exactly zero:
the centred matrix keeps the sparsity of the votes and the principal components are computed
without ever building the dense matrix (an exact Lanczos eigensolver on ``XᵀX``, or a dense
eigendecomposition of the covariance for small conversations).

Moderated-out statements are zeroed for everyone before imputation (they become a column of
passes: mean 0, no variance) and still count as voted in the scaling, as in Polis and red-dwarf.

Projections (Polis ``sparsity-aware-project-ptpt``): a participant's coordinates are
``(x - mean) · components`` times ``sqrt(n_statements / max(1, n_seen))``, so people who voted on
few statements are not bunched in the centre. A statement's projection is that of a virtual
participant who agreed with it alone; its extremity is the length of that vector.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import numpy as np
from numpy.typing import NDArray
from scipy import linalg
from scipy.sparse.linalg import LinearOperator, eigsh

from cocity.compute.opinion.matrix import VoteMatrix

#: Below this many statements the covariance matrix is built and decomposed densely.
DENSE_MAX_STATEMENTS = 400


def _flip_signs(components: NDArray[np.float64]) -> NDArray[np.float64]:
    """Make each component's largest-magnitude loading positive (scikit-learn's convention)."""
    idx = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(components.shape[0]), idx])
    signs[signs == 0] = 1.0
    return cast(NDArray[np.float64], components * signs[:, None])


class SparsityAwarePCA:
    """Principal components of a :class:`VoteMatrix` and Polis-scaled projections.

    Parameters
    ----------
    n_components:
        Number of components (2 for the opinion map).
    moderated_out:
        Statement ids zeroed for everyone before imputation.
    random_state:
        Seed of the Lanczos start vector (the result does not depend on it beyond rounding).

    Attributes (after ``fit``)
    --------------------------
    mean_, components_, explained_variance_, projections_ (participants × n_components),
    statement_projections_ (statements × n_components), extremity_, scaling_.
    """

    def __init__(
        self,
        n_components: int = 2,
        moderated_out: Iterable[int] = (),
        random_state: int | None = 0,
    ) -> None:
        self.n_components = n_components
        self.moderated_out = moderated_out
        self.random_state = random_state

    def fit(self, matrix: VoteMatrix) -> SparsityAwarePCA:
        n_rows, n_cols = matrix.shape
        if n_rows < 2 or n_cols < 1:
            raise ValueError("PCA needs at least 2 participants and 1 statement with votes")
        k = min(self.n_components, n_rows, n_cols)
        zeroed = np.isin(matrix.statement_ids, np.fromiter(self.moderated_out, dtype=np.int64))
        cols = matrix.cols
        # Centred values of the seen cells (unseen cells are exactly 0 after mean imputation),
        # built in place and by chunks to keep the peak memory low on big conversations.
        centred = matrix.values.astype(np.float64)
        inactive = zeroed[cols] if zeroed.any() else None
        if inactive is not None:
            centred[inactive] = 0.0
        counts = np.bincount(cols, minlength=n_cols).astype(np.float64)
        sums = np.bincount(cols, weights=centred, minlength=n_cols)
        mean = np.divide(sums, counts, out=np.zeros(n_cols), where=counts > 0)
        mean[zeroed] = 0.0
        step = 1 << 22
        for start in range(0, len(centred), step):
            centred[start : start + step] -= mean[cols[start : start + step]]
        xc = matrix.to_csr(centred)

        if (n_cols <= DENSE_MAX_STATEMENTS and n_rows * n_cols <= 20_000_000) or k >= n_cols - 1:
            dense = xc.toarray()
            gram = dense.T @ dense
            eigval, eigvec = linalg.eigh(gram, subset_by_index=[n_cols - k, n_cols - 1])
            eigval, eigvec = eigval[::-1], eigvec[:, ::-1]
        else:
            xct = xc.T  # a CSC view, no copy
            op = LinearOperator(
                (n_cols, n_cols),
                matvec=lambda v: xct @ (xc @ v),
                dtype=np.float64,
            )
            rng = np.random.default_rng(self.random_state)
            v0 = rng.uniform(-1.0, 1.0, n_cols)
            eigval, eigvec = eigsh(op, k=k, which="LA", v0=v0, tol=1e-12, maxiter=20 * n_cols)
            order = np.argsort(eigval)[::-1]
            eigval, eigvec = eigval[order], eigvec[:, order]

        components = _flip_signs(eigvec.T.copy())
        seen = np.bincount(matrix.rows, minlength=n_rows)
        if inactive is not None:
            # Zeroed columns count as seen for everyone (a column of passes), as in Polis.
            seen = seen - np.bincount(matrix.rows[inactive], minlength=n_rows) + int(zeroed.sum())
        scaling = np.sqrt(n_cols / np.maximum(1, seen))

        self.mean_ = mean
        self.components_ = components
        self.explained_variance_ = np.maximum(eigval, 0.0) / (n_rows - 1)
        self.scaling_ = scaling
        self.projections_ = np.asarray(xc @ components.T) * scaling[:, None]
        self.statement_projections_ = np.sqrt(n_cols) * (1.0 - mean)[:, None] * components.T
        self.extremity_ = np.linalg.norm(self.statement_projections_, axis=1)
        self.statement_ids_ = matrix.statement_ids
        self.participant_ids_ = matrix.participant_ids
        return self
