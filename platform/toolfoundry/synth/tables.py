"""Fixed reference tables the synthetic tools compute with: no network, the same numbers every run.

Atomic masses are the standard values; currency rates, city coordinates and UTC offsets are
representative constants (a fixed rate table, not live data), so conversions and distances are real
computations whose results a test can check.
"""

from __future__ import annotations

import math
import re

from toolfoundry.errors import InputError

# --------------------------------------------------------------------------------------------------
# chemistry
# --------------------------------------------------------------------------------------------------

#: symbol → (name, atomic number, standard atomic mass in g/mol)
ELEMENTS: dict[str, tuple[str, int, float]] = {
    "H": ("hydrogen", 1, 1.008), "He": ("helium", 2, 4.0026), "Li": ("lithium", 3, 6.94),
    "Be": ("beryllium", 4, 9.0122),
    "B": ("boron", 5, 10.81), "C": ("carbon", 6, 12.011), "N": ("nitrogen", 7, 14.007), "O": ("oxygen", 8, 15.999),
    "F": ("fluorine", 9, 18.998), "Ne": ("neon", 10, 20.180), "Na": ("sodium", 11, 22.990),
    "Mg": ("magnesium", 12, 24.305),
    "Al": ("aluminium", 13, 26.982), "Si": ("silicon", 14, 28.085), "P": ("phosphorus", 15, 30.974),
    "S": ("sulfur", 16, 32.06), "Cl": ("chlorine", 17, 35.45), "Ar": ("argon", 18, 39.948),
    "K": ("potassium", 19, 39.098),
    "Ca": ("calcium", 20, 40.078), "Ti": ("titanium", 22, 47.867), "Cr": ("chromium", 24, 51.996),
    "Mn": ("manganese", 25, 54.938), "Fe": ("iron", 26, 55.845), "Co": ("cobalt", 27, 58.933),
    "Ni": ("nickel", 28, 58.693),
    "Cu": ("copper", 29, 63.546), "Zn": ("zinc", 30, 65.38), "Br": ("bromine", 35, 79.904),
    "Ag": ("silver", 47, 107.87),
    "Sn": ("tin", 50, 118.71), "I": ("iodine", 53, 126.90), "Ba": ("barium", 56, 137.33),
    "Pt": ("platinum", 78, 195.08),
    "Au": ("gold", 79, 196.97), "Hg": ("mercury", 80, 200.59), "Pb": ("lead", 82, 207.2), "U": ("uranium", 92, 238.03),
}

#: formula → common names a user might say instead
COMPOUNDS: dict[str, tuple[str, ...]] = {
    "H2O": ("water",), "CO2": ("carbon dioxide",), "NaCl": ("table salt", "sodium chloride"),
    "C6H12O6": ("glucose",), "H2SO4": ("sulfuric acid",), "NH3": ("ammonia",), "CH4": ("methane",),
    "C2H5OH": ("ethanol",), "CaCO3": ("calcium carbonate", "limestone"), "NaOH": ("sodium hydroxide", "lye"),
    "KCl": ("potassium chloride",), "HCl": ("hydrochloric acid",), "Ca(OH)2": ("calcium hydroxide", "slaked lime"),
    "Mg(OH)2": ("magnesium hydroxide",), "Fe2O3": ("iron(III) oxide", "rust"), "C12H22O11": ("sucrose", "table sugar"),
    "O2": ("oxygen gas",), "N2": ("nitrogen gas",), "KMnO4": ("potassium permanganate",),
    "NaHCO3": ("baking soda", "sodium bicarbonate"), "Al2(SO4)3": ("aluminium sulfate",), "CuSO4": ("copper sulfate",),
    "AgNO3": ("silver nitrate",), "H3PO4": ("phosphoric acid",), "C3H8": ("propane",), "C8H18": ("octane",),
    "HNO3": ("nitric acid",), "MgCl2": ("magnesium chloride",), "ZnO": ("zinc oxide",), "SiO2": ("silica", "quartz"),
    "CH3COOH": ("acetic acid",), "H2O2": ("hydrogen peroxide",), "CO": ("carbon monoxide",),
    "NO2": ("nitrogen dioxide",),
}

_TOKEN = re.compile(r"([A-Z][a-z]?)(\d*)|(\()|(\))(\d*)")


def parse_formula(formula: str, where: str = "formula") -> dict[str, int]:
    """``Ca(OH)2`` → ``{"Ca": 1, "O": 2, "H": 2}``; refuses unknown elements and bad syntax."""
    stack: list[dict[str, int]] = [{}]
    pos = 0
    text = formula.strip()
    if not text:
        raise InputError(where, "is empty", "a chemical formula such as H2O or Ca(OH)2")
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise InputError(where, f"{formula!r} has an unexpected character at position {pos}",
                             "a chemical formula such as H2O or Ca(OH)2")
        sym, count, open_, close, close_count = m.groups()
        if sym:
            if sym not in ELEMENTS:
                raise InputError(where, f"unknown element {sym!r} in {formula!r}",
                                 f"element symbols among {', '.join(sorted(ELEMENTS))}")
            stack[-1][sym] = stack[-1].get(sym, 0) + int(count or 1)
        elif open_:
            stack.append({})
        else:
            if len(stack) == 1:
                raise InputError(where, f"unbalanced ')' in {formula!r}", "matching parentheses")
            group = stack.pop()
            for k, v in group.items():
                stack[-1][k] = stack[-1].get(k, 0) + v * int(close_count or 1)
        pos = m.end()
    if len(stack) != 1:
        raise InputError(where, f"unbalanced '(' in {formula!r}", "matching parentheses")
    return stack[0]


def molar_mass(formula: str, where: str = "formula") -> float:
    return sum(ELEMENTS[el][2] * n for el, n in parse_formula(formula, where).items())


# --------------------------------------------------------------------------------------------------
# money
# --------------------------------------------------------------------------------------------------

#: units of each currency per 1 USD (a fixed table; the same in every run)
USD_RATES: dict[str, float] = {
    "USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 151.2, "CHF": 0.88, "CAD": 1.36, "AUD": 1.52, "SEK": 10.45,
    "NOK": 10.6, "DKK": 6.87, "INR": 83.3, "BRL": 5.05, "MXN": 16.9, "SGD": 1.34, "ZAR": 18.6, "CNY": 7.23,
    "KRW": 1345.0, "HKD": 7.82, "NZD": 1.66, "PLN": 3.98, "TRY": 32.1, "AED": 3.6725, "THB": 36.4, "ILS": 3.7,
}
CURRENCY_NAMES: dict[str, tuple[str, ...]] = {
    "USD": ("US dollars", "dollars", "USD"), "EUR": ("euros", "EUR"),
    "GBP": ("British pounds", "pounds sterling", "GBP"),
    "JPY": ("Japanese yen", "yen", "JPY"), "CHF": ("Swiss francs", "CHF"), "CAD": ("Canadian dollars", "CAD"),
    "AUD": ("Australian dollars", "AUD"), "SEK": ("Swedish kronor", "SEK"), "NOK": ("Norwegian kroner", "NOK"),
    "DKK": ("Danish kroner", "DKK"), "INR": ("Indian rupees", "rupees", "INR"), "BRL": ("Brazilian reais", "BRL"),
    "MXN": ("Mexican pesos", "MXN"), "SGD": ("Singapore dollars", "SGD"), "ZAR": ("South African rand", "ZAR"),
    "CNY": ("Chinese yuan", "yuan", "CNY"), "KRW": ("South Korean won", "won", "KRW"),
    "HKD": ("Hong Kong dollars", "HKD"),
    "NZD": ("New Zealand dollars", "NZD"), "PLN": ("Polish zloty", "PLN"), "TRY": ("Turkish lira", "TRY"),
    "AED": ("UAE dirhams", "dirhams", "AED"), "THB": ("Thai baht", "baht", "THB"), "ILS": ("Israeli shekels", "ILS"),
}


def exchange_rate(base: str, target: str, where: str = "currency") -> float:
    """Units of ``target`` per unit of ``base`` under the fixed table."""
    for code, field in ((base, f"{where}.from"), (target, f"{where}.to")):
        if code not in USD_RATES:
            raise InputError(field, f"unknown currency {code!r}", f"an ISO code among {', '.join(sorted(USD_RATES))}")
    return USD_RATES[target] / USD_RATES[base]


#: simplified progressive income tax brackets: (upper bound of the band, rate in percent)
TAX_BRACKETS: dict[str, tuple[tuple[float, float], ...]] = {
    "single": ((11600, 10), (47150, 12), (100525, 22), (191950, 24), (243725, 32), (609350, 35), (math.inf, 37)),
    "married_joint": ((23200, 10), (94300, 12), (201050, 22), (383900, 24), (487450, 32), (731200, 35), (math.inf, 37)),
    "head_of_household": ((16550, 10), (63100, 12), (100500, 22), (191950, 24), (243700, 32), (609350, 35),
                          (math.inf, 37)),
}
#: flat effective income-tax rates (percent) used by the API family's income_tax calculator
COUNTRY_TAX_RATE = {"France": 30, "Germany": 33, "Spain": 27, "Italy": 31, "Portugal": 28, "Japan": 25, "Brazil": 22,
                    "Canada": 26, "Mexico": 21, "India": 20, "Kenya": 25, "Nigeria": 19, "Egypt": 18, "Norway": 34,
                    "Sweden": 32, "Finland": 31, "Denmark": 36, "Poland": 19, "Austria": 32, "Greece": 26, "Turkey": 23,
                    "Chile": 20, "Peru": 18, "Colombia": 22, "Argentina": 27, "Australia": 29, "Thailand": 17,
                    "Vietnam": 16, "Indonesia": 18, "Ireland": 30, "Iceland": 31, "Morocco": 24, "Ghana": 20,
                    "Singapore": 12, "Switzerland": 22, "Belgium": 38, "Netherlands": 35, "Estonia": 20, "Croatia": 24}


def progressive_tax(income: float, status: str) -> dict:
    owed, lower, bands = 0.0, 0.0, []
    for upper, rate in TAX_BRACKETS[status]:
        if income > lower:
            part = min(income, upper) - lower
            owed += part * rate / 100
            bands.append({"rate_percent": rate, "taxed_amount": round(part, 2)})
        lower = upper
    return {"tax": round(owed, 2), "effective_rate_percent": round(owed / income * 100, 4) if income else 0.0,
            "marginal_rate_percent": bands[-1]["rate_percent"] if bands else 0, "bands": bands}


# --------------------------------------------------------------------------------------------------
# places and time
# --------------------------------------------------------------------------------------------------

#: city → (latitude, longitude, UTC offset in hours, IANA zone)
CITY_INFO: dict[str, tuple[float, float, float, str]] = {
    "Paris": (48.857, 2.352, 1, "Europe/Paris"), "London": (51.507, -0.128, 0, "Europe/London"),
    "Tokyo": (35.690, 139.692, 9, "Asia/Tokyo"), "Berlin": (52.520, 13.405, 1, "Europe/Berlin"),
    "Madrid": (40.417, -3.704, 1, "Europe/Madrid"), "Rome": (41.903, 12.496, 1, "Europe/Rome"),
    "Lisbon": (38.722, -9.139, 0, "Europe/Lisbon"), "Vienna": (48.208, 16.374, 1, "Europe/Vienna"),
    "Prague": (50.076, 14.438, 1, "Europe/Prague"), "Warsaw": (52.230, 21.012, 1, "Europe/Warsaw"),
    "Dublin": (53.350, -6.260, 0, "Europe/Dublin"), "Oslo": (59.914, 10.752, 1, "Europe/Oslo"),
    "Stockholm": (59.329, 18.069, 1, "Europe/Stockholm"), "Helsinki": (60.170, 24.938, 2, "Europe/Helsinki"),
    "Copenhagen": (55.676, 12.568, 1, "Europe/Copenhagen"), "Amsterdam": (52.368, 4.904, 1, "Europe/Amsterdam"),
    "Brussels": (50.850, 4.352, 1, "Europe/Brussels"), "Zurich": (47.377, 8.542, 1, "Europe/Zurich"),
    "Athens": (37.984, 23.728, 2, "Europe/Athens"), "Istanbul": (41.008, 28.978, 3, "Europe/Istanbul"),
    "Cairo": (30.044, 31.236, 2, "Africa/Cairo"), "Nairobi": (-1.292, 36.822, 3, "Africa/Nairobi"),
    "Lagos": (6.524, 3.379, 1, "Africa/Lagos"), "Johannesburg": (-26.204, 28.047, 2, "Africa/Johannesburg"),
    "Dubai": (25.205, 55.271, 4, "Asia/Dubai"), "Mumbai": (19.076, 72.878, 5.5, "Asia/Kolkata"),
    "Delhi": (28.704, 77.103, 5.5, "Asia/Kolkata"), "Singapore": (1.352, 103.820, 8, "Asia/Singapore"),
    "Bangkok": (13.756, 100.502, 7, "Asia/Bangkok"), "Jakarta": (-6.209, 106.846, 7, "Asia/Jakarta"),
    "Seoul": (37.567, 126.978, 9, "Asia/Seoul"), "Beijing": (39.904, 116.407, 8, "Asia/Shanghai"),
    "Shanghai": (31.230, 121.474, 8, "Asia/Shanghai"), "Sydney": (-33.869, 151.209, 10, "Australia/Sydney"),
    "Melbourne": (-37.814, 144.963, 10, "Australia/Melbourne"), "Auckland": (-36.849, 174.763, 12, "Pacific/Auckland"),
    "Toronto": (43.653, -79.383, -5, "America/Toronto"), "Vancouver": (49.283, -123.121, -8, "America/Vancouver"),
    "Chicago": (41.878, -87.630, -6, "America/Chicago"), "Boston": (42.360, -71.059, -5, "America/New_York"),
    "Seattle": (47.606, -122.332, -8, "America/Los_Angeles"), "Denver": (39.739, -104.990, -7, "America/Denver"),
    "Miami": (25.762, -80.192, -5, "America/New_York"), "Houston": (29.760, -95.370, -6, "America/Chicago"),
    "Lima": (-12.046, -77.043, -5, "America/Lima"), "Bogota": (4.711, -74.072, -5, "America/Bogota"),
    "Santiago": (-33.449, -70.669, -4, "America/Santiago"), "Reykjavik": (64.147, -21.942, 0, "Atlantic/Reykjavik"),
    "New York": (40.713, -74.006, -5, "America/New_York"),
    "San Francisco": (37.775, -122.419, -8, "America/Los_Angeles"),
    "Los Angeles": (34.052, -118.244, -8, "America/Los_Angeles"),
    "Mexico City": (19.433, -99.133, -6, "America/Mexico_City"),
    "Buenos Aires": (-34.604, -58.382, -3, "America/Argentina/Buenos_Aires"),
    "Sao Paulo": (-23.551, -46.633, -3, "America/Sao_Paulo"),
    "Hong Kong": (22.320, 114.169, 8, "Asia/Hong_Kong"), "Cape Town": (-33.925, 18.424, 2, "Africa/Johannesburg"),
    "Kuala Lumpur": (3.139, 101.687, 8, "Asia/Kuala_Lumpur"),
    "Rio de Janeiro": (-22.907, -43.173, -3, "America/Sao_Paulo"),
    "Geneva": (46.204, 6.143, 1, "Europe/Zurich"), "Bangalore": (12.972, 77.595, 5.5, "Asia/Kolkata"),
    "Manila": (14.600, 120.984, 8, "Asia/Manila"), "Osaka": (34.694, 135.502, 9, "Asia/Tokyo"),
    "Montreal": (45.502, -73.567, -5, "America/Toronto"), "Austin": (30.267, -97.743, -6, "America/Chicago"),
    "Atlanta": (33.749, -84.388, -5, "America/New_York"), "Phoenix": (33.448, -112.074, -7, "America/Phoenix"),
    "Dallas": (32.777, -96.797, -6, "America/Chicago"), "Quito": (-0.180, -78.468, -5, "America/Guayaquil"),
    "Havana": (23.114, -82.367, -5, "America/Havana"), "Edinburgh": (55.953, -3.189, 0, "Europe/London"),
    "Marseille": (43.296, 5.370, 1, "Europe/Paris"), "Lyon": (45.764, 4.836, 1, "Europe/Paris"),
    "Munich": (48.135, 11.582, 1, "Europe/Berlin"), "Hamburg": (53.551, 9.994, 1, "Europe/Berlin"),
    "Tel Aviv": (32.085, 34.782, 2, "Asia/Jerusalem"), "Abu Dhabi": (24.454, 54.377, 4, "Asia/Dubai"),
}
#: IANA zone → standard UTC offset in hours (no daylight saving: a fixed table)
ZONE_OFFSETS: dict[str, float] = {zone: off for _, _, off, zone in CITY_INFO.values()}
ZONE_OFFSETS.update({"UTC": 0})


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (mean Earth radius 6371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def city_info(city: str, where: str = "city") -> tuple[float, float, float, str]:
    if city not in CITY_INFO:
        raise InputError(where, f"unknown city {city!r}", f"a city among {', '.join(sorted(CITY_INFO))}")
    return CITY_INFO[city]


# --------------------------------------------------------------------------------------------------
# tariffs of the API family's calculators (fixed, documented constants)
# --------------------------------------------------------------------------------------------------

#: kcal per serving of the API family's dishes
DISH_KCAL = {"lasagna": 600, "chicken curry": 490, "vegan chili": 350, "pad thai": 560, "banana bread": 330,
             "mushroom risotto": 450, "fish tacos": 420, "lentil soup": 300, "ramen": 520, "shakshuka": 340,
             "paella": 550, "falafel": 400, "pancakes": 350, "beef stew": 460, "caesar salad": 380}
#: litres per 100 km (0 for the electric car, which uses kWh per 100 km instead)
VEHICLE_L_PER_100KM = {"Toyota Corolla": 6.5, "Honda Civic": 6.4, "Tesla Model 3": 0.0, "Ford F-150": 12.4,
                       "VW Golf": 5.8, "BMW X5": 9.5, "Kia Niro": 4.6, "Mazda CX-5": 7.4}
ELECTRIC_KWH_PER_100KM = {"Tesla Model 3": 15.0}
FUEL_PRICE_PER_LITRE, POWER_PRICE_PER_KWH = 1.75, 0.30
#: yearly base insurance premium per vehicle
VEHICLE_PREMIUM = {"Toyota Corolla": 900, "Honda Civic": 950, "Tesla Model 3": 1600, "Ford F-150": 1300, "VW Golf": 880,
                   "BMW X5": 1750, "Kia Niro": 850, "Mazda CX-5": 1000}
#: shipping zone by destination country (1 nearest, 3 farthest) and price per zone: (base, per kg)
SHIPPING_ZONE = {**{c: 1 for c in ("France", "Germany", "Spain", "Italy", "Portugal", "Norway", "Sweden", "Finland",
                                   "Denmark", "Poland", "Austria", "Greece", "Ireland", "Iceland", "Switzerland",
                                   "Belgium", "Netherlands", "Estonia", "Croatia", "Turkey")},
                 **{c: 2 for c in ("Canada", "Mexico", "Brazil", "Chile", "Peru", "Colombia", "Argentina", "Morocco",
                                   "Egypt", "Kenya", "Nigeria", "Ghana")},
                 **{c: 3 for c in ("Japan", "India", "Australia", "Thailand", "Vietnam", "Indonesia", "Singapore")}}
SHIPPING_PRICE = {1: (9.5, 3.2), 2: (14.0, 5.5), 3: (18.0, 7.9)}
#: average driving speed (km/h) and road detour factor for travel-time estimates
DRIVING_SPEED_KMH, ROAD_FACTOR = 80.0, 1.25


def stable_fraction(text: str) -> float:
    """A fixed number in [0, 1) derived from ``text`` (a table entry that needs no list)."""
    import hashlib

    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 16 ** 8


def city_rent_1br(city: str) -> float:
    """Monthly rent of a one-bedroom flat: a fixed per-city figure between 600 and 3,600."""
    return round(600 + 3000 * stable_fraction("rent:" + city), -1)


def crop_yield_t_per_ha(country: str) -> float:
    """Cereal yield in tonnes per hectare: a fixed per-country figure between 2 and 9."""
    return round(2 + 7 * stable_fraction("yield:" + country), 2)
