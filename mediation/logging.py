"""Logs as one JSON object per line on stdout, each carrying the id of the request it belongs
to (set by mediation.request_id), and error reports that name no person."""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

from django.views.debug import ExceptionReporter

# The id of the request being served, for every line logged while it is.
current_request_id = ContextVar("current_request_id", default=None)

# Fields of the access log (passed as `extra`), written when a record has them.
REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms")


class RequestIdFilter(logging.Filter):
    """Gives every record the id of the request it was logged in (None outside requests)."""

    def filter(self, record):
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in REQUEST_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class NoPersonalDataReporter(ExceptionReporter):
    """The error report e-mailed to ADMINS: the exception, the code lines of its traceback, the
    request's method, path and id. No local variables, form fields, query string, cookies,
    headers, user or settings: they may hold a person's data or a secret."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        for frame in data.get("frames", []):
            frame["vars"] = []
        data.update(
            user_str=None,
            request_meta={},
            request_COOKIES_items=[],
            filtered_POST_items=[],
            request_GET_items=[],
            request_FILES_items=[],
            settings={},
        )
        if self.request is not None:
            request_id = getattr(self.request, "request_id", "")
            data["request_insecure_uri"] = f"{self.request.method} {self.request.path} (requête {request_id})"
        return data
