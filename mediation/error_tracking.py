"""The optional error tracker (Sentry, or a self-hosted GlitchTip that speaks its protocol),
switched on by SENTRY_DSN. It receives the exception and where it happened, never a person's
data: no request body, cookies, headers, query string, local variables, user, nor the
parameters of SQL queries."""

from urllib.parse import urlsplit, urlunsplit

# Request fields an event keeps: the rest (data, cookies, headers, query_string, env) may name
# a person or carry a secret.
KEPT_REQUEST_FIELDS = ("method", "url")


def init_error_tracker(dsn, *, environment="production", release=None, transport=None):
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        include_source_context=True,
        traces_sample_rate=0,
        before_send=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        transport=transport,
    )


def scrub_event(event, hint):
    event.pop("user", None)
    event.pop("extra", None)
    request = event.get("request")
    if request is not None:
        event["request"] = {key: request[key] for key in KEPT_REQUEST_FIELDS if key in request}
        if "url" in event["request"]:
            event["request"]["url"] = _without_query(event["request"]["url"])
    for exception in event.get("exception", {}).get("values", []):
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    for thread in event.get("threads", {}).get("values", []):
        for frame in (thread.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    return event


def scrub_breadcrumb(crumb, hint):
    # SQL breadcrumbs carry the query's parameters; log breadcrumbs are our own messages.
    if crumb.get("category") == "query":
        return None
    crumb.pop("data", None)
    return crumb


def _without_query(url):
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
