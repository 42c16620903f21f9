"""Seeded synthetic tools: every tool is a pure function of ``(seed, index)``.

The catalog space is ``bases × variants``. A *base* is one (domain, entity, operation); the first
``len(BASES)`` indices visit every base once (in a seed-dependent order), so small catalogs hold
distinct capabilities. Index ``i`` beyond that is variant ``i // len(BASES)`` of base ``i % len(BASES)``:
the same operation scoped to one customer segment in one region market. Because the mapping is
arithmetic, a Ray Data block can build tools ``[a, b)`` without seeing any other block.

Capabilities are explicit strings on each tool (see :mod:`toolfoundry.synth.capability`):
``op:<domain>.<entity>.<operation>``, ``param:<name>`` for each accepted argument,
``horizon_days:<n>`` for time-bounded operations and ``scope:global`` or ``scope:<region>|<segment>``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache

from toolfoundry.errors import InputError
from toolfoundry.schema import Tool
from toolfoundry.synth.fnspec import is_function_tool
from toolfoundry.synth.vocab import (
    ENTITIES,
    KINDS,
    OPTIONAL_PARAMS,
    REGIONS,
    SEGMENTS,
    SLOT_TYPES,
    Entity,
    Operation,
)

#: horizon (days) of full-strength tools per operation; weak versions get much less
STRONG_HORIZON = {"search": 365, "book": 365, "history": 3650, "forecast": 14, "list": 730}
WEAK_HORIZON = {"search": 30, "book": 30, "history": 90, "forecast": 3, "list": 30}
DOC_HORIZON_STRONG, DOC_HORIZON_WEAK = 3650, 60


@dataclass(frozen=True)
class Base:
    entity: Entity
    op: Operation

    @property
    def op_capability(self) -> str:
        return f"op:{self.entity.domain}.{self.entity.slug}.{self.op.slug}"


@lru_cache(maxsize=1)
def bases() -> tuple[Base, ...]:
    return tuple(Base(e, op) for e in ENTITIES for op in KINDS[e.kind])


@lru_cache(maxsize=1)
def _base_by_capability() -> dict[str, Base]:
    return {b.op_capability: b for b in bases()}


def base_of(tool: Tool) -> Base:
    """The (entity, operation) a synthetic tool implements, read from its capabilities."""
    for cap in tool.capabilities:
        if cap.startswith("op:"):
            base = _base_by_capability().get(cap)
            if base is not None:
                return base
    raise InputError(f"tool {tool.id!r}.capabilities", "no known op:<domain>.<entity>.<operation> entry",
                     "a tool made by toolfoundry.synth.generate_tools")


SCOPES = tuple((r, s) for r in REGIONS for s in SEGMENTS)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_").replace("__", "_")


@lru_cache(maxsize=64)
def _orders(seed: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    base_order = list(range(len(bases())))
    random.Random(f"{seed}:bases").shuffle(base_order)
    scope_order = list(range(len(SCOPES)))
    random.Random(f"{seed}:scopes").shuffle(scope_order)
    return tuple(base_order), tuple(scope_order)


def capacity() -> int:
    """How many distinct tools one seed can give."""
    return len(bases()) * (1 + len(SCOPES))


def record_prefix(entity: Entity) -> str:
    words = entity.slug.split("_")
    return "".join(w[0] for w in words).upper()[:4] if len(words) > 1 else entity.slug[:3].upper()


def id_param(base: Base) -> str:
    return "booking_reference" if base.entity.kind == "bookable" else f"{base.entity.slug}_id"


def required_params(base: Base) -> list[tuple[str, str]]:
    """(parameter name, slot type) of the arguments every version of the base requires."""
    if base.op.key == "all":
        params = list(base.entity.params)
    elif base.op.key == "id":
        params = [(id_param(base), "record_id")]
    else:
        params = []
    have = {p for p, _ in params}
    params += [(p, s) for p, s in base.op.extra if p not in have]
    return params


def horizon_of(base: Base, weak: bool) -> int | None:
    if base.entity.kind == "document" and base.op.slug == "search":
        return DOC_HORIZON_WEAK if weak else DOC_HORIZON_STRONG
    if not base.op.horizon:
        return None
    table = WEAK_HORIZON if weak else STRONG_HORIZON
    return table.get(base.op.slug)


def _param_schema(name: str, slot: str, base: Base, horizon: int | None) -> dict:
    st = SLOT_TYPES[slot]
    schema = dict(st.schema)
    noun = st.noun
    if slot == "record_id":
        schema["pattern"] = f"^{record_prefix(base.entity)}-[0-9]{{5}}$"
        noun = f"{base.entity.noun} reference, e.g. {record_prefix(base.entity)}-01234"
    if slot == "days" and horizon:
        schema["maximum"] = horizon
        noun = f"{noun} (1 to {horizon})"
    elif slot == "date" and horizon and base.op.slug in ("search", "book"):
        noun = f"{noun}, at most {horizon} days ahead"
    elif slot == "start_date" and horizon:
        noun = f"{noun}, at most {horizon} days back"
    label = name.replace("_", " ")
    schema["description"] = noun if label in noun or name == slot else f"{label} ({noun})"
    return schema


def build_parameters(base: Base, optional: list[str], horizon: int | None) -> dict:
    props, required = {}, []
    for name, slot in required_params(base):
        props[name] = _param_schema(name, slot, base, horizon)
        required.append(name)
    for name in optional:
        schema = dict(OPTIONAL_PARAMS[name][0])
        if name == "published_after" and horizon:
            schema["description"] += f" (at most {horizon} days back)"
        props[name] = schema
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


def plural(noun: str) -> str:
    if noun.endswith("ics"):  # lyrics, statistics: already plural
        return noun
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def _label(name: str, slot: str) -> str:
    noun, label = SLOT_TYPES[slot].noun, name.replace("_", " ")
    return noun if label in noun or name == slot else f"{label} ({noun})"


def article(text: str) -> str:
    """Fix "a" before a vowel sound in generated text."""
    return _A_RE.sub(lambda m: m.group(1) + "n " + m.group(2), text)


_A_RE = re.compile(r"\b([Aa]) ([aeiouAEIOU])")


_SYLLABLES = ("zen", "tri", "vo", "ka", "lum", "rix", "no", "va", "sol", "mer", "qua", "dex", "ori", "pax", "tel",
              "ny", "bri", "cor", "ex", "lo", "mi", "ra", "sta", "ven", "xo", "ul", "fen", "gar", "hal", "ion")
_TRAITS = (
    "Rate limit: {n} requests per minute.", "Data refreshed every {m} minutes.", "Responses cached for {m} seconds.",
    "Typical latency under {n} ms.", "Uptime commitment {p}%.", "Pages through results with cursor tokens.",
    "Every result carries source attribution.", "Timestamps come back in UTC.", "Errors carry machine-readable codes.",
    "Retries are idempotent.", "Change notifications via webhooks.", "Free tier of {n} calls a day.",
    "API version {v}.", "Localised in {k} languages.", "Audit log kept for {m} days.", "Sandbox keys available.",
    "Supports conditional requests with ETags.", "Authenticates with OAuth2.", "Authenticates with an API key.",
    "Responses are gzip-compressed.", "Operated since {y}.", "Hosted in {k} regions.",
    "Backed by a {n}-record reference index.", "Schema changes announced {m} days ahead.",
)


def brand(rng: random.Random) -> str:
    name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
    return name[:1].upper() + name[1:]


def _traits(rng: random.Random, k: int) -> list[str]:
    picks = rng.sample(range(len(_TRAITS)), k)
    return [_TRAITS[i].format(n=rng.choice((30, 60, 120, 250, 400, 600, 900, 1500, 5000)), m=rng.randint(2, 90),
                              p=rng.choice(("99.0", "99.5", "99.9", "99.95", "99.99")),
                              v=f"{rng.randint(1, 9)}.{rng.randint(0, 20)}", k=rng.randint(2, 40),
                              y=rng.randint(2004, 2025)) for i in picks]


def _describe(base: Base, rng: random.Random, optional: list[str], horizon: int | None,
              scope: tuple[str, str] | None, vague: bool = False) -> str:
    """Opener (+ market scope), inputs, horizon, returns, and a provider with service traits.

    The provider name and traits are seeded per tool: they carry no capability, but they make two
    tools of the same operation read differently, as real catalogs do (tools of one seed stay below
    the dedupe job's near-duplicate threshold).
    """
    ent = base.entity.noun
    opener = rng.choice(base.op.describe).format(ent=ent, ents=plural(ent))
    if scope:
        region, segment = scope
        opener += rng.choice((f" for {segment} customers in the {region} market",
                              f" tailored to {region} {segment} users",
                              f", built for the {region} {segment} segment"))
    provider = f"Provided by {brand(rng)}."
    if vague:
        return f"{opener}. {provider}"
    parts = [opener + "."]
    req = [p.replace("_", " ") for p, _ in required_params(base)]
    if req:
        text = rng.choice(("Inputs: ", "Needs ", "Takes ")) + ", ".join(req)
        if optional:
            text += rng.choice(("; optional: ", "; optionally ", "; also accepts ")) + ", ".join(
                o.replace("_", " ") for o in optional)
        parts.append(text + ".")
    elif optional:
        parts.append("Optional inputs: " + ", ".join(o.replace("_", " ") for o in optional) + ".")
    if horizon:
        parts.append(rng.choice((f"Covers up to {horizon} days.", f"Horizon: {horizon} days.")))
    parts.append("Returns " + base.op.returns.format(ent=ent, ents=plural(ent)) + ".")
    parts.append(provider)
    parts += _traits(rng, 3)
    return " ".join(parts)


def op_name(base: Base) -> str:
    """The tool name of a base, e.g. ``search_flights`` (plural where the pattern asks for it)."""
    slug = base.entity.slug
    return base.op.name.replace("{e}s", "{es}").format(e=slug, es=plural(slug))


def tool_id(i: int) -> str:
    return f"t{i:06d}"


def tool_at(i: int, seed: int) -> Tool:
    """Tool number ``i`` of the catalog of ``seed`` (pure: no other tool is built)."""
    if i < 0 or i >= capacity():
        raise InputError("tool index", f"{i} is outside 0..{capacity() - 1}",
                         f"num_tools at most {capacity()} per seed")
    all_bases = bases()
    base_order, scope_order = _orders(seed)
    pos, variant = i % len(all_bases), i // len(all_bases)
    base = all_bases[base_order[pos]]
    rng = random.Random(f"{seed}:tool:{i}")
    scope = None
    if variant:
        scope = SCOPES[(scope_order[variant - 1] + pos * 7) % len(SCOPES)]
    opts = list(base.op.optional)
    if variant and opts:  # variants accept a seeded subset of the optional arguments
        opts = [o for o in opts if rng.random() < 0.6]
    horizon = horizon_of(base, weak=False)
    name = op_name(base)
    if scope:
        name += f"_{_slug(scope[0])}_{_slug(scope[1])}"
    caps = [base.op_capability, *(f"param:{p}" for p, _ in required_params(base)), *(f"param:{o}" for o in opts)]
    if horizon:
        caps.append(f"horizon_days:{horizon}")
    caps.append("scope:global" if scope is None else f"scope:{scope[0]}|{scope[1]}")
    return Tool(
        id=tool_id(i),
        name=name,
        description=article(_describe(base, rng, opts, horizon, scope)),
        parameters=build_parameters(base, opts, horizon),
        category=base.entity.domain,
        returns=base.op.returns.format(ent=base.entity.noun, ents=plural(base.entity.noun)),
        capabilities=tuple(caps),
        provenance=f"toolfoundry.synth:seed={seed}:index={i}",
    )


def generate_tools(num_tools: int, seed: int, start: int = 0) -> list[Tool]:
    """Tools ``start .. start+num_tools-1`` of the catalog of ``seed``; deterministic."""
    if not isinstance(num_tools, int) or num_tools < 0:
        raise InputError("num_tools", f"{num_tools!r}", "a non-negative integer")
    if start + num_tools > capacity():
        raise InputError("num_tools", f"{start + num_tools} tools requested",
                         f"at most {capacity()} distinct tools per seed")
    return [tool_at(i, seed) for i in range(start, start + num_tools)]


def weak_version(tool: Tool, seed: int) -> Tool:
    """A weaker sibling of ``tool``: no optional arguments, a short horizon, a vaguer description.

    The sibling records ``weak_of=tool.id``; the caller sets ``strong_of`` on the original. A tool of
    the callable-function family gets :func:`toolfoundry.synth.functions.weak_function` instead.
    """
    if is_function_tool(tool):
        from toolfoundry.synth.functions import weak_function

        return weak_function(tool, seed)
    base = base_of(tool)
    rng = random.Random(f"{seed}:weak:{tool.id}")
    scope = None
    for cap in tool.capabilities:
        if cap.startswith("scope:") and cap != "scope:global":
            region, segment = cap[len("scope:"):].split("|")
            scope = (region, segment)
    horizon = horizon_of(base, weak=True)
    caps = [base.op_capability, *(f"param:{p}" for p, _ in required_params(base))]
    if horizon:
        caps.append(f"horizon_days:{horizon}")
    caps.append(next(c for c in tool.capabilities if c.startswith("scope:")))
    return Tool(
        id=f"{tool.id}w",
        name=f"{tool.name}_lite",
        description=article(_describe(base, rng, [], horizon, scope, vague=True)) + (
            f" Limited to {horizon} days." if horizon else " Basic version."),
        parameters=build_parameters(base, [], horizon),
        category=tool.category,
        returns=tool.returns,
        weak_of=tool.id,
        capabilities=tuple(caps),
        provenance=f"{tool.provenance}:weak",
    )
