"""Deterministic, offline implementations of synthetic tools (both families).

``execute(tool, arguments)`` validates the arguments against the tool's JSON Schema and returns a
JSON-serialisable result that depends only on the tool and the canonical arguments (no clock, no
network), so agent trajectories get real, reproducible observations.

- Function family (:mod:`toolfoundry.synth.functions`): every calculation is computed for real;
  API-style functions return seeded records shaped by the function.
- API family: calculators compute their formula over fixed tables (:mod:`toolfoundry.synth.tables`:
  loan payments, BMI, currency rates, fuel, travel time from city coordinates, calories, tax,
  shipping, rent, insurance, crop yield) and honour ``round_to``; other operations return plausible
  records from a generator seeded by the tool and arguments.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random

from jsonschema import Draft202012Validator, FormatChecker

from toolfoundry.errors import InputError
from toolfoundry.schema import GENERATE_RESPONSE, Tool
from toolfoundry.synth import tables
from toolfoundry.synth.functions import is_function_tool, run_function
from toolfoundry.synth.queries import REFERENCE_DATE
from toolfoundry.synth.tools import base_of, plural, record_prefix

_FORMATS = FormatChecker()


def _rng(tool: Tool, args: dict) -> random.Random:
    key = tool.id + "\x00" + json.dumps(args, sort_keys=True, separators=(",", ":"))
    return random.Random(hashlib.sha256(key.encode()).hexdigest())


def check_arguments(tool: Tool, args: dict) -> None:
    errors = sorted(Draft202012Validator(tool.parameters, format_checker=_FORMATS).iter_errors(args),
                    key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = ".".join(str(p) for p in e.path) or "(arguments)"
        raise InputError(f"{tool.name}.{where}", e.message, "arguments valid under the tool's JSON Schema")


def _calc(slug: str, args: dict) -> dict:
    """The API family's calculators: formulas over the fixed tables (no randomness)."""
    if slug in ("loan_payment", "mortgage"):
        p, rate, years = float(args["principal"]), float(args["rate_percent"]), int(args["years"])
        m, n = rate / 1200, years * 12
        pay = p / n if m == 0 else p * m / (1 - (1 + m) ** -n)
        return {"monthly_payment": pay, "total_paid": pay * n, "total_interest": pay * n - p}
    if slug == "bmi":
        bmi = float(args["weight_kg"]) / (float(args["height_cm"]) / 100) ** 2
        band = "underweight" if bmi < 18.5 else "normal" if bmi < 25 else "overweight" if bmi < 30 else "obese"
        return {"bmi": bmi, "category": band}
    if slug == "currency_conversion":
        rate = tables.exchange_rate(args["base"], args["target"], "currency_conversion")
        return {"rate": round(rate, 6), "converted_amount": float(args["amount"]) * rate, "currency": args["target"]}
    if slug == "fuel_cost":
        vehicle, km = args["vehicle"], float(args["distance_km"])
        litres = km * tables.VEHICLE_L_PER_100KM.get(vehicle, 7.0) / 100
        kwh = km * tables.ELECTRIC_KWH_PER_100KM.get(vehicle, 0.0) / 100
        return {"litres": litres, "kwh": kwh,
                "cost": litres * tables.FUEL_PRICE_PER_LITRE + kwh * tables.POWER_PRICE_PER_KWH}
    if slug == "travel_time":
        o = tables.city_info(args["origin"], "travel_time.origin")
        d = tables.city_info(args["destination"], "travel_time.destination")
        km = tables.haversine_km(o[0], o[1], d[0], d[1]) * tables.ROAD_FACTOR
        return {"distance_km": km, "minutes": km / tables.DRIVING_SPEED_KMH * 60}
    if slug == "calorie_count":
        kcal = tables.DISH_KCAL.get(args["dish"])
        if kcal is None:
            raise InputError("calorie_count.dish", f"unknown dish {args['dish']!r}",
                             f"one of {sorted(tables.DISH_KCAL)}")
        return {"dish": args["dish"], "calories_per_serving": kcal}
    if slug == "income_tax":
        rate = tables.COUNTRY_TAX_RATE.get(args["country"], 25)
        return {"effective_rate_percent": rate, "tax": float(args["income"]) * rate / 100}
    if slug == "shipping_rate":
        base, per_kg = tables.SHIPPING_PRICE[tables.SHIPPING_ZONE.get(args["destination"], 3)]
        return {"zone": tables.SHIPPING_ZONE.get(args["destination"], 3),
                "price": base + per_kg * float(args["weight_kg"])}
    if slug == "rent_estimate":
        base = tables.city_rent_1br(args["city"])
        return {"monthly_rent": base * (1 + 0.35 * (int(args["bedrooms"]) - 1)), "one_bedroom_reference": base}
    if slug == "insurance_quote":
        age = int(args["driver_age"])
        factor = 2.0 if age < 25 else 1.3 if age >= 70 else 1.0
        premium = tables.VEHICLE_PREMIUM.get(args["vehicle"], 1000) * factor
        return {"annual_premium": premium, "monthly_premium": premium / 12, "age_factor": factor}
    if slug == "crop_yield":
        t_per_ha = tables.crop_yield_t_per_ha(args["country"])
        return {"yield_t_per_ha": t_per_ha, "total_tonnes": float(args["area_hectares"]) * t_per_ha}
    raise AssertionError(f"no formula for calculator {slug}")


#: factors that keep their own precision whatever ``round_to`` asks for
_FACTORS = ("rate", "yield_t_per_ha", "age_factor")


def _rounded(out: dict, places: int) -> dict:
    """Amounts rounded to ``round_to`` places (rates and factors keep theirs)."""
    return {k: round(v, places) if isinstance(v, float) and k not in _FACTORS else v for k, v in out.items()}


def execute(tool: Tool, arguments: dict) -> dict:
    """Run a synthetic tool (or ``generate_response``) on ``arguments``; same input, same JSON."""
    if tool.name == GENERATE_RESPONSE or tool.id == GENERATE_RESPONSE:
        return {"response": "I can answer this directly without calling a tool."}
    check_arguments(tool, arguments)
    if is_function_tool(tool):
        return run_function(tool, arguments)
    base = base_of(tool)
    ent, op, rng = base.entity, base.op.slug, _rng(tool, arguments)
    noun = ent.noun
    ref = f"{record_prefix(ent)}-{rng.randint(0, 99999):05d}"
    day = REFERENCE_DATE.isoformat()
    limit = int(arguments.get("limit", 3 if op != "list" else 5))
    if ent.kind == "calc":
        places = int(arguments.get("round_to", 2))
        if op == "compare":
            # option i scales the numeric inputs by 10·i percent (terms, counts and ages stay fixed)
            def variant(i: int) -> dict:
                return {k: round(v * (1 + 0.1 * i), 2) if isinstance(v, (int, float)) and not isinstance(v, bool)
                        and k not in ("years", "alternatives", "bedrooms", "driver_age") else v
                        for k, v in arguments.items()}

            return {"tool": tool.name, "options": [{"option": i + 1, "inputs": variant(i),
                                                    **_rounded(_calc(ent.slug, variant(i)), places)}
                                                   for i in range(int(arguments["alternatives"]))]}
        return {"tool": tool.name, **_rounded(_calc(ent.slug, arguments), places)}
    if op in ("search", "recommend", "list"):
        items = [{"id": f"{record_prefix(ent)}-{rng.randint(0, 99999):05d}", "title": f"{noun} #{i + 1}",
                  "score": round(rng.uniform(0.5, 1.0), 3)} for i in range(min(limit, 5))]
        if "max_price" in arguments or ent.kind == "bookable":
            cap = float(arguments.get("max_price", 1000))
            for it in items:
                it["price"] = round(rng.uniform(0.2, 1.0) * cap, 2)
        return {"tool": tool.name, "count": len(items), plural(noun).replace(" ", "_"): items}
    if op == "book":
        return {"booking_reference": ref, "status": "confirmed", "date": arguments.get("date"),
                "name": arguments.get("guest_name"), "total_price": round(rng.uniform(20, 900), 2)}
    if op == "cancel":
        return {"booking_reference": arguments["booking_reference"], "status": "cancelled",
                "refund": round(rng.uniform(0, 500), 2)}
    if op == "status":
        return {"booking_reference": arguments["booking_reference"],
                "status": rng.choice(["confirmed", "pending", "checked_in", "completed"]), "last_change": day}
    if op == "create":
        return {f"{ent.slug}_id": ref, "created": True, "fields": arguments}
    if op in ("get", "update"):
        rid = next(iter(v for k, v in arguments.items() if k.endswith("_id")))
        status = arguments.get("status") or rng.choice(["open", "pending", "closed"])
        return {f"{ent.slug}_id": rid, "status": status, "updated": op == "update", "as_of": day}
    if op == "current":
        return {"value": round(rng.uniform(1, 1000), 2), "as_of": day, "inputs": arguments}
    if op == "history":
        start = dt.date.fromisoformat(arguments["start_date"])
        end = dt.date.fromisoformat(arguments["end_date"])
        step = max(1, (end - start).days // 5)
        series, d, v = [], start, rng.uniform(10, 1000)
        while d <= end and len(series) < 6:
            v *= rng.uniform(0.95, 1.05)
            series.append({"date": d.isoformat(), "value": round(v, 2)})
            d += dt.timedelta(days=step)
        return {"series": series}
    if op == "forecast":
        v = rng.uniform(10, 1000)
        days = []
        for i in range(int(arguments["days"])):
            v *= rng.uniform(0.97, 1.03)
            days.append({"date": (REFERENCE_DATE + dt.timedelta(days=i + 1)).isoformat(), "value": round(v, 2),
                         "low": round(v * 0.9, 2), "high": round(v * 1.1, 2)})
        return {"forecast": days}
    if op == "alert":
        return {"alert_id": f"AL-{rng.randint(0, 99999):05d}", "threshold": arguments["threshold"], "active": True}
    if op == "summarize":
        return {"summary": f"A {noun} about {rng.choice(['costs', 'timelines', 'risks', 'results'])}.",
                "key_points": [f"point {i + 1}" for i in range(int(arguments.get("max_sentences", 3)))]}
    if op == "translate":
        return {"translated_text": f"[{arguments['target_language']}] {noun} text", "source_language": "english"}
    if op in ("state", "set", "schedule"):
        return {"device": noun, "room": arguments["room"], "power": "on",
                "level": arguments.get("level", rng.randint(0, 100)), "scheduled_for": arguments.get("time")}
    if op == "lookup":
        return {"answer": f"{noun} for {', '.join(str(arguments[k]) for k in sorted(arguments))}",
                "source": f"https://example.org/{ent.slug}/{rng.randint(1, 9999)}"}
    raise AssertionError(f"no implementation for operation {op}")
