"""Who may do what in co-creation, as named django-rules predicates."""

from __future__ import annotations

from typing import Any

import rules

from cocity.core.rules import (
    is_admin,
    is_moderator,
    is_official,
    is_organisation_member,
    is_resident,
)


@rules.predicate
def is_proposal_author(user: Any, proposal: Any) -> bool:
    if proposal is None or not user.is_authenticated:
        return False
    if proposal.author_id == user.pk:
        return True
    return bool(proposal.coauthors.filter(pk=user.pk).exists())


@rules.predicate
def is_proposal_owner(user: Any, proposal: Any) -> bool:
    return bool(proposal is not None and user.is_authenticated and proposal.author_id == user.pk)


#: Challenges are framed by the city and by community organisations.
is_challenge_host = is_official | is_organisation_member | is_admin
#: Comments from these are published at once; everyone else's wait for a moderator.
is_trusted_commenter = is_official | is_organisation_member | is_moderator | is_admin

rules.add_perm("cocreation.create_challenge", is_challenge_host)
rules.add_perm("cocreation.propose", is_resident)
rules.add_perm("cocreation.edit_proposal", is_proposal_author)
rules.add_perm("cocreation.invite_coauthor", is_proposal_owner)
rules.add_perm("cocreation.comment", is_resident)
rules.add_perm("cocreation.trusted_comment", is_trusted_commenter)
rules.add_perm("cocreation.moderate", is_moderator | is_admin)
rules.add_perm("cocreation.manage_initiative", is_official | is_admin)

# Co-written plans: officials publish and decide; any signed-in person comments and amends.
rules.add_perm("cocreation.manage_plan", is_official | is_admin)
rules.add_perm("cocreation.contribute_plan", is_resident)
