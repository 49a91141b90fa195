"""Delivers directory changes to the services that keep a copy (cases, mediation, analytics).

The shared outbox relay claims the rows; this delivery posts each to the service its
`aggregate_id` names, with intake's own service token, in order. When a service is
away, its rows wait (the relay backs them off and tries again) and the rows of the
other services still go.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from fastapi import FastAPI

from intake.config import IntakeSettings
from intake.directory.models import DirectoryChange
from intake.directory.service import OFFICE_CHANGED
from ombuds_shared.app import peer_token
from ombuds_shared.dependencies import settings_of, state_of
from ombuds_shared.directory import OFFICE_PATH, STAFF_PATH
from ombuds_shared.outbox import Deliver, OutboxRelay


def directory_delivery(app: FastAPI) -> Deliver:
    async def deliver(envelopes: list[dict[str, Any]]) -> Collection[str]:
        taken: set[str] = set()
        stalled: set[str] = set()
        for envelope in envelopes:
            receiver = envelope["aggregate_id"]
            client = state_of(app).peers.get(receiver)
            if client is None or receiver in stalled:
                continue
            path = OFFICE_PATH if envelope["event_type"] == OFFICE_CHANGED else STAFF_PATH
            try:
                await client.call(
                    "POST",
                    path,
                    token=peer_token(app, receiver, None),
                    json_body=envelope["payload"],
                )
            except Exception:  # away or refused: this receiver's later rows wait too
                stalled.add(receiver)
                continue
            taken.add(envelope["event_id"])
        return taken

    return deliver


def directory_relay(app: FastAPI) -> OutboxRelay:
    settings = settings_of(app, IntakeSettings)
    return OutboxRelay(
        state_of(app).session_maker,
        DirectoryChange,
        directory_delivery(app),
        batch_size=settings.outbox_batch_size,
        poll_seconds=settings.outbox_poll_seconds,
        max_backoff_seconds=settings.outbox_max_backoff_seconds,
        service="intake-directory",
    )
