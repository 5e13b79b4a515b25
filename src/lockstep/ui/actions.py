"""What a form changes or takes away: verdicts and notes, the confirmed-only STIX bundle, the verdicts
export. Every one is checked for its CSRF token and role first and written to the audit log."""

from __future__ import annotations

import io
import json
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from lockstep.errors import ConfigError
from lockstep.serve import audit
from lockstep.share import tlp as tlp_mod
from lockstep.ui import verdicts
from lockstep.ui.deps import engine, form, remote, render, require, settings, user
from lockstep.ui.storeview import StoreBusy, reading
from lockstep.ui.users import User

router = APIRouter()


@router.post("/d/{dataset}/verdicts")
async def record_verdict(request: Request, dataset: str, u: User = Depends(user)) -> Response:
    values = await form(request)
    require(u, "analyst")
    kind, subject = values.get("kind", ""), values.get("subject", "")
    back = (f"/d/{quote(dataset)}/networks/{quote(subject)}" if kind == "network"
            else f"/d/{quote(dataset)}/accounts/{'/'.join(quote(p, safe='') for p in subject.split(':', 1))}")
    fingerprint = None
    if kind == "network":
        if not subject.isdigit():
            raise HTTPException(400, f"A network is named by its number. Got {subject!r}.")
        try:
            with reading(settings(request).db) as store:
                fingerprint = verdicts.members_fingerprint(store, dataset, int(subject))
        except StoreBusy:
            fingerprint = None  # recorded without one; it then applies to the network whatever its members
    try:
        verdicts.record(engine(request), user_id=u.id, author=u.username, organisation_id=u.organisation_id,
                        organisation=u.organisation, dataset=dataset, kind=kind, subject=subject,
                        verdict=values.get("verdict", ""), reason=values.get("reason", ""),
                        fingerprint=fingerprint, remote=remote(request))
    except ConfigError as exc:
        return render(request, "error.html.j2", {"status": 400, "message": str(exc), "back": back}, status=400)
    return RedirectResponse(back + "#verdicts", status_code=303)


@router.post("/d/{dataset}/export/stix")
async def export_stix(request: Request, dataset: str, u: User = Depends(user)) -> Response:
    """The STIX bundle of the networks confirmed by the user's organisation (members unchanged since)."""
    values = await form(request)
    require(u, "analyst")
    level = values.get("tlp", "amber").lower()
    if level not in tlp_mod.LEVELS:
        raise HTTPException(400, f"TLP must be one of {', '.join(tlp_mod.LEVELS)}. Got {level!r}.")
    from lockstep.share.stix import ExportNotes, build_bundle

    with reading(settings(request).db) as store:
        ids, stale = verdicts.networks_with(engine(request), store, dataset, "confirmed", u.organisation_id)
        if not ids:
            audit.record(engine(request), action="ui.export.stix", outcome="refused", organisation=u.organisation,
                         actor=u.username, target=dataset, detail="no confirmed networks", remote=remote(request))
            return render(request, "error.html.j2", {
                "status": 409, "back": f"/d/{quote(dataset)}/networks",
                "message": "No network is confirmed (with its members unchanged since), so there is nothing to "
                           "share. Record a 'confirmed' verdict on a network first."}, status=409)
        bundle = build_bundle(store, dataset, ids, level, u.pseudonym_key, u.organisation, notes=ExportNotes())
    body = json.dumps(bundle, indent=2, ensure_ascii=False).encode()
    audit.record(engine(request), action="ui.export.stix", outcome="ok", organisation=u.organisation,
                 actor=u.username, target=dataset, remote=remote(request),
                 detail=f"networks {ids}; TLP:{level.upper()}; {len(bundle['objects'])} objects"
                        + (f"; left out, members changed since confirmed: {stale}" if stale else ""))
    name = f"lockstep-{dataset}-confirmed.stix.json"
    return Response(body, media_type="application/stix+json;version=2.1",
                    headers={"Content-Disposition": f"attachment; filename=\"{quote(name)}\""})


@router.get("/d/{dataset}/verdicts.csv")
def export_verdicts(request: Request, dataset: str, u: User = Depends(user)) -> Response:
    """The organisation's full verdict history for the dataset, oldest first."""
    from lockstep.report.escape import write_csv

    cols = ["id", "at_us", "author", "dataset", "subject_kind", "subject", "verdict", "reason", "member_count",
            "members_sha"]
    rows = [[r[c] for c in cols] for r in verdicts.export_rows(engine(request), dataset)
            if r["organisation_id"] == u.organisation_id]
    buf = io.StringIO()
    write_csv(buf, cols, rows)
    audit.record(engine(request), action="ui.export.verdicts", outcome="ok", organisation=u.organisation,
                 actor=u.username, target=dataset, detail=f"{len(rows)} rows", remote=remote(request))
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=\"verdicts-{quote(dataset)}.csv\""})
