"""Structured logs: one JSON object per line, each carrying the request id, the GraphQL
operation and the caller's organisation of the request it belongs to.

Only the message and named fields are written, never request headers or bodies. Libraries
log what they like (authlib logs every token it issues at DEBUG), so the formatter also drops
fields whose names suggest credentials and masks tokens, bearer headers and `secret=`-style
values inside messages; and the configurations below keep authlib at WARNING.
"""

import json
import logging
import re
import sys
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

SENSITIVE = re.compile(r"authori[sz]ation|token|secret|password|cookie|credential", re.I)
# (pattern, replacement): group 1, when present, is kept (the name before the value).
MASKS = [
    (re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w-]*"), "[redacted]"),  # a JWT
    (re.compile(r"(?i)(bearer\s+)[^\s'\",]+"), r"\1[redacted]"),
    (
        re.compile(
            r"(?i)((?:secret|token|password|authorization)['\"]?\s*[:=]\s*['\"]?)[^'\"&\s,}]+"
        ),
        r"\1[redacted]",
    ),
    (re.compile(r"whsec_[\w-]+"), "[redacted]"),
]
QUIET_LOGGERS = {"authlib": "WARNING"}
# Attributes every LogRecord has; anything else was passed by the caller in `extra`.
STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's copy of the message with terminal colours
}


@dataclass
class RequestContext:
    """Mutable, so that code deeper in the request can add what it learns (operation, org)."""

    request_id: str
    operation: str | None = None
    org: str | None = None


current_request: ContextVar[RequestContext | None] = ContextVar("current_request", default=None)


def request_context() -> RequestContext | None:
    return current_request.get()


def mask(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        context = current_request.get()
        if context is not None:
            entry["request_id"] = context.request_id
            entry["operation"] = context.operation
            entry["org"] = context.org
        for key, value in vars(record).items():
            if key not in STANDARD and not key.startswith("_") and not SENSITIVE.search(key):
                entry[key] = mask(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = mask(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


def handler(stream: Any = None) -> logging.Handler:
    out = logging.StreamHandler(stream or sys.stderr)
    out.setFormatter(JsonFormatter())
    return out


def uvicorn_log_config(level: str = "INFO") -> dict[str, Any]:
    """For `uvicorn.run(log_config=...)`: our JSON lines for the app and uvicorn alike."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
            **{name: {"level": quiet} for name, quiet in QUIET_LOGGERS.items()},
        },
    }


def configure(level: str = "INFO") -> None:
    """JSON lines on stderr for processes we start ourselves (the worker, the CLI)."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        root.addHandler(handler())
    root.setLevel(level)
    for name, quiet in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet)
