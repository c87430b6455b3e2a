"""Who may do what in conversations, as named django-rules predicates."""

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
def allows_anonymous(user: Any, conversation: Any) -> bool:
    return bool(conversation is not None and conversation.allow_anonymous)


is_conversation_host = is_official | is_admin
#: Seed statements (accepted without moderation) come from officials and organisations.
is_seeder = is_official | is_organisation_member | is_moderator | is_admin

rules.add_perm("deliberation.create_conversation", is_conversation_host)
rules.add_perm("deliberation.moderate", is_moderator | is_admin)
rules.add_perm("deliberation.seed_statement", is_seeder)
rules.add_perm("deliberation.participate", is_resident | allows_anonymous)
