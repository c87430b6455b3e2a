"""A conversation's opinion analysis: the engine run on its current votes, stored with its
parameters. Both the services (the demo seeder, tests) and the background task run it."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from django.db import transaction

from cocity.compute.opinion import OpinionAnalysis, VoteMatrix, VoteTable
from cocity.core.services import audit_record
from cocity.deliberation.models import AnalysisResult, Conversation, Statement, Vote

#: How many stored analyses to keep per conversation.
ANALYSES_KEPT = 5
#: Fewer clustered participants than this: no groups are computed yet.
MIN_CLUSTERED = 4
ENGINE_PARAMETERS: dict[str, Any] = {"mode": "compatible", "min_votes": 7, "random_state": 0}


def _vote_table(conversation: Conversation) -> VoteTable:
    rows = list(
        Vote.objects.filter(conversation=conversation).values_list(
            "participant__number", "statement__number", "value"
        )
    )
    if not rows:
        return VoteTable.from_arrays([], [], [])
    return VoteTable.from_records(rows)


def analysis_run(*, conversation: Conversation) -> AnalysisResult | None:
    """Run the opinion engine on the current votes and store the result with its parameters.

    Returns None (and keeps the earlier result) while too few people have voted on enough
    statements to form groups."""
    Conversation.objects.filter(pk=conversation.pk).update(analysis_requested_at=None)
    started = time.perf_counter()
    matrix = VoteMatrix.from_votes(_vote_table(conversation))
    statuses = dict(conversation.statements.values_list("number", "status"))
    moderated_out = [n for n, s in statuses.items() if s == Statement.Status.REJECTED]
    meta = list(conversation.statements.filter(is_meta=True).values_list("number", flat=True))
    live = [n for n in matrix.statement_ids.tolist() if n not in set(moderated_out)]
    params = dict(ENGINE_PARAMETERS)
    params["min_votes"] = max(1, min(params["min_votes"], len(live)))
    if matrix.shape[0] == 0 or (matrix.votes_per_participant() >= params["min_votes"]).sum() < (
        MIN_CLUSTERED
    ):
        return None
    engine = OpinionAnalysis(**params).fit(matrix, moderated_out=moderated_out, meta=meta)
    seconds = time.perf_counter() - started
    ids = engine.statement_ids_.tolist()
    stats = engine.group_stats_
    group_votes = {
        str(sid): [
            [int(stats.na[g, j]), int(stats.nd[g, j]), int(stats.ns[g, j])]
            for g in range(stats.n_groups)
        ]
        for j, sid in enumerate(ids)
    }
    repness = {
        str(group): [
            {
                "statement": r.statement_id,
                "repful_for": r.repful_for,
                "n_success": r.n_success,
                "n_trials": r.n_trials,
                "p_success": round(float(r.p_success), 6),
                "repness": round(float(r.repness), 6),
                "repness_test": round(float(r.repness_test), 6),
            }
            for r in reps
        ]
        for group, reps in engine.repness_.items()
    }
    proj = np.round(engine.projections_, 5)
    projections = [
        [int(pid), float(proj[i, 0]), float(proj[i, 1]), int(engine.labels_[i])]
        for i, pid in enumerate(engine.participant_ids_.tolist())
    ]
    with transaction.atomic():
        result = AnalysisResult.objects.create(
            conversation=conversation,
            parameters=params,
            k=engine.k_,
            n_participants=matrix.shape[0],
            n_clustered=int(engine.in_conv_.sum()),
            n_statements=matrix.shape[1],
            n_votes=matrix.n_votes,
            labels={str(p): g for p, g in engine.labels_by_participant().items()},
            projections=projections,
            repness=repness,
            consensus={k: [int(s) for s in v] for k, v in engine.consensus_.items()},
            priority={
                str(s): round(float(p), 6) for s, p in zip(ids, engine.priority_, strict=True)
            },
            group_votes=group_votes,
            seconds=seconds,
        )
        old = list(
            AnalysisResult.objects.filter(conversation=conversation).values_list("pk", flat=True)[
                ANALYSES_KEPT:
            ]
        )
        AnalysisResult.objects.filter(pk__in=old).delete()
        audit_record(
            action="conversation.analysed",
            obj=conversation,
            data={
                "k": result.k,
                "participants": result.n_participants,
                "votes": result.n_votes,
                "parameters": params,
            },
        )
    return result
