"""Each request gets an id, taken from the X-Request-ID header of the proxy in front when it is
well-formed, else generated; it is echoed in the response and written on every log line of the
request. The access log line written here names the method, the path (never the query string),
the status and the duration: nothing a person typed."""

import logging
import re
import time
import uuid

from django.core.signals import request_finished

from .logging import current_request_id

access_log = logging.getLogger("mediation.access")

WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,128}")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supplied = request.headers.get("X-Request-ID", "")
        request.request_id = supplied if WELL_FORMED.fullmatch(supplied) else uuid.uuid4().hex
        # Kept until the request is finished: Django logs its 4xx and 5xx after the middleware.
        current_request_id.set(request.request_id)
        started = time.monotonic()
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return response


def forget_request_id(**kwargs):
    current_request_id.set(None)


request_finished.connect(forget_request_id, dispatch_uid="mediation.request_id")
