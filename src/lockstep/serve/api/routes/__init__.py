"""One router per TAXII resource. :func:`both` registers a path with and without its trailing
slash, because clients differ (taxii2-client asks for ``status/<id>`` without one)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter


def both(router: APIRouter, path: str, methods: list[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        router.add_api_route(path, fn, methods=methods, include_in_schema=False)
        router.add_api_route(path.rstrip("/"), fn, methods=methods, include_in_schema=False)
        return fn
    return deco
