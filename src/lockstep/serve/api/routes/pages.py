"""Shared pieces of the paged read endpoints: access checks + filters, envelope, headers."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from lockstep.serve import filters
from lockstep.serve.deps import Access, Principal, authorize
from lockstep.serve.objects import Page
from lockstep.serve.timestamps import format_us


def read_access(request: Request, api_root: str, collection_id: str, action: str, allowed: set[str], *,
                need: str = "read", default_version: str | None = "last"
                ) -> tuple[Principal, Access, filters.Filters]:
    who, acc = authorize(request, api_root, collection_id, need=need, action=action)
    s = request.app.state.settings
    f = filters.parse(request.query_params, allowed=allowed, default_limit=s.default_page_size,
                      max_limit=s.max_page_size, default_version=default_version,
                      max_values=s.max_match_values)
    return who, acc, f


def page_headers(pg: Page) -> dict[str, str]:
    if not pg.rows:
        return {}
    return {"X-TAXII-Date-Added-First": format_us(pg.rows[0].date_added_us),
            "X-TAXII-Date-Added-Last": format_us(pg.rows[-1].date_added_us)}


def paged_body(pg: Page, key: str, items: list[Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"more": pg.more}
    if pg.next_seq is not None:
        body["next"] = filters.encode_next(pg.next_seq)
    if items:
        body[key] = items
    return body
