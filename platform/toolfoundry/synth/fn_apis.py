"""API-style functions with realistic shapes: weather, travel, dining, sports, markets, media,
cooking, maps, language, productivity, shopping, news.

Results are records drawn from a generator seeded by the function and its arguments (see
:func:`toolfoundry.synth.functions.api_rng`), shaped by the arguments (a ``max_price`` filter caps the
prices, ``unit="fahrenheit"`` converts the temperatures, ``days=5`` gives five days). Where a real
computation exists it is done: distances between cities (haversine on a fixed coordinate table),
local times (fixed UTC offsets), exchange rates (fixed table), cart totals, nutrition per serving,
recipe scaling.
"""

from __future__ import annotations

import datetime as dt
import random

from toolfoundry.synth import surface as sf
from toolfoundry.synth import tables
from toolfoundry.synth.fnspec import (
    BOOL,
    CUSTOM,
    DATE,
    ENUM,
    INT,
    MONEY,
    NUM,
    POOL,
    REFERENCE,
    STRS,
    TEXT,
    TIME,
    Registry,
    Weak,
    opt,
    req,
)
from toolfoundry.synth.vocab import COMPANIES, FIRST, LAST, MOVIES, SONGS, TEAMS, TICKERS, TOPICS

WEATHER = Registry("weather", "weather")
TRAVEL = Registry("travel", "travel")
DINING = Registry("dining", "restaurants")
SPORTS = Registry("sports", "sports")
MARKETS = Registry("markets", "stocks")
MEDIA = Registry("media", "media")
COOK = Registry("cooking", "recipes")
MAPS = Registry("maps", "maps")
LANG = Registry("language", "language")
PROD = Registry("productivity", "workspace")
SHOP = Registry("shopping", "shop")
NEWS = Registry("news", "news")

_CITIES = tuple(tables.CITY_INFO)
_CITY = POOL(_CITIES)
_SOON = DATE(1, 120)
_CONDITIONS = ("sunny", "partly cloudy", "cloudy", "light rain", "heavy rain", "thunderstorms", "snow", "fog", "windy",
               "clear")
_UNIT = opt("unit", ENUM(("celsius", "fahrenheit"), {"celsius": ("Celsius", "°C", "metric units"),
                                                     "fahrenheit": ("Fahrenheit", "°F", "imperial units")}),
            "Temperature unit.", default="celsius", say=("in {v}",), names=("units", "temperature_unit"))


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _email(rng: random.Random) -> str:
    return f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}@{rng.choice(COMPANIES).lower()}.com"


def _pnr(rng: random.Random) -> str:
    return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))


def _code(rng: random.Random, prefix: str, digits: int = 6) -> str:
    return f"{prefix}{rng.randint(0, 10 ** digits - 1):0{digits}d}"


def _temp(celsius: float, unit: str) -> float:
    return round(celsius * 9 / 5 + 32, 1) if unit == "fahrenheit" else round(celsius, 1)


def _base_temp(location: str, date: dt.date) -> float:
    lat = tables.CITY_INFO[location][0] if location in tables.CITY_INFO else 30.0
    season = -1 if (date.month in (12, 1, 2)) == (lat >= 0) else 1
    return 24 - abs(lat) * 0.35 + season * 6


_EMAIL = CUSTOM({"type": "string", "format": "email"}, _email, lambda v, rng: v)
_PERSON = CUSTOM({"type": "string"}, _person, lambda v, rng: v)

# --------------------------------------------------------------------------------------------------
# weather
# --------------------------------------------------------------------------------------------------


def _current_weather(rng, location, unit="celsius"):
    c = _base_temp(location, REFERENCE) + rng.uniform(-4, 4)
    return {"location": location, "temperature": _temp(c, unit), "unit": unit, "condition": rng.choice(_CONDITIONS),
            "humidity_percent": rng.randint(20, 95), "wind_kph": round(rng.uniform(0, 45), 1),
            "observed_at": f"{REFERENCE}T12:00"}


WEATHER("current_weather", "get", "Get the current weather for a city", "temperature, condition, humidity and wind",
        "current weather",
        [req("location", _CITY, "City name, e.g. Paris.", names=("city", "place")), _UNIT],
        _current_weather,
        ["What's the weather like in {location} right now?", "Current weather in {location}?",
         "How hot is it in {location} today?",
         "Is it raining in {location}?", "{lead} check the weather for {location}?"],
        api=True, weak=Weak(note="Celsius only."))


def _forecast(rng, location, days, unit="celsius"):
    out = []
    for i in range(days):
        d = REFERENCE + dt.timedelta(days=i + 1)
        hi = _base_temp(location, d) + rng.uniform(-3, 5)
        out.append({"date": d.isoformat(), "high": _temp(hi, unit), "low": _temp(hi - rng.uniform(4, 11), unit),
                    "condition": rng.choice(_CONDITIONS), "precipitation_chance": rng.randint(0, 100)})
    return {"location": location, "unit": unit, "days": out}


WEATHER("weather_forecast", "get", "Get a daily weather forecast for a city",
        "one entry per day with high, low and conditions",
        "weather forecast",
        [req("location", _CITY, "City name.", names=("city",)),
         req("days", INT(1, 14), "Number of days to forecast.", names=("num_days", "forecast_days"), limit=14), _UNIT],
        _forecast,
        ["What's the forecast for {location} for the next {days} days?",
         "Give me a {days}-day forecast for {location}.",
         "Will it rain in {location} over the next {days} days?", "{location} weather, next {days} days"],
        api=True, weak=Weak(drop=(), limits={"days": 3}, note="Forecasts at most 3 days ahead."))

WEATHER("air_quality", "get", "Get the current air quality index for a city", "AQI, dominant pollutant and category",
        "air quality",
        [req("city", _CITY, "City name.", names=("location",))],
        lambda rng, city: (lambda aqi: {"city": city, "aqi": aqi, "pm25": round(aqi * 0.4, 1),
                                        "category": "good" if aqi <= 50 else "moderate" if aqi <= 100 else "unhealthy",
                                        "dominant_pollutant": rng.choice(("pm25", "pm10", "o3",
                                                                          "no2"))})(rng.randint(10, 180)),
        ["How's the air quality in {city}?", "AQI in {city} today?", "Is the air clean in {city} right now?"], api=True)

WEATHER("historical_weather", "get", "Get the recorded weather for a city on a past date",
        "the day's temperatures and rainfall",
        "historical weather",
        [req("location", _CITY, "City name.", names=("city",)),
         req("date", DATE(-3650, -1), "The date (YYYY-MM-DD).", names=("day",)),
         _UNIT],
        lambda rng, location, date, unit="celsius": (lambda hi: {
            "location": location, "date": date, "high": _temp(hi, unit), "low": _temp(hi - rng.uniform(3, 10), unit),
            "rainfall_mm": round(max(0.0, rng.uniform(-5, 20)), 1), "unit": unit})(
            _base_temp(location, dt.date.fromisoformat(date)) + rng.uniform(-4, 4)),
        ["What was the weather in {location} on {date}?", "Historical weather for {location}, {date}.",
         "How cold was it in {location} on {date}?"], api=True, weak=Weak(note="Celsius only."))

# --------------------------------------------------------------------------------------------------
# travel
# --------------------------------------------------------------------------------------------------

_AIRLINES = (("AF", "Air France"), ("BA", "British Airways"), ("LH", "Lufthansa"), ("UA", "United"), ("DL", "Delta"),
             ("EK", "Emirates"), ("SQ", "Singapore Airlines"), ("QF", "Qantas"), ("IB", "Iberia"), ("KL", "KLM"))
_CABINS = ("economy", "premium_economy", "business", "first")


def _search_flights(rng, origin, destination, departure_date, return_date=None, passengers=1, cabin_class="economy",
                    max_price=None, nonstop_only=False):
    o, d = tables.CITY_INFO.get(origin), tables.CITY_INFO.get(destination)
    km = tables.haversine_km(o[0], o[1], d[0], d[1]) if o and d else rng.uniform(300, 9000)
    factor = {"economy": 1, "premium_economy": 1.6, "business": 3.2, "first": 5.5}[cabin_class]
    flights = []
    for _ in range(rng.randint(2, 5)):
        code, airline = rng.choice(_AIRLINES)
        stops = 0 if nonstop_only else rng.choice((0, 0, 1, 2))
        price = round((60 + km * rng.uniform(0.06, 0.12)) * factor * (1 - 0.1 * stops), 2)
        if max_price is not None:
            price = min(price, round(max_price * rng.uniform(0.6, 0.99), 2))
        dep = f"{rng.randint(5, 22):02d}:{rng.choice((0, 15, 30, 45)):02d}"
        flights.append({"flight_id": f"{code}{rng.randint(100, 9999)}", "airline": airline, "departure_time": dep,
                        "duration_minutes": int(km / 800 * 60 + 40 + 90 * stops), "stops": stops,
                        "cabin_class": cabin_class,
                        "price_per_passenger": price, "total_price": round(price * passengers, 2)})
    flights.sort(key=lambda f: f["total_price"])
    return {"origin": origin, "destination": destination, "departure_date": departure_date, "return_date": return_date,
            "passengers": passengers, "distance_km": round(km), "flights": flights}


TRAVEL("search_flights", "", "Search for flights between two cities on a date",
       "matching flights with prices, sorted by price",
       "flights",
       [req("origin", _CITY, "Departure city.", names=("from_city", "departure_city", "source")),
        req("destination", _CITY, "Arrival city.", names=("to_city", "arrival_city")),
        req("departure_date", _SOON, "Outbound date (YYYY-MM-DD).", names=("date", "depart_date")),
        opt("return_date", DATE(121, 160), "Return date for a round trip (YYYY-MM-DD).",
            say=("returning {v}", "coming back on {v}"), names=("return",)),
        opt("passengers", INT(2, 6), "Number of passengers.", default=1, say=("for {v} passengers", "for {v} people"),
            names=("adults", "num_passengers")),
        opt("cabin_class", ENUM(_CABINS, {"economy": ("economy",), "premium_economy": ("premium economy",),
                                          "business": ("business class", "business"), "first": ("first class",)}),
            "Cabin class.", default="economy", say=("in {v}", "flying {v}"), names=("cabin", "class")),
        opt("max_price", MONEY(100, 3000, cents=False), "Highest acceptable price per passenger.",
            say=("under {v}", "for at most {v}", "max {v}"), names=("budget", "price_limit")),
        opt("nonstop_only", BOOL(), "Only direct flights.", default=False,
            value_phrases={True: ("nonstop only", "direct flights only", "with no layovers")}, names=("direct_only",))],
       _search_flights,
       ["Find flights from {origin} to {destination} on {departure_date}.",
        "I need a flight {origin} to {destination}, leaving {departure_date}.",
        "Are there any flights from {origin} to {destination} on {departure_date}?",
        "Search flights {origin} → {destination} for {departure_date}.",
        "{lead} look up flights from {origin} to {destination} departing {departure_date}?"],
       api=True, where=lambda a: a["origin"] != a["destination"] and a.get("nonstop_only", True) is not False,
       weak=Weak(drop=("cabin_class", "max_price", "nonstop_only"), note="No cabin, price or stop filters."))


def _passenger(rng):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {"first_name": first, "last_name": last,
            "email": f"{first.lower()}.{last.lower()}@{rng.choice(COMPANIES).lower()}.com"}


_PASSENGER = CUSTOM({"type": "object", "properties": {"first_name": {"type": "string"}, "last_name": {"type": "string"},
                                                      "email": {"type": "string", "format": "email"}},
                     "required": ["first_name", "last_name", "email"], "additionalProperties": False},
                    _passenger, lambda v, rng: rng.choice((f"{v['first_name']} {v['last_name']} ({v['email']})",
                                                           f"{v['first_name']} {v['last_name']}, email {v['email']}")))
_SEAT_LETTER = {"window": "A", "middle": "B", "aisle": "C"}


def _book_flight(rng, flight_id, passenger, seat_preference=None):
    seat = f"{rng.randint(5, 40)}{_SEAT_LETTER.get(seat_preference) or rng.choice('ABCDEF')}"
    return {"booking_reference": _pnr(rng), "flight_id": flight_id,
            "passenger": f"{passenger['first_name']} {passenger['last_name']}", "seat": seat, "status": "confirmed",
            "confirmation_sent_to": passenger["email"]}


_FLIGHT_ID = CUSTOM({"type": "string", "pattern": "^[A-Z]{2}[0-9]{3,4}$"},
                    lambda rng: f"{rng.choice(_AIRLINES)[0]}{rng.randint(100, 9999)}", lambda v, rng: v)

TRAVEL("book_flight", "", "Book a seat on a flight for one passenger", "the booking reference and ticket details",
       "flight booking",
       [req("flight_id", _FLIGHT_ID, "Flight identifier from a search, e.g. AF1234.", names=("flight_number",)),
        req("passenger", _PASSENGER, "The traveller: first name, last name and email.",
            names=("traveler", "passenger_info")),
        opt("seat_preference", ENUM(("window", "aisle", "middle")), "Preferred seat.",
            say=("with a {v} seat", "{v} seat please"),
            names=("seat",))],
       _book_flight,
       ["Book flight {flight_id} for {passenger}.", "Please reserve a seat on {flight_id} for {passenger}.",
        "I want to book {flight_id}; passenger {passenger}."], api=True)

TRAVEL("flight_status", "get", "Get the live status of a flight", "status, gate and times", "flight status",
       [req("flight_number", _FLIGHT_ID, "Flight number, e.g. BA117.", names=("flight_id", "flight")),
        opt("date", DATE(-1, 3), "Departure date (default today).", say=("on {v}",), names=("departure_date",))],
       lambda rng, flight_number, date=None: {
           "flight_number": flight_number, "date": date or REFERENCE.isoformat(),
           "status": rng.choice(("on time", "delayed", "boarding", "departed", "landed", "cancelled")),
           "gate": f"{rng.choice('ABCDE')}{rng.randint(1, 40)}",
           "delay_minutes": rng.choice((0, 0, 0, 15, 30, 55, 120))},
       ["Is flight {flight_number} on time?", "What's the status of {flight_number}?",
        "Has {flight_number} departed yet?"], api=True)

_AMENITIES = ("wifi", "pool", "parking", "gym", "breakfast", "spa", "pet_friendly")


def _search_hotels(rng, city, check_in, check_out, guests=2, min_rating=None, amenities=None, max_price_per_night=None):
    nights = (dt.date.fromisoformat(check_out) - dt.date.fromisoformat(check_in)).days
    hotels = []
    for _ in range(rng.randint(2, 5)):
        rating = round(rng.uniform(min_rating or 2.5, 5.0), 1)
        price = round(rng.uniform(50, 400), 2)
        if max_price_per_night is not None:
            price = min(price, round(max_price_per_night * rng.uniform(0.5, 0.99), 2))
        have = sorted(set(amenities or ()) | set(rng.sample(_AMENITIES, 2)))
        hotels.append({"hotel_id": _code(rng, "H", 5),
                       "name": f"{rng.choice(('Grand', 'City', 'Park', 'Harbor', 'Royal'))} "
                       f"{rng.choice(('Hotel', 'Inn', 'Suites', 'Lodge'))} {city}", "rating": rating,
                       "price_per_night": price, "total_price": round(price * max(nights, 1), 2), "amenities": have})
    return {"city": city, "check_in": check_in, "check_out": check_out, "nights": nights, "guests": guests,
            "hotels": hotels}


_CHECK_IN, _CHECK_OUT = DATE(5, 60), DATE(6, 74)


def _stay(a: dict) -> bool:
    nights = (dt.date.fromisoformat(a["check_out"]) - dt.date.fromisoformat(a["check_in"])).days
    return 1 <= nights <= 14


def _amenity_list(rng):
    return rng.sample(_AMENITIES, rng.randint(1, 3))


TRAVEL("search_hotels", "", "Search hotels in a city for given dates", "available hotels with ratings and prices",
       "hotels",
       [req("city", _CITY, "City name.", names=("location", "destination")),
        req("check_in", _CHECK_IN, "Check-in date (YYYY-MM-DD).", names=("checkin_date", "arrival_date")),
        req("check_out", _CHECK_OUT, "Check-out date (YYYY-MM-DD).", names=("checkout_date", "departure_date")),
        opt("guests", INT(1, 6), "Number of guests.", default=2, say=("for {v} guests", "for {v} people")),
        opt("min_rating", NUM(3, 4.5, decimals=1, whole=0.4), "Lowest acceptable star rating.",
            say=("rated at least {v} stars", "with {v}+ stars")),
        opt("amenities", CUSTOM({"type": "array", "items": {"type": "string", "enum": list(_AMENITIES)}}, _amenity_list,
                                lambda v, rng: sf.joined([a.replace("_", "-") for a in v], rng), array=True),
            "Required amenities.", say=("with {v}", "that has {v}")),
        opt("max_price_per_night", MONEY(60, 500, cents=False), "Highest nightly price.",
            say=("under {v} a night", "max {v} per night"), names=("max_price",))],
       _search_hotels,
       ["Find me a hotel in {city} from {check_in} to {check_out}.",
        "Hotels in {city}, check in {check_in}, check out {check_out}?",
        "I need somewhere to stay in {city} between {check_in} and {check_out}."],
       api=True, where=_stay, weak=Weak(drop=("min_rating", "amenities", "max_price_per_night"),
                                        note="No rating, amenity or price filters."))

def _book_hotel(rng, hotel_id, check_in, check_out, guests=2, room_type="double"):
    nights = (dt.date.fromisoformat(check_out) - dt.date.fromisoformat(check_in)).days
    return {"reservation_number": _code(rng, "R", 8), "hotel_id": hotel_id, "room_type": room_type, "guests": guests,
            "nights": nights, "total_price": round(rng.uniform(60, 350) * nights, 2), "status": "confirmed"}


TRAVEL("book_hotel", "", "Book a room at a hotel", "the reservation number and price", "hotel booking",
       [req("hotel_id",
            CUSTOM({"type": "string", "pattern": "^H[0-9]{5}$"}, lambda rng: _code(rng, "H", 5), lambda v, rng: v),
            "Hotel identifier from a search, e.g. H01234.", names=("property_id",)),
        req("check_in", _CHECK_IN, "Check-in date (YYYY-MM-DD).", names=("checkin_date",)),
        req("check_out", _CHECK_OUT, "Check-out date (YYYY-MM-DD).", names=("checkout_date",)),
        opt("guests", INT(1, 6), "Number of guests.", default=2, say=("for {v} guests",)),
        opt("room_type", ENUM(("single", "double", "twin", "suite")), "Room type.", default="double",
            say=("in a {v} room", "a {v} room"), names=("room",))],
       _book_hotel,
       ["Book hotel {hotel_id} from {check_in} to {check_out}.",
        "Reserve a room at {hotel_id}, {check_in} to {check_out}."],
       api=True, where=_stay, weak=Weak(drop=("room_type",), note="Standard rooms only."))

TRAVEL("cancel_booking", "", "Cancel a travel booking by its reference", "the cancellation status and refund",
       "booking cancellation",
       [req("booking_reference", CUSTOM({"type": "string", "pattern": "^[A-Z0-9]{6}$"},
                                        _pnr,
                                        lambda v, rng: v), "Six-character booking reference.",
                                        names=("confirmation_code", "pnr")),
        opt("reason", TEXT(("change of plans", "illness", "found a cheaper option", "meeting cancelled")),
            "Why it is cancelled.",
            say=("because of {v}", "reason: {v}"))],
       lambda rng, booking_reference, reason=None: {"booking_reference": booking_reference, "status": "cancelled",
                                                    "refund_amount": round(rng.uniform(0, 900), 2), "reason": reason},
       ["Cancel my booking {booking_reference}.", "Please cancel reservation {booking_reference}.",
        "I need to cancel {booking_reference}."], api=True)

_RIDE_FACTOR = {"standard": 1.0, "xl": 1.5, "premium": 2.2, "shared": 0.7}


def _request_ride(rng, pickup, dropoff, ride_type="standard"):
    return {"ride_id": _code(rng, "RD", 7), "driver": _person(rng),
            "car": rng.choice(("Toyota Prius", "Kia Niro", "Tesla Model 3", "VW Passat")),
            "eta_minutes": rng.randint(2, 15), "fare_estimate": round(rng.uniform(8, 60) * _RIDE_FACTOR[ride_type], 2)}


TRAVEL("request_ride", "", "Request a ride between two addresses", "the driver, car, fare and pickup time", "ride",
       [req("pickup",
            TEXT(("Central Station", "the airport", "10 Main Street", "City Hall", "the Grand Hotel", "Union Square")),
            "Pickup address or place.", names=("pickup_location", "from")),
        req("dropoff",
            TEXT(("the convention center", "Terminal 2", "42 Elm Road", "the stadium", "Riverside Park", "the museum")),
            "Drop-off address or place.", names=("dropoff_location", "to")),
        opt("ride_type",
            ENUM(("standard", "xl", "premium", "shared"),
                 {"standard": ("standard", "regular"), "xl": ("XL", "a large car"),
                                                                        "premium": ("premium", "a luxury car"),
                                                                        "shared": ("shared", "a pool ride")}),
            "Vehicle class.", default="standard", say=("in {v}", "as {v}"), names=("vehicle_type",))],
       _request_ride,
       ["Get me a ride from {pickup} to {dropoff}.", "Book a car from {pickup} to {dropoff}.",
        "I need a taxi from {pickup} to {dropoff}."],
       api=True, weak=Weak(note="Standard rides only."))

# --------------------------------------------------------------------------------------------------
# dining
# --------------------------------------------------------------------------------------------------

_CUISINES = ("italian", "japanese", "mexican", "indian", "thai", "french", "chinese", "greek", "lebanese", "vegan")
_PRICE_RANGE = ("$", "$$", "$$$", "$$$$")


def _restaurants(rng, location, cuisine=None, price_range=None, open_now=False, min_rating=None):
    out = []
    for _ in range(rng.randint(2, 6)):
        c = cuisine or rng.choice(_CUISINES)
        out.append({"name": f"{rng.choice(('Chez', 'Casa', 'The', 'Little', 'Golden'))} {rng.choice(LAST)}",
                    "cuisine": c, "price_range": price_range or rng.choice(_PRICE_RANGE),
                    "rating": round(rng.uniform(min_rating or 3.0, 5.0), 1),
                    "open_now": True if open_now else rng.random() < 0.7,
                    "distance_km": round(rng.uniform(0.2, 6), 1)})
    return {"location": location, "results": sorted(out, key=lambda r: -r["rating"])}


DINING("search_restaurants", "", "Find restaurants in a city", "restaurants with cuisine, price range and rating",
       "restaurants",
       [req("location", _CITY, "City name.", names=("city", "near")),
        opt("cuisine", ENUM(_CUISINES), "Type of food.", say=("serving {v} food", "{v} cuisine"), names=("food_type",)),
        opt("price_range", ENUM(_PRICE_RANGE, {"$": ("cheap", "$", "budget"), "$$": ("moderately priced", "$$"),
                                               "$$$": ("upscale", "$$$"), "$$$$": ("fine dining", "$$$$")}),
            "Price level.", say=("that are {v}", "in the {v} range")),
        opt("open_now", BOOL(), "Only places open now.", default=False,
            value_phrases={True: ("open right now", "that are open now")}),
        opt("min_rating", NUM(3.5, 4.5, decimals=1, whole=0.3), "Lowest acceptable rating.",
            say=("rated {v} or higher",))],
       _restaurants,
       ["Find restaurants in {location}.", "Where can I eat in {location}?", "Recommend a place to eat in {location}.",
        "Any good restaurants in {location}?"],
       api=True, where=lambda a: a.get("open_now", True) is not False,
       weak=Weak(drop=("price_range", "open_now", "min_rating"), note="Filters by cuisine only."))

DINING("reserve_table", "", "Reserve a table at a restaurant", "the reservation confirmation", "table reservation",
       [req("restaurant_name",
            TEXT(("Chez Dubois", "Casa Silva", "The Golden Fork", "Little Tokyo", "Trattoria Rossi", "Spice Route")),
            "Restaurant name.", names=("restaurant",)),
        req("date", _SOON, "Date (YYYY-MM-DD).", names=("reservation_date",)),
        req("time", TIME(), "Time, HH:MM (24-hour).", names=("reservation_time",)),
        req("party_size", INT(1, 12), "Number of people.", names=("guests", "people")),
        opt("special_requests",
            TEXT(("a window table", "a high chair", "a quiet corner", "wheelchair access", "a birthday cake")),
            "Anything the restaurant should prepare.", say=("and ask for {v}", "requesting {v}"), names=("notes",))],
       lambda rng, restaurant_name, date, time, party_size, special_requests=None: {
           "confirmation": _code(rng, "T", 6), "restaurant": restaurant_name, "date": date, "time": time,
           "party_size": party_size, "table": rng.randint(1, 40), "status": "confirmed", "notes": special_requests},
       ["Book a table for {party_size} at {restaurant_name} on {date} at {time}.",
        "Reserve {restaurant_name} for {party_size} people, {date}, {time}.",
        "Can I get a table at {restaurant_name} for {party_size} on {date} at {time}?"], api=True,
       weak=Weak(note="No special requests."))

# --------------------------------------------------------------------------------------------------
# sports
# --------------------------------------------------------------------------------------------------

_LEAGUES = ("premier_league", "la_liga", "serie_a", "bundesliga", "nba", "nfl", "mlb", "nhl")
_LEAGUE_SYN = {"premier_league": ("Premier League", "EPL"), "la_liga": ("La Liga",), "serie_a": ("Serie A",),
               "bundesliga": ("Bundesliga",), "nba": ("NBA",), "nfl": ("NFL",), "mlb": ("MLB",), "nhl": ("NHL",)}
_TEAM = POOL(tuple(TEAMS))

def _match_result(rng, team, date=None):
    a, b = rng.randint(0, 5), rng.randint(0, 5)
    played = date or (REFERENCE - dt.timedelta(days=rng.randint(1, 7))).isoformat()
    return {"team": team, "opponent": rng.choice([t for t in TEAMS if t != team]), "score": f"{a}-{b}",
            "outcome": "win" if a > b else "loss" if a < b else "draw", "date": played}


SPORTS("match_result", "get", "Get the result of a team's most recent match (or on a date)",
       "opponent, score and outcome",
       "match result",
       [req("team", _TEAM, "Team name.", names=("team_name", "club")),
        opt("date", DATE(-60, -1), "Match date (YYYY-MM-DD).", say=("on {v}", "from {v}"), names=("match_date",))],
       _match_result,
       ["How did the {team} do in their last game?", "What was the score of the {team} match?", "Did the {team} win?"],
       api=True)

SPORTS("league_standings", "get", "Get the current table of a league", "teams with points and rank", "league standings",
       [req("league", ENUM(_LEAGUES, _LEAGUE_SYN), "The league.", names=("competition",)),
        opt("season", ENUM(("2023-24", "2024-25", "2025-26")), "Season.", default="2025-26",
            say=("for the {v} season", "in {v}"))],
       lambda rng, league, season="2025-26": {"league": league, "season": season, "standings": [
           {"rank": i + 1, "team": t, "played": 20, "points": p} for i, (t, p) in enumerate(sorted(
               ((t, rng.randint(10, 50)) for t in rng.sample(TEAMS, 8)), key=lambda x: -x[1]))]},
       ["Show me the {league} standings.", "Who's top of the {league}?", "Current {league} table, please."], api=True,
       weak=Weak(note="Current season only."))

SPORTS("player_stats", "get", "Get a player's statistics for a season", "games, points, assists and more",
       "player statistics",
       [req("player_name", _PERSON, "Player's full name.", names=("player",)),
        opt("season", ENUM(("2023-24", "2024-25", "2025-26")), "Season.", default="2025-26",
            say=("in {v}", "for {v}"))],
       lambda rng, player_name, season="2025-26": {"player": player_name, "season": season, "games": rng.randint(5, 40),
                                                   "goals": rng.randint(0, 25), "assists": rng.randint(0, 20),
                                                   "minutes": rng.randint(300, 3400)},
       ["What are {player_name}'s stats this season?", "How many goals has {player_name} scored?",
        "Player stats for {player_name}."],
       api=True, weak=Weak(note="Current season only."))

SPORTS("team_schedule", "get", "Get a team's upcoming games", "the next fixtures with dates and venues",
       "upcoming games",
       [req("team", _TEAM, "Team name.", names=("team_name",)),
        opt("next_n_games", INT(1, 10), "How many games.", default=5, say=("next {v} games", "the coming {v} matches"),
            names=("limit", "count"))],
       lambda rng, team, next_n_games=5: {"team": team, "games": [
           {"date": (REFERENCE + dt.timedelta(days=3 + 7 * i)).isoformat(),
            "opponent": rng.choice([t for t in TEAMS if t != team]),
            "home": rng.random() < 0.5} for i in range(next_n_games)]},
       ["When do the {team} play next?", "Upcoming schedule for the {team}?",
        "What games do the {team} have coming up?"], api=True)

# --------------------------------------------------------------------------------------------------
# markets
# --------------------------------------------------------------------------------------------------

_TICKER = POOL(tuple(TICKERS))


def _price0(symbol: str) -> float:
    return 20 + sum(ord(c) * (i + 3) for i, c in enumerate(symbol)) % 480


MARKETS("stock_price", "get", "Get the latest price of a stock", "price, change and volume", "stock price",
        [req("symbol", _TICKER, "Ticker symbol, e.g. AAPL.", names=("ticker", "stock"))],
        lambda rng, symbol: (lambda p, ch: {"symbol": symbol, "price": round(p, 2), "change_percent": round(ch, 2),
                                            "volume": rng.randint(10 ** 5, 10 ** 8), "currency": "USD",
                                            "as_of": f"{REFERENCE}T16:00"})(
            _price0(symbol) * rng.uniform(0.9, 1.1), rng.uniform(-5, 5)),
        ["What's {symbol} trading at?", "Current stock price of {symbol}?", "How much is a share of {symbol}?",
         "Get me a quote for {symbol}."], api=True)


def _history(rng, symbol, start_date, end_date, interval="daily"):
    a, b = dt.date.fromisoformat(start_date), dt.date.fromisoformat(end_date)
    step = {"daily": 1, "weekly": 7, "monthly": 30}[interval]
    p, rows, d = _price0(symbol), [], a
    while d <= b and len(rows) < 60:
        p *= rng.uniform(0.97, 1.03)
        rows.append({"date": d.isoformat(), "close": round(p, 2)})
        d += dt.timedelta(days=step)
    return {"symbol": symbol, "interval": interval, "prices": rows}


MARKETS("stock_history", "get", "Get historical closing prices of a stock", "dated closing prices",
        "stock price history",
        [req("symbol", _TICKER, "Ticker symbol.", names=("ticker",)),
         req("start_date", DATE(-365, -60), "First date (YYYY-MM-DD).", names=("from_date", "start")),
         req("end_date", DATE(-59, -1), "Last date (YYYY-MM-DD).", names=("to_date", "end")),
         opt("interval", ENUM(("daily", "weekly", "monthly")), "Sampling interval.", default="daily",
             say=("at {v} intervals", "{v} data"), names=("frequency",))],
        _history,
        ["Show me {symbol}'s price history from {start_date} to {end_date}.",
         "Historical prices of {symbol} between {start_date} and {end_date}?"],
        api=True, weak=Weak(note="Daily data only."))

MARKETS("company_profile", "get", "Get a public company's profile", "name, sector, market cap and employees",
        "company profile",
        [req("symbol", _TICKER, "Ticker symbol.", names=("ticker",))],
        lambda rng, symbol: {"symbol": symbol,
                             "sector": rng.choice(("technology", "consumer", "energy", "finance", "healthcare")),
                             "market_cap_billion_usd": round(rng.uniform(5, 3000), 1),
                             "employees": rng.randint(1000, 400000),
                             "headquarters": rng.choice(_CITIES)},
        ["Tell me about the company behind {symbol}.", "Company profile for {symbol}?", "What sector is {symbol} in?"],
        api=True)

_COINS = ("BTC", "ETH", "SOL", "ADA", "XRP", "DOGE", "LTC", "DOT")
MARKETS("crypto_price", "get", "Get the current price of a cryptocurrency", "the price and 24h change", "crypto price",
        [req("coin", ENUM(_COINS, {"BTC": ("bitcoin", "BTC"), "ETH": ("ethereum", "ETH"), "SOL": ("solana", "SOL"),
                                   "ADA": ("cardano", "ADA"), "XRP": ("XRP", "ripple"), "DOGE": ("dogecoin", "DOGE"),
                                   "LTC": ("litecoin", "LTC"), "DOT": ("polkadot", "DOT")}), "Coin symbol.",
                                   names=("symbol",)),
         opt("currency",
             ENUM(("USD", "EUR", "GBP", "JPY"),
                  {"USD": ("dollars", "USD"), "EUR": ("euros", "EUR"), "GBP": ("pounds", "GBP"),
                                                           "JPY": ("yen", "JPY")}),
             "Quote currency.", default="USD", say=("in {v}",), names=("vs_currency",))],
        lambda rng, coin, currency="USD": {"coin": coin, "currency": currency,
                                           "change_24h_percent": round(rng.uniform(-8, 8), 2),
                                           "price": round({"BTC": 65000, "ETH": 3200, "SOL": 150, "ADA": 0.45,
                                                           "XRP": 0.6,
                                                           "DOGE": 0.15, "LTC": 80,
                                                           "DOT": 7}[coin] * rng.uniform(0.9, 1.1)
                                                          * tables.exchange_rate("USD", currency), 4)},
        ["What's the price of {coin}?", "How much is one {coin} worth?", "Current {coin} price?"],
        api=True, weak=Weak(note="Quotes in USD only."))

MARKETS("exchange_rate", "get", "Get the exchange rate between two currencies (fixed reference table)", "the rate",
        "exchange rate",
        [req("base_currency", ENUM(tuple(tables.USD_RATES), tables.CURRENCY_NAMES), "Currency to convert from.",
             names=("from", "base")),
         req("target_currency", ENUM(tuple(tables.USD_RATES), tables.CURRENCY_NAMES), "Currency to convert to.",
             names=("to", "target"))],
        lambda rng, base_currency, target_currency: {"base": base_currency, "target": target_currency,
                                                     "rate": round(tables.exchange_rate(base_currency,
                                                                                        target_currency), 6)},
        ["What's the exchange rate from {base_currency} to {target_currency}?",
         "Exchange rate {base_currency} → {target_currency}?",
         "{base_currency} to {target_currency} rate?", "How much is 1 {base_currency:d} in {target_currency:d}?"],
         api=True, module="fx",
        where=lambda a: a["base_currency"] != a["target_currency"],
        weak=Weak(enums={"base_currency": ("USD", "EUR", "GBP", "JPY"),
                         "target_currency": ("USD", "EUR", "GBP", "JPY")},
                  note="Major currencies only: USD, EUR, GBP, JPY."))

# --------------------------------------------------------------------------------------------------
# media: music and movies
# --------------------------------------------------------------------------------------------------

_ARTISTS = ("Taylor Swift", "Adele", "Coldplay", "Beyoncé", "Ed Sheeran", "Daft Punk", "Miles Davis", "Radiohead",
            "Billie Eilish", "The Beatles", "Kendrick Lamar", "Norah Jones")
_GENRES = ("pop", "rock", "jazz", "classical", "hip-hop", "electronic", "country", "r&b")

MEDIA("search_songs", "", "Search for songs by keywords", "matching tracks with artist and duration", "songs",
      [req("query", TEXT(tuple(SONGS) + ("love", "summer", "night drive", "rain")), "Search keywords or song title.",
           names=("q", "keywords")),
       opt("artist", POOL(_ARTISTS), "Restrict to one artist.", say=("by {v}", "from {v}")),
       opt("limit", INT(1, 25), "Maximum results.", default=10, say=("top {v} results", "at most {v} songs"),
           names=("max_results",))],
      lambda rng, query, artist=None, limit=10: {"query": query, "tracks": [
          {"title": query.title() + ("" if i == 0 else " (" + rng.choice(("Remix", "Live", "Acoustic", "Edit")) + ")"),
           "artist": artist or rng.choice(_ARTISTS),
           "duration_seconds": rng.randint(120, 360)} for i in range(min(limit, 5))]},
      ["Find songs called {query}.", "Search for the song {query}.", "Play something like {query}."],
      api=True, module="music", weak=Weak(drop=("artist",), note="No artist filter."))

MEDIA("artist_info", "get", "Get information about a music artist", "genres, top songs and a short bio",
      "artist information",
      [req("artist_name", POOL(_ARTISTS), "Artist name.", names=("artist",))],
      lambda rng, artist_name: {"artist": artist_name, "genres": rng.sample(_GENRES, 2),
                    "monthly_listeners": rng.randint(10 ** 5, 9 * 10 ** 7),
                                "top_songs": rng.sample(SONGS, 3)},
      ["Tell me about {artist_name}.", "Who is {artist_name}?", "What are {artist_name}'s biggest songs?"], api=True,
      module="music")

MEDIA("create_playlist", "", "Create a playlist from a list of songs", "the playlist id and its length", "playlist",
      [req("name", TEXT(("Road Trip", "Focus", "Workout Mix", "Sunday Chill", "Party Time", "Study Beats")),
           "Playlist name.",
           names=("title", "playlist_name")),
       req("songs", STRS(SONGS, 2, 5, forms=("and", "quoted", "bracket")), "Song titles to add.", names=("tracks",)),
       opt("public", BOOL(), "Make it public.", default=False, value_phrases={True: ("and make it public", "(public)"),
                                                                            False: ("keep it private", "(private)")},
           names=("is_public",))],
      lambda rng, name, songs, public=False: {"playlist_id": _code(rng, "PL", 8), "name": name, "tracks": len(songs),
                                              "public": public},
      ["Create a playlist called {name} with {songs}.", "Make a new playlist {name}: {songs}.",
       "Put {songs} in a playlist named {name}."],
      api=True, module="music", weak=Weak(note="Playlists are always private."))

_MOVIE_GENRES = ("action", "comedy", "drama", "horror", "sci-fi", "romance", "animation", "documentary")
MEDIA("search_movies", "", "Search movies by title or keywords", "matching movies with year and rating", "movies",
      [req("query", TEXT(tuple(MOVIES) + ("space", "heist", "time travel", "robots", "love story")),
           "Title or keywords.", names=("title", "q")),
       opt("year", INT(1950, 2025, words=False), "Release year.", say=("from {v}", "released in {v}"),
           names=("release_year",)),
       opt("genre", ENUM(_MOVIE_GENRES), "Genre.", say=("in {v}", "{v} films only"))],
      lambda rng, query, year=None, genre=None: {"results": [
          {"title": query.title() if i == 0 else f"{query.title()} {i + 1}", "year": year or rng.randint(1960, 2025),
           "genre": genre or rng.choice(_MOVIE_GENRES),
           "rating": round(rng.uniform(5, 9.3), 1)} for i in range(rng.randint(1, 4))]},
      ["Find the movie {query}.", "Search for films about {query}.", "Any movies called {query}?"],
      api=True, module="movies", weak=Weak(note="Search by title only."))

MEDIA("movie_details", "get", "Get details of a movie", "director, cast, runtime and rating", "movie details",
      [req("title", POOL(tuple(MOVIES)), "Movie title.", names=("movie", "movie_title"))],
      lambda rng, title: {"title": title, "director": _person(rng), "runtime_minutes": rng.randint(85, 170),
                          "rating": round(rng.uniform(6, 9.3), 1), "cast": [_person(rng) for _ in range(3)]},
      ["Tell me about the movie {title}.", "Who directed {title}?", "How long is {title}?"], api=True, module="movies")

MEDIA("find_showtimes", "", "Find cinema showtimes for a movie in a city on a date", "cinemas with their times",
      "showtimes",
      [req("movie_title", POOL(tuple(MOVIES)), "Movie title.", names=("movie", "title")),
       req("city", _CITY, "City name.", names=("location",)),
       req("date", DATE(0, 14), "Date (YYYY-MM-DD).", names=("day",))],
      lambda rng, movie_title, city, date: {"movie": movie_title, "city": city, "date": date, "cinemas": [
          {"cinema": f"{rng.choice(('Odeon', 'Cineplex', 'Rex', 'Pathé', 'Roxy'))} {city}",
           "times": sorted(f"{h:02d}:{m:02d}" for h,
                           m in {(rng.randint(12, 22), rng.choice((0, 15, 30, 45))) for _ in range(3)})}
          for _ in range(rng.randint(1, 3))]},
      ["When is {movie_title} playing in {city} on {date}?", "Showtimes for {movie_title} in {city}, {date}?",
       "Where can I watch {movie_title} in {city} on {date}?"], api=True, module="movies")

# --------------------------------------------------------------------------------------------------
# cooking
# --------------------------------------------------------------------------------------------------

_INGREDIENTS = ("chicken", "rice", "tomatoes", "garlic", "onion", "spinach", "eggs", "pasta", "beans", "tofu",
                "mushrooms",
                "cheese", "potatoes", "salmon", "lemon", "basil")
_DIETS = ("vegetarian", "vegan", "gluten_free", "keto", "dairy_free")
#: per 100 g: kcal, protein g, carbs g, fat g (standard reference values, rounded)
NUTRITION = {"apple": (52, 0.3, 14, 0.2), "banana": (89, 1.1, 23, 0.3), "white rice (cooked)": (130, 2.7, 28, 0.3),
             "chicken breast": (165, 31, 0, 3.6), "egg": (155, 13, 1.1, 11), "whole milk": (61, 3.2, 4.8, 3.3),
             "oats": (389, 17, 66, 7), "broccoli": (34, 2.8, 7, 0.4), "salmon": (208, 20, 0, 13),
             "almonds": (579, 21, 22, 50),
             "cheddar cheese": (403, 25, 1.3, 33), "potato": (77, 2, 17, 0.1), "bread": (265, 9, 49, 3.2),
             "avocado": (160, 2, 9, 15)}

def _search_recipes(rng, ingredients, diet=None, max_prep_minutes=None):
    recipes = []
    for _ in range(rng.randint(1, 4)):
        style = rng.choice(("Easy", "One-pot", "Quick", "Classic", "Spicy"))
        dish = rng.choice(("bowl", "stew", "bake", "salad", "stir-fry"))
        recipes.append({"title": f"{style} {ingredients[0]} {dish}", "diet": diet, "uses": ingredients,
                        "prep_minutes": rng.randint(10, max_prep_minutes or 90),
                        "missing": rng.sample([i for i in _INGREDIENTS if i not in ingredients], 2)})
    return {"recipes": recipes}


COOK("search_recipes", "", "Find recipes that use given ingredients", "recipes with time and missing ingredients",
     "recipes",
     [req("ingredients", STRS(_INGREDIENTS, 1, 4), "Ingredients to use.", names=("includes", "items")),
      opt("diet", ENUM(_DIETS, {"gluten_free": ("gluten-free",), "dairy_free": ("dairy-free",)}),
          "Dietary restriction.",
          say=("that are {v}", "{v} only"), names=("dietary_restriction",)),
      opt("max_prep_minutes", INT(10, 90, round_to=5), "Longest acceptable preparation time.",
          say=("ready in under {v} minutes", "taking at most {v} minutes"), names=("max_time",))],
     _search_recipes,
     ["What can I cook with {ingredients}?", "Find a recipe using {ingredients}.",
      "Give me recipes with {ingredients}."],
     api=True, weak=Weak(note="No diet or time filters."))

COOK("nutrition_info", "get", "Get nutrition facts for a food and serving size", "calories and macronutrients",
     "nutrition facts",
     [req("food", POOL(tuple(NUTRITION)), "Food name.", names=("food_item", "item")),
      opt("serving_grams", INT(20, 500, round_to=10), "Serving size in grams.", default=100,
          say=("for {v} grams", "per {v} g serving"),
          names=("grams", "serving_size"))],
     lambda rng, food, serving_grams=100: (lambda k, p, c, f: {"food": food, "serving_grams": serving_grams,
                                                               "calories": k * serving_grams / 100,
                                                               "protein_g": p * serving_grams / 100,
                                                               "carbs_g": c * serving_grams / 100,
                                                               "fat_g": f * serving_grams / 100})(
         *NUTRITION[food]),
     ["How many calories are in {food}?", "Nutrition facts for {food}?", "What's the protein content of {food}?"],
     api=True, module="nutrition", weak=Weak(note="Per 100 g only."))


_AMOUNTS = {"g": (50, 100, 150, 200, 250, 500), "cup": (0.5, 1, 1.5, 2), "tbsp": (1, 2, 3), "tsp": (0.5, 1, 2),
            "ml": (100, 200, 250, 500), "piece": (1, 2, 3, 4)}


def _ingredient_list(rng):
    out = []
    for n in rng.sample(_INGREDIENTS, rng.randint(2, 4)):
        unit = rng.choice(sorted(_AMOUNTS))
        out.append({"name": n, "quantity": rng.choice(_AMOUNTS[unit]), "unit": unit})
    return out


COOK("scale_recipe", "", "Scale a recipe's ingredient quantities to a new number of servings", "the scaled ingredients",
     "scaled recipe",
     [req("ingredients", CUSTOM({"type": "array", "items": {"type": "object", "properties": {
         "name": {"type": "string"}, "quantity": {"type": "number"}, "unit": {"type": "string"}},
         "required": ["name", "quantity", "unit"]}},
         _ingredient_list,
         lambda v, rng: sf.joined([f"{sf.digits(i['quantity'])} {i['unit']} {i['name']}" for i in v], rng), array=True),
          "Ingredients with quantity and unit.", names=("items",)),
      req("original_servings", INT(1, 8), "Servings the recipe makes.", names=("servings", "from_servings")),
      req("new_servings", INT(1, 20), "Servings wanted.", names=("target_servings", "to_servings"))],
     lambda rng, ingredients, original_servings, new_servings: {"ingredients": [
         {**i, "quantity": round(i["quantity"] * new_servings / original_servings, 3)} for i in ingredients]},
     ["My recipe for {original_servings} uses {ingredients}. Scale it to {new_servings} servings.",
      "Scale {ingredients} from {original_servings} servings to {new_servings}."],
     api=True, where=lambda a: a["original_servings"] != a["new_servings"])

# --------------------------------------------------------------------------------------------------
# maps
# --------------------------------------------------------------------------------------------------

_MODES = ("driving", "walking", "cycling", "transit")
_MODE_SPEED = {"driving": 70, "walking": 5, "cycling": 16, "transit": 40}


def _directions(rng, origin, destination, mode="driving", avoid_tolls=False):
    o, d = tables.city_info(origin, "origin"), tables.city_info(destination, "destination")
    km = tables.haversine_km(o[0], o[1], d[0], d[1]) * 1.25
    hours = km / (_MODE_SPEED[mode] * (0.9 if avoid_tolls else 1.0))
    return {"origin": origin, "destination": destination, "mode": mode, "distance_km": round(km, 1),
            "duration_minutes": round(hours * 60), "avoid_tolls": avoid_tolls,
            "steps": [f"Head {rng.choice(('north', 'south', 'east', 'west'))}", f"Continue for {round(km * 0.7)} km",
                      f"Arrive in {destination}"]}


MAPS("get_directions", "", "Get directions between two cities", "distance, duration and steps", "directions",
     [req("origin", _CITY, "Starting city.", names=("start", "from_location")),
      req("destination", _CITY, "Destination city.", names=("end", "to_location")),
      opt("mode",
          ENUM(_MODES,
               {"driving": ("by car", "driving"), "walking": ("on foot", "walking"), "cycling": ("by bike", "cycling"),
                                "transit": ("by public transport", "by transit")}),
          "Travel mode.", default="driving", say=("{v}",), names=("travel_mode",)),
      opt("avoid_tolls", BOOL(), "Avoid toll roads.", default=False,
          value_phrases={True: ("avoiding tolls", "with no toll roads")})],
     _directions,
     ["How do I get from {origin} to {destination}?", "Directions from {origin} to {destination}, please.",
      "Route from {origin} to {destination}?"],
     api=True, where=lambda a: a["origin"] != a["destination"] and a.get("avoid_tolls", True) is not False,
     weak=Weak(drop=("avoid_tolls",), enums={"mode": ("driving",)}, note="Driving directions only."))

_PLACE_TYPES = ("restaurant", "cafe", "pharmacy", "atm", "gas_station", "hospital", "park", "museum", "supermarket")
MAPS("find_nearby_places", "", "Find places of a given type near a location", "places with distance and rating",
     "nearby places",
     [req("location", _CITY, "City or area.", names=("near", "city")),
      req("place_type",
          ENUM(_PLACE_TYPES, {"gas_station": ("gas station", "petrol station"), "atm": ("ATM", "cash machine"),
                                           "cafe": ("cafe", "coffee shop"),
                                           "supermarket": ("supermarket", "grocery store")}),
          "Kind of place.", names=("type", "category")),
      opt("radius_meters", INT(200, 5000, round_to=100), "Search radius in meters.", default=1000,
          say=("within {v} meters", "in a {v} m radius"), names=("radius",)),
      opt("open_now", BOOL(), "Only places open now.", default=False, value_phrases={True: ("that are open now",)})],
     lambda rng, location, place_type, radius_meters=1000, open_now=False: {"places": [
         {"name": f"{rng.choice(LAST)} {place_type.replace('_', ' ').title()}",
          "distance_m": rng.randint(50, radius_meters),
          "rating": round(rng.uniform(3, 5), 1),
          "open_now": True if open_now else rng.random() < 0.7} for _ in range(rng.randint(1, 5))]},
     ["Find a {place_type} near {location}.", "Is there a {place_type} close to {location}?",
      "Nearest {place_type} in {location}?"],
     api=True, where=lambda a: a.get("open_now", True) is not False, weak=Weak(note="Fixed 1 km radius."))

_STREETS = ("Main Street", "High Street", "Station Road", "Park Avenue", "Market Square", "Church Lane")
MAPS("geocode_address", "", "Turn an address into coordinates", "latitude and longitude", "coordinates of an address",
     [req("address",
          CUSTOM({"type": "string"}, lambda rng: f"{rng.randint(1, 200)} {rng.choice(_STREETS)}, {rng.choice(_CITIES)}",
                            lambda v, rng: v), "Street address with city.", names=("query", "location"))],
     lambda rng, address: (lambda c: {"address": address, "latitude": round(c[0] + rng.uniform(-0.05, 0.05), 5),
                                      "longitude": round(c[1] + rng.uniform(-0.05, 0.05), 5)})(
         tables.CITY_INFO.get(address.rsplit(", ", 1)[-1], (0.0, 0.0, 0, "UTC"))),
     ["What are the coordinates of {address}?", "Geocode {address}.", "Latitude and longitude for {address}?"],
     api=True)

MAPS("distance_between_cities", "calculate", "Calculate the great-circle distance between two cities", "the distance",
     "distance between cities",
     [req("city_a", _CITY, "First city.", names=("from_city", "origin")),
      req("city_b", _CITY, "Second city.", names=("to_city", "destination")),
      opt("unit", ENUM(("km", "mi"), {"km": ("kilometers", "km"), "mi": ("miles",)}), "Distance unit.", default="km",
          say=("in {v}",))],
     lambda rng, city_a, city_b, unit="km": (lambda km: {"distance": round(km if unit == "km" else km / 1.609344, 1),
                                                         "unit": unit})(
         tables.haversine_km(*tables.city_info(city_a, "city_a")[:2], *tables.city_info(city_b, "city_b")[:2])),
     ["How far is {city_a} from {city_b}?", "Distance between {city_a} and {city_b}?",
      "What's the flying distance from {city_a} to {city_b}?"],
     api=True, where=lambda a: a["city_a"] != a["city_b"], weak=Weak(note="Kilometers only."))

def _local_time(rng, city):
    offset = tables.city_info(city)[2]
    local = dt.datetime.combine(REFERENCE, dt.time(12, 0)) + dt.timedelta(hours=offset)  # noon UTC on the reference day
    return {"city": city, "utc_offset_hours": offset, "timezone": tables.CITY_INFO[city][3],
            "local_time": local.strftime("%Y-%m-%dT%H:%M")}


MAPS("local_time", "get", "Get the current local time in a city (fixed offsets, no daylight saving)",
     "the local time and UTC offset",
     "local time",
     [req("city", _CITY, "City name.", names=("location",))],
     _local_time,
     ["What time is it in {city}?", "Local time in {city}?", "What's the time difference to {city}?"], api=True,
     module="time")

# --------------------------------------------------------------------------------------------------
# language
# --------------------------------------------------------------------------------------------------

_LANGS = ("english", "spanish", "french", "german", "italian", "portuguese", "japanese", "chinese", "arabic", "hindi")
_LANG_SYN = {l: (l.title(), l) for l in _LANGS}
#: phrases with a known language, for detect_language
_PHRASES = {"Where is the train station?": "english", "¿Dónde está la estación de tren?": "spanish",
            "Où est la gare ?": "french", "Wo ist der Bahnhof?": "german", "Dov'è la stazione?": "italian",
            "Onde fica a estação de trem?": "portuguese", "駅はどこですか": "japanese", "火车站在哪里": "chinese",
            "Good morning, how are you?": "english", "Buenos días, ¿cómo estás?": "spanish",
            "Bonjour, comment ça va ?": "french",
            "Guten Morgen, wie geht's?": "german"}

LANG("translate_text", "", "Translate text into another language", "the translation and the detected source language",
     "translation",
     [req("text", TEXT(("Where is the nearest pharmacy?", "Thank you very much", "How much does this cost?",
                        "I would like a table for two", "The meeting is moved to Friday", "Good luck with your exam")),
          "Text to translate.", names=("q", "source_text")),
      req("target_language", ENUM(_LANGS, _LANG_SYN), "Language to translate into.", names=("target", "to_language")),
      opt("source_language", ENUM(_LANGS, _LANG_SYN), "Language of the text (detected when omitted).",
          say=("from {v}",), names=("source", "from_language"))],
     lambda rng, text, target_language, source_language=None: {
         "translated_text": f"[{target_language}] {text}", "source_language": source_language or "english",
         "target_language": target_language, "confidence": round(rng.uniform(0.8, 0.99), 2)},
     ["Translate {text} into {target_language}.", "How do you say {text} in {target_language}?",
      "What is {text} in {target_language}?", "{lead} translate {text} to {target_language}?"],
     api=True, where=lambda a: a.get("source_language") != a["target_language"],
     weak=Weak(drop=(), enums={"target_language": ("english", "spanish", "french")},
               note="Translates into English, Spanish or French only."))

LANG("detect_language", "", "Detect the language of a text", "the language and a confidence", "language of a text",
     [req("text", TEXT(tuple(_PHRASES)), "The text.", names=("q", "input"))],
     lambda rng, text: {"language": _PHRASES.get(text, "english"), "confidence": round(rng.uniform(0.85, 0.99), 2)},
     ["What language is {text}?", "Detect the language of {text}.", "Which language is this: {text}"], api=True)

_DEFINE = ("serendipity", "ubiquitous", "ephemeral", "pragmatic", "resilient", "meticulous", "ambiguous", "candid")
def _define_word(rng, word, include_examples=False):
    out = {"word": word, "part_of_speech": rng.choice(("noun", "adjective")),
           "definitions": [f"{word}: sense {i + 1}" for i in range(rng.randint(1, 3))]}
    if include_examples:
        out["examples"] = [f"An example with {word}."]
    return out


LANG("define_word", "", "Look up the definition of an English word", "definitions with part of speech", "definition",
     [req("word", POOL(_DEFINE), "The word.", names=("term",)),
      opt("include_examples", BOOL(), "Add example sentences.", default=False,
          value_phrases={True: ("with example sentences", "and use it in a sentence")})],
     _define_word,
     ["What does {word} mean?", "Define {word}.", "Meaning of the word {word}?"], api=True, module="dictionary",
     weak=Weak(note="Definitions only, no examples."))

# --------------------------------------------------------------------------------------------------
# productivity: email, calendar, tasks
# --------------------------------------------------------------------------------------------------

_SUBJECTS = ("Quarterly report", "Lunch on Friday?", "Project update", "Invoice 2291", "Team offsite",
             "Interview schedule")
_BODIES = ("Please find the numbers attached.", "Are you free around noon?", "We are on track for the launch.",
           "Could you confirm the payment date?", "Let's meet at the station at 9.")


def _emails(rng):
    return [_email(rng) for _ in range(rng.randint(1, 2))]


PROD("send_email", "", "Send an email", "the message id and status", "email",
     [req("to", _EMAIL, "Recipient address.", names=("recipient", "to_address")),
      req("subject", TEXT(_SUBJECTS), "Subject line.", names=("title",)),
      req("body", TEXT(_BODIES), "Message text.", names=("message", "content")),
      opt("cc", CUSTOM({"type": "array", "items": {"type": "string", "format": "email"}}, _emails,
                       lambda v, rng: sf.joined(v, rng), array=True), "Addresses to copy.",
                       say=("and cc {v}", "copying {v}"))],
     lambda rng, to, subject, body, cc=None: {"message_id": _code(rng, "MSG", 8), "status": "sent", "to": to,
                                              "cc": cc or []},
     ["Send an email to {to} with subject {subject} saying {body}", "Email {to}: subject {subject}, body {body}",
      "Write to {to} about {subject}: {body}"], api=True, module="mail", weak=Weak(note="No CC."))

PROD("search_emails", "", "Search the mailbox", "matching messages", "emails",
     [req("query", TEXT(("invoice", "meeting", "flight", "password reset", "newsletter", "contract")), "Search words.",
          names=("q", "keywords")),
      opt("sender", _EMAIL, "Only messages from this address.", say=("from {v}", "sent by {v}"),
          names=("from_address",)),
      opt("unread_only", BOOL(), "Only unread messages.", default=False,
          value_phrases={True: ("that I haven't read", "unread only")}),
      opt("limit", INT(1, 50), "Maximum results.", default=10, say=("at most {v}", "the last {v}"))],
     lambda rng, query, sender=None, unread_only=False, limit=10: {"messages": [
         {"id": _code(rng, "MSG", 8), "from": sender or _email(rng),
          "subject": f"{query.title()} - {rng.choice(_SUBJECTS)}",
          "unread": True if unread_only else rng.random() < 0.4} for _ in range(min(limit, rng.randint(1, 5)))]},
     ["Find emails about {query}.", "Search my inbox for {query}.", "Do I have any mail about {query}?"],
     api=True, module="mail", where=lambda a: a.get("unread_only", True) is not False,
     weak=Weak(drop=("sender", "unread_only"), note="Keyword search only."))

def _create_event(rng, title, date, start_time, duration_minutes=60, attendees=None, location=None):
    start = dt.datetime.fromisoformat(f"{date}T{start_time}")
    end = start + dt.timedelta(minutes=duration_minutes)
    return {"event_id": _code(rng, "EV", 8), "title": title, "start": start.strftime("%Y-%m-%dT%H:%M"),
            "end": end.strftime("%Y-%m-%dT%H:%M"), "attendees": attendees or [], "location": location}


PROD("create_calendar_event", "", "Create a calendar event", "the event id and its details", "calendar event",
     [req("title",
          TEXT(("Team standup", "Dentist", "Project review", "Lunch with Sara", "Budget meeting", "Yoga class")),
          "Event title.", names=("summary", "name")),
      req("date", DATE(1, 60), "Date (YYYY-MM-DD).", names=("event_date", "day")),
      req("start_time", TIME(), "Start time, HH:MM.", names=("time", "start")),
      opt("duration_minutes", INT(15, 240, round_to=15), "Length in minutes.", default=60,
          say=("for {v} minutes", "lasting {v} minutes"),
          names=("duration",)),
      opt("attendees", CUSTOM({"type": "array", "items": {"type": "string", "format": "email"}}, _emails,
                              lambda v, rng: sf.joined(v, rng), array=True), "Guests to invite.",
                              say=("with {v}", "inviting {v}"),
          names=("guests", "invitees")),
      opt("location", TEXT(("Room 4B", "Zoom", "Main office", "Cafe Central")), "Where.", say=("at {v}", "in {v}"))],
     _create_event,
     ["Schedule {title} on {date} at {start_time}.", "Add {title} to my calendar for {date} at {start_time}.",
      "Create an event {title}, {date}, {start_time}."],
     api=True, module="calendar", weak=Weak(drop=("attendees", "location"), note="No guests or location."))

PROD("list_calendar_events", "", "List the events on a date", "the day's events", "calendar events",
     [req("date", DATE(-7, 30), "The date (YYYY-MM-DD).", names=("day",))],
     lambda rng, date: {"date": date,
                        "events": sorted(({"title": rng.choice(("Standup", "1:1", "Review", "Lunch", "Gym")),
                                                         "start": f"{rng.randint(8, 18):02d}:{rng.choice((0, 30)):02d}"}
                                                        for _ in range(rng.randint(0, 4))), key=lambda e: e["start"])},
     ["What's on my calendar on {date}?", "Do I have meetings on {date}?", "List my events for {date}."], api=True,
     module="calendar")

PROD("create_task", "", "Add a task to the to-do list", "the task id and fields", "to-do item",
     [req("title",
          TEXT(("Renew passport", "Call the plumber", "Submit expense report", "Buy groceries", "Book dentist")),
          "What needs doing.", names=("task", "name")),
      opt("due_date", DATE(1, 60), "Deadline (YYYY-MM-DD).", say=("due {v}", "by {v}"), names=("deadline",)),
      opt("priority", ENUM(("low", "medium", "high")), "Priority.", default="medium",
          say=("with {v} priority", "marked {v} priority"))],
     lambda rng, title, due_date=None, priority="medium": {"task_id": _code(rng, "TK", 6), "title": title,
                                                           "due_date": due_date,
                                                          "priority": priority, "done": False},
     ["Add {title} to my to-do list.", "Remind me to {title}.", "Create a task: {title}."], api=True, module="todo",
     weak=Weak(note="No due dates or priorities."))

# --------------------------------------------------------------------------------------------------
# shopping
# --------------------------------------------------------------------------------------------------

_CATEGORIES = ("electronics", "books", "clothing", "home", "sports", "toys", "beauty", "grocery")
_PRODUCT_QUERIES = ("wireless headphones", "running shoes", "coffee maker", "yoga mat", "phone case", "desk lamp",
                    "backpack", "water bottle", "mechanical keyboard", "winter jacket")


def _search_products(rng, query, category=None, max_price=None, min_rating=None, sort_by="relevance"):
    items = []
    for _ in range(rng.randint(2, 6)):
        price = round(rng.uniform(5, 400), 2)
        if max_price is not None:
            price = min(price, round(max_price * rng.uniform(0.4, 0.99), 2))
        items.append({"product_id": _code(rng, "P", 7), "title": f"{rng.choice(COMPANIES)} {query}", "price": price,
                      "rating": round(rng.uniform(min_rating or 2.5, 5), 1),
                      "category": category or rng.choice(_CATEGORIES)})
    key = {"relevance": None, "price_asc": lambda i: i["price"], "price_desc": lambda i: -i["price"],
           "rating": lambda i: -i["rating"]}[sort_by]
    return {"query": query, "results": sorted(items, key=key) if key else items}


SHOP("search_products", "", "Search the store catalog", "matching products with price and rating", "products",
     [req("query", TEXT(_PRODUCT_QUERIES), "What to look for.", names=("q", "keywords")),
      opt("category", ENUM(_CATEGORIES), "Category.", say=("in {v}", "in the {v} section")),
      opt("max_price", MONEY(10, 500, cents=False), "Highest price.", say=("under {v}", "for less than {v}"),
          names=("price_max",)),
      opt("min_rating", NUM(3, 4.5, decimals=1, whole=0.4), "Lowest rating.", say=("rated at least {v}",)),
      opt("sort_by", ENUM(("relevance", "price_asc", "price_desc", "rating"),
                          {"price_asc": ("cheapest first", "price low to high"),
                           "price_desc": ("most expensive first",),
                           "rating": ("best rated first",), "relevance": ("most relevant first",)}),
          "Order of results.", default="relevance", say=("{v}", "sorted {v}"), names=("sort", "order_by"))],
     _search_products,
     ["Find {query}.", "Search the store for {query}.", "I'm shopping for {query}.", "Show me {query} options."],
     api=True,
     weak=Weak(drop=("category", "max_price", "min_rating", "sort_by"),
               note="Keyword search only, no filters or sorting."))

_PRODUCT_ID = CUSTOM({"type": "string", "pattern": "^P[0-9]{7}$"}, lambda rng: _code(rng, "P", 7), lambda v, rng: v)
SHOP("add_to_cart", "", "Add a product to the shopping cart", "the cart's line items and total", "cart update",
     [req("product_id", _PRODUCT_ID, "Product identifier, e.g. P0012345.", names=("item_id", "sku")),
      opt("quantity", INT(2, 10), "How many.", default=1, say=("x{v}", "{v} of them", "quantity {v}"),
          names=("qty", "count"))],
     lambda rng, product_id, quantity=1: (lambda p: {"product_id": product_id, "quantity": quantity, "unit_price": p,
                                                     "line_total": round(p * quantity, 2),
                                                     "cart_items": rng.randint(quantity, quantity + 5)})(
         round(rng.uniform(5, 300), 2)),
     ["Add {product_id} to my cart.", "Put item {product_id} in the basket.",
      "Add product {product_id} to the cart, please."],
     api=True, weak=Weak(note="Adds one item at a time."))

SHOP("order_status", "get", "Get the status of an order", "status, carrier and estimated delivery", "order status",
     [req("order_id", CUSTOM({"type": "string", "pattern": "^[0-9]{3}-[0-9]{7}$"},
                             lambda rng: f"{rng.randint(100, 999)}-{rng.randint(0, 9999999):07d}", lambda v, rng: v),
          "Order number, e.g. 112-1234567.", names=("order_number",))],
     lambda rng, order_id: {"order_id": order_id,
                            "status": rng.choice(("processing", "shipped", "out for delivery", "delivered")),
                            "estimated_delivery": (REFERENCE + dt.timedelta(days=rng.randint(0, 7))).isoformat(),
                            "carrier": rng.choice(("UPS", "DHL", "FedEx", "USPS"))},
     ["Where is my order {order_id}?", "Status of order {order_id}?", "Has order {order_id} shipped?"], api=True)


def _cart_items(rng):
    return [{"name": n, "price": round(rng.choice((0.5, 1.25, 2, 3.99, 4.5, 10, 12.99, 25)), 2),
             "quantity": rng.randint(1, 4)}
            for n in rng.sample(("apples", "bread", "milk", "coffee", "notebook", "pens", "t-shirt", "socks",
                                 "batteries"), rng.randint(2, 4))]


def _cart_total(rng, items, tax_rate=0, discount_percent=0):
    subtotal = sum(i["price"] * i["quantity"] for i in items)
    discount = subtotal * discount_percent / 100
    tax = (subtotal - discount) * tax_rate / 100
    return {"subtotal": round(subtotal, 2), "discount": round(discount, 2), "tax": round(tax, 2),
            "total": round(subtotal - discount + tax, 2)}


SHOP("calculate_cart_total", "", "Calculate the total of a shopping cart with optional discount and tax",
     "subtotal, discount, tax and total", "cart total",
     [req("items", CUSTOM({"type": "array", "minItems": 1, "items": {"type": "object", "properties": {
         "name": {"type": "string"}, "price": {"type": "number", "minimum": 0},
         "quantity": {"type": "integer", "minimum": 1}},
         "required": ["name", "price", "quantity"], "additionalProperties": False}}, _cart_items,
         lambda v, rng: sf.joined([f"{i['quantity']} {i['name']} at {sf.money(i['price'], rng)} each" for i in v], rng),
         array=True),
          "Line items with name, unit price and quantity.", names=("cart", "line_items")),
      opt("tax_rate", NUM(2, 25, decimals=1, whole=0.6), "Sales tax in percent.", default=0,
          say=("with {v}% tax", "plus {v} percent sales tax")),
      opt("discount_percent", INT(5, 50, round_to=5), "Discount in percent.", default=0,
          say=("with a {v}% discount", "minus {v} percent"))],
     _cart_total,
     ["What's the total for {items}?", "I'm buying {items}. How much is that?", "Add up my cart: {items}."],
     api=True, weak=Weak(note="No tax or discounts."))

def _tracking_number(rng):
    return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(14))


def _track_package(rng, tracking_number, carrier=None):
    return {"tracking_number": tracking_number, "carrier": carrier or "ups",
            "status": rng.choice(("in transit", "out for delivery", "delivered", "label created")),
            "last_scan": rng.choice(_CITIES),
            "estimated_delivery": (REFERENCE + dt.timedelta(days=rng.randint(0, 5))).isoformat()}


SHOP("track_package", "", "Track a parcel by its tracking number", "the latest scan and delivery estimate",
     "package tracking",
     [req("tracking_number", CUSTOM({"type": "string", "pattern": "^[A-Z0-9]{10,18}$"},
                                    _tracking_number,
                                    lambda v, rng: v), "Tracking number.", names=("tracking_id",)),
      opt("carrier",
          ENUM(("ups", "fedex", "dhl", "usps"),
               {"ups": ("UPS",), "fedex": ("FedEx",), "dhl": ("DHL",), "usps": ("USPS",)}),
          "Shipping carrier.", say=("with {v}", "({v})"))],
     _track_package,
     ["Track package {tracking_number}.", "Where is my parcel {tracking_number}?",
      "Tracking update for {tracking_number}?"], api=True,
     module="shipping")

# --------------------------------------------------------------------------------------------------
# news
# --------------------------------------------------------------------------------------------------

_NEWS_CATS = ("business", "technology", "sports", "science", "health", "entertainment", "politics")
_COUNTRIES = ("us", "gb", "fr", "de", "jp", "in", "br", "ca", "au")
_COUNTRY_SYN = {"us": ("the US", "the United States"), "gb": ("the UK", "Britain"), "fr": ("France",),
                "de": ("Germany",),
                "jp": ("Japan",), "in": ("India",), "br": ("Brazil",), "ca": ("Canada",), "au": ("Australia",)}

def _headlines(rng, category=None, country=None, limit=5):
    articles = []
    for _ in range(limit):
        angle = rng.choice(("new report", "what to know", "latest", "analysis"))
        articles.append({"headline": f"{rng.choice(TOPICS).title()}: {angle}",
                         "source": rng.choice(("Daily Post", "World Wire", "The Ledger", "Metro News")),
                         "category": category or rng.choice(_NEWS_CATS), "country": country or "us",
                         "published": f"{REFERENCE}T{rng.randint(0, 11):02d}:00"})
    return {"articles": articles}


NEWS("top_headlines", "get", "Get the top news headlines", "headlines with source and time", "news headlines",
     [opt("category", ENUM(_NEWS_CATS), "News category.", say=("about {v}", "in {v}")),
      opt("country", ENUM(_COUNTRIES, _COUNTRY_SYN), "Two-letter country code.", say=("from {v}", "in {v}")),
      opt("limit", INT(1, 20), "Number of headlines.", default=5, say=("top {v}", "just {v} of them"),
          names=("page_size",))],
     _headlines,
     ["What's in the news today?", "Show me the latest headlines.", "Top news stories, please.", "Any big news?"],
     api=True, weak=Weak(drop=("country",), note="Global headlines only (no country filter)."))

def _search_news(rng, query, from_date=None, language="en"):
    articles = [{"title": f"{query.title()} {rng.choice(('explained', 'update', 'in numbers', 'debate'))}",
                 "language": language, "published": (REFERENCE - dt.timedelta(days=rng.randint(0, 20))).isoformat()}
                for _ in range(rng.randint(1, 5))]
    return {"query": query, "articles": articles}


NEWS("search_news", "", "Search news articles by keywords", "matching articles", "news articles",
     [req("query", TEXT(TOPICS), "Keywords.", names=("q", "keywords")),
      opt("from_date", DATE(-30, -1), "Oldest publication date (YYYY-MM-DD).",
          say=("since {v}", "published after {v}"), names=("since",)),
      opt("language",
          ENUM(("en", "es", "fr", "de"),
               {"en": ("English",), "es": ("Spanish",), "fr": ("French",), "de": ("German",)}),
          "Article language.", default="en", say=("in {v}",), names=("lang",))],
     _search_news,
     ["Find news about {query}.", "Any articles on {query}?", "Search the news for {query}."], api=True,
     weak=Weak(note="English articles only, no date filter."))

SPECS = (WEATHER.specs + TRAVEL.specs + DINING.specs + SPORTS.specs + MARKETS.specs + MEDIA.specs + COOK.specs
         + MAPS.specs + LANG.specs + PROD.specs + SHOP.specs + NEWS.specs)
