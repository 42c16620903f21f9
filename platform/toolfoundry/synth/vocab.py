"""The generator's vocabulary: domains, their entities, operation kinds and slot value pools.

A tool is one (domain, entity, operation) *base* plus a *variant* (a market/segment scope). The
entity's kind decides which operations exist; each operation names its parameters as slots; each
slot type knows its JSON Schema, how to draw a value and how a user would say it in a query.

Entities are written one per line as ``slug|synonym;synonym|kind|param:slot,param:slot`` so that the
table stays readable; they are parsed once at import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --------------------------------------------------------------------------------------------------
# value pools
# --------------------------------------------------------------------------------------------------

CITIES = (
    "Paris London Tokyo Berlin Madrid Rome Lisbon Vienna Prague Warsaw Dublin Oslo Stockholm Helsinki "
    "Copenhagen Amsterdam Brussels Zurich Geneva Athens Istanbul Cairo Nairobi Lagos Johannesburg Dubai "
    "Mumbai Delhi Bangalore Singapore Bangkok Jakarta Manila Seoul Osaka Beijing Shanghai Sydney Melbourne "
    "Auckland Toronto Vancouver Montreal Chicago Boston Seattle Denver Austin Miami Atlanta Phoenix "
    "Houston Dallas Lima Bogota Santiago Quito Havana Reykjavik Edinburgh Marseille Lyon Munich Hamburg"
).split()
CITIES += ["New York", "San Francisco", "Los Angeles", "Mexico City", "Buenos Aires", "Sao Paulo", "Hong Kong",
           "Cape Town", "Kuala Lumpur", "Rio de Janeiro", "Tel Aviv", "Abu Dhabi"]
COUNTRIES = (
    "France Germany Spain Italy Portugal Japan Brazil Canada Mexico India Kenya Nigeria Egypt Norway Sweden "
    "Finland Denmark Poland Austria Greece Turkey Chile Peru Colombia Argentina Australia Thailand Vietnam "
    "Indonesia Ireland Iceland Morocco Ghana Singapore Switzerland Belgium Netherlands Estonia Croatia"
).split()
FIRST = ("Alice Bruno Chen Dana Elif Farid Grace Hiro Ines Jonas Kemal Lena Marco Nadia Omar Priya Quinn Rosa "
         "Sven Tariq Uma Victor Wen Ximena Yusuf Zoe Amara Bilal Carmen Diego Emma Felix Hana Ivan Julia "
         "Kofi Lucia Mateo Nora Oscar Paula Rafael Sara Tomas").split()
LAST = ("Garcia Smith Tanaka Muller Rossi Dubois Kowalski Novak Silva Jensen Okafor Haddad Kim Patel Nguyen "
        "Ivanova Larsen Costa Moreau Fischer Lopez Sato Ahmed Brown Schmidt Wright Mensah Sousa Berg Khan").split()
COMPANIES = ("Acme Globex Initech Umbrella Hooli Vandelay Stark Wayne Tyrell Cyberdyne Soylent Wonka Aperture "
             "Gringotts Oscorp Pied-Piper Massive Dynamic Nakatomi Monarch Zorg Virtucon Duff Krusty").split()
TICKERS = ("AAPL MSFT GOOGL AMZN TSLA NVDA META NFLX IBM ORCL INTC AMD SAP ASML SONY TM BABA SHOP UBER ABNB "
           "KO PEP NKE DIS V MA JPM GS BAC XOM CVX PFE MRK JNJ WMT COST").split()
CRYPTO = "BTC ETH SOL ADA DOT XRP DOGE AVAX LTC LINK".split()
CURRENCIES = "USD EUR GBP JPY CHF CAD AUD SEK NOK INR BRL MXN SGD ZAR".split()
LANGUAGES = "english spanish french german italian portuguese japanese korean chinese arabic hindi dutch".split()
TOPICS = ("climate policy, electric vehicles, quantum computing, remote work, vaccine research, space launches, "
          "renewable energy, supply chains, interest rates, machine learning, urban gardening, ocean plastics, "
          "cybersecurity, housing prices, microplastics, battery recycling, sleep science, coral reefs, "
          "gene editing, startup funding, esports, public transit, minimum wage, wildfire prevention").split(", ")
PRODUCTS = ("wireless headphones, running shoes, espresso machine, standing desk, air purifier, gaming laptop, "
            "yoga mat, electric kettle, smart watch, winter jacket, robot vacuum, mechanical keyboard, "
            "camping tent, baby stroller, office chair, 4k monitor, blender, hiking backpack").split(", ")
DISHES = ("lasagna, chicken curry, vegan chili, pad thai, banana bread, mushroom risotto, fish tacos, "
          "lentil soup, ramen, shakshuka, paella, falafel, pancakes, beef stew, caesar salad").split(", ")
SONGS = ("Blue Horizon, Midnight Train, Paper Moons, Golden Hour, Electric Rain, Silent River, Neon Lights, "
         "Wild Hearts, Summer Static, Northern Skies").split(", ")
ROOMS = "kitchen living_room bedroom office garage hallway bathroom garden".split()
AIRPORTS = "JFK LHR CDG HND FRA MAD FCO AMS DXB SIN LAX ORD ATL SFO SYD YYZ GRU IST BCN MUC".split()
TEAMS = ("Falcons, Rovers, Tigers, Comets, Wolves, Harbor City FC, Red Stars, Blue Jays, Thunder, Mariners, "
         "United, Athletic").split(", ")
SPORTS = "football basketball tennis baseball cricket hockey rugby volleyball".split()
SKILLS = ("python, data analysis, nursing, welding, graphic design, accounting, project management, "
          "copywriting, machine learning, carpentry, sales, customer support").split(", ")
GENRES = "rock jazz pop classical hiphop electronic folk blues".split()
CUISINES = "italian japanese mexican indian thai french vegan chinese greek lebanese".split()
STATUSES = "open pending in_progress resolved closed on_hold".split()
PRIORITIES = "low medium high urgent".split()
SORTS = "relevance price rating newest".split()
UNITS_METRIC = "celsius fahrenheit".split()
SYMPTOMS = "headache, fever, sore throat, back pain, rash, cough, dizziness, nausea".split(", ")
PLANTS = "tomato, basil, rose, orchid, fern, lemon tree, cactus, lavender".split(", ")
BREEDS = "labrador, beagle, poodle, siamese cat, bulldog, parrot, hamster, golden retriever".split(", ")
VEHICLES = "Toyota Corolla, Honda Civic, Tesla Model 3, Ford F-150, VW Golf, BMW X5, Kia Niro, Mazda CX-5".split(", ")
COURSES = "calculus, organic chemistry, world history, macroeconomics, linear algebra, biology 101, statistics".split(", ")
BOOKS = "Dune, Beloved, The Hobbit, Middlemarch, Neuromancer, Things Fall Apart, Pachinko, The Road".split(", ")
MOVIES = "Arrival, Parasite, Casablanca, Spirited Away, Heat, Amelie, Alien, The Matrix".split(", ")
ZONES = "UTC Europe/Paris America/New_York Asia/Tokyo Australia/Sydney America/Chicago Asia/Kolkata".split()

# --------------------------------------------------------------------------------------------------
# slot types: JSON Schema, value draw, query phrases
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotType:
    schema: dict  # JSON Schema of the parameter (without description)
    pool: tuple | None  # values drawn uniformly; None → special draw (see synth.values)
    phrases: tuple[str, ...]  # how a query says it; "{v}" is the value
    noun: str  # what the parameter is, for descriptions



# ---- value makers shared by the slot-typed query generator and the JSON-Schema value drawer -----------
def clock_time(rng) -> str:
    """A time of day on a quarter hour, 06:00-22:45."""
    return f"{rng.randint(6, 22):02d}:{rng.choice((0, 15, 30, 45)):02d}"


def person_name(rng) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def email_address(rng) -> str:
    return f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}@{rng.choice(COMPANIES).lower()}.com"


def _s(schema, pool, phrases, noun):
    return SlotType(schema, None if pool is None else tuple(pool), tuple(phrases), noun)


_STR = {"type": "string"}
SLOT_TYPES: dict[str, SlotType] = {
    "city": _s(_STR, CITIES, ("in {v}", "for {v}", "around {v}"), "city name"),
    "origin": _s(_STR, CITIES, ("from {v}", "leaving {v}", "departing {v}"), "departure city"),
    "destination": _s(_STR, CITIES, ("to {v}", "going to {v}", "arriving in {v}"), "arrival city"),
    "country": _s(_STR, COUNTRIES, ("in {v}", "for {v}"), "country name"),
    "airport": _s({"type": "string", "pattern": "^[A-Z]{3}$"}, AIRPORTS, ("at {v}", "for {v} airport"), "IATA airport code"),
    "date": _s({"type": "string", "format": "date"}, None, ("on {v}", "for {v}"), "date (YYYY-MM-DD)"),
    "start_date": _s({"type": "string", "format": "date"}, None, ("from {v}", "since {v}", "starting {v}"), "first day (YYYY-MM-DD)"),
    "end_date": _s({"type": "string", "format": "date"}, None, ("until {v}", "through {v}", "to {v}"), "last day (YYYY-MM-DD)"),
    "time": _s({"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"}, None, ("at {v}",), "time of day (HH:MM)"),
    "days": _s({"type": "integer", "minimum": 1}, None, ("for the next {v} days", "over the coming {v} days", "{v} days ahead"), "number of days ahead"),
    "ticker": _s({"type": "string", "pattern": "^[A-Z]{1,5}$"}, TICKERS, ("for {v}", "of {v}", "on {v}"), "stock ticker symbol"),
    "crypto": _s({"type": "string"}, CRYPTO, ("for {v}", "of {v}"), "cryptocurrency symbol"),
    "currency": _s({"type": "string", "enum": CURRENCIES}, CURRENCIES, ("in {v}",), "ISO currency code"),
    "base_currency": _s({"type": "string", "enum": CURRENCIES}, CURRENCIES, ("from {v}",), "currency to convert from"),
    "target_currency": _s({"type": "string", "enum": CURRENCIES}, CURRENCIES, ("to {v}", "into {v}"), "currency to convert to"),
    "amount": _s({"type": "number", "minimum": 0}, None, ("of {v}", "for {v}", "worth {v}"), "amount"),
    "person": _s(_STR, None, ("for {v}", "named {v}", "under the name {v}"), "full name"),
    "email": _s({"type": "string", "format": "email"}, None, ("at {v}", "({v})"), "email address"),
    "company": _s(_STR, COMPANIES, ("for {v}", "at {v}", "from {v}"), "company name"),
    "product": _s(_STR, PRODUCTS, ("for a {v}", "for the {v}", "about a {v}"), "product name"),
    "language": _s({"type": "string", "enum": LANGUAGES}, LANGUAGES, ("in {v}", "into {v}"), "language"),
    "topic": _s(_STR, TOPICS, ("about {v}", "on {v}", "covering {v}"), "search keywords"),
    "dish": _s(_STR, DISHES, ("for {v}", "for a {v}"), "dish name"),
    "song": _s(_STR, SONGS, ("\"{v}\"", "the song \"{v}\""), "song title"),
    "room": _s({"type": "string", "enum": ROOMS}, ROOMS, ("in the {v}",), "room"),
    "team": _s(_STR, TEAMS, ("for the {v}", "of the {v}"), "team name"),
    "sport": _s({"type": "string", "enum": SPORTS}, SPORTS, ("in {v}", "for {v}"), "sport"),
    "skill": _s(_STR, SKILLS, ("for {v}", "requiring {v}", "in {v}"), "skill or job keyword"),
    "genre": _s({"type": "string", "enum": GENRES}, GENRES, ("in {v}", "of {v} music"), "music genre"),
    "cuisine": _s({"type": "string", "enum": CUISINES}, CUISINES, ("serving {v} food", "with {v} cuisine"), "cuisine"),
    "symptom": _s(_STR, SYMPTOMS, ("for {v}", "about {v}"), "symptom"),
    "plant": _s(_STR, PLANTS, ("for my {v}", "for a {v}"), "plant name"),
    "breed": _s(_STR, BREEDS, ("for my {v}", "for a {v}"), "animal breed"),
    "vehicle": _s(_STR, VEHICLES, ("for a {v}", "for my {v}"), "vehicle make and model"),
    "course": _s(_STR, COURSES, ("for {v}", "in {v}"), "course name"),
    "book": _s(_STR, BOOKS, ("\"{v}\"", "the book \"{v}\""), "book title"),
    "movie": _s(_STR, MOVIES, ("\"{v}\"", "the movie \"{v}\""), "movie title"),
    "zone": _s(_STR, ZONES, ("in {v}", "for the {v} time zone"), "IANA time zone"),
    "count": _s({"type": "integer", "minimum": 1, "maximum": 12}, None, ("for {v} people", "for a party of {v}", "for {v}"), "number of people"),
    "percent": _s({"type": "number", "minimum": 0, "maximum": 100}, None, ("at {v} percent", "with {v}%"), "percentage"),
    "years": _s({"type": "integer", "minimum": 1, "maximum": 99}, None, ("over {v} years", "for {v} years"), "number of years"),
    "weight": _s({"type": "number", "minimum": 1}, None, ("weighing {v} kg", "at {v} kg"), "weight in kilograms"),
    "height": _s({"type": "number", "minimum": 30}, None, ("{v} cm tall", "with a height of {v} cm"), "height in centimetres"),
    "distance": _s({"type": "number", "minimum": 0}, None, ("for {v} km", "covering {v} km"), "distance in kilometres"),
    "temperature": _s({"type": "number"}, None, ("to {v} degrees", "at {v} degrees"), "target temperature"),
    "record_id": _s({"type": "string", "pattern": "^[A-Z]{2,4}-[0-9]{5}$"}, None, ("{v}", "number {v}", "with reference {v}"), "identifier"),
    "status": _s({"type": "string", "enum": STATUSES}, STATUSES, ("to {v}", "as {v}"), "new status"),
    "priority": _s({"type": "string", "enum": PRIORITIES}, PRIORITIES, ("with {v} priority", "marked {v} priority"), "priority"),
}

# --------------------------------------------------------------------------------------------------
# operations by entity kind
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    slug: str  # capability name, e.g. "search"
    name: str  # tool-name pattern; {e} is the entity slug
    key: str  # which entity params the op takes: "all", "id" (record_id only) or "none"
    extra: tuple[tuple[str, str], ...]  # required (param, slot type) beyond the entity's
    optional: tuple[str, ...]  # optional parameter names from OPTIONAL_PARAMS
    verbs: tuple[str, ...]  # paraphrases of the operation in a query
    templates: tuple[str, ...]  # query templates: {lead} {verb} {ent} {ents} {args}
    describe: tuple[str, ...]  # description openers: {Verb} {ent} {ents}
    returns: str
    horizon: bool = False  # the op has a time horizon capability (days ahead / back)


_LEADS = ("Can you", "Could you", "Please", "I need you to", "Help me", "I'd like you to", "Would you")

KINDS: dict[str, tuple[Operation, ...]] = {
    "bookable": (
        Operation("search", "search_{e}s", "all", (("date", "date"),), ("max_price", "limit", "sort_by"),
                  ("find", "search for", "look up", "show me"),
                  ("{lead} {verb} available {ents} {args}?", "Are there any {ents} {args}?", "I'm looking for {ents} {args}.",
                   "What {ents} can I get {args}?"),
                  ("Searches available {ents}", "Finds open {ent} options", "Looks up {ent} availability"),
                  "a list of matching {ents} with price and availability", horizon=True),
        Operation("book", "book_{e}", "all", (("date", "date"), ("guest_name", "person")), ("party_size", "notes"),
                  ("book", "reserve", "make a reservation for", "secure"),
                  ("{lead} {verb} a {ent} {args}?", "Please {verb} a {ent} {args}.", "I want to {verb} a {ent} {args}."),
                  ("Books a {ent}", "Reserves a {ent}", "Creates a confirmed {ent} reservation"),
                  "the booking reference and confirmation details", horizon=True),
        Operation("cancel", "cancel_{e}_booking", "id", (), ("reason",),
                  ("cancel", "call off", "drop"),
                  ("{lead} {verb} my {ent} booking {args}?", "I need to {verb} the {ent} reservation {args}.",
                   "Please {verb} {ent} reservation {args}."),
                  ("Cancels an existing {ent} booking", "Withdraws a {ent} reservation"),
                  "the cancellation status and any refund amount"),
        Operation("status", "get_{e}_booking_status", "id", (), (),
                  ("check", "look up", "tell me"),
                  ("{lead} {verb} the status of my {ent} booking {args}?", "What's the status of {ent} reservation {args}?",
                   "Is my {ent} reservation {args} still confirmed?"),
                  ("Reports the current status of a {ent} booking", "Retrieves the state of a {ent} reservation"),
                  "the booking state and its last change"),
    ),
    "record": (
        Operation("create", "create_{e}", "all", (), ("priority", "tags"),
                  ("create", "open", "add", "register"),
                  ("{lead} {verb} a new {ent} {args}?", "Please {verb} a {ent} {args}.", "I need a new {ent} {args}."),
                  ("Creates a new {ent}", "Registers a {ent} record", "Adds a {ent} entry"),
                  "the new {ent}'s identifier and stored fields"),
        Operation("get", "get_{e}", "id", (), ("include_history",),
                  ("show", "fetch", "pull up", "retrieve"),
                  ("{lead} {verb} {ent} {args}?", "What are the details of {ent} {args}?", "I want to see {ent} {args}."),
                  ("Retrieves a single {ent} by its identifier", "Fetches the full record of one {ent}"),
                  "every stored field of the {ent}"),
        Operation("update", "update_{e}_status", "id", (("status", "status"),), ("comment",),
                  ("set", "change", "mark", "move"),
                  ("{lead} {verb} {ent} {args}?", "Please {verb} {ent} {args}.", "{ent_cap} {args} needs to be updated."),
                  ("Changes the status of a {ent}", "Updates a {ent}'s workflow state"),
                  "the {ent} after the change"),
        Operation("list", "list_{e}s", "none", (("since", "start_date"),), ("limit", "status_filter"),
                  ("list", "show me all", "give me", "enumerate"),
                  ("{lead} {verb} the {ents} {args}?", "Which {ents} were created {args}?", "Show every {ent} {args}."),
                  ("Lists {ents} created after a date", "Enumerates recent {ents}"),
                  "a page of {ents} with identifiers and status", horizon=True),
    ),
    "metric": (
        Operation("current", "get_current_{e}", "all", (), ("units",),
                  ("get", "check", "tell me", "look up"),
                  ("{lead} {verb} the current {ent} {args}?", "What's the {ent} {args} right now?", "Current {ent} {args}, please."),
                  ("Returns the latest {ent}", "Reports the current {ent}", "Gives the live {ent}"),
                  "the current value with a timestamp"),
        Operation("history", "get_{e}_history", "all", (("start_date", "start_date"), ("end_date", "end_date")), ("interval",),
                  ("show", "pull", "give me", "chart"),
                  ("{lead} {verb} the historical {ent} {args}?", "How did the {ent} change {args}?",
                   "I need past {ent} data {args}."),
                  ("Returns historical {ent} between two dates", "Provides a time series of past {ent}"),
                  "a daily time series of values", horizon=True),
        Operation("forecast", "forecast_{e}", "all", (("days", "days"),), ("units",),
                  ("forecast", "predict", "project", "estimate"),
                  ("{lead} {verb} the {ent} {args}?", "What will the {ent} be {args}?", "I need a {ent} outlook {args}."),
                  ("Forecasts the {ent}", "Predicts upcoming {ent}", "Projects future {ent}"),
                  "a forecast per day with a confidence band", horizon=True),
        Operation("alert", "set_{e}_alert", "all", (("threshold", "amount"),), ("notify_email",),
                  ("alert me about", "notify me about", "watch", "set a trigger on"),
                  ("{lead} {verb} the {ent} {args}?", "Let me know about the {ent} {args}.",
                   "Set up an alert on the {ent} {args}."),
                  ("Creates an alert on the {ent}", "Watches the {ent} and notifies"),
                  "the alert identifier and its trigger rule"),
    ),
    "document": (
        Operation("search", "search_{e}s", "none", (("query", "topic"),), ("language", "limit", "published_after"),
                  ("find", "search for", "look up", "dig up"),
                  ("{lead} {verb} {ents} {args}?", "Any good {ents} {args}?", "I'm after {ents} {args}."),
                  ("Searches {ents} by keywords", "Finds {ents} matching a query", "Full-text search over {ents}"),
                  "ranked {ents} with titles and snippets", horizon=True),
        Operation("summarize", "summarize_{e}", "id", (), ("max_sentences",),
                  ("summarize", "give me the gist of", "condense", "recap"),
                  ("{lead} {verb} {ent} {args}?", "What's {ent} {args} about, briefly?", "Short summary of {ent} {args}, please."),
                  ("Summarizes a {ent}", "Produces a short abstract of a {ent}"),
                  "a short summary and key points"),
        Operation("translate", "translate_{e}", "id", (("target_language", "language"),), ("formal",),
                  ("translate", "render", "convert"),
                  ("{lead} {verb} {ent} {args}?", "I need {ent} {args}.", "Please {verb} {ent} {args}."),
                  ("Translates a {ent}", "Renders a {ent} in another language"),
                  "the translated text and detected source language"),
    ),
    "device": (
        Operation("state", "get_{e}_state", "none", (("room", "room"),), (),
                  ("check", "read", "tell me about"),
                  ("{lead} {verb} the {ent} {args}?", "Is the {ent} {args} on?", "What is the {ent} {args} doing?"),
                  ("Reads the state of a smart {ent}", "Reports a connected {ent}'s status"),
                  "power, mode and last update time"),
        Operation("set", "set_{e}", "none", (("room", "room"), ("level", "percent")), ("transition_seconds",),
                  ("set", "adjust", "turn"),
                  ("{lead} {verb} the {ent} {args}?", "Please {verb} the {ent} {args}.", "{ent_cap} {args}, please."),
                  ("Adjusts a smart {ent}", "Sets the level of a connected {ent}"),
                  "the device state after the change"),
        Operation("schedule", "schedule_{e}", "none", (("room", "room"), ("time", "time")), ("repeat_daily",),
                  ("schedule", "program", "plan"),
                  ("{lead} {verb} the {ent} {args}?", "Program the {ent} {args}.", "I want the {ent} {args} on a timer."),
                  ("Schedules a smart {ent}", "Programs a timer for a connected {ent}"),
                  "the schedule entry that was stored"),
    ),
    "calc": (
        Operation("calculate", "calculate_{e}", "all", (), ("round_to",),
                  ("calculate", "compute", "work out", "figure out"),
                  ("{lead} {verb} the {ent} {args}?", "What's the {ent} {args}?", "How much is the {ent} {args}?"),
                  ("Calculates the {ent}", "Computes the {ent} from its inputs"),
                  "the computed {ent} with a breakdown"),
        Operation("compare", "compare_{e}_options", "all", (("alternatives", "count"),), (),
                  ("compare", "weigh up", "contrast"),
                  ("{lead} {verb} {ent} options {args}?", "Which {ent} option is best {args}?", "Give me a {ent} comparison {args}."),
                  ("Compares several {ent} scenarios", "Ranks {ent} alternatives"),
                  "the scenarios ranked with their {ent}"),
    ),
    "info": (
        Operation("lookup", "lookup_{e}", "all", (), ("language",),
                  ("look up", "find", "tell me", "get"),
                  ("{lead} {verb} the {ent} {args}?", "What's the {ent} {args}?", "I need the {ent} {args}."),
                  ("Looks up the {ent}", "Returns the {ent}", "Finds the {ent}"),
                  "the {ent} with its source"),
        Operation("recommend", "recommend_{e}s", "all", (), ("limit",),
                  ("recommend", "suggest", "pick"),
                  ("{lead} {verb} some {ents} {args}?", "Any {ents} you'd suggest {args}?", "What {ents} should I try {args}?"),
                  ("Recommends {ents}", "Suggests personalised {ents}"),
                  "recommended {ents} with reasons"),
    ),
}

# optional parameters shared by operations: (slot type or literal schema, default, query phrase or None)
OPTIONAL_PARAMS: dict[str, tuple[dict, object, tuple[str, ...]]] = {
    "max_price": ({"type": "number", "minimum": 0, "description": "highest acceptable price"}, None, ("under {v}", "for at most {v}")),
    "limit": ({"type": "integer", "minimum": 1, "maximum": 50, "default": 10, "description": "maximum number of results"}, 10, ("top {v}", "just {v} results", "at most {v}")),
    "sort_by": ({"type": "string", "enum": SORTS, "default": "relevance", "description": "result order"}, "relevance", ("sorted by {v}", "ordered by {v}")),
    "party_size": ({"type": "integer", "minimum": 1, "maximum": 12, "default": 1, "description": "number of people"}, 1, ("for {v} people", "for a party of {v}")),
    "notes": ({"type": "string", "description": "free-text request for the provider"}, None, ()),
    "reason": ({"type": "string", "description": "why the booking is cancelled"}, None, ()),
    "priority": ({"type": "string", "enum": PRIORITIES, "default": "medium", "description": "priority"}, "medium", ("with {v} priority", "marked {v} priority")),
    "tags": ({"type": "array", "items": {"type": "string"}, "description": "labels to attach"}, None, ()),
    "include_history": ({"type": "boolean", "default": False, "description": "include the change history"}, False, ("including its history",)),
    "comment": ({"type": "string", "description": "comment stored with the change"}, None, ()),
    "status_filter": ({"type": "string", "enum": STATUSES, "description": "only records in this status"}, None, ("that are {v}", "with status {v}")),
    "units": ({"type": "string", "enum": ["metric", "imperial"], "default": "metric", "description": "unit system"}, "metric", ("in {v} units",)),
    "interval": ({"type": "string", "enum": ["day", "week", "month"], "default": "day", "description": "aggregation interval"}, "day", ("per {v}", "by {v}")),
    "notify_email": ({"type": "string", "format": "email", "description": "where to send the alert"}, None, ()),
    "language": ({"type": "string", "enum": LANGUAGES, "default": "english", "description": "result language"}, "english", ("in {v}",)),
    "published_after": ({"type": "string", "format": "date", "description": "only items published after this date"}, None, ("published after {v}",)),
    "max_sentences": ({"type": "integer", "minimum": 1, "maximum": 20, "default": 3, "description": "summary length"}, 3, ("in {v} sentences",)),
    "formal": ({"type": "boolean", "default": False, "description": "use a formal register"}, False, ("in a formal tone",)),
    "transition_seconds": ({"type": "integer", "minimum": 0, "default": 0, "description": "fade time"}, 0, ("over {v} seconds",)),
    "repeat_daily": ({"type": "boolean", "default": False, "description": "repeat every day"}, False, ("every day",)),
    "round_to": ({"type": "integer", "minimum": 0, "maximum": 6, "default": 2, "description": "decimal places"}, 2, ("rounded to {v} decimals",)),
}

# --------------------------------------------------------------------------------------------------
# domains and entities
# --------------------------------------------------------------------------------------------------

_DOMAINS_TEXT = """
aviation
  flight|flight;plane ticket;airfare|bookable|origin:origin,destination:destination
  airport_delay|airport delay;departure delay|metric|airport:airport
travel_lodging
  hotel_room|hotel room;hotel;place to stay|bookable|city:city
  vacation_rental|vacation rental;holiday apartment|bookable|city:city
ground_transport
  rental_car|rental car;car hire|bookable|city:city
  train_ticket|train ticket;rail ticket|bookable|origin:origin,destination:destination
  bus_ticket|bus ticket;coach seat|bookable|origin:origin,destination:destination
dining
  restaurant_table|restaurant table;dinner reservation;table|bookable|city:city,cuisine:cuisine
  restaurant_review|restaurant review;dining review|document|
healthcare
  doctor_appointment|doctor appointment;GP visit;medical appointment|bookable|city:city
  symptom_guidance|symptom guidance;health advice|info|symptom:symptom
pharmacy
  prescription_refill|prescription refill;medication refill|record|person:person
  drug_interaction|drug interaction;medication interaction|info|drug:product
fitness
  bmi|BMI;body mass index|calc|weight_kg:weight,height_cm:height
  workout_plan|workout plan;training plan|info|goal:topic
  gym_class|gym class;fitness class|bookable|city:city
nutrition
  recipe|recipe;cooking recipe|info|dish:dish
  calorie_count|calorie count;calories|calc|dish:dish
weather
  weather|weather;weather conditions|metric|city:city
  air_quality|air quality;pollution level;AQI|metric|city:city
  uv_index|UV index;sun exposure level|metric|city:city
stock_market
  stock_price|stock price;share price;stock quote|metric|ticker:ticker
  earnings_report|earnings report;quarterly results|document|
crypto
  crypto_price|crypto price;coin price;token price|metric|symbol:crypto
  crypto_wallet|crypto wallet;wallet transfer|record|owner:person,amount:amount
forex
  exchange_rate|exchange rate;currency rate;FX rate|metric|base:base_currency,target:target_currency
  currency_conversion|currency conversion;money conversion|calc|amount:amount,base:base_currency,target:target_currency
banking
  bank_transfer|bank transfer;wire transfer;payment|record|recipient:person,amount:amount,currency:currency
  account_balance|account balance;bank balance|metric|account_holder:person
lending
  loan_payment|loan payment;monthly loan installment|calc|principal:amount,rate_percent:percent,years:years
  mortgage|mortgage payment;home loan cost|calc|principal:amount,rate_percent:percent,years:years
taxes
  income_tax|income tax;tax owed|calc|income:amount,country:country
  vat_refund|VAT refund;sales tax refund|record|claimant:person,amount:amount
invoicing
  invoice|invoice;bill|record|customer:company,amount:amount,currency:currency
  expense_report|expense report;expense claim|record|employee:person,amount:amount
ecommerce
  product_price|product price;item price|metric|product:product
  order|order;purchase|record|customer:person,product:product
  product_review|product review;customer review|document|
shipping
  parcel_shipment|parcel shipment;package delivery|record|recipient:person,destination:city
  shipping_rate|shipping rate;postage cost|calc|weight_kg:weight,destination:country
customer_support
  support_ticket|support ticket;help desk ticket;case|record|customer:person,product:product
  faq_answer|FAQ answer;help article|document|
hr
  job_posting|job posting;job listing;vacancy|document|
  leave_request|leave request;time-off request;vacation request|record|employee:person,start:date
  payroll|payroll run;salary payment|record|employee:person,amount:amount
recruiting
  candidate_profile|candidate profile;applicant|record|candidate:person,skill:skill
  interview_slot|interview slot;interview|bookable|candidate:person
project_management
  task|task;to-do item;work item|record|assignee:person,priority:priority
  sprint_velocity|sprint velocity;team velocity|metric|team:team
crm
  sales_lead|sales lead;prospect|record|company:company,contact:person
  deal_pipeline|deal pipeline value;sales pipeline|metric|company:company
marketing
  email_campaign|email campaign;newsletter blast|record|audience:topic,send_date:date
  ad_performance|ad performance;campaign clicks|metric|campaign:topic
social_media
  social_post|social media post;post|record|author:person,topic:topic
  follower_count|follower count;audience size|metric|account:person
news
  news_article|news article;news story;headline|document|
  trending_topic|trending topic;trend|metric|country:country
research
  research_paper|research paper;scientific article;preprint|document|
  citation_count|citation count;citations|metric|author:person
education
  course_enrollment|course enrollment;class registration|record|student:person,course:course
  exam_grade|exam grade;test score|metric|student:person,course:course
library
  library_book|library book;book loan|bookable|title:book
  book_summary|book summary;book synopsis|info|title:book
music
  song_lyrics|song lyrics;lyrics|info|song:song
  playlist|playlist;mix|info|genre:genre
  concert_ticket|concert ticket;gig ticket|bookable|city:city,genre:genre
movies
  movie_showtime|movie showtime;cinema screening;film session|bookable|movie:movie,city:city
  movie_review|movie review;film critique|info|movie:movie
sports
  match_score|match score;game result|metric|team:team
  sports_fixture|sports fixture;upcoming game|info|team:team,sport:sport
gaming
  game_server|game server;multiplayer server|device|
  player_stats|player statistics;gamer stats|metric|player:person
real_estate
  property_listing|property listing;home for sale;apartment listing|document|
  rent_estimate|rent estimate;rental price|calc|city:city,bedrooms:count
home_automation
  smart_light|smart light;lamp;lights|device|
  thermostat|thermostat;heating|device|
  smart_lock|smart lock;door lock|device|
energy
  electricity_price|electricity price;power tariff|metric|country:country
  solar_output|solar output;solar production|metric|city:city
automotive
  car_service|car service;vehicle maintenance appointment|bookable|vehicle:vehicle,city:city
  fuel_cost|fuel cost;trip fuel cost|calc|distance_km:distance,vehicle:vehicle
maps
  route|route;directions|info|origin:origin,destination:destination
  travel_time|travel time;commute time|calc|origin:origin,destination:destination
translation
  phrase_translation|phrase translation;sentence translation|info|text:topic,target_language:language
  document_translation|document translation;file translation|document|
calendar
  meeting|meeting;calendar event;call|record|organizer:person,date:date
  time_zone|time zone offset;local time|info|zone:zone
email
  email_message|email;mail message|record|recipient:email,subject:topic
  inbox_summary|inbox summary;unread mail digest|document|
legal
  contract|contract;agreement|document|
  trademark_check|trademark check;trademark search|info|name:company
insurance
  insurance_quote|insurance quote;coverage quote|calc|vehicle:vehicle,driver_age:years
  insurance_claim|insurance claim;damage claim|record|policyholder:person,amount:amount
pets
  vet_appointment|vet appointment;veterinary visit|bookable|pet:breed,city:city
  pet_care_tip|pet care tip;pet advice|info|breed:breed
gardening
  plant_care|plant care guide;watering schedule|info|plant:plant
  soil_moisture|soil moisture;garden moisture|metric|room:room
agriculture
  crop_yield|crop yield;harvest estimate|calc|area_hectares:distance,country:country
  commodity_price|commodity price;grain price|metric|commodity:product
government
  passport_application|passport application;passport renewal|record|applicant:person,country:country
  public_holiday|public holiday;bank holiday|info|country:country
charity
  donation|donation;charitable gift|record|donor:person,amount:amount
  charity_rating|charity rating;nonprofit score|info|organization:company
events
  event_ticket|event ticket;festival pass|bookable|city:city
  local_event|local event;things to do|info|city:city,topic:topic
security
  vulnerability_report|vulnerability report;CVE advisory|document|
  login_anomaly|login anomaly;suspicious sign-in|metric|account:email
devops
  deployment|deployment;release rollout|record|service:company,environment:country
  server_uptime|server uptime;service availability|metric|service:company
  build_log|build log;CI log|document|
"""

_SLUG_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Entity:
    domain: str
    slug: str
    synonyms: tuple[str, ...]  # first is the canonical noun
    kind: str
    params: tuple[tuple[str, str], ...]  # (parameter name, slot type)

    @property
    def noun(self) -> str:
        return self.synonyms[0]


def _parse() -> tuple[tuple[str, ...], tuple[Entity, ...]]:
    domains, entities, seen = [], [], set()
    domain = None
    for raw in _DOMAINS_TEXT.strip("\n").splitlines():
        if not raw.strip():
            continue
        if not raw.startswith(" "):
            domain = raw.strip()
            domains.append(domain)
            continue
        slug, syn, kind, params = raw.strip().split("|")
        if not _SLUG_RE.match(slug) or slug in seen or kind not in KINDS:
            raise ValueError(f"vocabulary: bad entity line {raw!r}")
        seen.add(slug)
        pairs = tuple(tuple(p.split(":")) for p in params.split(",") if p)
        for _, slot in pairs:
            if slot not in SLOT_TYPES:
                raise ValueError(f"vocabulary: unknown slot type {slot!r} in {raw!r}")
        entities.append(Entity(domain, slug, tuple(syn.split(";")), kind, pairs))
    return tuple(domains), tuple(entities)


DOMAINS, ENTITIES = _parse()

# market/segment scopes of tool variants: a variant serves one segment in one region
REGIONS = ("Nordic", "Iberian", "Benelux", "Baltic", "Balkan", "Alpine", "British", "Irish", "French", "German",
           "Italian", "Polish", "Greek", "Turkish", "Gulf", "Egyptian", "East African", "West African",
           "South African", "Indian", "Japanese", "Korean", "Chinese", "Southeast Asian", "Australian",
           "New Zealand", "Canadian", "US", "Mexican", "Brazilian", "Andean", "Caribbean", "Central American",
           "Argentine", "Chilean", "Central Asian", "Pacific Island", "Scottish", "Israeli", "Moroccan")
SEGMENTS = ("small business", "enterprise", "student", "nonprofit", "government", "family", "freelancer",
            "senior", "healthcare", "startup")

# how a query says a parameter whose name carries more meaning than its slot type
PARAM_PHRASES: dict[str, tuple[str, ...]] = {
    "threshold": ("above {v}", "crossing {v}", "if it goes past {v}"),
    "alternatives": ("across {v} scenarios", "for {v} alternatives"),
    "level": ("to {v} percent", "at {v}%"),
    "guest_name": ("under the name {v}", "for {v}"),
    "since": ("since {v}", "created after {v}"),
    "booking_reference": ("{v}", "with reference {v}"),
    "target_language": ("into {v}", "to {v}"),
    "bedrooms": ("with {v} bedrooms", "for {v} bedrooms"),
    "driver_age": ("for a {v}-year-old driver", "with a driver aged {v}"),
    "send_date": ("to go out on {v}", "scheduled for {v}"),
    "start": ("starting {v}", "from {v}"),
    "date": ("on {v}", "for {v}"),
    "rate_percent": ("at {v} percent", "at an interest rate of {v}%"),
    "principal": ("of {v}", "for {v} borrowed"),
    "income": ("on an income of {v}", "for {v} earned"),
}
