"""Plausible argument values for any tool, from its JSON Schema alone.

The synthetic generator (:mod:`toolfoundry.synth.queries`) knows what each of its parameters holds;
a user's catalog only says ``"city": {"type": "string"}`` or ``"limit": {"type": "integer",
"maximum": 50}``. This module reads what a parameter is from its name, description, type, format,
enum, pattern and bounds, draws a value of that kind from the generator's pools
(:mod:`toolfoundry.synth.vocab`: cities, names, companies, products, topics …) and says how a user
would write it (:mod:`toolfoundry.synth.surface`: ``2026-03-05`` → ``March 5, 2026``, ``5000`` →
``$5,000``), inside a phrase (``in Paris``, ``on March 5, 2026``, ``with priority high``).

The gold value is canonical and the surface form reads back to exactly that value, so a request
built from these phrases carries an exact gold call. Every value is checked against its schema
(:func:`draw_arguments` retries, and raises :class:`NoValue` when a schema cannot be satisfied).

Pure Python, seeded by the caller's ``random.Random``; no model, no Ray.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import string
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from toolfoundry.documents import split_identifier
from toolfoundry.synth import surface
from toolfoundry.synth.queries import REFERENCE_DATE
from toolfoundry.synth.vocab import (
    AIRPORTS,
    BOOKS,
    BREEDS,
    CITIES,
    COMPANIES,
    COUNTRIES,
    COURSES,
    CRYPTO,
    CUISINES,
    CURRENCIES,
    DISHES,
    FIRST,
    GENRES,
    LANGUAGES,
    LAST,
    MOVIES,
    PLANTS,
    PRODUCTS,
    ROOMS,
    SKILLS,
    SONGS,
    SPORTS,
    SYMPTOMS,
    TEAMS,
    TICKERS,
    TOPICS,
    VEHICLES,
    ZONES,
    clock_time,
    email_address,
    person_name,
)


class NoValue(Exception):
    """No value that validates against the parameter's schema could be drawn."""


@dataclass(frozen=True)
class Value:
    """One drawn argument: the canonical ``value`` (gold call), how the user writes it, and the
    phrase of the request that carries it (``None``: the request does not mention it)."""

    name: str
    value: Any
    surface: str
    phrase: str | None


COLORS = "red blue green black white yellow orange purple grey navy".split()
STREETS = "Baker Oak Maple Elm Pine Cedar Market Station Church High".split()
MESSAGES = ("running ten minutes late", "the meeting moved to Thursday", "please call me back",
            "thanks for your help", "the package arrived damaged", "can we reschedule",
            "lunch is on me today", "the report is ready for review")
EXPRESSIONS = ("2 * (3 + 4)", "sqrt(144) + 7", "15% of 240", "3^4 - 17", "(120 / 8) * 3", "sin(30) + cos(60)")
FILES = ("report_2025.pdf", "budget.xlsx", "notes.txt", "photo_001.jpg", "slides.pptx", "data.csv")
DOMAINS_WEB = ("example.com", "acme.io", "globex.org", "initech.net")
DRUGS = ("ibuprofen", "amoxicillin", "metformin", "lisinopril", "atorvastatin", "paracetamol")

# (kind, words in the parameter's name that make it that kind), most specific first; matched as
# whole words of the split name (``origin_city`` → ``origin city``), then of the description.
_NAME_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("email", ("email", "mail", "e-mail")),
    ("url", ("url", "link", "website", "uri", "href", "homepage", "webpage")),
    ("phone", ("phone", "mobile", "telephone", "tel", "cell")),
    ("zip", ("zip", "zipcode", "postal", "postcode")),
    ("latitude", ("lat", "latitude")),
    ("longitude", ("lon", "lng", "longitude")),
    ("airport", ("airport", "iata")),
    ("origin", ("origin", "departure", "from", "source", "pickup", "start location")),
    ("destination", ("destination", "arrival", "to", "dropoff", "target city")),
    ("country", ("country", "nation", "country code")),
    ("address", ("address", "street")),
    ("city", ("city", "town", "location", "place", "where", "municipality", "locality", "region", "area")),
    ("timezone", ("timezone", "tz", "zone")),
    ("currency", ("currency",)),
    ("language", ("language", "lang", "locale")),
    ("ticker", ("ticker", "stock", "symbol", "equity")),
    ("crypto", ("crypto", "coin", "cryptocurrency")),
    ("company", ("company", "organization", "organisation", "org", "employer", "brand", "vendor", "merchant",
                 "business", "store", "shop", "publisher", "manufacturer", "supplier")),
    ("first_name", ("first name", "given name", "firstname")),
    ("last_name", ("last name", "surname", "family name", "lastname")),
    ("username", ("username", "handle", "user name", "login", "screen name")),
    ("filename", ("file", "filename", "path", "attachment", "document name")),
    ("product", ("product", "item", "sku", "article")),
    ("dish", ("dish", "recipe", "meal", "food", "ingredient")),
    ("cuisine", ("cuisine",)),
    ("genre", ("genre",)),
    ("sport", ("sport",)),
    ("team", ("team", "club")),
    ("song", ("song", "track")),
    ("book", ("book", "novel")),
    ("movie", ("movie", "film", "show")),
    ("symptom", ("symptom", "condition", "illness")),
    ("drug", ("drug", "medication", "medicine")),
    ("vehicle", ("vehicle", "car", "model")),
    ("skill", ("skill", "job", "occupation", "profession", "role")),
    ("course", ("course", "class", "subject")),
    ("plant", ("plant", "flower")),
    ("breed", ("breed", "pet", "animal")),
    ("room", ("room",)),
    ("color", ("color", "colour")),
    ("expression", ("expression", "formula", "equation", "calculation")),
    ("person", ("name", "person", "user", "recipient", "customer", "candidate", "employee", "owner", "assignee",
                "author", "contact", "patient", "student", "passenger", "guest", "attendee", "client", "member",
                "driver", "manager", "sender", "receiver", "traveler", "traveller", "buyer", "seller", "artist")),
    ("message", ("message", "body", "content", "note", "notes", "comment", "text", "reason", "memo", "caption",
                 "reply", "feedback", "review", "bio", "summary", "instructions", "prompt")),
    ("topic", ("query", "keyword", "keywords", "search", "term", "terms", "q", "topic", "subject", "interest",
               "interests", "category", "tag", "tags", "title", "goal", "question", "description")),
    ("identifier", ("id", "identifier", "reference", "ref", "code", "number", "key", "uuid", "token")),
)
_NUMBER_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("latitude", ("lat", "latitude")),
    ("longitude", ("lon", "lng", "longitude")),
    ("percent", ("percent", "percentage", "pct", "rate", "ratio", "discount", "tax", "interest", "tip")),
    ("money", ("amount", "price", "cost", "salary", "budget", "income", "principal", "fee", "total", "balance",
               "payment", "spend", "revenue", "value", "deposit", "loan", "rent", "fare", "money", "sum")),
    ("year", ("year",)),
    ("age", ("age",)),
    ("duration", ("days", "hours", "minutes", "seconds", "weeks", "months", "years", "nights", "duration",
                  "period", "horizon")),
    ("count", ("limit", "count", "num", "number", "quantity", "size", "top", "max", "results", "k", "n", "page",
               "people", "guests", "adults", "children", "rooms", "seats", "tickets", "items", "per")),
    ("weight", ("weight", "kg", "mass", "lbs")),
    ("height", ("height", "cm", "tall")),
    ("distance", ("distance", "km", "miles", "radius", "length", "width", "range", "depth")),
    ("temperature", ("temperature", "temp", "degrees", "celsius", "fahrenheit")),
)
_POOLS: dict[str, tuple] = {
    "city": tuple(CITIES), "origin": tuple(CITIES), "destination": tuple(CITIES), "country": tuple(COUNTRIES),
    "airport": tuple(AIRPORTS), "timezone": tuple(ZONES), "currency": tuple(CURRENCIES), "ticker": tuple(TICKERS),
    "crypto": tuple(CRYPTO), "company": tuple(COMPANIES), "first_name": tuple(FIRST), "last_name": tuple(LAST),
    "product": tuple(PRODUCTS), "dish": tuple(DISHES), "cuisine": tuple(CUISINES), "genre": tuple(GENRES),
    "sport": tuple(SPORTS), "team": tuple(TEAMS), "song": tuple(SONGS), "book": tuple(BOOKS), "movie": tuple(MOVIES),
    "symptom": tuple(SYMPTOMS), "drug": DRUGS, "vehicle": tuple(VEHICLES), "skill": tuple(SKILLS),
    "course": tuple(COURSES), "plant": tuple(PLANTS), "breed": tuple(BREEDS), "room": tuple(ROOMS),
    "color": tuple(COLORS), "expression": EXPRESSIONS, "message": MESSAGES, "topic": tuple(TOPICS),
    "filename": FILES,
}
# how a request carries each kind; "{v}" is the surface form, "{label}" the parameter's words
_PHRASES: dict[str, tuple[str, ...]] = {
    "city": ("in {v}", "for {v}", "around {v}"),
    "origin": ("from {v}", "leaving {v}", "departing {v}"),
    "destination": ("to {v}", "going to {v}", "arriving in {v}"),
    "country": ("in {v}", "for {v}"),
    "address": ("at {v}", "for {v}"),
    "airport": ("at {v}", "for {v} airport"),
    "date": ("on {v}", "for {v}"),
    "start": ("from {v}", "since {v}", "starting {v}"),
    "end": ("until {v}", "through {v}", "ending {v}"),
    "datetime": ("at {v}", "for {v}"),
    "time": ("at {v}",),
    "email": ("at {v}", "to {v}", "(email {v})"),
    "person": ("for {v}", "named {v}", "under the name {v}"),
    "company": ("for {v}", "at {v}", "from {v}"),
    "money": ("of {v}", "for {v}", "worth {v}"),
    "percent": ("at {v}", "with {v}"),
    "language": ("in {v}", "into {v}"),
    "currency": ("in {v}",),
    "topic": ("about {v}", "on {v}", "for {v}"),
    "message": ("saying {v}", "with the text {v}"),
    "expression": ("{v}", "for {v}"),
    "url": ("for {v}", "at {v}"),
    "ticker": ("for {v}", "of {v}"),
}
_GENERIC = ("with {label} {v}", "with {label} {v}", "({label}: {v})")
_WORD = re.compile(r"[a-z0-9]+")


def label_of(name: str) -> str:
    """The words of a parameter name as a request says them (``max_results`` → ``max results``)."""
    return split_identifier(name).lower() or name


def _words(text: str) -> str:
    return " " + " ".join(_WORD.findall(split_identifier(text or "").lower())) + " "


def _match(table, text: str) -> str | None:
    for kind, keys in table:
        if any(f" {k} " in text for k in keys):
            return kind
    return None


def kind_of(name: str, schema: dict) -> str:
    """What a parameter holds, from its schema first (enum, type, format), then its name, then its
    description: ``"city"``, ``"date"``, ``"money"``, ``"count"``, ``"enum"``, ``"string"`` …"""
    if not isinstance(schema, dict):
        return "any"
    if "const" in schema:
        return "const"
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return "enum"
    types = schema.get("type")
    t = types if isinstance(types, str) else next((x for x in (types or []) if x != "null"), None)
    if t is None and ("properties" in schema):
        t = "object"
    fmt = schema.get("format")
    if t == "boolean":
        return "boolean"
    if t == "array":
        return "array"
    if t == "object":
        return "object"
    words, desc = _words(name), _words(schema.get("description", ""))
    if t in ("integer", "number"):
        return _match(_NUMBER_KINDS, words) or _match(_NUMBER_KINDS, desc) or t
    if fmt in ("date", "date-time", "time", "email", "uri", "url", "uuid", "ipv4"):
        if fmt == "date":
            return "end" if _match((("end", ("end", "until", "to", "through", "before")),), words) else \
                "start" if _match((("start", ("start", "since", "from", "begin", "after")),), words) else "date"
        return {"date-time": "datetime", "uri": "url"}.get(fmt, fmt)
    if " date " in words or " day " in words or "yyyy" in desc:
        return "end" if _match((("end", ("end", "until", "to", "through", "before")),), words) else \
            "start" if _match((("start", ("start", "since", "from", "begin", "after")),), words) else "date"
    if _match((("time", ("time", "hour", "clock", "hh")),), words) and " zone " not in words:
        return "time"
    return _match(_NAME_KINDS, words) or _match(_NAME_KINDS, desc) or "string"


def _bounds(schema: dict, lo: float, hi: float) -> tuple[float, float]:
    if "minimum" in schema:
        lo = max(lo, schema["minimum"]) if schema["minimum"] <= hi else schema["minimum"]
    if "exclusiveMinimum" in schema and isinstance(schema["exclusiveMinimum"], (int, float)):
        lo = max(lo, schema["exclusiveMinimum"] + 1e-9)
    if "maximum" in schema:
        hi = min(hi, schema["maximum"]) if schema["maximum"] >= lo else schema["maximum"]
    if "exclusiveMaximum" in schema and isinstance(schema["exclusiveMaximum"], (int, float)):
        hi = min(hi, schema["exclusiveMaximum"] - 1e-9)
    if lo > hi:  # the default range lies outside the schema's: use the schema's own
        lo = schema.get("minimum", schema.get("exclusiveMinimum", hi))
        hi = schema.get("maximum", schema.get("exclusiveMaximum", lo + 100))
    return lo, hi


_NUMBER_RANGES = {"percent": (1, 30), "money": (5, 5000), "year": (2015, 2026), "age": (18, 80),
                  "duration": (1, 14), "count": (1, 10), "weight": (1, 120), "height": (140, 205),
                  "distance": (1, 500), "temperature": (16, 26), "latitude": (-60, 70), "longitude": (-150, 150),
                  "integer": (1, 100), "number": (1, 100)}


def _number(kind: str, schema: dict, rng: random.Random, integer: bool):
    lo, hi = _bounds(schema, *_NUMBER_RANGES.get(kind, (1, 100)))
    if integer:
        a, b = int(-(-lo // 1)), int(hi // 1)
        if a > b:
            raise NoValue(f"no integer in [{lo}, {hi}]")
        v = rng.randint(a, b)
        step = schema.get("multipleOf")
        if isinstance(step, int) and step > 0:
            v = max(a, (v // step) * step) if (v // step) * step >= a else -(-a // step) * step
        return v
    if kind in ("latitude", "longitude"):
        return round(rng.uniform(lo, hi), 4)
    if kind == "money" and rng.random() < 0.5:
        v = round(rng.uniform(lo, hi), 2)
    elif kind == "percent":
        v = round(rng.uniform(lo, hi) * 2) / 2
    else:
        v = rng.randint(int(-(-lo // 1)), int(hi // 1)) if int(-(-lo // 1)) <= int(hi // 1) else round(lo, 2)
    return min(max(v, lo), hi) if not (lo <= v <= hi) else v


def pattern_string(pattern: str, rng: random.Random, max_repeat: int = 6) -> str:
    """A string matching a simple regular expression (literals, classes, groups, alternation,
    quantifiers), drawn at random; raises :class:`NoValue` for constructs it does not handle."""
    try:
        import re._parser as sre  # Python 3.11+
        from re._constants import (ANY, AT, BRANCH, CATEGORY, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, NEGATE,
                                   NOT_LITERAL, RANGE, SUBPATTERN)
    except ImportError:  # pragma: no cover - older Pythons
        import sre_parse as sre
        from sre_constants import (ANY, AT, BRANCH, CATEGORY, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, NEGATE,
                                   NOT_LITERAL, RANGE, SUBPATTERN)
    cats = {"CATEGORY_DIGIT": string.digits, "CATEGORY_WORD": string.ascii_letters + string.digits + "_",
            "CATEGORY_SPACE": " "}

    def chars_of(items) -> str:
        out, negate = [], False
        for op, av in items:
            if op is NEGATE:
                negate = True
            elif op is LITERAL:
                out.append(chr(av))
            elif op is RANGE:
                out.extend(chr(c) for c in range(av[0], min(av[1], av[0] + 200) + 1))
            elif op is CATEGORY:
                out.append(cats.get(str(av), ""))
            else:
                raise NoValue(f"pattern {pattern!r}: class item {op}")
        chars = "".join(out)
        if negate:
            chars = "".join(c for c in string.ascii_letters + string.digits if c not in chars)
        if not chars:
            raise NoValue(f"pattern {pattern!r}: empty character class")
        return chars

    def gen(parsed) -> str:
        out = []
        for op, av in parsed:
            if op is LITERAL:
                out.append(chr(av))
            elif op is NOT_LITERAL:
                out.append(rng.choice([c for c in string.ascii_lowercase if ord(c) != av]))
            elif op is ANY:
                out.append(rng.choice(string.ascii_lowercase))
            elif op is IN:
                out.append(rng.choice(chars_of(av)))
            elif op in (MAX_REPEAT, MIN_REPEAT):
                lo, hi, sub = av
                hi = min(hi, lo + max_repeat) if hi != sre.MAXREPEAT else lo + max_repeat
                out.extend(gen(sub) for _ in range(rng.randint(lo, max(lo, hi))))
            elif op is SUBPATTERN:
                out.append(gen(av[-1]))
            elif op is BRANCH:
                out.append(gen(rng.choice(av[1])))
            elif op is AT:
                continue
            else:
                raise NoValue(f"pattern {pattern!r}: {op} is not handled")
        return "".join(out)

    try:
        parsed = sre.parse(pattern)
    except re.error as err:
        raise NoValue(f"pattern {pattern!r} does not compile ({err})") from None
    return gen(parsed)


def _string(kind: str, name: str, schema: dict, rng: random.Random) -> str:
    if kind in _POOLS:
        return rng.choice(_POOLS[kind])
    if kind in ("date", "start", "end"):
        back = kind == "start" or "past" in schema.get("description", "").lower()
        offset = rng.randint(1, 90)
        return (REFERENCE_DATE - dt.timedelta(days=offset) if back else REFERENCE_DATE + dt.timedelta(days=offset)
                ).isoformat()
    if kind == "datetime":
        d = REFERENCE_DATE + dt.timedelta(days=rng.randint(1, 60))
        return f"{d.isoformat()}T{rng.randint(7, 20):02d}:{rng.choice((0, 15, 30, 45)):02d}:00Z"
    if kind == "time":
        return clock_time(rng)
    if kind == "email":
        return email_address(rng)
    if kind == "url":
        return f"https://www.{rng.choice(COMPANIES).lower()}.com/{rng.choice(('pricing', 'blog', 'about', 'docs'))}"
    if kind == "phone":
        return f"+1-555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
    if kind == "zip":
        return f"{rng.randint(10000, 99999)}"
    if kind == "address":
        return f"{rng.randint(1, 250)} {rng.choice(STREETS)} Street, {rng.choice(CITIES)}"
    if kind == "person":
        return person_name(rng)
    if kind == "username":
        return f"{rng.choice(FIRST).lower()}_{rng.choice(LAST).lower()}{rng.randint(1, 99)}"
    if kind == "uuid":
        return "-".join("".join(rng.choice("0123456789abcdef") for _ in range(n)) for n in (8, 4, 4, 4, 12))
    if kind == "ipv4":
        return ".".join(str(rng.randint(1, 254)) for _ in range(4))
    if kind == "identifier":
        prefix = "".join(w[0] for w in label_of(name).split() if w not in ("id", "identifier", "code", "number",
                                                                           "ref", "reference", "key"))
        return f"{(prefix or 'ID').upper()[:4]}-{rng.randint(0, 99999):05d}"
    return rng.choice(TOPICS)  # "string": a free-text value of unknown meaning


def _surface(kind: str, value: Any, rng: random.Random) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if kind == "money":
            return surface.money(value, rng)
        if kind == "percent":
            return surface.percent(value, rng)
        if kind in ("year", "latitude", "longitude", "zip"):
            return surface.digits(value)
        return surface.number(value, rng, scaled=False, group=kind != "year")
    if kind in ("date", "start", "end") and isinstance(value, str):
        try:
            return surface.date(value, rng)
        except ValueError:
            return value
    if kind == "time" and isinstance(value, str) and re.fullmatch(r"\d\d:\d\d", value):
        return surface.time_of_day(value, rng)
    if kind in ("message", "topic", "expression", "string", "song", "book", "movie") and isinstance(value, str):
        return surface.text(value, rng, bare=kind not in ("message", "song", "book", "movie"))
    return str(value)


def _phrase(kind: str, name: str, value: Any, shown: str, rng: random.Random) -> str:
    label = label_of(name)
    if kind == "boolean":
        rest = re.sub(r"^(include|with|is|has|enable|use|show|allow|only)\s+", "", label)
        if label.startswith(("include ", "with ")):
            return f"including {rest}" if value else f"without {rest}"
        return rng.choice((f"with {label} set to {'true' if value else 'false'}", f"({label}: {shown})"))
    if kind == "count" and label.split()[0] in ("limit", "max", "top", "count", "num", "number"):
        if " result" in f" {label}" or label in ("limit", "top k", "k", "n", "count", "max"):
            return rng.choice((f"top {shown}", f"at most {shown} results", f"just {shown} results",
                               f"with a limit of {shown}"))
    if kind == "duration" and label.split()[-1] in ("days", "hours", "minutes", "weeks", "months", "years",
                                                      "nights", "seconds"):
        unit = label.split()[-1]
        return rng.choice((f"for {shown} {unit}", f"over {shown} {unit}", f"with {label} {shown}"))
    if kind == "enum":
        if isinstance(value, str) and not re.search(r"\d", value):
            return rng.choice((f"{shown} {label}" if label not in shown else shown, f"with {label} {shown}",
                               f"({label}: {shown})"))
        return rng.choice(_GENERIC).format(label=label, v=shown)
    options = _PHRASES.get(kind)
    if options and rng.random() < 0.8:
        return rng.choice(options).format(v=shown)
    return rng.choice(_GENERIC).format(label=label, v=shown)


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ses") or word.endswith("xes") or word.endswith("ches") or word.endswith("shes"):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def draw_value(name: str, schema: dict, rng: random.Random, depth: int = 0) -> tuple[Any, str, str]:
    """``(value, kind, surface)`` for one parameter (validated by the caller)."""
    kind = kind_of(name, schema)
    if kind == "const":
        return schema["const"], kind, str(schema["const"])
    if kind == "enum":
        value = rng.choice(schema["enum"])
        return value, kind, surface.digits(value) if isinstance(value, (int, float)) and not isinstance(
            value, bool) else str(value)
    if kind == "boolean":
        value = rng.random() < 0.7 if "default" not in schema else not schema["default"]
        return value, kind, "yes" if value else "no"
    if kind == "array":
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {"type": "string"}
        lo = int(schema.get("minItems", 1))
        hi = max(lo, min(int(schema.get("maxItems", 3)), lo + 2))
        n = rng.randint(max(1, lo), max(1, hi)) if hi >= 1 else 0
        item_name = " ".join(label_of(name).split()[:-1] + [_singular(label_of(name).split()[-1])]) \
            if label_of(name) else name
        values, seen = [], set()
        for _ in range(n * 4):
            if len(values) >= n:
                break
            v, item_kind, _ = draw_value(item_name, items, rng, depth + 1)
            key = repr(v)
            if key not in seen:
                seen.add(key)
                values.append(v)
        if len(values) < lo:
            raise NoValue(f"{name}: only {len(values)} distinct items of {lo}")
        if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            shown = surface.number_list(values, rng, forms=("and", "bracket", "commas"))
        else:
            shown = surface.string_list([str(v) for v in values], rng)
        return values, "array", shown
    if kind == "object":
        if depth > 2:
            raise NoValue(f"{name}: objects nested too deep")
        props = schema.get("properties") or {}
        required = [p for p in schema.get("required", []) if p in props] or list(props)[:2]
        value, shown = {}, []
        for p in required:
            v, k, s = draw_value(p, props[p], rng, depth + 1)
            value[p] = v
            shown.append(f"{label_of(p)} {s}")
        return value, "object", ", ".join(shown) if shown else "{}"
    if kind in ("integer", "number") or kind in dict(_NUMBER_KINDS):
        types = schema.get("type")
        integer = types == "integer" or (isinstance(types, list) and "integer" in types and "number" not in types)
        value = _number(kind, schema, rng, integer)
        return value, kind, _surface(kind, value, rng)
    pattern = schema.get("pattern")
    value = _string(kind, name, schema, rng)
    if pattern and not re.search(pattern, value):
        value = pattern_string(pattern, rng)
        kind = "identifier" if kind not in ("airport", "ticker", "zip", "time") else kind
    lo, hi = int(schema.get("minLength", 0)), int(schema.get("maxLength", 10 ** 6))
    if not lo <= len(value) <= hi:
        value = value[:hi] if len(value) > hi else value + "x" * (lo - len(value))
    return value, kind, _surface(kind, value, rng)


_FORMATS = FormatChecker()


def validator(parameters: dict) -> Draft202012Validator:
    """The validator gold arguments are checked with (formats checked: date, email, …)."""
    return Draft202012Validator(parameters, format_checker=_FORMATS)


def draw_arguments(parameters: dict, rng: random.Random, *, optional_rate: float = 0.3, max_optional: int = 2,
                   attempts: int = 8, check: Draft202012Validator | None = None) -> list[Value]:
    """Values for every required parameter and a seeded few optional ones, each validated against
    its own schema (retried up to ``attempts`` times); the whole call is validated by the caller.

    Raises :class:`NoValue` naming the parameter when a required value cannot be drawn.
    """
    props = parameters.get("properties") or {} if isinstance(parameters, dict) else {}
    required = [p for p in parameters.get("required", []) if p in props] if isinstance(parameters, dict) else []
    optional = [p for p in props if p not in required]
    chosen = [p for p in optional if rng.random() < optional_rate][:max_optional]
    out = []
    for name in required + chosen:
        schema = props[name] if isinstance(props[name], dict) else {}
        prop_check = Draft202012Validator(schema, format_checker=_FORMATS)
        for _ in range(attempts):
            try:
                value, kind, shown = draw_value(name, schema, rng)
            except NoValue:
                if name in required:
                    raise
                value = None
                break
            if prop_check.is_valid(value):
                break
            value = None
        else:
            value = None
        if value is None:
            if name in required:
                raise NoValue(f"{name}: no value drawn in {attempts} attempts validates against {schema}")
            continue
        out.append(Value(name, value, shown, _phrase(kind, name, value, shown, rng)))
    return out


__all__ = ["NoValue", "Value", "draw_arguments", "draw_value", "kind_of", "label_of", "pattern_string", "validator"]
