"""Networks as a STIX 2.1 bundle: who we are, what each network is, what it did, what it is known by.

Object model (see docs/sharing.md): identity (the producing organisation) -> intrusion-set per
network <- campaign (its activity window, ``attributed-to`` the set) -> ``uses`` DISARM
attack-patterns (from the traces and signals behind the network); indicators (accounts, domains,
URLs, text fingerprints) ``indicates`` the campaign; threat-actor only where an analyst set an
attribution; location objects for the inferred origin (a hint with a confidence, never a fact) and
for targets; one report holding everything. Every object carries the TLP 2.0 marking.

Ids are UUIDv5 of stable keys and times come from the data, so exporting the same findings twice
gives byte-identical objects and a re-export after new data updates objects (same id, later
``modified``) instead of duplicating them.

Speed: the per-network objects are built with the ``stix2`` library (it checks them as it builds);
the bulk — indicators and relationships, thousands per export — are built as plain dicts and
serialized with orjson, because ``stix2`` objects cost about a millisecond each (pattern parsing,
property checks). :func:`check_sample` runs a sample of those through ``stix2`` to keep them honest.
"""

from __future__ import annotations

import logging
import os
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import stix2

from lockstep.errors import ShareError, StoreError
from lockstep.ingest.normalize import defang
from lockstep.share import disarm, places, pseudonym
from lockstep.share import tlp as markings
from lockstep.share.ids import stix_id, ts
from lockstep.share.indicators import NetworkIndicator, network_indicators
from lockstep.share.patterns import pattern_for
from lockstep.share.pseudonymizer import Pseudonymizer, load_accounts
from lockstep.store import Store

log = logging.getLogger(__name__)

#: A signal counts for a network when this share of its members (and at least 2) are flagged.
SIGNAL_MEMBER_SHARE = 0.2
_TYPE_LABEL = {"account": "Account", "account_id": "Account id", "domain": "Domain", "url": "URL",
               "text_fingerprint": "Text fingerprint", "account_hash": "Account (pseudonymized)"}


@dataclass(frozen=True)
class _Net:
    network_id: int
    size: int
    score: float | None
    traces: list[str]
    first: Any
    last: Any
    why: str | None
    utc_offset: float | None
    utc_conf: float | None
    hint: str | None
    attribution: str | None


def _networks(store: Store, dataset: str, network_ids: list[int] | None) -> list[_Net]:
    if not store.has_table("networks") or not store.scalar(
            "SELECT count(*) FROM networks WHERE dataset = ?", [dataset]):
        raise StoreError(f"The dataset {dataset!r} has no networks yet. Run 'lockstep detect' first.")
    rows = store.rows(
        """SELECT network_id, size, score, traces, first_activity, last_activity, why,
                  utc_offset_hours, utc_offset_confidence, attribution_hint, analyst_attribution
           FROM networks WHERE dataset = ? ORDER BY network_id""", [dataset])
    nets = [_Net(r[0], r[1] or 0, r[2], list(r[3] or []), *r[4:]) for r in rows]
    if network_ids:
        have = {n.network_id for n in nets}
        missing = sorted(set(network_ids) - have)
        if missing:
            raise ShareError(
                f"The dataset {dataset!r} has no network(s) {missing}. "
                "List them with 'lockstep networks' and pass existing ids to --network.")
        wanted = set(network_ids)
        nets = [n for n in nets if n.network_id in wanted]
    return nets


def _signals(store: Store, dataset: str, ids: list[int]) -> dict[int, list[str]]:
    if not store.has_table("account_signals"):
        return {}
    rows = store.rows(
        """SELECT m.network_id, s.signal, count(DISTINCT m.platform || chr(31) || m.account_id),
                  any_value(n.size)
           FROM members m JOIN account_signals s ON s.dataset = m.dataset AND s.platform = m.platform
                AND s.account_id = m.account_id AND s.flagged
           JOIN networks n ON n.dataset = m.dataset AND n.network_id = m.network_id
           WHERE m.dataset = ? AND list_contains(?, m.network_id) GROUP BY 1, 2 ORDER BY 1, 2""",
        [dataset, ids])
    out: dict[int, list[str]] = {}
    for net, sig, n, size in rows:
        if n >= 2 and n >= SIGNAL_MEMBER_SHARE * (size or n):
            out.setdefault(net, []).append(sig)
    return out


def _obj(o: stix2.base._STIXBase) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(o.serialize())
    return data


class _Builder:
    """Collects objects by id (later duplicates merge), all marked and attributed."""

    def __init__(self, organisation: str, level: str) -> None:
        self.level = markings.check_level(level)
        self.marking_id = markings.TLP_IDS[self.level]
        self.objects: dict[str, dict[str, Any]] = {}
        self.identity_id = stix_id("identity", organisation)
        ident = stix2.v21.Identity(
            id=self.identity_id, name=organisation, identity_class="organization",
            created="2020-01-01T00:00:00.000Z", modified="2020-01-01T00:00:00.000Z",
            description="Producer of these Lockstep findings.", object_marking_refs=[self.marking_id])
        self.add(_obj(ident))

    def add(self, o: dict[str, Any]) -> dict[str, Any]:
        old = self.objects.get(o["id"])
        if old is None:
            self.objects[o["id"]] = o
            return o
        return old

    def rel(self, src: str, kind: str, tgt: str, created: str, modified: str, **extra: Any) -> None:
        rid = stix_id("relationship", src, kind, tgt)
        self.add({"type": "relationship", "spec_version": "2.1", "id": rid,
                  "created_by_ref": self.identity_id, "created": created, "modified": max(created, modified),
                  "relationship_type": kind, "source_ref": src, "target_ref": tgt,
                  "object_marking_refs": [self.marking_id], **extra})

    def common(self, created: str, modified: str) -> dict[str, Any]:
        return {"created_by_ref": self.identity_id, "created": created, "modified": max(created, modified),
                "object_marking_refs": [self.marking_id]}


@dataclass
class ExportNotes:
    """What a pseudonymized export left out: domain and URL indicators that name a member account
    (a profile or status link would undo the pseudonyms), by type."""

    redacted: Counter[str] = field(default_factory=Counter)

    @property
    def redacted_total(self) -> int:
        return sum(self.redacted.values())

    def message(self) -> str:
        """One line for the user, or "" when nothing was left out."""
        if not self.redacted_total:
            return ""
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.redacted.items()))
        return (f"left out {self.redacted_total} indicator value(s) that name a pseudonymized account ({kinds}); "
                "export without --pseudonymize to share them with partners you may show the accounts to")


def build_bundle(store: Store, dataset: str, network_ids: list[int] | None = None, tlp: str = "amber",
                 pseudonymize_key: bytes | None = None, organisation: str = "Lockstep user", *,
                 disarm_map: Path | None = None, targets: Iterable[str] = (),
                 notes: ExportNotes | None = None) -> dict[str, Any]:
    """The STIX 2.1 bundle (a dict) for some or all networks of a dataset. See the module doc.

    With ``pseudonymize_key`` every account is hidden (indicators hold keyed hashes), free text goes
    through the one pseudonymization path (:class:`~lockstep.share.pseudonymizer.Pseudonymizer`),
    and a domain or URL indicator naming a member is left out and counted in ``notes``."""
    table = disarm.behaviour_map(disarm_map)
    nets = _networks(store, dataset, network_ids)
    ids = [n.network_id for n in nets]
    signals = _signals(store, dataset, ids)
    b = _Builder(organisation, tlp)
    indicators = network_indicators(store, dataset, ids)
    raw_ids = _raw_identifiers(indicators) if pseudonymize_key else []
    pseudo = Pseudonymizer(pseudonymize_key, notable_followers=None)
    if pseudonymize_key:
        pseudo.know(load_accounts(store, dataset, ids))
        indicators = _redact(indicators, pseudo, notes if notes is not None else ExportNotes())
    scrub = pseudo.scrub
    fw = disarm.framework()
    disarm_created = ts(fw["modified"][:23] + "Z")
    disarm_marking: dict[str, Any] = {"type": "marking-definition", "spec_version": "2.1",
                      "id": stix_id("marking-definition", "DISARM", fw["statement"]),
                      "created": disarm_created, "definition_type": "statement",
                      "definition": {"statement": disarm.attribution()}}
    target_locs = [_location(b, c, disarm_created) for c in targets]
    campaigns: dict[int, tuple[str, str, str]] = {}
    for n in nets:
        first, last = ts(n.first), ts(n.last or n.first)
        common = b.common(first, last)
        key = (organisation, dataset, n.network_id)
        iset = b.add(_obj(stix2.v21.IntrusionSet(
            id=stix_id("intrusion-set", *key), name=f"Lockstep network {dataset}/{n.network_id}",
            description=scrub(_describe(n)), first_seen=first, last_seen=last,
            labels=["coordinated-inauthentic-behaviour"], allow_custom=True,
            **_custom(score=n.score, size=n.size, traces=n.traces), **common)))
        camp = b.add(_obj(stix2.v21.Campaign(
            id=stix_id("campaign", *key), name=f"Activity of Lockstep network {dataset}/{n.network_id}",
            description=scrub(n.why or "Coordinated activity found by Lockstep."),
            first_seen=first, last_seen=last, **common)))
        campaigns[n.network_id] = (camp["id"], first, last)
        b.rel(camp["id"], "attributed-to", iset["id"], first, last)
        if n.attribution:
            actor = b.add(_obj(stix2.v21.ThreatActor(
                id=stix_id("threat-actor", organisation, n.attribution), name=scrub(n.attribution),
                description="Attribution set by an analyst of the producing organisation.", **common)))
            b.rel(iset["id"], "attributed-to", actor["id"], first, last)
        if n.hint:
            _origin(b, iset["id"], n, first, last, scrub)
        for loc in target_locs:
            b.rel(iset["id"], "targets", loc, first, last)
        for tid, maps in disarm.techniques_for(n.traces, signals.get(n.network_id, []), table).items():
            ap = _attack_pattern(b, tid, disarm_created, disarm_marking["id"])
            why = "; ".join(f"{m.kind} {m.behaviour}: {m.why}" for m in maps)
            b.rel(camp["id"], "uses", ap, first, last, description=f"Evidence: {why}.")
    if any(o["type"] == "attack-pattern" for o in b.objects.values()):
        b.add(disarm_marking)
    _indicators(b, indicators, campaigns, organisation, pseudonymize_key)
    objs = list(b.objects.values())
    published = max((o.get("modified", "") for o in objs), default=disarm_created)
    report_id = stix_id("report", organisation, dataset, *sorted(ids))
    report = {"type": "report", "spec_version": "2.1", "id": report_id, **b.common(published, published),
              "name": f"Lockstep findings: {len(nets)} network(s) in dataset {dataset!r}",
              "description": "Coordinated inauthentic behaviour found by Lockstep, with the accounts, "
                             "domains, URLs and texts that identify each network. Attribution, where "
                             "present, is a hint with its evidence unless set by an analyst.",
              "report_types": ["campaign", "indicator", "attack-pattern"], "published": published,
              "object_refs": sorted(o["id"] for o in objs if o["type"] != "marking-definition")}
    marking_objs = [markings.marking(b.level)]
    bundle = {"type": "bundle", "id": stix_id("bundle", report_id, b.level, bool(pseudonymize_key)),
              "objects": marking_objs + sorted(objs, key=lambda o: o["id"]) + [report]}
    if pseudonymize_key:
        _assert_no_raw(bundle, raw_ids, pseudo)
    return bundle


def _custom(**kv: Any) -> dict[str, Any]:
    return {f"x_lockstep_{k}": v for k, v in kv.items() if v not in (None, [], "")}


def _describe(n: _Net) -> str:
    parts = [f"{n.size} accounts acting together ({', '.join(n.traces) or 'traces not recorded'})."]
    if n.why:
        parts.append(n.why)
    if n.hint:
        parts.append(f"Origin hint (inferred, not established): {n.hint}.")
    return " ".join(parts)


def _location(b: _Builder, country: str, created: str) -> str:
    code = country.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise ShareError(f"A target must be an ISO 3166-1 alpha-2 country code such as 'FR'. Got {country!r}.")
    loc = stix2.v21.Location(id=stix_id("location", "country", code), country=code, name=code,
                             **b.common(created, created))
    return b.add(_obj(loc))["id"]


def _origin(b: _Builder, iset: str, n: _Net, first: str, last: str, scrub: Callable[[str], str]) -> None:
    """The attribution hint as locations the set ``originates-from``, each labelled a hint, with the
    time-zone confidence shared among the candidate countries the hint names."""
    codes = places.countries_in(n.hint or "")
    if not codes:
        return  # the hint stays in the intrusion-set's description; no country to point at
    for code in codes:
        loc = _location(b, code, first)
        extra: dict[str, Any] = {"description": scrub(f"Inferred origin, a hint and not a verdict: {n.hint}"),
                                 "labels": ["attribution-hint"]}
        if n.utc_conf is not None:
            extra["confidence"] = max(0, min(100, round(100 * n.utc_conf / len(codes))))
        b.rel(iset, "originates-from", loc, first, last, **extra)


def _attack_pattern(b: _Builder, tid: str, created: str, licence_marking: str) -> str:
    t = disarm.technique(tid)
    ap_id = stix_id("attack-pattern", "DISARM", tid)
    if ap_id not in b.objects:
        # Authored by DISARM, not by us: the same id and content at every producer.
        author = b.add(_obj(stix2.v21.Identity(
            id=stix_id("identity", "DISARM Foundation"), name="DISARM Foundation", identity_class="organization",
            created=created, modified=created, object_marking_refs=[b.marking_id, licence_marking],
            description="Author of the DISARM framework (CC BY-SA 4.0).")))
        phase = re.sub(r"[^a-z0-9]+", "-", t.tactic.lower()).strip("-")
        b.add(_obj(stix2.v21.AttackPattern(
            id=ap_id, name=t.name, description=t.description, created=created, modified=created,
            created_by_ref=author["id"], object_marking_refs=[b.marking_id, licence_marking],
            kill_chain_phases=[{"kill_chain_name": "disarm", "phase_name": phase}],
            external_references=[{"source_name": "DISARM", "external_id": tid, "url": t.url}])))
    return ap_id


def _indicators(b: _Builder, items: list[NetworkIndicator], campaigns: dict[int, tuple[str, str, str]],
                organisation: str, key: bytes | None) -> None:
    for it in items:
        kind, value = it.type, it.value
        if key and kind == "account":
            value = pseudonym.handle_hash(key, value)
        elif key and kind == "account_id":
            value = pseudonym.id_hash(key, value)
        camp, cfirst, clast = campaigns[it.network_id]
        first = ts(it.first_seen) if it.first_seen else cfirst
        last = ts(it.last_seen) if it.last_seen else clast
        iid = stix_id("indicator", organisation, kind, it.platform, value)
        shown = ("pseudonymized" if key and kind.startswith("account") else
                 defang(value) if kind in ("domain", "url") else value)
        label = _TYPE_LABEL[kind] + (" (pseudonymized)" if key and kind.startswith("account") else "")
        obj = {"type": "indicator", "spec_version": "2.1", "id": iid, **b.common(first, last),
               "name": f"{label}: {shown}" + (f" on {it.platform}" if it.platform else ""),
               "description": f"Seen in {it.count} post(s) by {it.accounts} account(s) of a coordinated "
                              "network found by Lockstep.",
               "indicator_types": ["malicious-activity"], "pattern_type": "stix", "pattern_version": "2.1",
               "pattern": pattern_for(kind, value, it.platform, bool(key)), "valid_from": first,
               "labels": ["lockstep", kind]}
        if kind == "text_fingerprint":
            obj["x_lockstep_fingerprint"] = "sha256-of-normalized-text"
        if key and kind.startswith("account"):
            obj["x_lockstep_pseudonymized"] = "hmac-sha256"
        have = b.add(obj)
        if have is not obj:  # the same indicator in several networks: widen its window
            have["created"] = min(have["created"], obj["created"])
            have["valid_from"] = have["created"]
            have["modified"] = max(have["modified"], obj["modified"])
        b.rel(iid, "indicates", camp, first, last)


def _raw_identifiers(items: list[NetworkIndicator]) -> list[str]:
    return sorted({i.value for i in items if i.type in ("account", "account_id")}, key=len, reverse=True)


def _redact(items: list[NetworkIndicator], pseudo: Pseudonymizer, notes: ExportNotes) -> list[NetworkIndicator]:
    """Leave out domain and URL indicators that name a hidden account (``x.com/<handle>/status/…``):
    scrubbing would make them match nothing, keeping them would name the account."""
    kept = []
    for it in items:
        if it.type in ("domain", "url") and pseudo.names_hidden(it.value):
            notes.redacted[it.type] += 1
        else:
            kept.append(it)
    return kept


_LITERAL = re.compile(r"'((?:\\.|[^'\\])*)'\]$")


def _assert_no_raw(bundle: dict[str, Any], raw: list[str], pseudo: Pseudonymizer) -> None:
    """Refuse to hand out a pseudonymized bundle whose indicators still name an account in clear
    (a bug, never the data: values naming accounts were redacted before). Only indicator values are
    checked, so an account named like a word of Lockstep's own texts ("network") cannot stop the
    export; the free texts went through the same scrub as the report."""
    exact = {r.lower() for r in raw}
    leaked = []
    for o in bundle["objects"]:
        if o.get("type") != "indicator":
            continue
        m = _LITERAL.search(o.get("pattern", ""))
        value = m.group(1) if m else ""
        if value.lower() in exact or pseudo.names_hidden(value):
            leaked.append(o["id"])
    if leaked:
        raise ShareError(f"Pseudonymized export would still name {len(leaked)} account(s) in clear "
                         f"(e.g. indicator {leaked[0]}). Nothing was written; please report this as a bug.")


def check_sample(bundle: dict[str, Any], k: int = 50, seed: int = 0) -> int:
    """Parse a sample of the bundle's objects with ``stix2`` (strict properties, pattern syntax);
    returns how many were checked. Raises :class:`ShareError` on the first bad object."""
    objs = bundle["objects"]
    sample = objs if len(objs) <= k else random.Random(seed).sample(objs, k)
    for o in sample:
        try:
            stix2.parse(o, allow_custom=True)
        except Exception as exc:
            raise ShareError(f"Object {o.get('id')} is not valid STIX 2.1: {exc}") from exc
    return len(sample)


def _holds_red(objects: list[Any]) -> bool:
    """Whether any object classifies as RED (the one TLP module: any marking form, definitions from
    the bundle; what it cannot classify counts as RED)."""
    defs = {str(o.get("id")).lower(): o for o in objects if isinstance(o, dict) and o.get("type") == "marking-definition"}
    return any(isinstance(o, dict) and markings.classify(o, defs) == "red" for o in objects)


def write_bundle(bundle: dict[str, Any], out: Path) -> int:
    """Write the bundle as JSON; returns the number of bytes. A bundle holding TLP:RED objects is
    written readable by its owner only (0600), also when it replaces an existing file."""
    data = orjson.dumps(bundle, option=orjson.OPT_INDENT_2)
    if not _holds_red(bundle.get("objects") or []):
        out.write_bytes(data)
        return len(data)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(data)
    return len(data)
