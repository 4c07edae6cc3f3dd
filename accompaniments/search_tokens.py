"""What a name search found, kept a few minutes on the server under a random token, so that the
search can be sent by POST (the name stays out of URLs, history and logs) and its results shown
by a GET that Back and reload ask again without re-sending anything (Post/Redirect/Get).

Only the numbers of the people found are kept, never the searched name: the database cache
deletes an expired row only when it is read or once the table is full, so a name kept there
could outlive its few minutes."""

import secrets

from django.core.cache import cache
from django.http import Http404

TTL_SECONDS = 15 * 60
TOKEN_BYTES = 16
TOKEN_MAX_LENGTH = 64
CACHE_PREFIX = "accompaniments:person-search:"
EXPIRED = "Cette recherche a expiré (elle est gardée 15 minutes) : relancez-la."


def remember(user, matches, *, limit):
    """Keep the first `limit` people of the queryset `matches` and their count for `user`;
    return the token of the results page."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    ids = list(matches.values_list("pk", flat=True)[:limit])
    count = len(ids) if len(ids) < limit else matches.count()
    cache.set(f"{CACHE_PREFIX}{token}", {"user": user.pk, "ids": ids, "count": count}, TTL_SECONDS)
    return token


def recall(user, token):
    """{"ids", "count"} of the search of `token`: None once expired; a token of another account
    (or not one of ours) is a 404."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        raise Http404
    found = cache.get(f"{CACHE_PREFIX}{token}")
    if found is None:
        return None
    if found.get("user") != user.pk:
        raise Http404
    return found
