"""Natural queries for a synthetic tool, each with its exact gold call arguments.

A query is a paraphrase template (lead, verb and entity synonyms) filled with slot values (cities,
dates, amounts, tickers, names …) phrased as a user would say them; the values are also the gold
arguments, so the label is exact. Each query also carries its *requirement* — the operation, the
arguments it uses, how far in time it reaches and its market scope — so that whether any tool can
answer it is decided by :func:`toolfoundry.synth.capability.can_answer`, not by guesswork.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from toolfoundry.errors import InputError
from toolfoundry.schema import Tool
from toolfoundry.synth.fnspec import is_function_tool
from toolfoundry.synth.tools import Base, article, base_of, horizon_of, plural, record_prefix, required_params
from toolfoundry.synth.vocab import (
    _LEADS,
    OPTIONAL_PARAMS,
    PARAM_PHRASES,
    SLOT_TYPES,
    clock_time,
    email_address,
    person_name,
)

#: "today" for every synthetic query, so dates and horizons are reproducible
REFERENCE_DATE = dt.date(2026, 1, 15)


@dataclass(frozen=True)
class Requirement:
    """What answering a query needs: decidable against a tool's capabilities."""

    op: str  # op:<domain>.<entity>.<operation> (API family) or op:fn.<domain>.<function>
    params: tuple[str, ...]  # argument names (function family: roles) the gold call uses
    horizon_days: int = 0  # how far ahead/back in time the query reaches
    scope: str = "global"  # "global" or "<region>|<segment>"
    # (role, value) the gold call passes — an array's item count instead of the array — checked
    # against a tool's enum:/max:/max_items: capabilities
    values: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class QueryRecord:
    query: str
    arguments: dict
    requirement: Requirement
    extra: dict = field(default_factory=dict)


def _num(rng: random.Random, lo: int, hi: int, decimals: bool = False):
    v = rng.randint(lo, hi)
    if decimals and rng.random() < 0.4:
        return round(v + rng.choice((0.25, 0.5, 0.75, 0.99)), 2)
    return v


def _show(v) -> str:
    return str(v)


def _iso(d: dt.date) -> str:
    return d.isoformat()


class _Draw:
    """Draws one query's slot values; records the time reach for the requirement."""

    def __init__(self, base: Base, rng: random.Random, horizon: int | None, min_reach: int = 0):
        self.base, self.rng, self.horizon, self.min_reach = base, rng, horizon, min_reach
        self.reach = 0
        self.start: dt.date | None = None

    def _reach(self, cap: int) -> int:
        lo = min(self.min_reach + 1, cap) if self.min_reach else 1
        d = self.rng.randint(lo, cap)
        self.reach = max(self.reach, d)
        return d

    def value(self, name: str, slot: str):
        rng, op = self.rng, self.base.op.slug
        st = SLOT_TYPES[slot]
        if st.pool is not None:
            return rng.choice(st.pool)
        if slot == "date":
            if op in ("search", "book") and self.horizon:
                return _iso(REFERENCE_DATE + dt.timedelta(days=self._reach(self.horizon)))
            return _iso(REFERENCE_DATE + dt.timedelta(days=rng.randint(1, 60)))
        if slot == "start_date":
            back = self._reach(self.horizon) if self.horizon else rng.randint(1, 60)
            self.start = REFERENCE_DATE - dt.timedelta(days=max(back, 2))
            return _iso(self.start)
        if slot == "end_date":
            start = self.start or REFERENCE_DATE - dt.timedelta(days=30)
            span = (REFERENCE_DATE - start).days
            return _iso(start + dt.timedelta(days=rng.randint(1, max(1, span))))
        if slot == "days":
            return max(2, self._reach(self.horizon or 14))
        if slot == "time":
            return clock_time(rng)
        if slot == "person":
            return person_name(rng)
        if slot == "email":
            return email_address(rng)
        if slot == "record_id":
            return f"{record_prefix(self.base.entity)}-{rng.randint(0, 99999):05d}"
        if slot == "amount":
            return _num(rng, 5, 5000, decimals=True)
        if slot == "count":
            return rng.randint(2, 8)
        if slot == "percent":
            return _num(rng, 1, 95) if name == "level" else round(rng.randint(10, 120) / 10, 1)
        if slot == "years":
            return rng.randint(1, 30) if name != "driver_age" else rng.randint(18, 80)
        if slot == "weight":
            return _num(rng, 1, 120)
        if slot == "height":
            return rng.randint(140, 205)
        if slot == "distance":
            return rng.randint(5, 900)
        if slot == "temperature":
            return rng.randint(16, 26)
        raise AssertionError(f"no draw for slot type {slot}")

    def optional_value(self, name: str):
        rng = self.rng
        if name == "max_price":
            return rng.randint(2, 40) * 25
        if name == "limit":
            return rng.choice((3, 5, 8, 15, 20))
        if name == "published_after":
            back = self._reach(self.horizon) if self.horizon else rng.randint(1, 365)
            return _iso(REFERENCE_DATE - dt.timedelta(days=back))
        if name == "party_size":
            return rng.randint(2, 8)
        if name in ("max_sentences",):
            return rng.randint(2, 6)
        if name == "transition_seconds":
            return rng.randint(2, 30)
        if name == "round_to":
            return rng.randint(0, 4)
        schema, default, _ = OPTIONAL_PARAMS[name]
        if schema.get("type") == "boolean":
            return True
        if "enum" in schema:
            return rng.choice([v for v in schema["enum"] if v != default])
        raise AssertionError(f"no draw for optional parameter {name}")


def _phrase(name: str, slot: str | None, value, rng: random.Random) -> str:
    phrases = PARAM_PHRASES.get(name)
    if phrases is None:
        phrases = SLOT_TYPES[slot].phrases if slot else OPTIONAL_PARAMS[name][2]
    return rng.choice(phrases).format(v=_show(value))


def _scope_of(tool: Tool) -> str:
    for cap in tool.capabilities:
        if cap.startswith("scope:"):
            return cap[len("scope:"):]
    return "global"


def mentionable_optional(tool: Tool) -> list[str]:
    """Optional arguments of ``tool`` that a query can ask for in words."""
    props = tool.parameters.get("properties", {})
    req = set(tool.parameters.get("required", []))
    return [p for p in props if p not in req and p in OPTIONAL_PARAMS and OPTIONAL_PARAMS[p][2]]


def draw_query(tool: Tool, rng: random.Random, *, optional_rate: float = 0.35,
               force_optional: tuple[str, ...] = (), min_reach: int = 0,
               horizon: int | None = None) -> QueryRecord:
    """One query for ``tool``.

    ``force_optional`` names optional arguments the query must use; ``min_reach`` makes the query
    reach further in time than that many days (up to ``horizon``, default the tool's own) — both are
    how weak-to-strong queries are made that only the stronger version can answer. Tools of the
    callable-function family are drawn by :func:`toolfoundry.synth.functions.function_query`
    (``min_reach`` and ``horizon`` do not apply to them).
    """
    if is_function_tool(tool):  # the callable-function family draws its own (force_optional names roles)
        from toolfoundry.synth.functions import function_query

        return function_query(tool, rng, optional_rate=optional_rate, force_optional=force_optional)
    base = base_of(tool)
    if horizon is None:
        horizon = horizon_of(base, weak=False)
        for cap in tool.capabilities:
            if cap.startswith("horizon_days:"):
                horizon = int(cap.split(":", 1)[1])
    draw = _Draw(base, rng, horizon, min_reach)
    args: dict = {}
    phrases: list[str] = []
    for name, slot in required_params(base):
        value = draw.value(name, slot)
        args[name] = value
        phrases.append(_phrase(name, slot, value, rng))
    extra_phrases = []
    for name in mentionable_optional(tool):
        if name in force_optional or rng.random() < optional_rate:
            value = draw.optional_value(name)
            args[name] = value
            extra_phrases.append(_phrase(name, None, value, rng))
    rng.shuffle(extra_phrases)
    ent = rng.choice(base.entity.synonyms)
    template = rng.choice(base.op.templates)
    verb = rng.choice(base.op.verbs)
    text = template.format(lead=rng.choice(_LEADS), verb=verb, ent=ent, ents=plural(ent),
                           ent_cap=ent[:1].upper() + ent[1:], args=" ".join(phrases + extra_phrases))
    text = " ".join(text.split()).replace(" ?", "?").replace(" .", ".")
    scope = _scope_of(tool)
    if scope != "global":
        region, segment = scope.split("|")
        cue = rng.choice((f"We're a {segment} customer in the {region} market.",
                          f"This is for our {segment} team ({region} region).",
                          f"Context: {region} market, {segment} account."))
        text = f"{text} {cue}" if rng.random() < 0.5 else f"{cue} {text}"
    text = article(text[:1].upper() + text[1:])
    req = Requirement(op=base.op_capability, params=tuple(sorted(args)), horizon_days=draw.reach, scope=scope)
    return QueryRecord(text, args, req)


def generate_query_records(tool: Tool, n: int, seed: int, **kwargs) -> list[QueryRecord]:
    """``n`` distinct queries for ``tool`` (a pure function of ``tool.id``, ``n`` and ``seed``)."""
    if not isinstance(n, int) or n < 0:
        raise InputError("n", f"{n!r}", "a non-negative number of queries")
    rng = random.Random(f"{seed}:queries:{tool.id}")
    out, seen = [], set()
    attempts = 0
    while len(out) < n:
        attempts += 1
        if attempts > 50 * n + 100:
            raise InputError(f"tool {tool.id!r}", f"only {len(out)} distinct queries after {attempts} draws",
                             f"fewer than {len(out)} queries per tool")
        rec = draw_query(tool, rng, **kwargs)
        if rec.query not in seen:
            seen.add(rec.query)
            out.append(rec)
    return out


def generate_queries(tool: Tool, n: int, seed: int) -> list[tuple[str, dict]]:
    """``n`` distinct natural queries for ``tool`` with their exact gold call arguments."""
    return [(r.query, r.arguments) for r in generate_query_records(tool, n, seed)]
