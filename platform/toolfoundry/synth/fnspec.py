"""The vocabulary the callable-function family is written in: value kinds, parameters, specs.

A :class:`FunctionSpec` is one real function (``factorial``, ``compound_interest``, ``search_flights``):
its typed parameters, a docstring sentence, the implementation and the ways a user asks for it. A
:class:`Kind` is a value type: its JSON Schema, how a canonical value is drawn, and how a user writes
it (:mod:`toolfoundry.synth.surface`). The domain modules (``fn_math``, ``fn_science``, ``fn_money``,
``fn_everyday``, ``fn_apis``) declare specs with the helpers here; :mod:`toolfoundry.synth.functions`
turns them into tools, queries with gold calls, and results.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from toolfoundry.errors import InputError
from toolfoundry.synth import surface as sf

#: the operation capability prefix of this family: ``op:fn.<domain>.<key>``
FUNCTION_OP_PREFIX = "op:fn."

def is_function_tool(tool) -> bool:
    """True for a tool of the callable-function family (its operation capability is ``op:fn.…``)."""
    return any(c.startswith(FUNCTION_OP_PREFIX) for c in tool.capabilities)


#: "today" of the function family, equal to the API family's reference date
REFERENCE = dt.date(2026, 1, 15)


def bad(role: str, problem: str, expected: str) -> None:
    """Raise the error an implementation gives for an argument it cannot use (the role is renamed
    to the tool's own parameter name by the caller)."""
    raise InputError(role, problem, expected)


# --------------------------------------------------------------------------------------------------
# kinds
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What one tool version accepts for one parameter (narrower for weak versions)."""

    enum: tuple | None = None  # accepted enum members
    max: float | None = None  # largest accepted number
    max_items: int | None = None  # longest accepted array


@dataclass(frozen=True)
class Kind:
    """A value type. ``draw(rng, limits)`` gives a canonical value, ``say(value, rng)`` a surface form."""

    schema: dict
    draw: Callable[[random.Random, Limits], Any]
    say: Callable[[Any, random.Random], str]
    rate: bool = False  # a percent that a tool version may take as a decimal fraction instead
    array: bool = False
    enum: tuple | None = None
    contextual: bool = False  # ``say(value, rng, ctx)``: shares choices (a unit) across one query
    items_hi: int | None = None  # arrays: the most items a draw gives

    def render(self, value: Any, rng: random.Random, ctx: dict) -> str:
        return self.say(value, rng, ctx) if self.contextual else self.say(value, rng)


def _clamp_hi(hi, limits: Limits):
    return hi if limits.max is None else min(hi, limits.max)


def INT(lo: int, hi: int, *, words: bool = True, scaled: bool = False, minimum: int | None = None,
        round_to: int = 0, group: bool = True) -> Kind:
    """An integer drawn from ``[lo, hi]`` (multiples of ``round_to`` half the time). ``words=False``
    keeps it in digits (coefficients); ``group=False`` never writes ``1,234`` (years, timestamps)."""
    schema = {"type": "integer"}
    if minimum is not None:
        schema["minimum"] = minimum

    def draw(rng, lim):
        top = int(_clamp_hi(hi, lim))
        if round_to and rng.random() < 0.5 and top // round_to > (lo + round_to - 1) // round_to:
            return rng.randint((lo + round_to - 1) // round_to, top // round_to) * round_to
        return rng.randint(lo, top)

    return Kind(schema, draw, lambda v, rng: sf.number(v, rng, words=words, scaled=scaled, trailing_zero=words,
                                                       group=group))


def SCI(mantissa_lo: float, mantissa_hi: float, exp_lo: int, exp_hi: int, *, positive: bool = True) -> Kind:
    """A number in scientific notation (``5.97e24``, ``5.97 × 10^24``); a float in the gold call."""

    def draw(rng, lim):
        return float(f"{round(rng.uniform(mantissa_lo, mantissa_hi), rng.randint(0, 2))}e{rng.randint(exp_lo, exp_hi)}")

    schema = {"type": "number", "exclusiveMinimum": 0} if positive else {"type": "number"}
    return Kind(schema, draw, lambda v, rng: sf.scientific(v, rng))


def NUM(lo: float, hi: float, *, decimals: int = 2, whole: float = 0.5, minimum: float | None = None,
        exclusive_minimum: float | None = None, words: bool = True) -> Kind:
    """A number: whole ``whole`` of the time, else with up to ``decimals`` decimals."""
    schema = {"type": "number"}
    if minimum is not None:
        schema["minimum"] = minimum
    if exclusive_minimum is not None:
        schema["exclusiveMinimum"] = exclusive_minimum

    def draw(rng, lim):
        top = _clamp_hi(hi, lim)
        if rng.random() < whole and int(top) > int(lo) + 1:
            return rng.randint(int(lo) + (0 if float(lo).is_integer() else 1), int(top))
        x = rng.uniform(lo, top)
        for d in range(rng.randint(1, decimals), decimals + 1):  # enough decimals to stay in range
            if lo <= round(x, d) <= top and (lo <= 0 or round(x, d) > 0):
                return round(x, d)
        return round(x, decimals)

    return Kind(schema, draw, lambda v, rng: sf.number(v, rng, words=words, scaled=False))


def MONEY(lo: float, hi: float, *, cents: bool = True) -> Kind:
    """An amount of money: mostly round (multiples of 50, 100, 500, 1000), sometimes with cents."""

    def draw(rng, lim):
        top = _clamp_hi(hi, lim)
        r = rng.random()
        for step, p in ((1000, 0.3), (100, 0.55), (50, 0.7), (1, 0.85)):
            if r < p and top / step >= max(lo / step, 1) + 1:
                return rng.randint(max(1, int(-(-lo // step))), int(top // step)) * step
        return round(rng.uniform(lo, top), 2) if cents else rng.randint(int(lo), int(top))

    return Kind({"type": "number", "minimum": 0}, draw, lambda v, rng: sf.money(v, rng))


def PCT(lo: float, hi: float, *, step: float = 0.25, rate: bool = True) -> Kind:
    """A percentage (canonical value: the percent number, 5 for 5 %); ``rate`` lets a tool version
    take it as a decimal fraction (0.05)."""

    def draw(rng, lim):
        top = _clamp_hi(hi, lim)
        n = rng.randint(int(round(lo / step)), int(round(top / step)))
        v = round(n * step, 4)
        return int(v) if float(v).is_integer() else v

    return Kind({"type": "number", "minimum": 0}, draw, lambda v, rng: sf.percent(v, rng), rate=rate)


def PROB(lo: float = 0.05, hi: float = 0.95) -> Kind:
    """A probability in [0, 1], said as ``0.3`` or ``30%``."""

    def draw(rng, lim):
        return round(rng.randint(int(lo * 20), int(hi * 20)) / 20, 2)

    return Kind({"type": "number", "minimum": 0, "maximum": 1}, draw, lambda v, rng: sf.probability(v, rng))


#: spellings of units in queries; the first is the abbreviation
UNIT_WORDS: dict[str, tuple[str, ...]] = {
    "kg": ("kg", "kilograms", "kilos"), "g": ("g", "grams"), "lb": ("lb", "pounds", "lbs"),
    "m": ("m", "meters", "metres"), "cm": ("cm", "centimeters", "centimetres"),
    "km": ("km", "kilometers", "kilometres"),
    "mm": ("mm", "millimeters"), "mi": ("mi", "miles"), "ft": ("ft", "feet"), "in": ("in", "inches"),
    "s": ("s", "seconds", "sec"), "min": ("min", "minutes", "mins"), "h": ("h", "hours", "hrs"),
    "m/s": ("m/s", "meters per second", "metres per second"), "km/h": ("km/h", "kilometers per hour", "kph"),
    "m/s2": ("m/s²", "m/s^2", "meters per second squared"), "N": ("N", "newtons"), "J": ("J", "joules"),
    "W": ("W", "watts"), "V": ("V", "volts"), "A": ("A", "amps", "amperes"), "ohm": ("Ω", "ohms"),
    "Hz": ("Hz", "hertz"), "Pa": ("Pa", "pascals"), "m2": ("m²", "square meters", "sq m"),
    "m3": ("m³", "cubic meters"), "L": ("L", "liters", "litres"), "mL": ("mL", "milliliters", "millilitres"),
    "K": ("K", "kelvin"), "C": ("°C", "degrees Celsius", "degrees C"), "deg": ("°", "degrees", "deg"),
    "atm": ("atm", "atmospheres"), "mol": ("mol", "moles"), "years": ("years", "years", "yrs"),
    "months": ("months", "months", "mo"), "days": ("days", "days"), "units": ("units", "units"),
    "mbps": ("Mbps", "megabits per second", "Mb/s"), "MB": ("MB", "megabytes"), "bpm": ("bpm", "beats per minute"),
    "kcal": ("kcal", "calories", "kilocalories"), "J/kgK": ("J/(kg·K)", "J/kg·K", "joules per kilogram kelvin"),
    "F": ("F", "farads"), "N/m": ("N/m", "newtons per meter"), "people": ("people", "people", "persons"),
    "servings": ("servings", "servings", "portions"), "nm": ("nm", "nanometers"),
    "L/100km": ("L/100km", "litres per 100 km"),
}


def QTY(lo: float, hi: float, unit: str, *, decimals: int = 2, whole: float = 0.6, integer: bool = False,
        minimum: float | None = 0, exclusive_minimum: float | None = None) -> Kind:
    """A number with a unit (``3.5 kg``, ``3.5 kilograms``, ``12 years``)."""
    base = INT(int(lo), int(hi), scaled=False) if integer else NUM(lo, hi, decimals=decimals, whole=whole)
    schema = {"type": "integer" if integer else "number"}
    if minimum is not None:
        schema["minimum"] = minimum
    if exclusive_minimum is not None:
        schema["exclusiveMinimum"] = exclusive_minimum
        schema.pop("minimum", None)
    words = UNIT_WORDS[unit]
    return Kind(schema, base.draw, lambda v, rng: sf.quantity(v, words, rng, trailing_zero=not integer))


def NUMS(n_lo: int, n_hi: int, lo: float, hi: float, *, integers: bool = True, decimals: int = 1,
         forms: Sequence[str] = ("and", "bracket", "spaces", "commas", "semicolons"), min_items: int = 1,
         distinct: bool = False) -> Kind:
    """An array of numbers (integers when ``integers``)."""
    item = {"type": "integer"} if integers else {"type": "number"}
    schema = {"type": "array", "items": item, "minItems": min_items}

    def draw(rng, lim):
        n = rng.randint(n_lo, n_hi if lim.max_items is None else max(n_lo, min(n_hi, lim.max_items)))
        if integers and distinct:
            return rng.sample(range(int(lo), int(hi) + 1), n)
        if integers:
            return [rng.randint(int(lo), int(hi)) for _ in range(n)]
        return [rng.randint(int(lo), int(hi)) if rng.random() < 0.4 else round(rng.uniform(lo, hi), decimals)
                for _ in range(n)]

    return Kind(schema, draw, lambda v, rng: sf.number_list(v, rng, forms=forms), array=True, items_hi=n_hi)


def STRS(pool: Sequence[str], n_lo: int, n_hi: int, *, forms: Sequence[str] = ("and", "bracket", "quoted"),
         min_items: int = 1, distinct: bool = True) -> Kind:
    """An array of strings drawn from ``pool``."""
    pool = tuple(pool)
    schema = {"type": "array", "items": {"type": "string"}, "minItems": min_items}

    def draw(rng, lim):
        n = rng.randint(n_lo, n_hi if lim.max_items is None else max(n_lo, min(n_hi, lim.max_items)))
        return rng.sample(pool, n) if distinct else [rng.choice(pool) for _ in range(n)]

    return Kind(schema, draw, lambda v, rng: sf.string_list(v, rng, forms=forms), array=True, items_hi=n_hi)


def DATE(lo_days: int, hi_days: int, *, anchor: dt.date = REFERENCE) -> Kind:
    """An ISO date ``anchor + [lo_days, hi_days]`` days, said in several formats."""

    def draw(rng, lim):
        return (anchor + dt.timedelta(days=rng.randint(lo_days, hi_days))).isoformat()

    return Kind({"type": "string", "format": "date"}, draw, lambda v, rng: sf.date(v, rng))


def TIME() -> Kind:
    def draw(rng, lim):
        return f"{rng.randint(7, 21):02d}:{rng.choice((0, 0, 15, 30, 30, 45)):02d}"

    return Kind({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}, draw,
                lambda v, rng: sf.time_of_day(v, rng))


def TEXT(pool: Sequence[str], *, bare: bool = False, schema: dict | None = None) -> Kind:
    """A free string from ``pool``, quoted in queries (or bare when ``bare``)."""
    pool = tuple(pool)
    return Kind(schema or {"type": "string"}, lambda rng, lim: rng.choice(pool),
                lambda v, rng: sf.text(v, rng, bare=bare))


def POOL(pool: Sequence[str], *, schema: dict | None = None, say: Callable | None = None) -> Kind:
    """A name-like string (city, ticker, person) said as it is."""
    pool = tuple(pool)
    return Kind(schema or {"type": "string"}, lambda rng, lim: rng.choice(pool), say or (lambda v, rng: v))


def ENUM(values: Sequence, synonyms: dict | None = None) -> Kind:
    """An enum (strings, or integers such as a number base); a query says a member by one of its
    synonyms (the member itself by default)."""
    values = tuple(values)
    syn = {v: tuple((synonyms or {}).get(v, ())) or (str(v),) for v in values}
    typ = "integer" if all(isinstance(v, int) for v in values) else "string"

    def draw(rng, lim):
        return rng.choice(lim.enum if lim.enum is not None else values)

    return Kind({"type": typ, "enum": list(values)}, draw, lambda v, rng: rng.choice(syn[v]), enum=values)


def LEN(lo: float, hi: float, *, decimals: int = 1, whole: float = 0.6,
        units: Sequence[str] = ("cm", "m", "in", "ft", "mm")) -> Kind:
    """A length whose unit the function does not care about: one query uses one unit (or none) for all
    its lengths, e.g. ``5 cm`` and ``3 cm``; the gold value is the bare number."""
    base = NUM(lo, hi, decimals=decimals, whole=whole)

    def say(v, rng, ctx):
        if "length_unit" not in ctx:
            ctx["length_unit"] = rng.choice([None, None, *units])
        unit = ctx["length_unit"]
        num = sf.number(v, rng, scaled=False, trailing_zero=False)
        spellings = UNIT_WORDS[unit] if unit else ()
        if any(c.isalpha() for c in num):
            spellings = spellings[1:]
        return num if unit is None else f"{num} {rng.choice(spellings)}"

    return Kind({"type": "number", "exclusiveMinimum": 0}, base.draw, say, contextual=True)


def BOOL() -> Kind:
    """A boolean; queries mention it through the parameter's ``value_phrases``."""
    return Kind({"type": "boolean"}, lambda rng, lim: rng.random() < 0.5, lambda v, rng: "yes" if v else "no")


def POINT(lo: float = -20, hi: float = 20, *, dims: str = "xy") -> Kind:
    """A point as an object ``{"x": .., "y": ..}``, said ``(3, 4)`` or ``x = 3, y = 4``."""
    schema = {"type": "object", "properties": {d: {"type": "number", "description": f"{d} coordinate"} for d in dims},
              "required": list(dims), "additionalProperties": False}

    def draw(rng, lim):
        return {d: rng.randint(int(lo), int(hi)) if rng.random() < 0.7 else round(rng.uniform(lo, hi), 1)
                for d in dims}

    def say(v, rng):
        nums = [sf.digits(v[d]) for d in dims]
        if rng.random() < 0.6:
            return "(" + ", ".join(nums) + ")"
        return sf.joined([f"{d} = {n}" for d, n in zip(dims, nums)], rng)

    return Kind(schema, draw, say)


def CUSTOM(schema: dict, draw: Callable[[random.Random], Any], say: Callable[[Any, random.Random], str], *,
           array: bool = False) -> Kind:
    """A kind with its own draw and surface form (nested objects, records)."""
    return Kind(schema, lambda rng, lim: draw(rng), say, array=array)


# --------------------------------------------------------------------------------------------------
# parameters and specs
# --------------------------------------------------------------------------------------------------

_UNIT_SUFFIXES = {"kg", "cm", "grams", "liters", "kelvin", "atm", "nm", "km", "minutes", "degrees", "mb", "mbps", "lb",
                  "percent", "meters", "watts", "hours", "usd", "years"}


@dataclass(frozen=True)
class Param:
    role: str  # canonical name; the capability and requirement speak in roles
    kind: Kind
    doc: str  # description sentence
    optional: bool = False
    default: Any = None  # written as the schema's "default" when set
    say: tuple[str, ...] = ()  # how a query mentions an optional argument ("{v}" = the surface form)
    value_phrases: dict | None = None  # booleans / enums: value → ways to say it (no "{v}")
    names: tuple[str, ...] = ()  # alternative property names used by other tool versions
    limit: float | None = None  # largest value (numbers) or item count (arrays) the full version takes
    label: str = ""  # how generic templates name the argument

    @property
    def text_label(self) -> str:
        """How generic phrasings name the argument: ``weight_kg`` → ``weight``."""
        if self.label:
            return self.label
        words = self.role.split("_")
        if len(words) > 1 and words[-1] in _UNIT_SUFFIXES:
            words = words[:-1]
        return " ".join(words)


def req(role: str, kind: Kind, doc: str, **kw) -> Param:
    kw = {k: tuple(v) if k in ("say", "names") else v for k, v in kw.items()}
    return Param(role, kind, doc, **kw)


def opt(role: str, kind: Kind, doc: str, *, default: Any = None, say: Sequence[str] = (), **kw) -> Param:
    kw = {k: tuple(v) if k == "names" else v for k, v in kw.items()}
    return Param(role, kind, doc, optional=True, default=default, say=tuple(say), **kw)


@dataclass(frozen=True)
class Weak:
    """How the weak version of a spec is cut down (see :func:`toolfoundry.synth.functions.weak_function`).

    A spec without one (``weak=None``) gets the default: no optional arguments, or — when it has none —
    at most half as many items in each list argument that can hold more than 6."""

    drop: tuple[str, ...] = ("*",)  # optional roles it lacks; "*" = every optional one
    enums: dict[str, tuple] = field(default_factory=dict)  # role → the smaller set of members it accepts
    limits: dict[str, float] = field(default_factory=dict)  # role → a lower maximum (value or items)
    note: str = ""  # the sentence its description adds about the limitation


@dataclass(frozen=True)
class FunctionSpec:
    key: str  # unique stem, e.g. "compound_interest"
    domain: str  # category, e.g. "finance"
    module: str  # dotted-name prefix, e.g. "finance"
    verb: str  # name verb, e.g. "calculate" ("" for none)
    doc: str  # imperative docstring sentence, e.g. "Calculate the compound interest on a deposit"
    returns: str
    title: str  # noun phrase for generic queries, e.g. "compound interest"
    params: tuple[Param, ...]
    run: Callable[..., Any]  # calculations: run(**args); API-style: run(rng, **args)
    asks: tuple[str, ...]  # query templates: {role} placeholders, {lead}, {verb}
    api: bool = False
    where: Callable[[dict], bool] | None = None  # constraint between drawn arguments
    weak: Weak | None | bool = None  # None: drop the optional arguments; False: no weak version
    extra_doc: str = ""  # a second docstring sentence (formula, units, caveats)

    @property
    def op(self) -> str:
        return f"{FUNCTION_OP_PREFIX}{self.domain}.{self.key}"

    def param(self, role: str) -> Param:
        for p in self.params:
            if p.role == role:
                return p
        raise KeyError(role)


class Registry:
    """Collects the specs one domain module declares, in order."""

    def __init__(self, domain: str, module: str | None = None):
        self.domain, self.module, self.specs = domain, module or domain, []

    def __call__(self, key: str, verb: str, doc: str, returns: str, title: str, params: Sequence[Param],
                 run: Callable, asks: Sequence[str], *, domain: str | None = None, module: str | None = None,
                 **kw) -> FunctionSpec:
        spec = FunctionSpec(key=key, domain=domain or self.domain, module=module or self.module, verb=verb, doc=doc,
                            returns=returns, title=title, params=tuple(params), run=run, asks=tuple(asks), **kw)
        self.specs.append(spec)
        return spec
