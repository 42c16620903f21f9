"""Deterministic, offline implementations of synthetic tools.

``execute(tool, arguments)`` validates the arguments against the tool's JSON Schema and returns a
JSON-serialisable result that depends only on the tool id and the canonical arguments (a seeded
generator, no clock, no network), so agent trajectories get real, reproducible observations.
Calculators compute the real formula (loan payments, BMI, conversions); other operations return
plausible records shaped by the operation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random

from jsonschema import Draft202012Validator, FormatChecker

from toolfoundry.errors import InputError
from toolfoundry.schema import GENERATE_RESPONSE, Tool
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


def _calc(slug: str, args: dict, rng: random.Random) -> dict:
    if slug in ("loan_payment", "mortgage"):
        p, rate, years = float(args["principal"]), float(args["rate_percent"]), int(args["years"])
        m, n = rate / 1200, years * 12
        pay = p / n if m == 0 else p * m / (1 - (1 + m) ** -n)
        return {"monthly_payment": round(pay, 2), "total_paid": round(pay * n, 2),
                "total_interest": round(pay * n - p, 2)}
    if slug == "bmi":
        bmi = float(args["weight_kg"]) / (float(args["height_cm"]) / 100) ** 2
        band = "underweight" if bmi < 18.5 else "normal" if bmi < 25 else "overweight" if bmi < 30 else "obese"
        return {"bmi": round(bmi, 1), "category": band}
    if slug == "currency_conversion":
        rate = round(rng.uniform(0.2, 5.0), 4) if args["base"] != args["target"] else 1.0
        return {"rate": rate, "converted_amount": round(float(args["amount"]) * rate, 2), "currency": args["target"]}
    if slug == "fuel_cost":
        litres = float(args["distance_km"]) * rng.uniform(0.05, 0.09)
        return {"litres": round(litres, 1), "cost": round(litres * rng.uniform(1.4, 2.1), 2)}
    return {"value": round(rng.uniform(1, 5000), 2), "inputs": args}


def execute(tool: Tool, arguments: dict) -> dict:
    """Run a synthetic tool (or ``generate_response``) on ``arguments``; same input, same JSON."""
    if tool.name == GENERATE_RESPONSE or tool.id == GENERATE_RESPONSE:
        return {"response": "I can answer this directly without calling a tool."}
    check_arguments(tool, arguments)
    base = base_of(tool)
    ent, op, rng = base.entity, base.op.slug, _rng(tool, arguments)
    noun = ent.noun
    ref = f"{record_prefix(ent)}-{rng.randint(0, 99999):05d}"
    day = REFERENCE_DATE.isoformat()
    limit = int(arguments.get("limit", 3 if op != "list" else 5))
    if ent.kind == "calc":
        out = _calc(ent.slug, arguments, rng)
        if op == "compare":
            # option i scales the numeric inputs by 10·i percent (terms and counts stay fixed)
            def variant(i: int) -> dict:
                return {k: round(v * (1 + 0.1 * i), 2) if isinstance(v, (int, float)) and not isinstance(v, bool)
                        and k not in ("years", "alternatives") else v for k, v in arguments.items()}

            out = {"options": [{"option": i + 1, "inputs": variant(i), **_calc(ent.slug, variant(i), random.Random(i))}
                               for i in range(int(arguments["alternatives"]))]}
        return {"tool": tool.name, **out}
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
