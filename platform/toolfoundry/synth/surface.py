"""How a user writes a value: the surface forms of numbers, amounts, dates, lists and strings.

Every function takes a canonical value (what the gold call holds) and a seeded ``random.Random`` and
returns one way a person might type it: ``5000`` → ``"5000"``, ``"5,000"``, ``"5k"``,
``"five thousand"``; ``"2026-03-05"`` → ``"March 5, 2026"``, ``"5 Mar 2026"`` … Each form reads back
to exactly one value, so the gold call stays exact whichever form the query shows.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any, Callable, Sequence

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
         "sixteen seventeen eighteen nineteen").split()
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = ((10 ** 9, "billion"), (10 ** 6, "million"), (1000, "thousand"))
MONTHS = ("January February March April May June July August September October November December").split()


def int_words(n: int) -> str:
    """``1234`` → ``"one thousand two hundred thirty-four"`` (American style, no "and")."""
    if n < 0:
        return "minus " + int_words(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("-" + _ONES[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return _ONES[hundreds] + " hundred" + (" " + int_words(rest) if rest else "")
    for scale, word in _SCALES:
        if n >= scale:
            q, rest = divmod(n, scale)
            return int_words(q) + " " + word + (" " + int_words(rest) if rest else "")
    raise AssertionError(n)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def is_whole(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) or isinstance(v, float) and v.is_integer()


def digits(v: float | int) -> str:
    """Plain digits without a trailing ``.0`` for whole values (``5``, ``3.25``, ``-0.5``)."""
    if is_whole(v):
        return str(int(v))
    return repr(float(v)) if abs(v) >= 1e-4 else f"{v:.10f}".rstrip("0")


def grouped(v: float | int) -> str:
    """Digits with thousands separators (``12,500`` / ``1,234.5``)."""
    if is_whole(v):
        return f"{int(v):,}"
    whole, _, frac = digits(v).partition(".")
    return f"{int(whole):,}.{frac}"


def _fraction_words(v: float) -> str | None:
    whole, frac = int(v), round(v - int(v), 6)
    name = {0.5: "a half", 0.25: "a quarter", 0.75: "three quarters"}.get(frac)
    if name is None or v < 0:
        return None
    return name if whole == 0 else f"{int_words(whole)} and {name}"


def _scaled(v: float) -> str | None:
    """``5000`` → ``5k``, ``1500000`` → ``1.5 million`` (only where exact)."""
    if not is_whole(v) or v < 1000:
        return None
    n = int(v)
    if n % 10 ** 6 == 0 or (n >= 10 ** 6 and n % 10 ** 5 == 0):
        return f"{digits(n / 10 ** 6)} million"
    if n % 1000 == 0 or (n >= 10000 and n % 100 == 0):
        return f"{digits(n / 1000)}k"
    return None


def number(v: float | int, rng: random.Random, *, words: bool = True, scaled: bool = True,
           trailing_zero: bool = True, group: bool = True) -> str:
    """One surface form of a plain number: mostly digits, sometimes words, separators, ``5k``, ``5.0``."""
    forms: list[tuple[str, float]] = [(digits(v), 4.0)]
    if group and abs(v) >= 1000:
        forms.append((grouped(v), 3.0))
    if words and is_whole(v) and (0 <= v <= 100 or v % 100 == 0 and 0 < v <= 10 ** 6):
        forms.append((int_words(int(v)), 1.5))
    elif words and not is_whole(v) and _fraction_words(v):
        forms.append((_fraction_words(v), 1.0))
    if scaled and _scaled(v):
        forms.append((_scaled(v), 1.5))
    if trailing_zero and is_whole(v) and abs(v) < 1000:
        forms.append((f"{int(v)}.0", 0.6))
    return rng.choices([f for f, _ in forms], weights=[w for _, w in forms])[0]


def money(v: float | int, rng: random.Random, symbol: str | None = None) -> str:
    """``5000`` → ``$5,000`` / ``5,000 dollars`` / ``$5k`` / ``5000 USD`` / ``five thousand dollars``."""
    sym, word, code = {"€": ("€", "euros", "EUR"), "£": ("£", "pounds", "GBP")}.get(symbol or "$",
                                                                                    ("$", "dollars", "USD"))
    cents = f"{v:,.2f}"
    forms = [f"{sym}{grouped(v)}", f"{grouped(v)} {word}", f"{digits(v)} {code}", f"{sym}{cents}"]
    if abs(v) >= 1000:
        forms.append(f"{sym}{grouped(v)}")
    if _scaled(v):
        forms += [f"{sym}{_scaled(v)}", f"{_scaled(v)} {word}"]
    if is_whole(v) and (v <= 100 or v % 100 == 0) and v <= 10 ** 6:
        forms.append(f"{int_words(int(v))} {word}")
    return rng.choice(forms)


def percent(v: float | int, rng: random.Random) -> str:
    """``5`` (meaning 5 %) → ``5%`` / ``5 percent`` / ``five percent`` / ``5.0%`` / ``5 per cent``."""
    forms = [f"{digits(v)}%", f"{digits(v)}%", f"{digits(v)} percent", f"{digits(v)} per cent"]
    if is_whole(v) and 0 <= v <= 100:
        forms += [f"{int_words(int(v))} percent", f"{int(v)}.0%"]
    elif _fraction_words(v):
        forms.append(f"{_fraction_words(v)} percent")
    return rng.choice(forms)


def scientific(v: float, rng: random.Random) -> str:
    """``5.97e24`` → ``5.97e24`` / ``5.97 × 10^24`` / ``5.97 x 10^24``."""
    mant, exp = f"{v:e}".split("e")
    mant, e = mant.rstrip("0").rstrip("."), int(exp)
    return rng.choice([f"{mant}e{e}", f"{mant} × 10^{e}", f"{mant} x 10^{e}", f"{mant}*10^{e}"])


def probability(p: float, rng: random.Random) -> str:
    """A probability as ``0.3`` / ``30%`` / ``30 percent``."""
    pct = round(p * 100, 6)
    return rng.choice([digits(p), digits(p), f"{digits(pct)}%", f"{digits(pct)} percent"])


def quantity(v: float | int, units: Sequence[str], rng: random.Random, **kw) -> str:
    """A number with a unit: ``units`` lists the unit's spellings (first is the abbreviation)."""
    num = number(v, rng, scaled=False, **kw)
    unit = rng.choice(units[1:] if any(c.isalpha() for c in num) and len(units) > 1 else units)
    glue = "" if unit == units[0] and len(unit) <= 3 and not num[-1].isalpha() and rng.random() < 0.3 else " "
    return f"{num}{glue}{unit}"


def joined(items: Sequence[str], rng: random.Random, conj: str = "and") -> str:
    """``a, b and c`` / ``a, b, and c`` / ``a, b, c``."""
    if len(items) == 1:
        return items[0]
    style = rng.randrange(3)
    if style == 0:
        return ", ".join(items[:-1]) + f" {conj} " + items[-1]
    if style == 1 and len(items) > 2:
        return ", ".join(items[:-1]) + f", {conj} " + items[-1]
    return ", ".join(items)


def number_list(values: Sequence[float | int], rng: random.Random, *, forms: Sequence[str] = ("and", "bracket",
                "spaces", "commas", "semicolons")) -> str:
    """``[1, 2, 3]`` / ``1, 2 and 3`` / ``the numbers 4 7 9`` / ``1; 2; 3``."""
    items = [digits(v) for v in values]
    form = rng.choice(list(forms))
    if form == "bracket":
        return "[" + ", ".join(items) + "]"
    if form == "and":
        return joined(items, rng)
    if form == "spaces":
        return rng.choice(("the numbers ", "the values ", "")) + " ".join(items)
    if form == "semicolons":
        return "; ".join(items)
    return ", ".join(items)


def string_list(values: Sequence[str], rng: random.Random, *, forms: Sequence[str] = ("and", "bracket", "quoted")
                ) -> str:
    """``apple, pear and plum`` / ``["apple", "pear"]`` / ``"apple", "pear" and "plum"``."""
    form = rng.choice(list(forms))
    if form == "bracket":
        return "[" + ", ".join(f'"{v}"' for v in values) + "]"
    if form == "quoted":
        return joined([f'"{v}"' for v in values], rng)
    return joined(list(values), rng)


def date(iso: str, rng: random.Random) -> str:
    """``2026-03-05`` → ``March 5, 2026`` / ``5 March 2026`` / ``Mar 5, 2026`` / ``the 5th of March 2026`` …"""
    d = dt.date.fromisoformat(iso)
    month = MONTHS[d.month - 1]
    forms = [iso, iso, f"{month} {d.day}, {d.year}", f"{d.day} {month} {d.year}", f"{month[:3]} {d.day}, {d.year}",
             f"the {ordinal(d.day)} of {month} {d.year}", f"{d.year}/{d.month:02d}/{d.day:02d}",
             f"{month} {ordinal(d.day)} {d.year}"]
    return rng.choice(forms)


def time_of_day(hhmm: str, rng: random.Random) -> str:
    """``14:30`` → ``14:30`` / ``2:30 pm`` / ``2:30PM`` (``12:00`` may read ``noon``)."""
    h, m = (int(x) for x in hhmm.split(":"))
    h12 = h % 12 or 12
    half = "am" if h < 12 else "pm"
    forms = [hhmm, f"{h12}:{m:02d} {half}", f"{h12}:{m:02d}{half.upper()}"]
    if m == 0:
        forms.append(f"{h12} {half}")
        if h == 12:
            forms.append("noon")
    return rng.choice(forms)


def text(value: str, rng: random.Random, *, bare: bool = True) -> str:
    """A string argument: double-quoted, single-quoted or (when ``bare``) as it is."""
    forms = [f'"{value}"', f'"{value}"', f"'{value}'"] + ([value] if bare else [])
    forms = [f for f in forms if f[0] not in value] or [value]  # never a quote that the text contains
    return rng.choice(forms)


def capitalize(s: str) -> str:
    if re.match(r"[a-z_]+\(", s) or s[1:2].isupper():  # code-like gcd(12, 18); pH, iPhone
        return s
    return s[:1].upper() + s[1:]


_A_AN = re.compile(r"\b([Aa]) (?=(?:[aiAI]|[eE](?!u)|o(?!ne)|u(?![nst][iea])"
                   r"|eight|eleven|eighteen|eighty|8[0-9]?\b|11\b|18\b))")


def articles(text: str) -> str:
    """``a eight`` → ``an eight``, ``a apple`` → ``an apple`` (not ``a one``, ``a unit``)."""
    return _A_AN.sub(lambda m: m.group(1) + "n ", text)


def tidy(sentence: str) -> str:
    """Collapse spaces and fix the spacing of punctuation in a filled template."""
    out = " ".join(sentence.split())
    for a, b in ((" ?", "?"), (" .", "."), (" ,", ","), (" :", ":"), ("..", "."), (",,", ","), ("?.", "?"),
                 (" )", ")"), ("( ", "(")):
        out = out.replace(a, b)
    return capitalize(articles(out))


Renderer = Callable[[Any, random.Random], str]
