"""OpenTelemetry traces, off by default: one span per request, linked across services.

When a service's `otel_enabled` is set, each request it serves becomes a server
span, joined to the caller's trace through the W3C `traceparent` header, and
each call it makes to another service carries that header on. Spans are sent
over OTLP/HTTP to `otel_exporter_endpoint` when one is given.

A span holds what a metric label holds (service, method, route template,
status) and nothing else: no raw path, query, header or body, since any of
those can carry a reference or an identity. Baggage is neither read nor sent.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Receive, Scope, Send

from ombuds_shared.asgi import HttpMiddleware, ResponseStatus, method_label
from ombuds_shared.config import ServiceSettings
from ombuds_shared.request_context import current_request_id, route_template

_PROPAGATOR = TraceContextTextMapPropagator()
_TRACE_HEADERS = frozenset({b"traceparent", b"tracestate"})


def tracer_provider(settings: ServiceSettings) -> TracerProvider | None:
    """The service's tracer provider, or None when tracing is off (the default)."""
    if not settings.otel_enabled:
        return None
    provider = TracerProvider(
        resource=Resource.create({"service.name": f"ombuds-{settings.service_name}"})
    )
    if settings.otel_exporter_endpoint:
        exporter = OTLPSpanExporter(endpoint=settings.otel_exporter_endpoint, timeout=5)
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def inject_trace_context(headers: MutableMapping[str, str]) -> None:
    """Adds `traceparent` for the current span to an outgoing call (nothing when none)."""
    _PROPAGATOR.inject(headers)


class TracingMiddleware(HttpMiddleware):
    """Serves each HTTP request inside a server span that continues the caller's trace."""

    def __init__(self, app: ASGIApp, provider: TracerProvider) -> None:
        super().__init__(app)
        self.tracer = provider.get_tracer("ombuds")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in _TRACE_HEADERS
        }
        method = method_label(scope)
        sent = ResponseStatus(send)
        with self.tracer.start_as_current_span(
            method, context=_PROPAGATOR.extract(carrier), kind=SpanKind.SERVER
        ) as span:
            try:
                await self.app(scope, receive, sent)
            finally:
                status = sent.status
                route = route_template(scope)
                span.update_name(f"{method} {route}")
                span.set_attribute("http.request.method", method)
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                request_id = current_request_id()
                if request_id:
                    span.set_attribute("ombuds.request_id", request_id)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
