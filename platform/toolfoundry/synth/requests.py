"""Requests for a tool of any catalog, from its description, name and JSON Schema alone.

The synthetic generator (:mod:`toolfoundry.synth.queries`) writes queries for tools it designed;
a user's catalog has only ``name``, ``description`` and ``parameters``. This module

- reads the tool's **purposes** from its description (and name): verb phrases a user could ask for
  (``"Looks up interview slot availability."`` → ``look up interview slot availability``; ``"A
  calculator app that executes a given formula"`` → ``execute a given formula``; ``your`` → ``my``)
  and the objects its name talks about (``search_interview_slots`` → ``interview slots``), with the
  leading verb often replaced by another of the same meaning, so a request names the purpose in
  other words and never copies the tool's name;
- fills the arguments with plausible values of the right kinds (:mod:`toolfoundry.synth.schema_values`)
  and writes a request around them (``Could you find interview slots for Rosa Moreau on March 5,
  2026?``), with its exact gold call;
- joins the clauses of two or three tools into one multi-tool request;
- holds the checks a generated request must pass (:func:`names_tool`, :func:`is_english`,
  :func:`normalize`), shared by the schema-driven and the LLM-written requests.

Pure Python, seeded; no model, no Ray.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass, field

from toolfoundry.documents import is_opaque, split_identifier
from toolfoundry.schema import Tool
from toolfoundry.synth import surface
from toolfoundry.synth.schema_values import NoValue, Value, draw_arguments, validator

# Verbs a tool description starts with (base forms); a description's first verb must be one of
# these (or a known third-person / gerund form of one) to become a purpose.
VERBS = frozenset("""
abort accept access add adjust adopt aggregate alert analyse analyze annotate announce answer appeal apply
approve archive arrange ask assemble assess assign attach audit authenticate authorize automate backup bake
ban become begin bill block book bookmark boost borrow brew bring broadcast browse build buy calculate
calibrate call cancel caption capture cast categorize certify change charge chart chat check claim classify
clean clear clone close collect combine comment compare compile complete compose compress compute configure
confirm connect contact contest control convert cook copy correct count crawl create credit crop curate
customize debit decline decode decrypt define delegate delete deliver deploy deposit describe design detach
detect determine diagnose dial disable disconnect discover dispatch display dispute do donate download draft
draw dub duplicate earn edit elevate embed empower enable encode encrypt end enhance enjoy enroll enter
enumerate escalate estimate evaluate examine execute expand expedite experience explain explore export extend
extract fax feed fetch file fill filter find fix flag flip fold follow forecast form format forward freeze
fund gather generate geocode get give go grab grade graph greet grill group guess guide harness hedge help
hide highlight hire hold host identify import improve index inspect install insure interact invest invite
invoice issue join keep launch learn lease lend level link list listen load locate lock log login logout look
loop make manage map mark match measure meet mention merge migrate mint mirror mix modify monetize monitor
move mute narrate navigate notify obtain offer onboard open optimize order organize outline pair paraphrase
parse paste pause pay perform pick pin ping plan play plot poll populate post postpone practice predict prep
prepare preview price print prioritize process produce proofread prototype provide publish pull purchase
purge query quote rank rate read reboot recharge recognize recommend reconcile record recruit redeem redirect
refer refill refresh refund register reimburse reject relay release reload remind remix remove rename render
renew rent reopen reorder repair repeat rephrase replace reply report request reroute reschedule research
reserve reset resize resolve respond restart restock restore resume retrieve return review revoke rewind
rewrite roll rotate route run sample save scale scan schedule score scrape screen search see segment select
sell send set shape share shop shorten show shuffle shutdown sign simplify simulate sketch skip snooze solve
sort speak spell split spot start stay stop store stream study submit subscribe suggest summarise summarize
supply support swap switch sync tabulate tag take talk teach terminate test tip trace track trade transcode
transcribe transfer transform translate trim tune turn tutor tweet unarchive unblock unfollow unleash unlock
unmute unpair unsubscribe unzip update upgrade upload use vaccinate validate verify view visualize void vote
walk warn watch water weigh whitelist withdraw write zip
""".split())
# a verb → words of the same meaning, so a request names the purpose in other words
SYNONYMS: dict[str, tuple[str, ...]] = {
    "get": ("fetch", "look up", "find", "pull up"), "fetch": ("get", "retrieve", "pull up"),
    "retrieve": ("get", "fetch", "look up"), "obtain": ("get", "find"), "look up": ("find", "check", "get"),
    "find": ("look for", "track down", "search for"), "search": ("look for", "find", "hunt for"),
    "search for": ("look for", "find"), "locate": ("find", "track down"), "query": ("look up", "ask about"),
    "create": ("make", "set up", "add"), "add": ("create", "put in"), "make": ("create", "put together"),
    "generate": ("produce", "create", "come up with"), "produce": ("generate", "make"),
    "book": ("reserve", "arrange"), "reserve": ("book", "hold"), "cancel": ("call off", "drop"),
    "delete": ("remove", "erase"), "remove": ("delete", "take out"), "update": ("change", "modify", "edit"),
    "change": ("update", "modify"), "modify": ("change", "update"), "edit": ("change", "revise"),
    "list": ("show", "show me all", "enumerate"), "show": ("display", "give me"), "display": ("show",),
    "send": ("deliver", "dispatch", "shoot off"), "calculate": ("compute", "work out", "figure out"),
    "compute": ("calculate", "work out"), "convert": ("change", "turn"), "translate": ("render", "put"),
    "recommend": ("suggest", "propose"), "suggest": ("recommend", "propose"), "check": ("verify", "see"),
    "verify": ("check", "confirm"), "summarize": ("sum up", "condense"), "summarise": ("sum up", "condense"),
    "track": ("follow", "monitor", "keep an eye on"), "monitor": ("watch", "keep an eye on"),
    "compare": ("weigh up", "contrast"), "analyze": ("examine", "break down"), "analyse": ("examine",),
    "explore": ("discover", "browse"), "discover": ("find", "explore"), "learn": ("find out", "study"),
    "shop": ("browse",), "buy": ("purchase", "order"), "purchase": ("buy",), "order": ("buy", "get"),
    "schedule": ("plan", "set up"), "plan": ("organize", "arrange"), "organize": ("arrange", "sort out"),
    "write": ("draft", "compose"), "draft": ("write",), "compose": ("write",), "play": ("put on", "start"),
    "download": ("save", "grab"), "extract": ("pull out", "get"), "predict": ("forecast", "estimate"),
    "forecast": ("predict", "project"), "estimate": ("approximate", "work out"), "manage": ("handle",),
    "provide": ("give me", "get"), "return": ("get", "give me"), "give": ("provide", "get"),
    "view": ("see", "look at"), "watch": ("follow",), "register": ("record", "log"),
    "subscribe": ("sign up",), "notify": ("alert",), "alert": ("notify", "warn"), "start": ("begin", "launch"),
    "begin": ("start",), "stop": ("end", "halt"), "submit": ("send in", "file"), "identify": ("figure out",),
    "detect": ("spot", "identify"), "classify": ("categorize", "sort"), "improve": ("enhance", "polish"),
    "optimize": ("improve", "tune"), "rewrite": ("rephrase", "reword"), "transfer": ("move", "send"),
    "pay": ("settle",), "rate": ("score",), "review": ("go over",), "share": ("post",),
    "publish": ("post",), "export": ("save",), "read": ("go through",), "help": ("assist",),
    "design": ("create",), "build": ("make", "put together"), "evaluate": ("assess",), "assess": ("evaluate",),
    "explain": ("clarify", "describe"), "describe": ("explain",), "solve": ("work out", "crack"),
    "parse": ("read", "process"), "sort": ("order", "arrange"), "filter": ("narrow down",),
    "access": ("open", "get into"), "open": ("start",), "run": ("execute",), "execute": ("run",),
    "program": ("set up", "configure"), "project": ("forecast", "predict"), "withdraw": ("cancel", "call off"),
    "interact": ("chat",), "chat": ("talk",), "talk": ("chat",), "measure": ("gauge",), "count": ("tally",),
}
_IRREGULAR = {"goes": "go", "lets": "let", "sets": "set",
              "puts": "put", "cuts": "cut", "runs": "run", "gets": "get"}
_TOOL_WORDS = r"(?:add-on|addon|tool|api|endpoint|function|plugin|app|application|service|skill|method|operation|bot|assistant|" \
              r"website|site|platform|extension|integration|utility|engine)"
_LEAD_INS = (
    re.compile(rf"^(?:(?:this|the|our|a|an)\s+)?(?:[\w-]+\s+){{0,4}}?{_TOOL_WORDS}\s+(?:lets you|allows you to|enables you "
               rf"to|helps you(?: to)?|helps|can be used to|is used to|is designed to|is able to|will|can|that can|"
               rf"which can|that|which|to)\s+(.*)$", re.I),
    re.compile(rf"^(?:this|the|our|a|an)?\s*(?:[\w-]+\s+){{0,4}}?{_TOOL_WORDS}\s+(?:for|to)\s+(.*)$", re.I),
    re.compile(rf"^(?:this|the|our)\s+{_TOOL_WORDS}\s+(.*)$", re.I),
    re.compile(r"^(?:use (?:this|it) to|lets you|allows you to|enables you to|helps you(?: to)?|you can|"
               r"easily|quickly|instantly|simply|effortlessly)\s+(.*)$", re.I),
    re.compile(r"^(?:a|an)\s+.{0,80}?\b(?:that|which)\s+(.*)$", re.I),
    re.compile(r"^(?:the\s+)?(?:best|easiest|fastest|simplest|smartest|quickest)\s+way\s+to\s+(.*)$", re.I),
    re.compile(r"^(?:this|it)\s+(?:allows|lets|helps|enables)\s+(?:you|users|people)\s+(?:to\s+)?(.*)$", re.I),
    re.compile(r"^for\s+(\w+ing\b.*)$", re.I),
    re.compile(r"^\w+ly\s+(.*)$", re.I),
    re.compile(r"^.{0,100}?\b(?:you|users) can (?:also |even |easily |now |quickly )?(.*)$", re.I),
    re.compile(r"^(?:the\s+)?(?:[A-Z][\w.&-]*\s+){1,4}(\w+s\b.*)$"),
)
_DETERMINERS = frozenset("""a an the your all any every each some several multiple future new current latest
live real-time daily detailed personalized custom relevant various many more most one its their our my this
these those past upcoming nearby local""".split())
_PRONOUNS = ((r"\byourself\b", "myself"), (r"\byours\b", "mine"), (r"\byour\b", "my"), (r"\byou're\b", "I'm"),
             (r"\byou are\b", "I am"), (r"\byou (?=(?:can|will|could|may|might|should|need|want|get|have|like|"
                                              r"love|know|see)\b)", "I "), (r"\byou\b", "me"))
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_NORM = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> str:
    """Lower case, words only: the key two requests are compared (and deduplicated) by."""
    return " ".join(_NORM.sub(" ", (text or "").lower()).split())


def _base_verb(word: str, gerund: bool = True) -> str | None:
    w = word.lower()
    if not gerund and w.endswith("ing"):
        return None
    if w in VERBS:
        return w
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    cands = []
    if w.endswith("ies"):
        cands.append(w[:-3] + "y")
    if w.endswith("es"):
        cands.append(w[:-2])
    if w.endswith("s"):
        cands.append(w[:-1])
    if w.endswith("ing"):
        stem = w[:-3]
        cands += [stem, stem + "e", stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem]
    return next((c for c in cands if c in VERBS), None)


def _tidy_clause(text: str, max_words: int) -> str:
    text = re.sub(r"\([^)]*\)", " ", text)
    text = re.sub(r"\s+", " ", text).strip(" .!?;:,-–—")
    words = text.split()
    if len(words) > max_words:  # a long clause ends at its first comma, semicolon or dash after 6 words
        cut = next((i for i, w in enumerate(words) if i >= 6 and w[-1] in ",;:"), None)
        words = words[: (cut + 1) if cut is not None and cut < max_words else max_words]
        text = " ".join(words).rstrip(",;:")
        text = re.sub(r"\s+(?:and|or|with|for|to|of|in|on|the|a|an|by|from|at|&)$", "", text)
    return text


def _you_to_me(text: str) -> str:
    for pattern, repl in _PRONOUNS:
        text = re.sub(pattern, repl, text, flags=re.I)
    return text


@dataclass(frozen=True)
class Purpose:
    """What a user can ask a tool for: an imperative verb phrase (``verb`` + ``rest``), or, when
    ``verb`` is empty, a noun phrase (``rest``: the things the tool is about)."""

    verb: str
    rest: str

    @property
    def text(self) -> str:
        return f"{self.verb} {self.rest}".strip()


def name_forms(tool: Tool) -> list[str]:
    """The spellings of the tool's name a request must not contain: the identifier itself (unless it
    is one plain word: ``calculator``, ``search``, ``now``), and its words in a row when they are
    three or more, or two starting with a verb (``book_restaurant``, ``get_weather``)."""
    raw = (tool.name or "").strip()
    words = split_identifier(raw).lower().split()
    forms = []
    plain = len(words) == 1 and raw.isalpha() and (
        raw.lower() in VERBS or raw.lower() in _ENGLISH or
        re.search(rf"(?<![A-Za-z]){re.escape(raw.lower())}(?![A-Za-z])", tool.description or "") is not None)
    if len(raw) >= 3 and not plain and not is_opaque(raw):
        forms.append(raw.lower())
    if len(words) >= 3 or (len(words) == 2 and _base_verb(words[0])):
        forms.append(" ".join(words))
    return forms


@functools.lru_cache(maxsize=100_000)
def _name_checks(name: str, description: str) -> tuple[tuple[str, ...], tuple[re.Pattern, ...]]:
    forms = name_forms(Tool(id="", name=name, description=description))
    phrases = tuple(f" {normalize(f)} " for f in forms)
    patterns = tuple(re.compile(rf"(?<![a-z0-9]){re.escape(f)}(?![a-z0-9])") for f in forms if " " not in f)
    return phrases, patterns


def names_tool(text: str, tool: Tool) -> bool:
    """True when ``text`` copies the tool's name (:func:`name_forms`), ignoring case and punctuation."""
    phrases, patterns = _name_checks(tool.name or "", tool.description or "")
    if not phrases:
        return False
    norm = f" {normalize(text)} "
    if any(p in norm for p in phrases):
        return True
    low = (text or "").lower()
    return any(p.search(low) for p in patterns)


def strip_name(text: str, tool: Tool) -> str:
    """``text`` without the tool's name (:func:`name_forms`) and a preposition that led to it:
    ``shop Tira for beauty brands`` → ``shop for beauty brands``."""
    for form in name_forms(tool):
        words = [re.escape(w) for w in form.split()]
        body = r"[\s_-]*".join(words)
        pat = re.compile(rf"(?:\b(?:with|using|via|on|from|through|at|in|by|of)\s+)?(?<![A-Za-z0-9]){body}"
                         rf"(?![A-Za-z0-9])(?:'s)?", re.I)
        text = pat.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip(" ,")


def verb_phrase(sentence: str, max_words: int = 14) -> Purpose | None:
    """The imperative purpose in one sentence of a description, or None when it names none."""
    s = sentence.strip().strip("\"'")
    if not s or s.endswith("?"):
        return None
    lead_in = False
    for pattern in _LEAD_INS if _base_verb(s.split(" ", 1)[0].strip(",.:;!"), gerund=False) is None else ():
        m = pattern.match(s)
        if m:
            body = re.sub(r"^(?:allows?|lets?|helps?|enables?)\s+(?:you|users|people|customers)\s+(?:to\s+)?", "",
                          m.group(1), flags=re.I)
            if _base_verb(body.split(" ", 1)[0].strip(",.")):
                s, lead_in = body, True
                break
    words = s.split()
    if not words:
        return None
    first = words[0].strip(",.:;!")
    base = _base_verb(first, gerund=lead_in)
    # "Returns/Provides/Gives X" describe an output: the user asks to get X
    if base is None and len(words) > 1 and re.fullmatch(r"[A-Za-z]{3,}[^s]s", first) and \
            words[1].lower().strip(",") in _DETERMINERS:
        base = first.lower()[:-1]  # "Programs a timer", "Projects future demand": a verb we do not list
    if base in ("return", "provide", "supply", "report", "offer", "give"):
        base = "get"
    if base is None:
        return None
    rest = " ".join(words[1:])
    if base == "look" and rest.lower().startswith("up "):
        base, rest = "look up", rest[3:]
    elif base == "search" and rest.lower().startswith("for "):
        base, rest = "search for", rest[4:]
    rest = _tidy_clause(_you_to_me(_coordinated(rest)), max_words)
    if not rest or len(rest.split()) < 1:
        return None
    return Purpose(base, rest)


def noun_phrase(sentence: str, max_words: int = 12) -> Purpose | None:
    """A description that names no action (``Latest live soccer standings, results, commentary.``)
    as the thing a user looks for; None for a question, an exclamation or a long sentence."""
    s = " ".join(sentence.split()).strip()
    if not s or s.endswith(("?", "!")):
        return None
    s = _tidy_clause(_you_to_me(s), max_words)
    words = s.split()
    if not words or len(words) > max_words or len(words) < 2:
        return None
    if words[0][1:].islower() and (len(words) < 2 or words[1][:1].islower()):
        words[0] = words[0].lower()
    if words[0] in ("A", "An"):
        words[0] = words[0].lower()
    return Purpose("", " ".join(words))


def _coordinated(text: str) -> str:
    """Later verbs of a coordination in the base form too: ``…, analyzes & ranks every car`` →
    ``…, analyze & rank every car``."""
    words = text.split()
    for i in range(1, len(words)):
        prev = words[i - 1]
        if prev.lower() in ("and", "&", "or", "then") or prev.endswith(","):
            core = words[i].strip(",.;:")
            base = _base_verb(core) if core.lower() not in VERBS else None
            if base and core.lower() != base and core.lower().endswith("s"):
                words[i] = words[i].replace(core, base)
    return " ".join(words)


def purposes(tool: Tool, max_sentences: int = 4) -> list[Purpose]:
    """The tool's purposes: verb phrases from its description's first sentences (with synonyms of
    their verbs), and the objects its name is about; none of them contains the tool's name."""
    actions: list[Purpose] = []
    outputs: list[Purpose] = []
    sentences = []
    for s in _SENTENCE.split(" ".join((tool.description or "").split()))[:max_sentences]:
        # "Needs a, b; optionally c" sentences of generated catalogs are parameter lists, not purposes
        if re.match(r"^(?:needs|takes|inputs|requires|accepts|optional|parameters|arguments)\b", s, re.I):
            continue
        sentences += [part for part in re.split(r"(?<=\w):\s+", s) if part]  # "Go beyond X: harness Y"
    for i, s in enumerate(sentences):
        p = verb_phrase(strip_name(s, tool))
        if p is None:
            continue
        # a later "Returns/Provides X" says what comes back: a purpose only when the description has no other
        later_output = i > 0 and re.match(r"^(?:returns|provides|gives|supplies|reports)\b", s, re.I)
        (outputs if later_output else actions).append(p)
    if not actions and not outputs and sentences:
        np = noun_phrase(strip_name(sentences[0], tool))
        if np:
            outputs.append(np)
    out: list[Purpose] = []
    for p in actions or outputs:
        out.append(p)
        out += [Purpose(syn, p.rest) for syn in SYNONYMS.get(p.verb, ())]
    words = split_identifier(tool.name).lower().split()
    obj_words = words[1:]
    # the objects a verb_object name is about (search_interview_slots → interview slots), when short
    if len(words) >= 3 and _base_verb(words[0]) and len(obj_words) <= 3 and all(
            len(w) >= 3 and w.isalpha() for w in obj_words):
        obj = " ".join(obj_words)
        out += [Purpose(syn, obj) for syn in SYNONYMS.get(_base_verb(words[0]), ())[:2]]
        out.append(Purpose("", obj))
    uniq, seen = [], set()
    for p in out:
        key = normalize(p.text)
        if key and key not in seen and not names_tool(p.text, tool):
            seen.add(key)
            uniq.append(p)
    return uniq


# ---------------------------------------------------------------------------------- language check
_ENGLISH = frozenset("""
a about all also am an and any are as at be been but by can could do does for from get give have
help how i i'd i'm if in into is it its just know let like look me more my need next of on or our
please show so some tell than that the their them then there these this to up us want was we what now
when where which who why will with would you your find check make book send set list get
""".split())


def is_english(text: str, min_share: float = 0.15) -> bool:
    """A cheap English check for short requests: Latin letters and at least ``min_share`` of the
    words among common English function words (at least one). A heuristic, not a language model:
    it rejects other scripts and most non-English sentences, and may pass code-mixed text."""
    letters = [c for c in text if c.isalpha()]
    if not letters or sum(c.isascii() for c in letters) / len(letters) < 0.9:
        return False
    words = re.findall(r"[a-z']+", text.lower())
    hits = sum(w in _ENGLISH for w in words)
    return hits >= 1 and hits / max(1, len(words)) >= min_share


# ----------------------------------------------------------------------------------- requests
_LEADS_VERB = ("Can you {p}", "Could you {p}", "Please {p}", "I need to {p}", "Help me {p}", "I'd like to {p}",
               "I want to {p}", "Would you {p}", "Is it possible to {p}", "How can I {p}", "I'm trying to {p}",
               "Can I {p}", "{P}", "{P}, please", "Quick one: {p}", "Hey, can you {p}")
_LEADS_NOUN = ("I'm looking for {p}", "Show me {p}", "I need {p}", "What about {p}", "Looking for {p}",
               "Got anything on {p}", "Info on {p}, please", "Where can I find {p}")


@dataclass(frozen=True)
class Request:
    """One generated request: the text, its gold arguments (canonical values) and how it was made."""

    query: str
    arguments: dict = field(default_factory=dict)
    purpose: str = ""
    template: str = ""


def _end(text: str, lead: str) -> str:
    q = lead.startswith(("Can", "Could", "Would", "Is it", "How", "Any", "What", "Got", "Hey"))
    return text.rstrip(" ,") + ("?" if q else ".")


def clause(purpose: Purpose, values: list[Value], rng: random.Random) -> str:
    """The purpose with its argument phrases, shuffled, without a lead (for multi-tool requests)."""
    phrases = [v.phrase for v in values if v.phrase]
    rng.shuffle(phrases)
    return " ".join([purpose.text] + phrases)


def render(purpose: Purpose, values: list[Value], rng: random.Random) -> tuple[str, str]:
    """A whole request around ``purpose`` and the argument phrases; returns (text, template)."""
    body = clause(purpose, values, rng)
    leads = _LEADS_VERB if purpose.verb else _LEADS_NOUN
    lead = rng.choice(leads)
    text = lead.replace("{P}", surface.capitalize(body)).replace("{p}", body)
    return surface.tidy(_end(text, lead)), f"{'verb' if purpose.verb else 'noun'}:{leads.index(lead)}"


def schema_requests(tool: Tool, n: int, seed: int, *, optional_rate: float = 0.3,
                    max_attempts: int | None = None) -> tuple[list[Request], list[str]]:
    """Up to ``n`` distinct requests for ``tool`` with gold arguments that validate against its
    schema; a pure function of ``(seed, tool)``. Returns the requests and the problems met (why
    fewer than ``n`` came out: no purpose, a parameter no value could be drawn for …)."""
    rng = random.Random(f"{seed}:schema:{tool.id}")
    found = purposes(tool)
    if not found:
        return [], ["no_purpose: the description names no action and the name no object"]
    check = validator(tool.parameters)
    out, seen, problems = [], set(), []
    tries = max_attempts or 6 * n + 10
    for _ in range(tries):
        if len(out) >= n:
            break
        p = rng.choice(found)
        try:
            values = draw_arguments(tool.parameters, rng, optional_rate=optional_rate, check=check)
        except NoValue as err:
            problems.append(f"no_value: {err}")
            break
        args = {v.name: v.value for v in values}
        errors = sorted(check.iter_errors(args), key=lambda e: list(e.path))
        if errors:
            problems.append(f"invalid_arguments: {errors[0].message}")
            continue
        text, template = render(p, values, rng)
        key = normalize(text)
        if key in seen:
            continue
        seen.add(key)
        out.append(Request(text, args, p.text, template))
    return out, problems


_JOINS_2 = ("{a}, and then {b}", "{a} and also {b}", "First {a}, then {b}", "{a}; after that, {b}",
            "I need to {a} and {b}", "Can you {a} and then {b}", "Please {a}, and {b} as well")
_JOINS_3 = ("{a}, {b}, and then {c}", "First {a}, then {b}, and finally {c}", "I need to {a}, {b} and {c}",
            "Can you {a}, then {b}, and also {c}")


def join_clauses(clauses: list[str], rng: random.Random) -> str:
    """Two or three clauses joined as one request a user would write."""
    if len(clauses) == 2:
        form = rng.choice(_JOINS_2)
        text = form.format(a=clauses[0], b=clauses[1])
    elif len(clauses) == 3:
        form = rng.choice(_JOINS_3)
        text = form.format(a=clauses[0], b=clauses[1], c=clauses[2])
    else:
        raise ValueError(f"{len(clauses)} clauses; a multi-tool request joins 2 or 3")
    question = form.startswith("Can")
    return surface.tidy(text.rstrip(" ,") + ("?" if question else "."))


__all__ = ["Purpose", "Request", "SYNONYMS", "VERBS", "clause", "is_english", "join_clauses", "names_tool",
           "normalize", "purposes", "render", "schema_requests", "strip_name", "verb_phrase"]
