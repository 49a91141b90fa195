"""The routers this service mounts, all under /v1."""

from fastapi import APIRouter

from analytics.events.router import router as events_router
from analytics.headcount.router import router as headcount_router
from analytics.office.models import Office
from analytics.outreach.router import router as outreach_router
from analytics.report.router import router as report_router
from analytics.statistics.router import router as statistics_router
from analytics.survey.router import router as survey_router
from ombuds_shared.directory import directory_receiver

ROUTERS: tuple[APIRouter, ...] = (
    events_router,
    statistics_router,
    report_router,
    headcount_router,
    outreach_router,
    survey_router,
    directory_receiver(Office),
)
