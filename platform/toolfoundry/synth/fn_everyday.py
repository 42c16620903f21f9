"""Callable functions: dates and time, strings and text, lists and arrays, computing utilities."""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import hashlib
import ipaddress
import math
import re
from collections import Counter
from urllib.parse import parse_qsl, urlparse

from toolfoundry.synth import surface as sf
from toolfoundry.synth import tables
from toolfoundry.synth.fnspec import (
    BOOL,
    CUSTOM,
    DATE,
    ENUM,
    INT,
    NUMS,
    POOL,
    QTY,
    REFERENCE,
    STRS,
    TEXT,
    TIME,
    Registry,
    Weak,
    bad,
    opt,
    req,
)

DATES = Registry("dates", "dates")
TEXTS = Registry("text", "text")
LISTS = Registry("lists", "lists")
COMP = Registry("computing", "utils")

_D = DATE(-400, 400)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _date(value: str, role: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        bad(role, f"{value!r} is not a date", "YYYY-MM-DD")
        raise


# --------------------------------------------------------------------------------------------------
# dates and time
# --------------------------------------------------------------------------------------------------

DATES("days_between", "calculate", "Count the days between two dates", "the number of days and weeks",
      "days between two dates",
      [req("start_date", _D, "First date (YYYY-MM-DD).", names=("from_date", "date1")),
       req("end_date", _D, "Second date (YYYY-MM-DD).", names=("to_date", "date2")),
       opt("include_end_date", BOOL(), "Count the end date as well.", default=False,
           value_phrases={True: ("counting both days", "inclusive of the last day"),
                          False: ("not counting the last day",)},
           names=("inclusive",))],
      lambda start_date, end_date, include_end_date=False: (lambda d: {"days": d, "weeks": d / 7})(
          (_date(end_date, "end_date") - _date(start_date, "start_date")).days + (1 if include_end_date else 0)),
      ["How many days are there between {start_date} and {end_date}?", "Days from {start_date} to {end_date}?",
       "{lead} count the days between {start_date} and {end_date}?"],
      where=lambda a: a["start_date"] < a["end_date"], weak=Weak(note="Exclusive of the end date."))

def _add_days(date, days, business_days_only=False):
    d = _date(date, "date")
    if not business_days_only:
        d += dt.timedelta(days=days)
    else:
        step, left = (1 if days >= 0 else -1), abs(days)
        while left:
            d += dt.timedelta(days=step)
            left -= d.weekday() < 5
    return {"date": d.isoformat(), "weekday": _WEEKDAYS[d.weekday()]}


DATES("add_days", "", "Add (or subtract) a number of days to a date", "the resulting date and its weekday",
      "date after adding days",
      [req("date", _D, "Starting date (YYYY-MM-DD).", names=("start_date", "from_date")),
       req("days", INT(-365, 1000), "Days to add; negative to go back.", names=("num_days", "offset")),
       opt("business_days_only", BOOL(), "Count only weekdays (Mon-Fri).", default=False,
           value_phrases={True: ("counting business days only", "in working days"), False: ("counting calendar days",)},
           names=("workdays",))],
      _add_days,
      ["What date is {days} days after {date}?", "Add {days} days to {date}.", "{date} plus {days} days?"],
      where=lambda a: a["days"] > 0, weak=Weak(note="Calendar days only."))

DATES("day_of_week", "get", "Find the weekday of a date", "the weekday name", "day of the week",
      [req("date", DATE(-20000, 2000), "The date (YYYY-MM-DD).", names=("day",))],
      lambda date: {"weekday": _WEEKDAYS[_date(date, "date").weekday()],
                    "iso_weekday": _date(date, "date").isoweekday()},
      ["What day of the week was {date}?", "Which weekday is {date}?", "{date}: what day is that?"])


def _age(birth_date, on_date=None):
    b, on = _date(birth_date, "birth_date"), _date(on_date, "on_date") if on_date else REFERENCE
    if b > on:
        bad("birth_date", "is after the reference date", "a birth date in the past")
    years = on.year - b.year - ((on.month, on.day) < (b.month, b.day))
    return {"years": years, "as_of": on.isoformat(), "days_alive": (on - b).days}


DATES("calculate_age", "", "Calculate a person's age in whole years on a date (today by default)", "the age in years",
      "age",
      [req("birth_date", DATE(-30000, -400), "Date of birth (YYYY-MM-DD).", names=("dob", "birthday")),
       opt("on_date", DATE(-300, 2000), "Date to compute the age on (default: today).", say=("on {v}", "as of {v}"),
           names=("as_of", "reference_date"))],
      _age,
      ["How old is someone born on {birth_date}?", "Age of a person with birthday {birth_date}?",
       "I was born {birth_date}. How old am I?"],
      where=lambda a: a.get("on_date") is None or a["birth_date"] < a["on_date"],
      weak=Weak(note="Age as of today only."))

DATES("is_leap_year", "check", "Check whether a year is a leap year", "true for a leap year", "leap year check",
      [req("year", INT(1600, 2400, words=False, group=False), "The year.", names=("yr",))],
      lambda year: calendar.isleap(year),
      ["Is {year} a leap year?", "Was {year} a leap year?", "Does {year} have a February 29?"])

_ZONES = tuple(sorted(tables.ZONE_OFFSETS))
_ZONE_SYN = {z: (z, z.split("/")[-1].replace("_", " ") + " time") for z in _ZONES}
_ZONE_SYN["UTC"] = ("UTC", "GMT", "Coordinated Universal Time")


def _tz(time, from_timezone, to_timezone):
    h, m = (int(x) for x in time.split(":"))
    minutes = h * 60 + m + round((tables.ZONE_OFFSETS[to_timezone] - tables.ZONE_OFFSETS[from_timezone]) * 60)
    day_shift, minutes = divmod(minutes, 1440)
    return {"time": f"{minutes // 60:02d}:{minutes % 60:02d}", "day_offset": day_shift,
            "offset_hours": tables.ZONE_OFFSETS[to_timezone] - tables.ZONE_OFFSETS[from_timezone]}


_ZONE = ENUM(_ZONES, _ZONE_SYN)
DATES("convert_timezone", "", "Convert a time of day from one time zone to another (standard time, fixed offsets)",
      "the converted time and any day change", "time in another time zone",
      [req("time", TIME(), "Time of day, HH:MM (24-hour).", names=("time_of_day", "local_time")),
       req("from_timezone", _ZONE, "IANA zone of the input time.", names=("source_timezone", "from_tz")),
       req("to_timezone", _ZONE, "IANA zone to convert to.", names=("target_timezone", "to_tz"))],
      _tz,
      ["If it's {time} in {from_timezone}, what time is it in {to_timezone}?",
       "Convert {time} {from_timezone} to {to_timezone}.",
       "My meeting is at {time} {from_timezone}. When is that in {to_timezone}?"],
      where=lambda a: tables.ZONE_OFFSETS[a["from_timezone"]] != tables.ZONE_OFFSETS[a["to_timezone"]],
      weak=Weak(enums={"from_timezone": ("UTC", "Europe/London", "Europe/Paris", "America/New_York"),
                       "to_timezone": ("UTC", "Europe/London", "Europe/Paris", "America/New_York")},
                note="Supports UTC, London, Paris and New York only."))


def _holidays_draw(rng):
    return sorted({(REFERENCE + dt.timedelta(days=rng.randint(1, 60))).isoformat() for _ in range(rng.randint(1, 3))})


def _business_days(start_date, end_date, holidays=None):
    a, b = _date(start_date, "start_date"), _date(end_date, "end_date")
    off = {_date(h, "holidays") for h in holidays or ()}
    days = [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]
    return {"business_days": sum(1 for d in days if d.weekday() < 5 and d not in off)}


DATES("business_days_between", "count", "Count weekdays (Mon-Fri) between two dates, inclusive, minus holidays",
      "the number of business days", "business days between two dates",
      [req("start_date", DATE(0, 20), "First date (YYYY-MM-DD).", names=("from_date",)),
       req("end_date", DATE(25, 70), "Last date (YYYY-MM-DD).", names=("to_date",)),
       opt("holidays", CUSTOM({"type": "array", "items": {"type": "string", "format": "date"}}, _holidays_draw,
                              lambda v, rng: sf.joined([sf.date(x, rng) for x in v], rng), array=True),
           "Dates to skip (YYYY-MM-DD).", say=("excluding the holidays {v}", "skipping {v}"),
           names=("exclude_dates",))],
      _business_days,
      ["How many working days are there from {start_date} to {end_date}?",
       "Business days between {start_date} and {end_date}?"],
      weak=Weak(note="Does not take holidays into account."))

DATES("week_number", "get", "Return the ISO week number of a date", "the ISO year and week", "week number",
      [req("date", _D, "The date (YYYY-MM-DD).", names=("day",))],
      lambda date: (lambda c: {"iso_year": c[0], "week": c[1]})(_date(date, "date").isocalendar()),
      ["What week number is {date}?", "ISO week of {date}?"])


def _add_months(date, months):
    d = _date(date, "date")
    idx = d.month - 1 + months
    y, m = d.year + idx // 12, idx % 12 + 1
    return {"date": dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1])).isoformat()}


DATES("add_months", "", "Add calendar months to a date (clamped to the month's last day)", "the resulting date",
      "date after adding months",
      [req("date", _D, "Starting date (YYYY-MM-DD).", names=("start_date",)),
       req("months", INT(1, 60), "Months to add.", names=("num_months",))],
      _add_months,
      ["What date is {months} months after {date}?", "Add {months} months to {date}."])

DATES("days_in_month", "get", "Return the number of days in a month of a year", "the number of days", "days in a month",
      [req("year", INT(1900, 2100, words=False, group=False), "The year."),
       req("month", ENUM(tuple(range(1, 13)), {i + 1: (name, name[:3]) for i, name in enumerate(sf.MONTHS)}),
           "Month number, 1-12.")],
      lambda year, month: calendar.monthrange(year, month)[1],
      ["How many days are in {month} {year:d}?", "Number of days in {month} of {year:d}?"])

DATES("seconds_to_duration", "convert", "Break a number of seconds into days, hours, minutes and seconds",
      "the parts and an HH:MM:SS string", "duration breakdown",
      [req("seconds", INT(60, 10 ** 6, scaled=False), "Number of seconds.", names=("total_seconds", "duration"))],
      lambda seconds: {"days": seconds // 86400, "hours": seconds % 86400 // 3600, "minutes": seconds % 3600 // 60,
                       "seconds": seconds % 60,
                       "hhmmss": f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"},
      ["How long is {seconds} seconds in hours and minutes?", "Convert {seconds} seconds to h:m:s.",
       "Break down {seconds} s into days, hours, minutes and seconds."])

DATES("timestamp_to_date", "convert", "Convert a Unix timestamp to a UTC date and time", "the ISO date-time in UTC",
      "date from a Unix timestamp",
      [req("timestamp", INT(0, 2 * 10 ** 9, words=False, group=False), "Seconds since 1970-01-01 UTC.",
           names=("unix_time", "epoch_seconds"))],
      lambda timestamp: {"datetime": dt.datetime.fromtimestamp(timestamp,
                                                               dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")},
      ["What date is Unix timestamp {timestamp:d}?", "Convert epoch {timestamp:d} to a date.",
       "timestamp {timestamp:d} in UTC?"])

DATES("date_to_timestamp", "convert", "Convert a date (midnight UTC) to a Unix timestamp",
      "the seconds since the epoch",
      "Unix timestamp of a date",
      [req("date", DATE(-9000, 3000), "The date (YYYY-MM-DD).", names=("day",))],
      lambda date: int(dt.datetime.combine(_date(date, "date"), dt.time(), dt.timezone.utc).timestamp()),
      ["What is the Unix timestamp of {date}?", "Epoch seconds for {date} at midnight UTC?"])

DATES("days_until", "count", "Count the days from a date (today by default) until a target date", "the number of days",
      "days until a date",
      [req("target_date", DATE(1, 700), "The date to count to (YYYY-MM-DD).", names=("date", "event_date")),
       opt("from_date", DATE(-30, 0), "Date to count from (default: today).", say=("counting from {v}", "starting {v}"),
           names=("start",))],
      lambda target_date, from_date=None: (_date(target_date, "target_date")
                                           - (_date(from_date, "from_date") if from_date else REFERENCE)).days,
      ["How many days until {target_date}?", "Days left until {target_date}?", "Countdown to {target_date} in days?"],
      weak=Weak(note="Counts from today only."))


def _time_diff(start_time, end_time):
    a = int(start_time[:2]) * 60 + int(start_time[3:])
    b = int(end_time[:2]) * 60 + int(end_time[3:])
    minutes = (b - a) % 1440
    return {"minutes": minutes, "hours": minutes / 60, "overnight": b < a}


DATES("time_difference", "calculate", "Calculate the time between two times of day (overnight allowed)",
      "minutes and hours", "time between two clock times",
      [req("start_time", TIME(), "Start, HH:MM.", names=("start",)),
       req("end_time", TIME(), "End, HH:MM.", names=("end",))],
      _time_diff,
      ["How long is it from {start_time} to {end_time}?", "Time between {start_time} and {end_time}?",
       "My shift runs from {start_time} to {end_time}. How many hours is that?"],
      where=lambda a: a["start_time"] != a["end_time"])

# --------------------------------------------------------------------------------------------------
# text
# --------------------------------------------------------------------------------------------------

SENTENCES = (
    "The quick brown fox jumps over the lazy dog", "Hello world", "Data science is fun",
    "To be or not to be that is the question", "Python makes text processing easy", "Keep calm and carry on",
    "She sells sea shells by the sea shore", "The rain in Spain stays mainly in the plain",
    "All that glitters is not gold", "A journey of a thousand miles begins with a single step",
    "Practice makes perfect", "Every cloud has a silver lining", "Time flies when you are having fun",
    "The early bird catches the worm", "Actions speak louder than words", "Knowledge is power",
    "Machine learning models need clean data", "Open the pod bay doors please", "I love sunny Sunday mornings",
    "Coffee first then emails", "Meet me at the train station at noon", "Ship the release on Friday",
)
PALINDROMES = ("racecar", "level", "madam", "noon", "Was it a car or a cat I saw", "Never odd or even",
               "A man a plan a canal Panama", "kayak", "rotor", "Step on no pets", "hello", "python", "banana",
               "civic", "refer", "openai", "palindrome")
WORDS = ("listen", "silent", "enlist", "apple", "paple", "kitten", "sitting", "flaw", "lawn", "evil", "vile", "live",
         "night", "thing", "dusty", "study", "stressed", "desserts", "binary", "brainy", "cat", "act", "dog", "god",
         "heart", "earth", "below", "elbow", "state", "taste")
_SENT = TEXT(SENTENCES)


def _palindrome(text, ignore_case_and_spaces=True):
    s = "".join(c.lower() for c in text if c.isalnum()) if ignore_case_and_spaces else text
    return {"is_palindrome": s == s[::-1], "normalized": s}


TEXTS("reverse_string", "", "Reverse a string (its characters, or its word order)", "the reversed string",
      "reversed text",
      [req("text", TEXT(SENTENCES + WORDS), "The string to reverse.", names=("s", "input_string", "string")),
       opt("by_words", BOOL(), "Reverse the order of the words instead of the characters.", default=False,
           value_phrases={True: ("word by word", "reversing the word order"), False: ("character by character",)},
           names=("words",))],
      lambda text, by_words=False: " ".join(reversed(text.split())) if by_words else text[::-1],
      ["Reverse the string {text}.", "What is {text} backwards?", "Reverse {text} for me.",
       "{lead} reverse the text {text}?"],
      weak=Weak(note="Reverses characters only."))

TEXTS("count_words", "", "Count the words in a text", "the word count", "word count",
      [req("text", _SENT, "The text.", names=("s", "content", "sentence"))],
      lambda text: len(text.split()),
      ["How many words are in {text}?", "Count the words in {text}.", "Word count of {text}?"])

TEXTS("count_characters", "", "Count the characters in a text", "the character count", "character count",
      [req("text", _SENT, "The text.", names=("s", "string")),
       opt("include_spaces", BOOL(), "Count spaces too.", default=True,
           value_phrases={True: ("including spaces",),
                          False: ("not counting spaces", "excluding spaces", "without spaces")},
           names=("count_spaces",))],
      lambda text, include_spaces=True: len(text) if include_spaces else len(text.replace(" ", "")),
      ["How many characters are in {text}?", "Character count of {text}?", "Count the letters and symbols in {text}."],
      weak=Weak(note="Always counts spaces."))

TEXTS("is_palindrome", "check", "Check whether a text reads the same backwards", "true for a palindrome",
      "palindrome check",
      [req("text", TEXT(PALINDROMES, bare=True), "The word or phrase.", names=("s", "word", "string")),
       opt("ignore_case_and_spaces", BOOL(), "Ignore case, spaces and punctuation.", default=True,
           value_phrases={True: ("ignoring case and spaces",),
                          False: ("exactly as written", "case-sensitive, spaces included")},
           names=("normalize",))],
      _palindrome,
      ["Is {text} a palindrome?", "Check if {text} reads the same forwards and backwards.", "palindrome check: {text}"],
      weak=Weak(note="Always normalizes case and spaces."))

_CASES = {"upper": ("uppercase", "upper case", "all caps"), "lower": ("lowercase", "lower case"),
          "title": ("title case",), "sentence": ("sentence case",), "swap": ("swapped case", "inverted case")}


def _change_case(text, case):
    return {"upper": text.upper(), "lower": text.lower(), "title": text.title(),
            "sentence": text[:1].upper() + text[1:].lower(), "swap": text.swapcase()}[case]


TEXTS("change_case", "", "Change the letter case of a text", "the converted text", "text in another case",
      [req("text", _SENT, "The text.", names=("s", "string")),
       req("case", ENUM(tuple(_CASES), _CASES), "Target case.", names=("style", "mode"))],
      _change_case,
      ["Convert {text} to {case}.", "Put {text} in {case}.", "Make {text} {case}, please."],
      weak=Weak(enums={"case": ("upper", "lower")}, note="Upper or lower case only."))


def _replace(text, find, replace, case_sensitive=True):
    if not find:
        bad("find", "is empty", "a non-empty substring")
    if case_sensitive:
        return {"text": text.replace(find, replace), "replacements": text.count(find)}
    pattern = re.compile(re.escape(find), re.IGNORECASE)
    return {"text": pattern.sub(lambda m: replace, text), "replacements": len(pattern.findall(text))}


_FIND = CUSTOM({"type": "string"}, lambda rng: rng.choice(SENTENCES), lambda v, rng: sf.text(v, rng, bare=False))
TEXTS("find_replace", "", "Replace every occurrence of a substring in a text",
      "the new text and the number of replacements",
      "find and replace",
      [req("text", _SENT, "The text.", names=("s", "source")),
       req("find", TEXT(("the", "a", "is", "at", "e", "o", "in", "the lazy", "world", "fun")), "Substring to look for.",
           names=("old", "search", "pattern")),
       req("replace", TEXT(("THE", "an", "was", "@", "3", "0", "on", "a sleepy", "there", "great", "")), "Replacement.",
           names=("new", "replacement")),
       opt("case_sensitive", BOOL(), "Match case exactly.", default=True,
           value_phrases={False: ("ignoring case", "case-insensitively"), True: ("matching case exactly",)})],
      _replace,
      ["In {text}, replace {find} with {replace}.", "Replace every {find} in {text} by {replace}.",
       "Swap {find} for {replace} in the text {text}."],
      where=lambda a: a["find"].lower() in a["text"].lower() and a["find"] != a["replace"],
      weak=Weak(note="Case-sensitive matching only."))


def _slug(text, separator="-"):
    words = re.findall(r"[a-z0-9]+", text.lower())
    return separator.join(words)


TEXTS("slugify", "", "Turn a title into a URL slug", "the slug", "URL slug",
      [req("text", _SENT, "The title.", names=("title", "s")),
       opt("separator", ENUM(("-", "_"), {"-": ("hyphens", "dashes"), "_": ("underscores",)}), "Word separator.",
           default="-", say=("using {v}", "with {v} between words"), names=("sep", "delimiter"))],
      _slug,
      ["Make a URL slug from {text}.", "Slugify {text}.", "What's the slug for the title {text}?"],
      weak=Weak(note="Hyphens only."))

TEXTS("count_vowels", "", "Count the vowels in a text", "the vowel count", "number of vowels",
      [req("text", _SENT, "The text.", names=("s", "string"))],
      lambda text: {"vowels": sum(1 for c in text.lower() if c in "aeiou"), "consonants": sum(
          1 for c in text.lower() if c.isalpha() and c not in "aeiou")},
      ["How many vowels are in {text}?", "Count the vowels in {text}."])

TEXTS("count_substring", "", "Count how often a substring occurs in a text (non-overlapping)", "the count",
      "substring count",
      [req("text", _SENT, "The text.", names=("s", "haystack")),
       req("substring", TEXT(("the", "e", "a", "in", "s", "o", "th", "is", "at")), "What to count.",
           names=("pattern", "needle"))],
      lambda text, substring: text.count(substring) if substring else bad("substring", "is empty",
                                                                          "a non-empty substring"),
      ["How many times does {substring} appear in {text}?", "Count occurrences of {substring} in {text}."])

TEXTS("is_anagram", "check", "Check whether two words are anagrams of each other", "true when they are anagrams",
      "anagram check",
      [req("word_a", TEXT(WORDS, bare=True), "First word.", names=("first", "s1")),
       req("word_b", TEXT(WORDS, bare=True), "Second word.", names=("second", "s2"))],
      lambda word_a, word_b: sorted(word_a.lower()) == sorted(word_b.lower()),
      ["Are {word_a} and {word_b} anagrams?", "Is {word_a} an anagram of {word_b}?",
       "Check whether {word_a} and {word_b} use the same letters."],
      where=lambda a: a["word_a"] != a["word_b"])


def _caesar(text, shift, decode=False):
    k = -shift if decode else shift
    out = []
    for c in text:
        if c.isalpha():
            base = ord("A") if c.isupper() else ord("a")
            out.append(chr((ord(c) - base + k) % 26 + base))
        else:
            out.append(c)
    return "".join(out)


TEXTS("caesar_cipher", "", "Encode or decode text with a Caesar shift", "the shifted text", "Caesar cipher",
      [req("text", _SENT, "The text.", names=("message", "plaintext")),
       req("shift", INT(1, 25), "Letters to shift by.", names=("key", "offset")),
       opt("decode", BOOL(), "Shift backwards to decode.", default=False,
           value_phrases={True: ("to decode it", "(decrypt)"), False: ("to encode it",)})],
      _caesar,
      ["Encrypt {text} with a Caesar shift of {shift}.", "Apply a Caesar cipher with key {shift} to {text}.",
       "Shift every letter of {text} by {shift}."],
      weak=Weak(note="Encoding only."))

TEXTS("word_frequency", "", "Count the most frequent words in a text", "the top words with counts", "word frequencies",
      [req("text", CUSTOM({"type": "string"}, lambda rng: " ".join(rng.choice(SENTENCES) for _ in range(2)),
                          lambda v, rng: sf.text(v, rng, bare=False)), "The text.", names=("content",)),
       opt("top_n", INT(1, 10), "How many words to return.", default=5,
           say=("top {v} words", "just the {v} most common"),
           names=("n", "limit"))],
      lambda text, top_n=5: [{"word": w, "count": c} for w, c in sorted(
          Counter(re.findall(r"[a-z']+", text.lower())).items(), key=lambda kv: (-kv[1], kv[0]))[:top_n]],
      ["What are the most common words in {text}?", "Word frequency of {text}.", "Which words appear most in {text}?"])

def _truncate(text, max_length, suffix="..."):
    return text if len(text) <= max_length else text[:max(0, max_length - len(suffix))] + suffix


TEXTS("truncate_text", "", "Shorten a text to a maximum length, adding an ellipsis", "the shortened text",
      "truncated text",
      [req("text", _SENT, "The text.", names=("s",)),
       req("max_length", INT(5, 30), "Maximum length including the suffix.", names=("length", "limit")),
       opt("suffix", TEXT(("...", "…", " [more]")), "What to append when cut.", default="...",
           say=("ending with {v}", "using {v} as the suffix"))],
      _truncate,
      ["Truncate {text} to {max_length} characters.", "Shorten {text} to at most {max_length} characters."],
      weak=Weak(note="Always appends '...'."))


def _levenshtein(source, target):
    prev = list(range(len(target) + 1))
    for i, a in enumerate(source, 1):
        cur = [i]
        for j, b in enumerate(target, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a != b)))
        prev = cur
    return prev[-1]


TEXTS("levenshtein_distance", "calculate", "Calculate the edit distance between two strings", "the number of edits",
      "edit distance",
      [req("source", TEXT(WORDS, bare=True), "First string.", names=("s1", "a")),
       req("target", TEXT(WORDS, bare=True), "Second string.", names=("s2", "b"))],
      _levenshtein,
      ["What is the Levenshtein distance between {source} and {target}?", "Edit distance from {source} to {target}?",
       "How many edits turn {source} into {target}?"],
      where=lambda a: a["source"] != a["target"])

_IDENTS = ("user_id", "first_name", "totalPrice", "http-request-count", "MaxRetryCount", "order date", "is_valid_email",
           "parseJsonResponse", "last-login-time", "shipping address")
_STYLES = {"snake": ("snake_case",), "camel": ("camelCase",), "kebab": ("kebab-case",), "pascal": ("PascalCase",)}


def _ident_case(identifier, style):
    words = re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", identifier)
    words = [w.lower() for w in words]
    return {"snake": "_".join(words), "kebab": "-".join(words),
            "camel": words[0] + "".join(w.title() for w in words[1:]),
            "pascal": "".join(w.title() for w in words)}[style]


TEXTS("convert_identifier_case", "", "Convert an identifier between snake_case, camelCase, kebab-case and PascalCase",
      "the converted identifier", "identifier in another naming style",
      [req("identifier", TEXT(_IDENTS), "The name to convert.", names=("name", "text")),
       req("style", ENUM(tuple(_STYLES), _STYLES), "Target naming style.", names=("target_case", "case"))],
      _ident_case,
      ["Convert {identifier} to {style}.", "What is {identifier} in {style}?", "Rename {identifier} using {style}."],
      weak=Weak(enums={"style": ("snake", "camel")}, note="snake_case and camelCase only."))

TEXTS("make_acronym", "", "Build an acronym from the first letters of a phrase", "the acronym", "acronym",
      [req("phrase", TEXT(("portable network graphics", "as soon as possible", "frequently asked questions",
                           "application programming interface", "central processing unit", "by the way",
                           "graphics processing unit", "search engine optimization", "read only memory")),
           "The phrase.", names=("text",))],
      lambda phrase: "".join(w[0].upper() for w in phrase.split()),
      ["What is the acronym for {phrase}?", "Make an acronym of {phrase}."])

TEXTS("longest_word", "find", "Find the longest word in a text", "the longest word and its length", "longest word",
      [req("text", _SENT, "The text.", names=("sentence",))],
      lambda text: (lambda w: {"word": w, "length": len(w)})(max(text.split(), key=len)),
      ["What's the longest word in {text}?", "Find the longest word of {text}."])

_EMAIL_TEXTS = ("Contact alice@example.com or bob.smith@mail.org for details",
                "Send the report to finance@acme.io and cc hr@acme.io", "No email here, just text",
                "Reach me at j.doe99@uni.edu or at my backup jdoe@gmail.com",
                "support@shop.example answers within a day")
TEXTS("extract_emails", "", "Extract every email address from a text", "the list of addresses",
      "email addresses in a text",
      [req("text", TEXT(_EMAIL_TEXTS), "The text to scan.", names=("content",))],
      lambda text: re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text),
      ["Pull out the email addresses in {text}.", "Which emails appear in {text}?", "Extract emails from {text}."])

_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def _to_roman(number):
    out = ""
    for v, s in _ROMAN:
        while number >= v:
            out, number = out + s, number - v
    return out


def _from_roman(numeral):
    if not re.fullmatch(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})", numeral or "") or not numeral:
        bad("numeral", f"{numeral!r} is not a valid Roman numeral", "a numeral such as XIV or MMXXVI")
    total, i = 0, 0
    for v, s in _ROMAN:
        while numeral.startswith(s, i):
            total, i = total + v, i + len(s)
    return total


TEXTS("to_roman", "convert", "Convert an integer (1-3999) to Roman numerals", "the numeral", "Roman numeral",
      [req("number", INT(1, 3999, scaled=False), "The integer.", names=("n", "value"), limit=3999)],
      _to_roman,
      ["Write {number} in Roman numerals.", "What is {number} as a Roman numeral?", "Convert {number} to Roman."],
      module="numerals", weak=Weak(limits={"number": 100}, note="Numbers up to 100 only."))

TEXTS("from_roman", "convert", "Convert a Roman numeral to an integer", "the integer", "value of a Roman numeral",
      [req("numeral", CUSTOM({"type": "string", "pattern": "^[MDCLXVI]+$"}, lambda rng: _to_roman(rng.randint(1, 3999)),
                             lambda v, rng: v), "The numeral, e.g. MMXXVI.", names=("roman",))],
      _from_roman,
      ["What number is {numeral}?", "Convert the Roman numeral {numeral} to an integer.",
       "{numeral} in Arabic numerals?"],
      module="numerals")

# --------------------------------------------------------------------------------------------------
# lists
# --------------------------------------------------------------------------------------------------

_NUMS = NUMS(3, 10, -50, 100)
_ITEMS = ("apple", "banana", "cherry", "kiwi", "mango", "pear", "plum", "grape", "lemon", "orange", "fig", "lime")
_NUMBERS = ("numbers", "values", "items", "arr", "data")

LISTS("sort_list", "", "Sort a list of numbers", "the sorted list", "sorted list",
      [req("numbers", _NUMS, "The numbers to sort.", names=_NUMBERS),
       opt("descending", BOOL(), "Sort from largest to smallest.", default=False,
           value_phrases={True: ("in descending order", "from largest to smallest", "biggest first"),
                          False: ("in ascending order", "smallest first")}, names=("reverse",))],
      lambda numbers, descending=False: sorted(numbers, reverse=descending),
      ["Sort {numbers}.", "Put {numbers} in order.", "Can you sort these numbers: {numbers}?"],
      weak=Weak(note="Ascending order only."))

LISTS("unique_values", "", "Remove duplicates from a list, keeping first occurrences in order", "the distinct values",
      "distinct values",
      [req("numbers", NUMS(5, 12, 1, 9), "The list.", names=_NUMBERS)],
      lambda numbers: list(dict.fromkeys(numbers)),
      ["Remove the duplicates from {numbers}.", "What are the unique values in {numbers}?", "Dedupe {numbers}."])

LISTS("sum_list", "", "Add up a list of numbers", "the sum", "sum",
      [req("numbers", NUMS(2, 10, -100, 1000, integers=False), "The numbers.", names=_NUMBERS)],
      lambda numbers: sum(numbers),
      ["What is the sum of {numbers}?", "Add up {numbers}.", "Total of {numbers}?"])

LISTS("product_of_list", "", "Multiply all numbers in a list", "the product", "product",
      [req("numbers", NUMS(2, 6, -10, 20), "The numbers.", names=_NUMBERS)],
      lambda numbers: math.prod(numbers),
      ["What is the product of {numbers}?", "Multiply {numbers} together."])

LISTS("max_value", "find", "Find the largest number in a list", "the maximum and its position", "maximum",
      [req("numbers", _NUMS, "The numbers.", names=_NUMBERS)],
      lambda numbers: {"max": max(numbers), "index": numbers.index(max(numbers))},
      ["What is the largest number in {numbers}?", "Max of {numbers}?", "Which is biggest: {numbers}?"])

LISTS("min_value", "find", "Find the smallest number in a list", "the minimum and its position", "minimum",
      [req("numbers", _NUMS, "The numbers.", names=_NUMBERS)],
      lambda numbers: {"min": min(numbers), "index": numbers.index(min(numbers))},
      ["What is the smallest number in {numbers}?", "Min of {numbers}?", "Find the lowest value among {numbers}."])

LISTS("top_k", "get", "Return the k largest (or smallest) numbers of a list", "the selected numbers", "top k values",
      [req("numbers", NUMS(5, 12, 1, 500), "The numbers.", names=_NUMBERS),
       req("k", INT(1, 5), "How many to return.", names=("n", "count")),
       opt("largest", BOOL(), "Take the largest (true) or the smallest (false).", default=True,
           value_phrases={False: ("smallest ones", "(the lowest values)"),
                          True: ("largest ones", "(highest values)")})],
      lambda numbers, k, largest=True: sorted(numbers, reverse=largest)[:k],
      ["Give me the top {k} of {numbers}.", "What are the {k} highest numbers in {numbers}?",
       "Pick {k} values from {numbers}."],
      where=lambda a: a["k"] < len(a["numbers"]),
      weak=Weak(note="Largest values only."))

_PAIR_LIST = NUMS(3, 7, 0, 30, forms=("bracket",))
LISTS("merge_sorted_lists", "", "Merge two lists into one sorted list", "the merged list", "merged list",
      [req("list_a", _PAIR_LIST, "First list.", names=("a", "first")),
       req("list_b", _PAIR_LIST, "Second list.", names=("b", "second")),
       opt("remove_duplicates", BOOL(), "Drop repeated values.", default=False,
           value_phrases={True: ("without duplicates", "removing duplicates"), False: ("keeping duplicates",)},
           names=("unique",))],
      lambda list_a, list_b, remove_duplicates=False: sorted(set(list_a + list_b) if remove_duplicates
                                                              else list_a + list_b),
      ["Merge {list_a} and {list_b} into one sorted list.", "Combine {list_a} with {list_b}, sorted."],
      weak=Weak(note="Keeps duplicates."))

LISTS("chunk_list", "", "Split a list into chunks of a given size", "the chunks", "chunks",
      [req("items", STRS(_ITEMS, 3, 10), "The list to split.", names=("lst", "values")),
       req("size", INT(2, 4), "Chunk size.", names=("chunk_size", "n"))],
      lambda items, size: [items[i:i + size] for i in range(0, len(items), size)] if size > 0 else bad(
          "size", "is not positive", "a positive chunk size"),
      ["Split {items} into groups of {size}.", "Chunk {items} with size {size}.",
       "Break {items} into chunks of {size}."])


def _nested(rng):
    return [[rng.randint(0, 9) for _ in range(rng.randint(1, 3))] for _ in range(rng.randint(2, 4))]


LISTS("flatten_list", "", "Flatten a list of lists into one list", "the flat list", "flattened list",
      [req("nested", CUSTOM({"type": "array", "items": {"type": "array", "items": {"type": "number"}}}, _nested,
                            lambda v, rng: str(v), array=True), "The list of lists.", names=("lists", "items"))],
      lambda nested: [x for sub in nested for x in sub],
      ["Flatten {nested}.", "Turn {nested} into a single list."])

LISTS("list_intersection", "", "Return the values present in both lists", "the common values, sorted",
      "common elements",
      [req("list_a", _PAIR_LIST, "First list.", names=("a", "first")),
       req("list_b", _PAIR_LIST, "Second list.", names=("b", "second"))],
      lambda list_a, list_b: sorted(set(list_a) & set(list_b)),
      ["Which numbers are in both {list_a} and {list_b}?", "Intersection of {list_a} and {list_b}?"])

LISTS("list_difference", "", "Return the values of the first list that are not in the second",
      "the remaining values, sorted",
      "list difference",
      [req("list_a", _PAIR_LIST, "List to keep values from.", names=("a", "first")),
       req("list_b", _PAIR_LIST, "Values to remove.", names=("b", "second"))],
      lambda list_a, list_b: sorted(set(list_a) - set(list_b)),
      ["Which values of {list_a} are not in {list_b}?", "Remove {list_b} from {list_a}."])

LISTS("count_occurrences", "", "Count how many times a value appears in a list", "the count", "occurrence count",
      [req("items", STRS(_ITEMS[:5], 4, 10, distinct=False), "The list.", names=("lst", "values")),
       req("value", TEXT(_ITEMS[:5], bare=True), "The value to count.", names=("target", "item"))],
      lambda items, value: items.count(value),
      ["How many times does {value} appear in {items}?", "Count {value} in {items}."])

LISTS("moving_average", "calculate", "Calculate the simple moving average of a series", "the averages",
      "moving average",
      [req("numbers", NUMS(5, 12, 1, 100), "The series.", names=_NUMBERS),
       req("window", INT(2, 4), "Window size.", names=("window_size", "period"))],
      lambda numbers, window: [sum(numbers[i:i + window]) / window for i in range(len(numbers) - window + 1)],
      ["What is the {window}-point moving average of {numbers}?", "Moving average of {numbers} with window {window}."],
      where=lambda a: a["window"] <= len(a["numbers"]))

LISTS("cumulative_sum", "calculate", "Calculate the running total of a list", "the running totals", "cumulative sum",
      [req("numbers", NUMS(3, 10, -20, 50), "The numbers.", names=_NUMBERS)],
      lambda numbers: [sum(numbers[:i + 1]) for i in range(len(numbers))],
      ["What is the running total of {numbers}?", "Cumulative sum of {numbers}?"])

def _rotate(items, steps):
    k = steps % len(items) if items else 0
    return items[-k:] + items[:-k] if k else list(items)


LISTS("rotate_list", "", "Rotate a list to the right by k steps", "the rotated list", "rotated list",
      [req("items", STRS(_ITEMS, 3, 8), "The list.", names=("lst", "values")),
       req("steps", INT(1, 5), "Positions to rotate right (negative: left).", names=("k", "n"))],
      _rotate,
      ["Rotate {items} to the right by {steps}.", "Shift {items} right {steps} positions."])

LISTS("second_largest", "find", "Find the second largest distinct value", "the value", "second largest number",
      [req("numbers", NUMS(3, 10, 1, 100, distinct=True), "The numbers.", names=_NUMBERS)],
      lambda numbers: sorted(set(numbers))[-2] if len(set(numbers)) > 1 else bad("numbers",
                                                                                 "has fewer than 2 distinct values",
                                                                               "two or more distinct numbers"),
      ["What is the second largest number in {numbers}?", "Runner-up value in {numbers}?"])

LISTS("binary_search", "", "Find a value's index in a sorted list with binary search (-1 when absent)", "the index",
      "position in a sorted list",
      [req("sorted_numbers",
           CUSTOM({"type": "array", "items": {"type": "integer"}},
                  lambda rng: sorted(rng.sample(range(0, 100), rng.randint(5, 12))),
                                    lambda v, rng: sf.number_list(v, rng, forms=("bracket", "commas")), array=True),
           "Numbers in ascending order.", names=("arr", "numbers")),
       req("target", INT(0, 99), "The value to find.", names=("value", "x"))],
      lambda sorted_numbers, target: sorted_numbers.index(target) if target in sorted_numbers else -1,
      ["Where is {target} in the sorted list {sorted_numbers}?", "Binary search for {target} in {sorted_numbers}."])

LISTS("generate_range", "", "Generate an arithmetic range of integers", "the list", "range of numbers",
      [req("start", INT(-20, 50), "First value."), req("stop", INT(0, 200), "End value (exclusive)."),
       opt("step", INT(2, 10), "Increment.", default=1, say=("in steps of {v}", "counting by {v}"))],
      lambda start, stop, step=1: list(range(start, stop, step)),
      ["List the numbers from {start} up to but not including {stop}.", "Generate range({start:d}, {stop:d})."],
      where=lambda a: a["start"] < a["stop"] and (a["stop"] - a["start"]) / a.get("step", 1) <= 60,
      weak=Weak(note="Step 1 only."))

_PEOPLE = ("Alice", "Bruno", "Chen", "Dana", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas")


def _records(rng):
    return [{"name": n, "age": rng.randint(18, 70), "score": rng.randint(40, 100)}
            for n in rng.sample(_PEOPLE, rng.randint(3, 5))]


LISTS("sort_records", "", "Sort a list of records by one of their fields", "the sorted records", "sorted records",
      [req("records", CUSTOM({"type": "array", "items": {"type": "object", "properties": {
          "name": {"type": "string"}, "age": {"type": "integer"}, "score": {"type": "number"}}, "required": ["name"]}},
          _records, lambda v, rng: sf.joined([f"{r['name']} (age {r['age']}, score {r['score']})" for r in v], rng),
          array=True),
           "Records with name, age and score.", names=("rows", "people")),
       req("key",
           ENUM(("name", "age", "score"),
                {"name": ("name", "alphabetically by name"), "age": ("age",), "score": ("score",)}),
           "Field to sort by.", names=("sort_by", "field")),
       opt("descending", BOOL(), "Largest first.", default=False,
           value_phrases={True: ("in descending order", "highest first"), False: ("in ascending order",)},
           names=("reverse",))],
      lambda records, key, descending=False: sorted(records, key=lambda r: r[key], reverse=descending),
      ["Sort these people by {key}: {records}.", "Order {records} by {key}."],
      weak=Weak(drop=("descending",), enums={"key": ("name",)}, note="Sorts by name, ascending only."))

# --------------------------------------------------------------------------------------------------
# computing
# --------------------------------------------------------------------------------------------------

COMP("parse_number_in_base", "", "Parse digits written in a base (2-36) into a decimal integer", "the integer",
     "decimal value of a number in another base",
     [req("digits", CUSTOM({"type": "string"}, lambda rng: rng.choice(("101101", "11111111", "7f", "ff", "777", "1010",
                                                                        "z", "10", "beef", "1001001", "644")),
                           lambda v, rng: sf.text(v, rng, bare=True)), "The digits, e.g. 1011 or ff.",
                           names=("value", "number")),
      req("base", ENUM((2, 8, 10, 16, 36), {2: ("binary", "base 2"), 8: ("octal", "base 8"), 10: ("decimal", "base 10"),
                                            16: ("hexadecimal", "hex", "base 16"), 36: ("base 36",)}), "The base.",
                                            names=("radix",))],
     lambda digits, base: int(digits, base),
     ["What is {digits} in {base} as a decimal number?", "Convert {base} {digits} to decimal.",
      "Parse {digits} as {base}."],
     where=lambda a: _valid_in_base(a["digits"], a["base"]))


def _valid_in_base(digits: str, base: int) -> bool:
    try:
        int(digits, base)
        return True
    except ValueError:
        return False


COMP("download_time", "calculate", "Estimate how long a download takes", "seconds, minutes and hours", "download time",
     [req("file_size_mb", QTY(1, 100000, "MB"), "File size in megabytes.", names=("size_mb", "file_size")),
      req("speed_mbps", QTY(1, 1000, "mbps"), "Connection speed in megabits per second.",
          names=("bandwidth", "speed"))],
     lambda file_size_mb, speed_mbps: (lambda s: {"seconds": s, "minutes": s / 60,
                                                  "hours": s / 3600})(file_size_mb * 8 / speed_mbps),
     ["How long does it take to download {file_size_mb} at {speed_mbps}?",
      "Download time for {file_size_mb} on a {speed_mbps} connection?"])

_ALGOS = ("md5", "sha1", "sha256", "sha512")
COMP("hash_text", "", "Hash a text with a cryptographic hash function", "the hex digest", "hash of a text",
     [req("text", _SENT, "The text to hash (UTF-8).", names=("data", "input")),
      opt("algorithm", ENUM(_ALGOS, {"md5": ("MD5",), "sha1": ("SHA-1", "sha1"), "sha256": ("SHA-256", "sha256"),
                                     "sha512": ("SHA-512",)}), "Hash algorithm.", default="sha256",
          say=("with {v}", "using {v}"), names=("algo", "hash_function"))],
     lambda text, algorithm="sha256": hashlib.new(algorithm, text.encode()).hexdigest(),
     ["Hash {text}.", "What's the hash of {text}?", "Compute a digest of {text}."],
     weak=Weak(drop=(), enums={"algorithm": ("sha256",)}, note="SHA-256 only."))

COMP("base64_encode", "", "Encode a text as Base64", "the Base64 string", "Base64 encoding",
     [req("text", _SENT, "The text (UTF-8).", names=("data", "input"))],
     lambda text: base64.b64encode(text.encode()).decode(),
     ["Base64-encode {text}.", "What is {text} in base64?"])

COMP("base64_decode", "", "Decode a Base64 string to text", "the decoded text", "Base64 decoding",
     [req("data", CUSTOM({"type": "string"}, lambda rng: base64.b64encode(rng.choice(SENTENCES).encode()).decode(),
                         lambda v, rng: sf.text(v, rng, bare=True)), "The Base64 string.", names=("encoded", "input"))],
     lambda data: base64.b64decode(data.encode(), validate=True).decode("utf-8"),
     ["Decode the base64 string {data}.", "What does {data} decode to from Base64?"])

_IPS = ("192.168.1.10", "10.0.5.23", "172.16.4.1", "192.168.2.200", "10.1.0.7", "8.8.8.8", "172.31.255.254")
_CIDRS = ("192.168.1.0/24", "10.0.0.0/16", "172.16.0.0/12", "192.168.0.0/23", "10.0.4.0/22")
COMP("ip_in_subnet", "check", "Check whether an IPv4 address is inside a CIDR subnet", "true when inside",
     "subnet membership",
     [req("ip_address", POOL(_IPS), "IPv4 address.", names=("ip", "address")),
      req("cidr", POOL(_CIDRS), "Subnet in CIDR notation.", names=("subnet", "network"))],
     lambda ip_address, cidr: ipaddress.ip_address(ip_address) in ipaddress.ip_network(cidr, strict=False),
     ["Is {ip_address} in {cidr}?", "Does the subnet {cidr} contain {ip_address}?"], module="net")

COMP("subnet_info", "get", "Describe an IPv4 subnet", "network, broadcast, netmask and host count", "subnet details",
     [req("cidr", POOL(_CIDRS + ("10.10.10.0/28", "192.168.100.0/30")), "Subnet in CIDR notation.",
          names=("subnet", "network"))],
     lambda cidr: (lambda n: {"network": str(n.network_address), "broadcast": str(n.broadcast_address),
                              "netmask": str(n.netmask), "usable_hosts": max(n.num_addresses - 2, 0)})(
         ipaddress.ip_network(cidr, strict=False)),
     ["What is the broadcast address of {cidr}?", "How many hosts fit in {cidr}?", "Subnet details for {cidr}."],
     module="net")

_URLS = ("https://shop.example.com/products/42?color=red&size=m", "http://localhost:8080/api/v1/users?page=2",
         "https://docs.example.org/guide/install#linux", "ftp://files.example.net/pub/data.csv",
         "https://www.example.com/search?q=weather+paris&lang=en")
COMP("parse_url", "", "Split a URL into its parts", "scheme, host, port, path, query parameters and fragment",
     "URL parts",
     [req("url", TEXT(_URLS, bare=True), "The URL.", names=("link", "address"))],
     lambda url: (lambda u: {"scheme": u.scheme, "host": u.hostname, "port": u.port, "path": u.path,
                             "query": dict(parse_qsl(u.query)), "fragment": u.fragment})(urlparse(url)),
     ["Parse the URL {url}.", "What are the query parameters in {url}?", "Break down {url} into its components."],
     module="net")

_COLORS = ("#ff5733", "#00ff00", "#1e90ff", "#ffffff", "#000000", "#808080", "#ffd700", "#8a2be2", "#ff69b4", "#2e8b57")
COMP("hex_to_rgb", "convert", "Convert a hex color code to RGB", "red, green and blue (0-255)", "RGB values of a color",
     [req("hex_color", TEXT(_COLORS, bare=True, schema={"type": "string", "pattern": "^#?[0-9a-fA-F]{6}$"}),
          "Color like #ff5733.",
          names=("color", "hex"))],
     lambda hex_color: (lambda h: {"red": int(h[0:2], 16), "green": int(h[2:4], 16),
                                   "blue": int(h[4:6], 16)})(hex_color.lstrip("#")),
     ["What are the RGB values of {hex_color}?", "Convert {hex_color} to RGB."], module="color")

COMP("rgb_to_hex", "convert", "Convert RGB components to a hex color code", "the hex code", "hex color code",
     [req("red", INT(0, 255), "Red, 0-255.", names=("r",)), req("green", INT(0, 255), "Green, 0-255.", names=("g",)),
      req("blue", INT(0, 255), "Blue, 0-255.", names=("b",))],
     lambda red, green, blue: f"#{red:02x}{green:02x}{blue:02x}",
     ["What is the hex code for RGB({red:d}, {green:d}, {blue:d})?",
      "Convert red {red}, green {green}, blue {blue} to hex."],
     module="color")


def _strength(password):
    checks = {"length_12": len(password) >= 12, "lowercase": any(c.islower() for c in password),
              "uppercase": any(c.isupper() for c in password), "digit": any(c.isdigit() for c in password),
              "symbol": any(not c.isalnum() for c in password)}
    score = sum(checks.values())
    return {"score": score, "rating": ("very weak", "weak", "fair", "good", "strong", "very strong")[score],
            "checks": checks}


COMP("password_strength", "check", "Rate the strength of a password", "a score from 0 to 5 with the checks",
     "password strength",
     [req("password", TEXT(("hunter2", "P@ssw0rd!", "correcthorsebatterystaple", "Tr0ub4dor&3", "123456", "qwerty",
                            "S3cure#Passphrase2026", "letmein")), "The password.", names=("pwd",))],
     _strength,
     ["How strong is the password {password}?", "Rate the password {password}."], module="security")

COMP("bitwise_operation", "", "Apply a bitwise operation to two integers", "the result in decimal and binary",
     "bitwise result",
     [req("a", INT(0, 255), "First integer."), req("b", INT(0, 255), "Second integer."),
      req("operation", ENUM(("and", "or", "xor"), {"and": ("AND", "and"), "or": ("OR", "or"), "xor": ("XOR", "xor")}),
          "Which operation.", names=("op",))],
     lambda a, b, operation: (lambda r: {"decimal": r, "binary": bin(r)[2:]})(
         {"and": a & b, "or": a | b, "xor": a ^ b}[operation]),
     ["What is {a:d} {operation} {b:d} bitwise?", "Compute the bitwise {operation} of {a} and {b}."],
     weak=Weak(enums={"operation": ("and", "or")}, note="AND and OR only."))

COMP("validate_email", "check", "Check whether a string is a syntactically valid email address", "true when valid",
     "email validity",
     [req("email",
          TEXT(("alice@example.com", "bob@@mail.org", "carol.smith@uni.edu", "no-at-sign.com", "dave@localhost",
                         "eve+news@shop.co.uk", "frank@site", "grace@example..com")), "The address.",
                         names=("address",))],
     lambda email: bool(re.fullmatch(r"[\w.+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
                                     email)) and ".." not in email,
     ["Is {email} a valid email address?", "Check the email {email}."], module="validate")

SPECS = DATES.specs + TEXTS.specs + LISTS.specs + COMP.specs
