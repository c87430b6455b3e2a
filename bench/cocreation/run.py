"""Co-creation benchmarks (issue 15 point 8), with references measured in the same run.

    .venv/bin/python bench/cocreation/run.py [--proposals N] [--comments N] [--runs R]

On a migrated SQLite database in a temporary COCITY_VAR_DIR, bulk-load one challenge with
N proposals (10,000 by default), 3 endorsements each on average and M comments (100,000 by
default, skewed: a few proposals get hundreds), with the similar-idea word index filled as the
services fill it. Then, through Django's test client (the whole middleware stack, templates
rendered), p50 and p95 of sequential requests:

- the challenge's page: its proposals 50 a page, each with its endorsement and comment counts
  (first page and page 100), target p50 < 100 ms; and the same list in the REST API;
- a proposal's page (text, co-authors, endorsements, versions, 60 threaded comments,
  amendments), target p50 < 50 ms;
- the similar-idea check for a new idea against the challenge's 10,000 proposals
  (``selectors.similar_proposals``, in-process), target p50 < 50 ms.

References in the same run: an empty page through the same middleware and base template (what
any page costs on this machine at this moment); a bare SELECT of the same 50 rows with their two counts (raw SQL,
no ORM, no template) for the list and the proposal; the scoring of every proposal of the
challenge in Python (what the similar-idea check did before the word index) for the check.

BENCH_PROFILE=1 also prints the challenge page's queries and a cProfile of 10 requests.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ["COCITY_VAR_DIR"] = tempfile.mkdtemp(prefix="cocity-bench-cocreation-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cocity.settings")
os.environ.pop("DATABASE_URL", None)
os.environ["LOG_LEVEL"] = os.environ.get("LOG_LEVEL", "WARNING")

parser = argparse.ArgumentParser()
parser.add_argument("--proposals", type=int, default=10_000)
parser.add_argument("--comments", type=int, default=100_000)
parser.add_argument("--runs", type=int, default=100)
ARGS = parser.parse_args()

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

logging.getLogger("cocity.request").setLevel(logging.WARNING)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

WORDS = [
    "lamp",
    "street",
    "solar",
    "school",
    "light",
    "dark",
    "night",
    "park",
    "bench",
    "tree",
    "walk",
    "safe",
    "path",
    "bus",
    "stop",
    "shelter",
    "bike",
    "lane",
    "crossing",
    "traffic",
    "noise",
    "air",
    "smoke",
    "children",
    "elderly",
    "market",
    "square",
    "garden",
    "water",
    "fountain",
    "toilet",
    "bin",
    "rubbish",
    "recycling",
    "compost",
    "library",
    "centre",
    "youth",
    "sport",
    "court",
    "pitch",
    "pavement",
    "ramp",
    "wheelchair",
    "step",
    "bridge",
    "river",
    "flood",
    "drain",
    "heat",
    "shade",
    "roof",
    "wall",
    "mural",
    "festival",
]


def _vocabulary(rng: random.Random) -> list[str]:
    """The common civic words, then 3,000 rarer made-up ones (a Zipf-like tail)."""
    syllables = ["ba", "ce", "di", "fo", "gu", "la", "me", "ni", "po", "ru", "sa", "te", "vo"]
    rare = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(4000)}
    return WORDS + sorted(rare - set(WORDS))[:3000]


_WEIGHTS: list[float] = []


def _text(rng: random.Random, vocab: list[str], n: int) -> str:
    # Zipf-like: the word of rank r comes up in proportion to 1 / (r + 20)
    if len(_WEIGHTS) != len(vocab):
        _WEIGHTS[:] = [1 / (r + 20) for r in range(len(vocab))]
    return " ".join(rng.choices(vocab, weights=_WEIGHTS, k=n))


def load(rng: random.Random) -> tuple[int, int, list[tuple[str, str]]]:
    from cocity.cocreation.models import (
        Challenge,
        Comment,
        Endorsement,
        Proposal,
        ProposalVersion,
        ProposalWord,
    )
    from cocity.compute.cocreation import meaningful_words
    from cocity.core.models import User

    vocab = _vocabulary(rng)
    users = User.objects.bulk_create(
        User(email=f"p{i}@bench.example", display_name=f"Person {i}", password="!")  # noqa: S106 - unusable
        for i in range(300)
    )
    challenge = Challenge.objects.create(title="A big challenge", statement="Many ideas.")
    now = timezone.now()
    proposals = Proposal.objects.bulk_create(
        (
            Proposal(
                challenge=challenge,
                title=_text(rng, vocab, rng.randint(3, 8)).capitalize(),
                body=_text(rng, vocab, rng.randint(20, 60)),
                author=rng.choice(users),
                created_at=now - timedelta(minutes=i),
                updated_at=now - timedelta(minutes=i),
            )
            for i in range(ARGS.proposals)
        ),
        batch_size=2000,
    )
    ProposalVersion.objects.bulk_create(
        (
            ProposalVersion(proposal=p, number=1, title=p.title, body=p.body, editor=p.author)
            for p in proposals
        ),
        batch_size=2000,
    )
    words = []
    for p in proposals:
        title_words = meaningful_words(p.title)
        words.extend(
            ProposalWord(proposal=p, challenge=challenge, word=w[:64], in_title=w in title_words)
            for w in title_words | meaningful_words(p.body)
        )
    ProposalWord.objects.bulk_create(words, batch_size=5000)
    endorsements = {
        (rng.randrange(len(proposals)), rng.randrange(len(users)))
        for _ in range(3 * len(proposals))
    }
    Endorsement.objects.bulk_create(
        (Endorsement(proposal=proposals[p], user=users[u]) for p, u in endorsements),
        batch_size=5000,
    )
    # comments: the proposal on page 1 that the proposal page measures gets 60; the rest skewed
    target = proposals[10]
    statuses = ["accepted"] * 9 + ["pending"]
    rows = [
        Comment(
            proposal=target, author=rng.choice(users), body=_text(rng, vocab, 25), status="accepted"
        )
        for _ in range(60)
    ]
    for _ in range(ARGS.comments - len(rows)):
        k = min(
            len(proposals) - 1, int(rng.paretovariate(0.7)) - 1 + rng.randrange(len(proposals)) // 3
        )
        rows.append(
            Comment(
                proposal=proposals[k],
                author=rng.choice(users),
                body=_text(rng, vocab, rng.randint(8, 40)),
                status=rng.choice(statuses),
            )
        )
    Comment.objects.bulk_create(rows, batch_size=5000)
    ideas = [
        (_text(rng, vocab, rng.randint(3, 8)), _text(rng, vocab, rng.randint(20, 60)))
        for _ in range(ARGS.runs)
    ]
    # a few new ideas close to stored ones, so the check also finds something
    ideas.extend((p.title, p.body[: len(p.body) // 2]) for p in rng.sample(proposals, 10))
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return challenge.pk, target.pk, ideas


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    for _ in range(3):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def main() -> int:
    from cocity.cocreation import selectors
    from cocity.cocreation.models import Challenge, Proposal
    from cocity.compute.cocreation import similar_items

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    rng = random.Random(15)
    challenge_id, proposal_id, ideas = load(rng)
    print(
        f"loaded {Proposal.objects.count():,} proposals and "
        f"{ARGS.comments:,} comments in {time.perf_counter() - t:.0f} s "
        f"(SQLite, load average {os.getloadavg()[0]:.1f})"
    )
    from django.http import HttpRequest, HttpResponse
    from django.template import engines
    from django.urls import path

    from cocity import urls

    empty = engines["django"].from_string(
        '{% extends "base.html" %}{% block content %}<h1>Empty</h1>{% endblock %}'
    )

    def empty_page(request: HttpRequest) -> HttpResponse:
        return HttpResponse(empty.render({}, request))

    urls.urlpatterns.insert(0, path("bench-empty/", empty_page))
    client = Client()
    runs = ARGS.runs

    def get(url: str) -> Callable[[], object]:
        def fetch() -> object:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return fetch

    list_sql = """
        SELECT p.id, p.title, p.version, p.created_at,
          (SELECT COUNT(*) FROM cocreation_endorsement e WHERE e.proposal_id = p.id),
          (SELECT COUNT(*) FROM cocreation_comment c WHERE c.proposal_id = p.id
             AND c.status = 'accepted')
        FROM cocreation_proposal p WHERE p.challenge_id = %s
        ORDER BY p.created_at DESC, p.id DESC LIMIT 50 OFFSET %s"""

    def bare_list(offset: int) -> Callable[[], object]:
        def run() -> object:
            with connection.cursor() as cur:
                cur.execute(list_sql, [challenge_id, offset])
                return cur.fetchall()

        return run

    def bare_proposal() -> object:
        with connection.cursor() as cur:
            cur.execute("SELECT * FROM cocreation_proposal WHERE id = %s", [proposal_id])
            cur.fetchall()
            cur.execute(
                "SELECT * FROM cocreation_comment WHERE proposal_id = %s AND status = 'accepted' "
                "ORDER BY created_at",
                [proposal_id],
            )
            return cur.fetchall()

    with override_settings(DEBUG=False):
        rows = [
            ("  reference: an empty page (base template, middleware)", get("/bench-empty/"), None),
            (
                "challenge page 1 (50 proposals with counts)",
                get(f"/challenges/{challenge_id}/"),
                100,
            ),
            ("challenge page 100", get(f"/challenges/{challenge_id}/?page=100"), 100),
            (
                "API list, first 50",
                get(f"/api/cocreation/challenges/{challenge_id}/proposals/?limit=50"),
                100,
            ),
            ("  reference: bare SELECT of page 1's rows + counts", bare_list(0), None),
            ("  reference: bare SELECT of page 100's rows + counts", bare_list(4950), None),
            ("proposal page (60 comments)", get(f"/challenges/proposals/{proposal_id}/"), 50),
            ("  reference: bare SELECT of the proposal + its comments", bare_proposal, None),
        ]
        print(f"\npages through Django's test client, {runs} sequential requests each")
        for name, fn, target in rows:
            p50, p95 = timed(fn, runs)
            goal = f"  (target p50 < {target} ms)" if target else ""
            print(f"  {name:55s} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms{goal}")

        challenge = Challenge.objects.get(pk=challenge_id)
        found = 0
        times = []
        for title, body in ideas:
            t = time.perf_counter()
            found += bool(selectors.similar_proposals(challenge=challenge, title=title, body=body))
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        scan_times = []
        agree = 0
        for title, body in ideas[:20] + ideas[-10:]:
            t = time.perf_counter()
            every = Proposal.objects.filter(challenge=challenge).values_list("pk", "title", "body")
            full = similar_items(title, body, every)
            scan_times.append((time.perf_counter() - t) * 1000)
            fast = selectors.similar_proposals(challenge=challenge, title=title, body=body)
            agree += [(p.pk, s) for p, s in fast] == full
        scan_times.sort()
        print(f"\nsimilar-idea check against {ARGS.proposals:,} proposals, {len(ideas)} new ideas")
        print(
            f"  word index + exact score      p50 {statistics.median(times):7.2f} ms  "
            f"p95 {times[int(len(times) * 0.95)]:7.2f} ms  (target p50 < 50 ms); "
            f"{found} ideas had similar ones"
        )
        print(
            f"  reference: score every one    p50 {statistics.median(scan_times):7.2f} ms  "
            f"p95 {scan_times[int(len(scan_times) * 0.95)]:7.2f} ms; same answers "
            f"{agree}/{len(scan_times)}"
        )
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as q:
            client.get(f"/challenges/{challenge_id}/")
        print(len(q), "queries on the challenge page")
        for query in q.captured_queries:
            print(f"  {query['time']} {query['sql'][:150]}")
        cProfile.runctx(
            "for _ in range(10): client.get(url)",
            globals(),
            {"client": client, "url": f"/challenges/{challenge_id}/"},
            str(Path(os.environ["COCITY_VAR_DIR"]) / "profile"),
        )
        pstats.Stats(str(Path(os.environ["COCITY_VAR_DIR"]) / "profile")).sort_stats(
            "cumulative"
        ).print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
