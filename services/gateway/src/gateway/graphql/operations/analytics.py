"""Analytics: suppressed statistics for analysts and the chief; reference data and surveys."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.graphql import resolvers
from gateway.graphql.context import GqlInfo
from gateway.graphql.errors import problems_as_errors
from gateway.graphql.types.common import PillarEnum, rest_body
from gateway.graphql.types.statistic import (
    ExitSurveyInput,
    Headcount,
    OutreachActivity,
    OutreachInput,
    Statistic,
    StatisticSummary,
    SurveyReceipt,
    WorkplaceSurveyInput,
)

ANALYTICS = "/v1/analytics"


@strawberry.type
class AnalyticsQuery:
    @resolvers.field(description="The statistics on offer (the annual report's tables).")
    @problems_as_errors
    async def statistics(self, info: GqlInfo) -> list[StatisticSummary]:
        page = await info.context.rest("GET", f"{ANALYTICS}/statistics")
        return [
            StatisticSummary(name=s["name"], description=s["description"]) for s in page["items"]
        ]

    @resolvers.field(
        description="One statistic for a slice (by default the ten years up to this one)."
    )
    @problems_as_errors
    async def statistic(
        self,
        info: GqlInfo,
        name: Annotated[str, strawberry.argument(description="As listed by `statistics`.")],
        from_year: int | None = None,
        to_year: int | None = None,
        pillar: PillarEnum | None = None,
        office: str | None = None,
        codes: Annotated[
            list[str] | None,
            strawberry.argument(description="Sub-category codes (issue-subcategories)."),
        ] = None,
    ) -> Statistic:
        query = {
            "from_year": from_year,
            "to_year": to_year,
            "pillar": pillar.value if pillar else None,
            "office": office,
            "codes": ",".join(codes) if codes else None,
        }
        return Statistic.of(
            await info.context.rest("GET", f"{ANALYTICS}/statistics/{name}", query=query)
        )

    @resolvers.field(description="Uploaded staff headcounts.")
    @problems_as_errors
    async def headcounts(self, info: GqlInfo) -> list[Headcount]:
        page = await info.context.rest("GET", f"{ANALYTICS}/headcounts")
        return [Headcount.of(h) for h in page["items"]]

    @resolvers.field(description="Recorded outreach activities.")
    @problems_as_errors
    async def outreach_activities(
        self, info: GqlInfo, year: int | None = None
    ) -> list[OutreachActivity]:
        page = await info.context.rest("GET", f"{ANALYTICS}/outreach", query={"year": year})
        return [OutreachActivity.of(a) for a in page["items"]]


@strawberry.type
class AnalyticsMutation:
    @resolvers.mutation(description="Set a pillar's staff headcounts for a year.")
    @problems_as_errors
    async def set_headcount(
        self,
        info: GqlInfo,
        year: int,
        pillar: PillarEnum,
        international: int,
        national: int,
    ) -> Headcount:
        path = f"{ANALYTICS}/headcounts/{year}/{pillar.value}"
        body = rest_body(international=international, national=national)
        return Headcount.of(await info.context.rest("PUT", path, body=body))

    @resolvers.mutation(description="Record an outreach activity.")
    @problems_as_errors
    async def record_outreach(self, info: GqlInfo, input: OutreachInput) -> OutreachActivity:
        body = rest_body(**vars(input))
        return OutreachActivity.of(
            await info.context.rest("POST", f"{ANALYTICS}/outreach", body=body)
        )

    @resolvers.mutation(description="Upload anonymous responses to a workplace survey.")
    @problems_as_errors
    async def upload_workplace_survey(
        self, info: GqlInfo, responses: list[WorkplaceSurveyInput]
    ) -> SurveyReceipt:
        body = {"responses": [r.to_rest() for r in responses]}
        answer = await info.context.rest("POST", f"{ANALYTICS}/surveys/workplace", body=body)
        return SurveyReceipt(received=answer["received"])

    @resolvers.mutation(
        description="Answer the exit survey (visitors); stored with no link to you."
    )
    @problems_as_errors
    async def answer_exit_survey(self, info: GqlInfo, input: ExitSurveyInput) -> SurveyReceipt:
        body = rest_body(**vars(input))
        answer = await info.context.rest("POST", f"{ANALYTICS}/surveys/exit", body=body)
        return SurveyReceipt(received=answer["received"])
