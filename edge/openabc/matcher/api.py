"""HTTP API of the matcher for guard tools: portal search, second step, MID links, refusals.

Credentials are passed in explicitly (bearer token -> caller and profile);
there are no default tokens, so an API built without any refuses everyone.
The guard dashboard (#6) consumes it. No ``from __future__ import
annotations`` here: FastAPI resolves the endpoint annotations, which name
dependencies local to the factory.
"""

import datetime as dt
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from openabc.matcher.ees import record_refusal
from openabc.matcher.mid import LinkError, LinkStatus, MultipleIdentityDetector
from openabc.matcher.portal import (
    MIN_JUSTIFICATION,
    AccessDenied,
    Caller,
    JustificationRequired,
    Profile,
    SearchPortal,
    System,
)
from openabc.matcher.store import MatcherStore
from openabc.messages import CheckOutcome, Reason, TravelDocument

Justification = Annotated[str, Field(min_length=MIN_JUSTIFICATION, max_length=2000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConsultRequest(Strict):
    system: System
    document: TravelDocument
    justification: Justification


class ResolveRequest(Strict):
    outcome: Literal[LinkStatus.RED, LinkStatus.GREEN]
    justification: Justification


class RefusalRequest(Strict):
    document: TravelDocument
    on_date: dt.date
    reasons: Annotated[list[Reason], Field(min_length=1)]


class LinkView(Strict):
    link_id: str
    person_id: str
    status: LinkStatus
    claimed: dict[str, str]
    created_at: float
    resolved_by: str | None
    resolved_at: float | None
    justification: str | None


def create_matcher_api(
    store: MatcherStore,
    *,
    officers: Mapping[str, Caller],
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """The API over one store; ``officers`` maps bearer tokens to callers."""
    tokens = dict(officers)
    portal, mid = SearchPortal(store), MultipleIdentityDetector(store)
    bearer = HTTPBearer(auto_error=False)
    app = FastAPI(title="OpenABC regional matcher")

    def caller(
        cred: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Caller:
        found = None
        if cred is not None:
            for token, who in tokens.items():
                if secrets.compare_digest(token.encode(), cred.credentials.encode()):
                    found = who
        if found is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "a valid bearer token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return found

    def guard(who: Annotated[Caller, Depends(caller)]) -> Caller:
        if who.profile is not Profile.BORDER_GUARD:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "border-guard profile required")
        return who

    @app.post("/portal/search")
    def search(
        document: TravelDocument, who: Annotated[Caller, Depends(caller)]
    ) -> dict[System, CheckOutcome]:
        return portal.search(who, document, at=clock())

    @app.post("/portal/consult")
    def consult(body: ConsultRequest, who: Annotated[Caller, Depends(caller)]) -> dict[str, object]:
        try:
            return portal.consult(who, body.system, body.document, body.justification, at=clock())
        except AccessDenied as err:
            raise HTTPException(status.HTTP_403_FORBIDDEN, str(err)) from err
        except JustificationRequired as err:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(err)) from err

    @app.get("/mid/links")
    def links(
        _: Annotated[Caller, Depends(guard)],
        link_status: Annotated[LinkStatus | None, Query(alias="status")] = None,
    ) -> list[LinkView]:
        return [
            LinkView.model_validate(link, from_attributes=True)
            for link in mid.mid_links(link_status)
        ]

    @app.post("/mid/links/{link_id}/resolve")
    def resolve(
        link_id: str, body: ResolveRequest, who: Annotated[Caller, Depends(guard)]
    ) -> LinkView:
        try:
            link = mid.resolve_link(
                link_id, body.outcome, who.caller_id, body.justification, at=clock()
            )
        except LinkError as err:
            raise HTTPException(status.HTTP_409_CONFLICT, str(err)) from err
        return LinkView.model_validate(link, from_attributes=True)

    @app.post("/ees/refusals", status_code=status.HTTP_201_CREATED)
    def refuse(body: RefusalRequest, who: Annotated[Caller, Depends(guard)]) -> dict[str, int]:
        refusal_id = record_refusal(
            store,
            document=body.document,
            on_date=body.on_date,
            reasons=body.reasons,
            officer_id=who.caller_id,
        )
        return {"refusal_id": refusal_id}

    return app
