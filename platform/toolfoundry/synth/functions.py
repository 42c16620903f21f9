"""Synthetic *callable functions*: typed tools people really call, real results, exact gold calls.

The second family of synthetic tools, beside the API-style catalog of :mod:`toolfoundry.synth.tools`.
Its specs (:mod:`toolfoundry.synth.fnspec`, declared in ``fn_math``, ``fn_science``, ``fn_money``,
``fn_everyday`` and ``fn_apis``) cover calculations (arithmetic to finance, units, dates, strings,
lists) and API-style functions (weather, flights, e-commerce …).

- **Catalog.** Function ``i`` of a seed is a pure function of ``(seed, i)``: the first ``len(SPECS)``
  indices visit every spec once in a seeded order; index ``i`` beyond that is version
  ``i // len(SPECS)`` of the same spec — another naming style (``calculate_compound_interest``,
  ``finance.compound_interest``, ``calculateCompoundInterest``, ``compound_interest``), another
  description style, other parameter names, a rate as percent or as a decimal fraction, a subset of
  the optional arguments.
- **Capabilities.** ``op:fn.<domain>.<key>``, ``param:<role>`` per accepted argument, ``arg:<role>=<name>``
  where the property is named differently, ``repr:<role>=fraction``, ``enum:<role>=a|b``,
  ``max:<role>=N``, ``max_items:<role>=N``, ``scope:global`` — decided by
  :func:`toolfoundry.synth.capability.can_answer` like the API family's.
- **Weak versions** (:func:`weak_function`) lack optional arguments, accept fewer enum members or a
  lower maximum, and say so in their description and schema.
- **Queries** (:func:`function_query`) say every value in one of many surface forms
  (:mod:`toolfoundry.synth.surface`); the gold arguments are the canonical typed values.
- **Execution** (:func:`run_function`, reached through :func:`toolfoundry.synth.execute.execute`)
  computes the real result of every calculation; API-style functions return seeded records.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from toolfoundry.errors import InputError
from toolfoundry.schema import Tool
from toolfoundry.synth import fn_apis, fn_everyday, fn_math, fn_money, fn_science
from toolfoundry.synth import surface as sf
from toolfoundry.synth.capability import can_answer
from toolfoundry.synth.fnspec import FUNCTION_OP_PREFIX, FunctionSpec, Limits, Weak, is_function_tool  # noqa: F401
from toolfoundry.synth.queries import QueryRecord, Requirement

SPECS: tuple[FunctionSpec, ...] = tuple(fn_math.SPECS + fn_science.SPECS + fn_money.SPECS + fn_everyday.SPECS
                                        + fn_apis.SPECS)
DOMAINS: tuple[str, ...] = tuple(dict.fromkeys(s.domain for s in SPECS))
STYLES = ("snake", "dotted", "camel", "plain")
_BY_KEY = {s.key: s for s in SPECS}


# --------------------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------------------


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def spec_name(spec: FunctionSpec, style: str) -> str:
    """The function's name in one of the catalog's naming styles."""
    verb_stem = f"{spec.verb}_{spec.key}" if spec.verb else spec.key
    if style == "snake":
        return verb_stem
    if style == "dotted":
        return f"{spec.module}.{spec.key}"
    if style == "camel":  # a one-word name gets its module as a prefix: textSlugify
        return _camel(verb_stem if "_" in verb_stem else f"{spec.module}_{verb_stem}")
    if style == "plain":
        return spec.key if spec.verb else f"{spec.module}_{spec.key}"
    raise AssertionError(style)


def _check_registry() -> None:
    seen: dict[str, str] = {}
    for spec in SPECS:
        for style in STYLES:
            name = spec_name(spec, style)
            if seen.setdefault(name, spec.key) != spec.key:
                raise ValueError(f"function family: name {name!r} used by {seen[name]} and {spec.key}")
        if len({spec_name(spec, s) for s in STYLES}) != len(STYLES):
            raise ValueError(f"function family: {spec.key} has two styles giving the same name")
        required = {p.role for p in spec.params if not p.optional}
        for t in spec.asks:
            if isinstance(t, str):
                roles = {m.group(2) for m in _PLACE.finditer(t) if not m.group(1)} - {"lead", "verb"}
                if not required <= roles or not roles <= {p.role for p in spec.params}:
                    raise ValueError(f"function family: template of {spec.key} names {sorted(roles)}, "
                                     f"needs {sorted(required)}: {t!r}")


def _weak_name(name: str) -> str:
    if "." in name:
        return name + "_lite"
    if "_" not in name and any(c.isupper() for c in name):
        return name + "Lite"
    return name + "_basic"


# --------------------------------------------------------------------------------------------------
# bindings: how one tool version instantiates a spec
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Binding:
    spec: FunctionSpec
    roles: tuple[str, ...]  # accepted arguments, in the spec's order
    names: dict  # role → property name
    fraction: frozenset  # roles whose percent is taken as a decimal fraction
    limits: dict  # role → Limits

    def capabilities(self) -> tuple[str, ...]:
        caps = [self.spec.op, *(f"param:{r}" for r in self.roles)]
        caps += [f"arg:{r}={self.names[r]}" for r in self.roles if self.names[r] != r]
        caps += [f"repr:{r}=fraction" for r in self.roles if r in self.fraction]
        for r in self.roles:
            lim = self.limits[r]
            if lim.enum is not None:
                caps.append(f"enum:{r}=" + "|".join(str(v) for v in lim.enum))
            if lim.max is not None:
                caps.append(f"max:{r}={sf.digits(lim.max)}")
            if lim.max_items is not None:
                caps.append(f"max_items:{r}={lim.max_items}")
        caps.append("scope:global")
        return tuple(caps)


def _full_limits(spec: FunctionSpec) -> dict:
    out = {}
    for p in spec.params:
        if p.kind.array:
            out[p.role] = Limits(enum=p.kind.enum, max_items=None if p.limit is None else int(p.limit))
        else:
            out[p.role] = Limits(enum=p.kind.enum, max=p.limit)
    return out


def _typed_enum(spec: FunctionSpec, role: str, tokens: list[str]) -> tuple:
    members = spec.param(role).kind.enum or ()
    by_token = {str(m): m for m in members}
    return tuple(by_token.get(t, t) for t in tokens)


@lru_cache(maxsize=8192)
def _binding_from_caps(caps: tuple[str, ...], where: str) -> Binding:
    spec, roles, names, fraction, enums, maxes, items = None, [], {}, set(), {}, {}, {}
    for cap in caps:
        kind, _, value = cap.partition(":")
        if kind == "op" and cap.startswith(FUNCTION_OP_PREFIX):
            spec = _BY_KEY.get(cap.rsplit(".", 1)[-1])
        elif kind == "param":
            roles.append(value)
        else:
            role, _, rest = value.partition("=")
            if kind == "arg":
                names[role] = rest
            elif kind == "repr" and rest == "fraction":
                fraction.add(role)
            elif kind == "enum":
                enums[role] = rest.split("|")
            elif kind == "max":
                maxes[role] = float(rest) if "." in rest or "e" in rest else int(rest)
            elif kind == "max_items":
                items[role] = int(rest)
    if spec is None:
        raise InputError(f"{where}.capabilities", "no known op:fn.<domain>.<function> entry",
                         "a tool made by toolfoundry.synth.functions")
    known = {p.role for p in spec.params}
    unknown = [r for r in roles if r not in known]
    if unknown:
        raise InputError(f"{where}.capabilities", f"param:{unknown[0]} is not an argument of {spec.key}",
                         f"roles among {sorted(known)}")
    roles = [p.role for p in spec.params if p.role in roles]
    limits = {r: Limits(enum=_typed_enum(spec, r, enums[r]) if r in enums else None, max=maxes.get(r),
                        max_items=items.get(r)) for r in roles}
    return Binding(spec, tuple(roles), {r: names.get(r, r) for r in roles}, frozenset(fraction), limits)


def binding_of(tool: Tool) -> Binding:
    """The spec and argument mapping a function tool was built from, read from its capabilities."""
    return _binding_from_caps(tuple(tool.capabilities), f"tool {tool.id!r}")


def spec_of(tool: Tool) -> FunctionSpec:
    return binding_of(tool).spec


# --------------------------------------------------------------------------------------------------
# tool documents
# --------------------------------------------------------------------------------------------------

_IRREGULAR = {"Apply": "Applies", "Multiply": "Multiplies", "Copy": "Copies", "Identify": "Identifies",
              "Classify": "Classifies", "Verify": "Verifies", "Modify": "Modifies", "Do": "Does", "Go": "Goes"}


def third_person(sentence: str) -> str:
    """``"Calculate the area"`` → ``"Calculates the area"``."""
    verb, _, rest = sentence.partition(" ")
    if verb in _IRREGULAR:
        verb = _IRREGULAR[verb]
    elif verb.endswith(("s", "sh", "ch", "x", "z")):
        verb += "es"
    elif verb.endswith("y") and verb[-2:-1] not in "aeiou":
        verb = verb[:-1] + "ies"
    else:
        verb += "s"
    return f"{verb} {rest}" if rest else verb


def _type_name(schema: dict) -> str:
    t = schema.get("type", "any")
    if t == "array":
        return f"list[{_type_name(schema.get('items', {}))}]"
    return {"integer": "int", "number": "float", "string": "str", "boolean": "bool", "object": "dict"}.get(t, t)


def _param_doc(text: str, style: int) -> str:
    """One tool writes all its parameter descriptions alike: as sentences, lower-case, or terse."""
    if style == 1:
        text = text[:1].lower() + text[1:]
    if style == 2 and text.endswith("."):
        text = text[:-1]
    return text


def _schema(b: Binding, rng: random.Random) -> dict:
    props, required = {}, []
    style = rng.randrange(3)
    for role in b.roles:
        p = b.spec.param(role)
        s = copy.deepcopy(p.kind.schema)
        lim = b.limits[role]
        doc = [p.doc]
        if lim.enum is not None:
            s["enum"] = list(lim.enum)
        if lim.max is not None:
            s["maximum"] = lim.max
            doc.append(f"At most {sf.grouped(lim.max)}.")
        if lim.max_items is not None:
            s["maxItems"] = lim.max_items
            doc.append(f"At most {lim.max_items} items.")
        if p.kind.rate:
            doc.append("As a decimal fraction (0.05 means 5%)." if role in b.fraction else "In percent (5 means 5%).")
        if p.optional and p.default is not None:
            default = _to_arg(b, role, p.default)
            s["default"] = default
            if rng.random() < 0.6:
                doc.append(rng.choice((f"Default: {json.dumps(default)}.", f"Defaults to {json.dumps(default)}.")))
        elif p.optional and rng.random() < 0.5:
            doc.append("Optional.")
        s["description"] = _param_doc(" ".join(doc), style)
        props[b.names[role]] = s
        if not p.optional:
            required.append(b.names[role])
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


def _describe(b: Binding, params: dict, rng: random.Random, note: str = "") -> str:
    spec = b.spec
    third = third_person(spec.doc)
    extra = f" {spec.extra_doc}" if spec.extra_doc and not note else ""  # a weak version's note replaces it
    note = f" {note}" if note else ""
    style = rng.randrange(6)
    if style == 0:
        return f"{spec.doc}.{note}"
    if style == 1:
        return f"{third}. Returns {spec.returns}.{extra}{note}"
    if style == 2:  # Google-style docstring
        args = "\n".join(f"    {name} ({_type_name(s)}): {s['description']}" for name,
                         s in params["properties"].items())
        return f"{spec.doc}.{note}\n\nArgs:\n{args}\n\nReturns:\n    {spec.returns[:1].upper() + spec.returns[1:]}."
    if style == 3:
        return f"{third}.{extra}{note}"
    if style == 4:
        return f"This function {third[:1].lower() + third[1:]}. It returns {spec.returns}.{note}"
    args = "\n".join(f":param {name}: {s['description']}" for name, s in params["properties"].items())
    return f"{spec.doc}.{note}\n\n{args}\n:returns: {spec.returns}"


def _tool(tool_id: str, name: str, b: Binding, rng: random.Random, provenance: str, *, note: str = "",
          weak_of: str | None = None) -> Tool:
    params = _schema(b, rng)
    return Tool(id=tool_id, name=name, description=_describe(b, params, rng, note), parameters=params,
                category=b.spec.domain, returns=b.spec.returns, weak_of=weak_of, capabilities=b.capabilities(),
                provenance=provenance)


# --------------------------------------------------------------------------------------------------
# the catalog
# --------------------------------------------------------------------------------------------------


def function_capacity() -> int:
    """How many distinct function tools one seed can give."""
    return len(SPECS) * len(STYLES)


@lru_cache(maxsize=64)
def _order(seed: int) -> tuple[int, ...]:
    order = list(range(len(SPECS)))
    random.Random(f"{seed}:functions").shuffle(order)
    return tuple(order)


def function_id(i: int) -> str:
    return f"f{i:06d}"


def function_at(i: int, seed: int) -> Tool:
    """Function tool number ``i`` of the catalog of ``seed`` (pure: no other tool is built)."""
    if not isinstance(i, int) or i < 0 or i >= function_capacity():
        raise InputError("function index", f"{i!r} is outside 0..{function_capacity() - 1}",
                         f"num_functions at most {function_capacity()} per seed")
    pos, version = i % len(SPECS), i // len(SPECS)
    spec = SPECS[_order(seed)[pos]]
    styles = list(STYLES)
    random.Random(f"{seed}:styles:{spec.key}").shuffle(styles)
    rng = random.Random(f"{seed}:function:{i}")
    naming = 0 if rng.random() < 0.5 else rng.randint(1, 3)
    names = {}
    for p in spec.params:
        alt = p.names[naming - 1] if naming and len(p.names) >= naming else p.role
        names[p.role] = alt
    if len(set(names.values())) != len(names):  # an alternative collided with another role: keep the roles
        names = {p.role: p.role for p in spec.params}
    roles = [p.role for p in spec.params if not p.optional or version == 0 or rng.random() < 0.7]
    fraction = frozenset(p.role for p in spec.params if p.kind.rate and rng.random() < 0.35)
    b = Binding(spec, tuple(roles), {r: names[r] for r in roles}, frozenset(r for r in fraction if r in roles),
                {r: lim for r, lim in _full_limits(spec).items() if r in roles})
    return _tool(function_id(i), spec_name(spec, styles[version]), b, rng,
                 f"toolfoundry.synth.functions:seed={seed}:index={i}")


def generate_functions(num_functions: int, seed: int, start: int = 0) -> list[Tool]:
    """Function tools ``start .. start+num_functions-1`` of the catalog of ``seed``; deterministic."""
    if not isinstance(num_functions, int) or num_functions < 0:
        raise InputError("num_functions", f"{num_functions!r}", "a non-negative integer")
    if not isinstance(start, int) or start < 0 or start + num_functions > function_capacity():
        raise InputError("num_functions", f"{start + num_functions} functions requested (start {start})",
                         f"at most {function_capacity()} distinct functions per seed")
    return [function_at(i, seed) for i in range(start, start + num_functions)]


def _default_weak(spec: FunctionSpec) -> Weak:
    if any(p.optional for p in spec.params):
        return Weak()
    lists = {p.role: max(3, p.kind.items_hi // 2) for p in spec.params if p.kind.items_hi and p.kind.items_hi > 6}
    return Weak(drop=(), limits=lists)


def _weak_note(spec: FunctionSpec, strong: Binding, weak: Binding, drop: set) -> str:
    """The sentence a weak version's description adds when its spec gives none."""
    rng = random.Random(0)
    parts = []
    if drop:
        parts.append("Does not support " + sf.joined([spec.param(r).text_label for r in strong.roles if r in drop], rng)
                     + ".")
    for r in weak.roles:
        lim, full = weak.limits[r], strong.limits[r]
        if lim.enum != full.enum:
            parts.append(f"Only {sf.joined([str(m) for m in lim.enum], rng)} for {spec.param(r).text_label}.")
        if lim.max != full.max:
            parts.append(f"{sf.capitalize(spec.param(r).text_label)} at most {sf.grouped(lim.max)}.")
        if lim.max_items != full.max_items:
            parts.append(f"At most {lim.max_items} {spec.param(r).text_label}.")
    return " ".join(parts)


def function_tool(key: str, *, style: str = "snake", fraction: tuple[str, ...] = (), tool_id: str | None = None,
                  seed: int = 0) -> Tool:
    """The full version of one function by its key (``"compound_interest"``): every argument under its
    canonical name, percents in percent unless named in ``fraction`` — for building a catalog of
    chosen functions and for checking results by hand."""
    spec = _BY_KEY.get(key)
    if spec is None:
        raise InputError("key", f"unknown function {key!r}", f"one of the {len(SPECS)} keys in functions.SPECS")
    if style not in STYLES:
        raise InputError("style", f"{style!r}", f"one of {', '.join(STYLES)}")
    rates = {p.role for p in spec.params if p.kind.rate}
    if not set(fraction) <= rates:
        raise InputError("fraction", f"{sorted(set(fraction) - rates)} are not percent arguments of {key}",
                         f"names among {sorted(rates)}")
    roles = tuple(p.role for p in spec.params)
    b = Binding(spec, roles, {r: r for r in roles}, frozenset(fraction), _full_limits(spec))
    return _tool(tool_id or f"fn-{key}", spec_name(spec, style), b, random.Random(f"{seed}:function:{key}"),
                 f"toolfoundry.synth.functions:key={key}")


def weak_function(tool: Tool, seed: int) -> Tool:
    """A weaker sibling of a function tool: optional arguments dropped, fewer enum members or a lower
    maximum — whatever its spec declares — stated in its description and schema.

    The sibling records ``weak_of=tool.id``; the caller sets ``strong_of`` on the original. Raises
    :class:`InputError` when the spec has no weaker form (or this version has nothing left to cut).
    """
    b = binding_of(tool)
    spec = b.spec
    plan = _default_weak(spec) if spec.weak is None else spec.weak
    if plan is False:
        raise InputError(f"tool {tool.id!r}", f"{spec.key} has no weak version", "a function with optional "
                         "arguments, enum choices or limits")
    optional = [r for r in b.roles if spec.param(r).optional]
    drop = set(optional) if "*" in plan.drop else {r for r in plan.drop if r in b.roles}
    limits = dict(b.limits)
    narrowed = False
    for role, members in plan.enums.items():
        if role in b.roles and role not in drop:
            current = limits[role].enum
            keep = tuple(m for m in members if current is None or m in current)
            if current is None or len(keep) < len(current):
                limits[role] = Limits(enum=keep, max=limits[role].max, max_items=limits[role].max_items)
                narrowed = True
    for role, cap in plan.limits.items():
        if role in b.roles and role not in drop:
            lim = limits[role]
            if spec.param(role).kind.array:
                if lim.max_items is None or cap < lim.max_items:
                    limits[role] = Limits(enum=lim.enum, max=lim.max, max_items=int(cap))
                    narrowed = True
            elif lim.max is None or cap < lim.max:
                limits[role] = Limits(enum=lim.enum, max=cap, max_items=lim.max_items)
                narrowed = True
    if not drop and not narrowed:
        raise InputError(f"tool {tool.id!r}", f"this version of {spec.key} has nothing a weaker version could lack",
                         "a version with optional arguments, enum choices or limits")
    roles = tuple(r for r in b.roles if r not in drop)
    weak = Binding(spec, roles, {r: b.names[r] for r in roles}, frozenset(r for r in b.fraction if r in roles),
                   {r: limits[r] for r in roles})
    note = plan.note or _weak_note(spec, b, weak, drop)
    rng = random.Random(f"{seed}:weak:{tool.id}")
    return _tool(f"{tool.id}w", _weak_name(tool.name), weak, rng, f"{tool.provenance}:weak",
                 note=note + rng.choice(("", " Basic version.", " Lightweight edition.")), weak_of=tool.id)


# --------------------------------------------------------------------------------------------------
# queries
# --------------------------------------------------------------------------------------------------

_PLACE = re.compile(r"\{(!?)(\w+)(?::([do]))?\}")  # {role}, {role:d} digits, {role:o} ordinal, {!role} absent
LEADS = ("Can you", "Could you", "Would you", "Can you please", "Could you please")
VERBS = ("calculate", "compute", "work out", "find", "determine", "figure out")


def _to_arg(b: Binding, role: str, value: Any) -> Any:
    """The canonical (role) value as this tool takes it: a percent becomes a fraction where bound so."""
    if role in b.fraction and isinstance(value, (int, float)):
        return round(value / 100, 10)
    return value


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return sf.digits(value)
    if isinstance(value, list):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    if isinstance(value, dict):
        return "(" + ", ".join(_plain(v) for v in value.values()) + ")"
    return str(value)


def _measure(value: Any) -> Any:
    """What a capability limit is checked against: the value itself, or an array's length."""
    if isinstance(value, list):
        return len(value)
    if isinstance(value, (str, int, float, bool)):
        return value
    return None


def _render(b: Binding, role: str, value: Any, rng: random.Random, ctx: dict) -> str:
    """The surface form of one argument. A string shown as it is (a sentence, an email, a list of
    titles) is put in the query's vault, so that tidying the sentence never edits it."""
    text = b.spec.param(role).kind.render(value, rng, ctx)
    verbatim = isinstance(value, str) and value in text and b.spec.param(role).kind.enum is None
    if verbatim or isinstance(value, list) and value and all(isinstance(v, str) and v in text for v in value):
        ctx.setdefault("vault", []).append(text)
        return f"\x00{len(ctx['vault']) - 1}\x00"
    return text


def _unvault(text: str, ctx: dict) -> str:
    return re.sub("\x00(\\d+)\x00", lambda m: ctx["vault"][int(m.group(1))], text)


def _mention(b: Binding, role: str, value: Any, rng: random.Random, ctx: dict) -> str:
    p = b.spec.param(role)
    if p.value_phrases is not None and value in p.value_phrases:
        return rng.choice(p.value_phrases[value])
    phrases = p.say or (f"with {p.text_label} {{v}}", f"{p.text_label} {{v}}")
    return rng.choice(phrases).replace("{v}", _render(b, role, value, rng, ctx))


def _fill(template: str, b: Binding, values: dict, rng: random.Random, ctx: dict) -> str:
    def sub(m: re.Match) -> str:
        absent, key, mod = m.group(1), m.group(2), m.group(3)
        if absent:
            return ""
        if key == "lead":
            return rng.choice(LEADS)
        if key == "verb":
            return rng.choice(VERBS)
        value = values[key]
        if mod == "d":
            return _plain(value)
        if mod == "o":
            return sf.ordinal(int(value))
        return _render(b, key, value, rng, ctx)

    return _PLACE.sub(sub, template)


def _generic(b: Binding, roles: list[str], values: dict, rng: random.Random, ctx: dict) -> tuple[str, set]:
    """A template-free phrasing from the parameters' labels (terse requests, "with x of y" questions)."""
    spec = b.spec
    plain = [r for r in roles if spec.param(r).value_phrases is None]
    parts = [(spec.param(r).text_label, _render(b, r, values[r], rng, ctx)) for r in plain]
    title = spec.title
    style = rng.randrange(5) if not spec.api else 1
    if style == 0:
        text = f"{rng.choice(LEADS)} {rng.choice(VERBS)} the {title} with " + sf.joined([f"{k} {v}" for k, v in parts],
                                                                                        rng) + "?"
    elif style == 1:
        text = f"{sf.capitalize(title)}: " + ", ".join(f"{k} {v}" for k, v in parts)
    elif style == 2:
        text = f"What is the {title} for " + sf.joined([f"{k} = {v}" for k, v in parts], rng) + "?"
    elif style == 3 and all(len(k) > 2 for k, _ in parts):
        text = f"I need the {title} where " + sf.joined([f"the {k} is {v}" for k, v in parts], rng) + "."
    else:
        text = f"{sf.capitalize(rng.choice(VERBS))} the {title} given " + sf.joined([f"{k} {v}" for k, v in parts],
                                                                                    rng) + "."
    return text, set(plain)


def _append(text: str, phrases: list[str]) -> str:
    if not phrases:
        return text
    tail = " " + " ".join(phrases)
    stripped = text.rstrip()
    if stripped and stripped[-1] in "?.!":
        return stripped[:-1] + tail + stripped[-1]
    return stripped + tail


def _draw_values(b: Binding, roles: list[str], rng: random.Random) -> dict:
    spec = b.spec
    for _ in range(500):
        values = {r: spec.param(r).kind.draw(rng, b.limits[r]) for r in roles}
        for r in roles:  # a value a query has no words for (a flag's default) becomes one it has
            phrases = spec.param(r).value_phrases
            if phrases is not None and values[r] not in phrases:
                values[r] = rng.choice(sorted(phrases, key=str))
        if spec.where is None or spec.where(values):
            return values
    raise AssertionError(f"function family: {spec.key} found no valid argument draw")


def function_query(tool: Tool, rng: random.Random, *, optional_rate: float = 0.35,
                   force_optional: tuple[str, ...] = ()) -> QueryRecord:
    """One query for a function tool, its gold arguments and its :class:`Requirement`.

    ``force_optional`` names optional *roles* the query must use (how strong-only queries are made).
    """
    b = binding_of(tool)
    spec = b.spec
    required = [r for r in b.roles if not spec.param(r).optional]
    optional = [r for r in b.roles if spec.param(r).optional]
    chosen = required + [r for r in optional if r in force_optional or rng.random() < optional_rate]
    values = _draw_values(b, chosen, rng)
    ctx: dict = {}
    eligible = []
    for t in spec.asks:
        if callable(t):
            eligible.append(t)
            continue
        named = {m.group(2) for m in _PLACE.finditer(t) if not m.group(1)} - {"lead", "verb"}
        absent = {m.group(2) for m in _PLACE.finditer(t) if m.group(1)}
        if named <= set(chosen) and not absent & set(chosen):
            eligible.append(t)
    generic_rate = 0.15 if spec.api else 0.25
    if not any(spec.param(r).value_phrases is None for r in chosen):
        generic_rate = 0.0  # nothing a generic phrasing could name
    if eligible and rng.random() >= generic_rate:
        t = rng.choice(eligible)
        text = t(values, rng) if callable(t) else _fill(t, b, values, rng, ctx)
        said = set(required) if callable(t) else {m.group(2) for m in _PLACE.finditer(t)}
    else:
        text, said = _generic(b, chosen, values, rng, ctx)
    rest = [r for r in chosen if r not in said]
    mentions = [_mention(b, r, values[r], rng, ctx) for r in rest]
    rng.shuffle(mentions)
    text = _unvault(sf.tidy(_append(text, mentions)), ctx)
    args = {b.names[r]: _to_arg(b, r, values[r]) for r in chosen}
    measures = tuple(sorted((r, m) for r in chosen if (m := _measure(values[r])) is not None))
    req = Requirement(op=spec.op, params=tuple(sorted(chosen)), values=measures)
    return QueryRecord(text, args, req, extra={"roles": {r: values[r] for r in chosen}})


def strong_only_function_query(strong: Tool, weak: Tool, rng: random.Random, tries: int = 80) -> QueryRecord | None:
    """A query ``strong`` can answer and ``weak`` cannot (an argument, enum member or size it lacks)."""
    bw, bs = binding_of(weak), binding_of(strong)
    extra = [r for r in bs.roles if r not in bw.roles]
    narrowed = [r for r in bw.roles if bw.limits[r] != bs.limits[r] and bs.spec.param(r).optional]
    for _ in range(tries):
        force: tuple[str, ...] = ()
        if extra and (rng.random() < 0.7 or not narrowed):
            force = (rng.choice(extra),)
        elif narrowed:
            force = (rng.choice(narrowed),)
        rec = function_query(strong, rng, force_optional=force)
        defaults = [r for r in force if r in extra and rec.extra["roles"][r] == bs.spec.param(r).default]
        if defaults:  # naming an argument's default value is something the weak version does anyway
            continue
        if can_answer(strong, rec.requirement) and not can_answer(weak, rec.requirement):
            return rec
    return None


# --------------------------------------------------------------------------------------------------
# execution
# --------------------------------------------------------------------------------------------------


def _jsonable(value: Any, where: str) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(where, f"the result is {value}", "arguments with a finite result")
        out = float(f"{value:.10g}")
        return 0.0 if out == 0 else out
    if isinstance(value, dict):
        return {str(k): _jsonable(v, where) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, where) for v in value]
    raise AssertionError(f"unserialisable result {value!r}")


def api_rng(spec: FunctionSpec, roles: dict) -> random.Random:
    """The seeded generator of an API-style function's records: same function and arguments, same data
    (whichever version of the function is called)."""
    key = spec.key + "\x00" + json.dumps(roles, sort_keys=True, separators=(",", ":"), default=str)
    return random.Random(hashlib.sha256(key.encode()).hexdigest())


def run_function(tool: Tool, arguments: dict) -> dict:
    """The result of calling a function tool on schema-valid ``arguments`` (validate them first:
    :func:`toolfoundry.synth.execute.execute` does). Same input, same JSON."""
    b = binding_of(tool)
    spec = b.spec
    by_name = {b.names[r]: r for r in b.roles}
    roles = {}
    for name, value in arguments.items():
        role = by_name.get(name)
        if role is None:
            raise InputError(f"{tool.name}.{name}", "is not a parameter of this function",
                             f"one of {sorted(by_name)}")
        roles[role] = value * 100 if role in b.fraction and isinstance(value, (int, float)) else value
    for p in spec.params:
        if p.optional and p.role not in roles and p.default is not None:
            roles[p.role] = p.default
    try:
        out = spec.run(api_rng(spec, roles), **roles) if spec.api else spec.run(**roles)
    except InputError as err:
        name = b.names.get(err.where, err.where)
        raise InputError(f"{tool.name}.{name}", err.problem, err.expected) from None
    except (ArithmeticError, ValueError) as err:
        raise InputError(f"{tool.name}.(arguments)", f"cannot be computed ({err})",
                         "arguments inside the function's domain") from None
    out = _jsonable(out, f"{tool.name}.(result)")
    return out if isinstance(out, dict) else {"result": out}


_check_registry()
