"""Invoke the real Lambda handlers in-process, as Lambda would, and capture what they print.

Each handler is loaded from `functions/<name>/app.py` as a fresh module per lab run, so its cached settings
and clients belong to that run's environment (moto's port, the lab endpoint). stdout is captured during
the call — Powertools writes EMF metrics and JSON logs there — and parsed into metric points.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import itertools
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailcanary.core.errors import ConfigError
from mailcanary.lab.emf import MetricPoint, parse_emf

__all__ = ["FakeLambdaContext", "Invocation", "captured_stdout", "functions_dir", "invoke", "load_handler"]

_COUNTER = itertools.count(1)
Handler = Callable[[Mapping[str, Any], Any], Any]


@dataclass(frozen=True)
class FakeLambdaContext:
    """The attributes of a Lambda context that Powertools and mailcanary read."""

    function_name: str
    memory_limit_in_mb: int = 256
    aws_request_id: str = ""
    timeout_seconds: float = 60.0
    started: float = 0.0

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "lab"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000), 0)

    @classmethod
    def new(cls, function_name: str, timeout_seconds: float = 60.0) -> FakeLambdaContext:
        return cls(
            function_name, aws_request_id=str(uuid.uuid4()), timeout_seconds=timeout_seconds, started=time.monotonic()
        )


@dataclass(frozen=True)
class Invocation:
    """One handler call: its return value or the error it raised, the metrics it printed, its log lines."""

    function: str
    result: Any
    error: str | None
    metrics: tuple[MetricPoint, ...]
    log_lines: tuple[str, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return self.error is None


def functions_dir() -> Path:
    """The repository's `functions/` folder (the lab runs from a source checkout, like `make demo`)."""
    import mailcanary

    candidate = Path(mailcanary.__file__).resolve().parents[2] / "functions"
    if not (candidate / "canary" / "app.py").is_file():
        raise ConfigError(f"the demo needs the handlers in a source checkout; {candidate} has none")
    return candidate


def load_handler(function: str, directory: Path | None = None) -> Handler:
    """A fresh copy of `functions/<function>/app.py`'s `lambda_handler` (its caches start empty)."""
    path = (directory or functions_dir()) / function / "app.py"
    spec = importlib.util.spec_from_file_location(f"mailcanary_lab_{function}_{next(_COUNTER)}", path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot load the {function} handler from {path}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ImportError as exc:  # a handler whose service module is missing from this checkout
        raise ConfigError(f"cannot load the {function} handler from {path}: {exc}") from exc
    handler: Handler = module.lambda_handler
    return handler


@contextlib.contextmanager
def captured_stdout() -> Iterator[io.StringIO]:
    """Everything printed to stdout in the block: EMF lines, and the Powertools Logger's lines (its handler
    writes to whatever `sys.stdout` is at the time, see `mailcanary.report.observability.get_logger`)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        yield buffer


def invoke(function: str, handler: Handler, event: Mapping[str, Any]) -> Invocation:
    """Call `handler(event, context)` like Lambda does; an exception becomes the invocation's error, not a crash."""
    context = FakeLambdaContext.new(f"mailcanary-{function}")
    started = time.monotonic()
    result: Any = None
    error: str | None = None
    with captured_stdout() as buffer:
        try:
            result = handler(dict(event), context)
        except Exception as exc:  # Lambda reports any error of a handler; so does the lab
            error = f"{type(exc).__name__}: {exc}"
    points, others = parse_emf(buffer.getvalue())
    return Invocation(function, result, error, tuple(points), tuple(others), time.monotonic() - started)
