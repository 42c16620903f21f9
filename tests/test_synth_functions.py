"""The callable-function family: catalog, schemas, gold calls, real results, surface forms, weak versions.

Pure Python (no Ray): every test here runs in seconds.
"""

import datetime as dt
import json
import math
import random
import re
import statistics

import jsonschema
import pytest

from toolfoundry.errors import InputError
from toolfoundry.schema import GENERATE_RESPONSE, tool_problems
from toolfoundry.synth import (
    FUNCTION_DOMAINS,
    FUNCTION_SPECS,
    can_answer,
    function_at,
    function_capacity,
    function_tool,
    generate_functions,
    generate_query_records,
    generate_tools,
    is_function_tool,
    strength,
    weak_function,
    weak_version,
)
from toolfoundry.synth import surface as sf
from toolfoundry.synth import tables
from toolfoundry.synth.execute import execute
from toolfoundry.synth.functions import binding_of, function_query, strong_only_function_query
from toolfoundry.synth.scenarios import generate_response_tool, scenario_examples

N = len(FUNCTION_SPECS)


def _props(tool):
    return tool.parameters["properties"]


def run(key, **args):
    """Execute the canonical version of function ``key`` (arguments under their role names)."""
    return execute(function_tool(key), args)


# --------------------------------------------------------------------------------------------------
# catalog
# --------------------------------------------------------------------------------------------------


def test_catalog_is_large_diverse_and_a_pure_function_of_seed_and_index():
    assert N >= 250 and len(FUNCTION_DOMAINS) >= 20
    a = generate_functions(N + 40, seed=3)
    b = generate_functions(40, seed=3, start=N)
    assert [t.to_row() for t in a[N:]] == [t.to_row() for t in b]
    assert function_at(17, 3) == a[17]
    assert [t.name for t in generate_functions(30, seed=4)] != [t.name for t in a[:30]]
    # the first len(SPECS) indices visit every function once
    assert len({binding_of(t).spec.key for t in a[:N]}) == N
    everything = generate_functions(function_capacity(), seed=0)
    assert len({t.name for t in everything}) == function_capacity() and len({t.id for t in everything}) == len(everything)
    for t in everything[:N]:
        assert tool_problems(t) == [], (t.name, tool_problems(t))
        assert is_function_tool(t) and t.category in FUNCTION_DOMAINS and t.returns
    names = [t.name for t in everything]
    assert any(re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", n) for n in names)  # snake_case
    assert any(re.fullmatch(r"[a-z]+\.[a-z0-9_]+", n) for n in names)  # dotted module style
    assert any(re.fullmatch(r"[a-z]+([A-Z][a-z0-9]*)+", n) for n in names)  # camelCase
    # descriptions vary in style and length
    assert any("Args:" in t.description for t in everything) and any(":param" in t.description for t in everything)
    lengths = [len(t.description) for t in everything]
    assert min(lengths) < 60 and max(lengths) > 300


def test_schemas_are_real_json_schema():
    tools = generate_functions(N, seed=0)
    seen = set()

    def walk(schema):
        t = schema.get("type")
        seen.add(t)
        if "enum" in schema:
            seen.add("enum")
        if "default" in schema:
            seen.add("default")
        if t == "array":
            seen.add("array:" + str(schema.get("items", {}).get("type")))
            walk(schema.get("items", {}))
        if t == "object":
            for p in schema.get("properties", {}).values():
                walk(p)

    for t in tools:
        jsonschema.Draft202012Validator.check_schema(t.parameters)
        for name, p in _props(t).items():
            assert p.get("description"), (t.name, name)
            walk(p)
    assert {"integer", "number", "string", "boolean", "object", "enum", "default"} <= seen
    assert {"array:number", "array:integer", "array:string", "array:object", "array:array"} <= seen
    # some versions take a rate as a decimal fraction, and say so
    assert any("decimal fraction" in p["description"] for t in generate_functions(function_capacity(), 0)
               for p in _props(t).values())


# --------------------------------------------------------------------------------------------------
# queries and gold calls
# --------------------------------------------------------------------------------------------------


def _check_types(schema, value, where):
    t = schema.get("type")
    if t == "integer":
        assert isinstance(value, int) and not isinstance(value, bool), where
    elif t == "number":
        assert isinstance(value, (int, float)) and not isinstance(value, bool), where
    elif t == "string" and schema.get("format") == "date":
        assert dt.date.fromisoformat(value).isoformat() == value, where
    elif t == "array":
        assert isinstance(value, list), where
        for v in value:
            _check_types(schema.get("items", {}), v, where)
    if "enum" in schema:
        assert value in schema["enum"], where


def test_every_gold_call_validates_executes_and_is_deterministic():
    for i in range(N):
        tool = function_at(i, 0)
        recs = generate_query_records(tool, 4, seed=1)
        assert len({r.query for r in recs}) == 4
        for r in recs:
            jsonschema.validate(r.arguments, tool.parameters, format_checker=jsonschema.FormatChecker())
            for name, value in r.arguments.items():
                _check_types(_props(tool)[name], value, (tool.name, name, r.query))
            assert set(tool.parameters["required"]) <= set(r.arguments)
            assert can_answer(tool, r.requirement)
            out = execute(tool, r.arguments)
            assert out == execute(tool, dict(reversed(list(r.arguments.items()))))
            assert json.loads(json.dumps(out)) == out
    assert generate_query_records(function_at(5, 9), 5, 2) == generate_query_records(function_at(5, 9), 5, 2)


def test_optional_arguments_appear_only_when_the_query_mentions_them():
    tool = function_tool("compound_interest")
    rng = random.Random(0)
    with_opt = without = 0
    for _ in range(200):
        r = function_query(tool, rng)
        if "compounds_per_year" in r.arguments:
            with_opt += 1
            assert "compounded" in r.query
        else:
            without += 1
            assert "compounded" not in r.query
    assert with_opt > 20 and without > 20
    # a template that implies the default is never combined with another value
    tool = function_tool("convert_base")
    for _ in range(200):
        r = function_query(tool, rng)
        if "binary" in r.query and "base" in r.arguments:
            assert r.arguments["base"] == 2


def _read_number(text):
    """Invert the surface forms of :func:`surface.number` / :func:`surface.money` (test-side parser)."""
    words = {sf.int_words(n): n for n in range(0, 1000)}
    t = text.strip()
    for junk in ("$", "€", "£", " USD", " dollars", " euros", " pounds"):
        t = t.replace(junk, "")
    t = t.strip()
    if t in words:
        return words[t]
    if " thousand" in t and t.split(" thousand")[0] in words:
        head, _, tail = t.partition(" thousand")
        return words[head] * 1000 + (words[tail.strip()] if tail.strip() else 0)
    if t.endswith(" million"):
        head = t[:-8]
        return (words[head] if head in words else float(head)) * 10 ** 6
    if t.endswith("k"):
        return float(t[:-1].replace(",", "")) * 1000
    fractions = {"a half": 0.5, "a quarter": 0.25, "three quarters": 0.75}
    if t in fractions:
        return fractions[t]
    for name, frac in fractions.items():
        if t.endswith(" and " + name):
            return words[t[: -len(name) - 5]] + frac
    return float(t.replace(",", ""))


def test_surface_forms_vary_and_read_back_to_the_gold_value():
    rng = random.Random(0)
    for v in (5, 20, 100, 1234, 5000, 12500, 250000, 1500000, 3.5, 0.75, 42.25):
        forms = {sf.number(v, rng) for _ in range(60)} | {sf.money(v, rng) for _ in range(60)}
        assert len(forms) >= 3, (v, forms)
        for f in forms:
            assert math.isclose(_read_number(f), v), (v, f)
    assert {"5,000", "5k", "five thousand"} <= {sf.number(5000, rng) for _ in range(200)}
    assert "twenty percent" in {sf.percent(20, rng) for _ in range(100)}
    assert {"March 5, 2026", "2026-03-05", "5 March 2026"} <= {sf.date("2026-03-05", rng) for _ in range(200)}
    lists = {sf.number_list([4, 7, 9], rng) for _ in range(200)}
    assert {"[4, 7, 9]", "4, 7 and 9", "the numbers 4 7 9"} <= lists


def test_the_same_kind_of_value_is_written_in_several_forms_across_queries():
    rng = random.Random(1)
    pct = function_tool("percentage_of")
    dates = function_tool("days_between")
    mean = function_tool("mean")
    qs = {"pct": [function_query(pct, rng) for _ in range(120)], "dates": [function_query(dates, rng) for _ in range(80)],
          "mean": [function_query(mean, rng) for _ in range(80)]}
    assert any("%" in r.query for r in qs["pct"]) and any(" percent" in r.query for r in qs["pct"])
    assert any(re.search(r"\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)", r.query) for r in qs["pct"])
    assert all(isinstance(r.arguments["percent"], (int, float)) for r in qs["pct"])
    iso = re.compile(r"\d{4}-\d{2}-\d{2}")
    assert any(iso.search(r.query) for r in qs["dates"]) and any(
        re.search("|".join(sf.MONTHS), r.query) for r in qs["dates"])
    assert all(iso.fullmatch(r.arguments["end_date"]) for r in qs["dates"])
    assert any("[" in r.query for r in qs["mean"]) and any(re.search(r"\d and \d", r.query) for r in qs["mean"])
    assert all(isinstance(r.arguments["numbers"], list) for r in qs["mean"])
    # one gold value, several surface forms: the same integer is written differently across queries
    forms = {}
    fact = function_tool("factorial")
    for _ in range(300):
        r = function_query(fact, rng)
        forms.setdefault(r.arguments["n"], set()).add(re.sub(r"[^\w.!,-]", " ", r.query))
    assert max(len({f for f in fs}) for fs in forms.values()) >= 2


# --------------------------------------------------------------------------------------------------
# real results
# --------------------------------------------------------------------------------------------------


def test_calculations_compute_the_real_result():
    assert run("factorial", n=10) == {"result": 3628800}
    assert run("gcd", a=84, b=36) == {"result": 12} and run("lcm", a=4, b=6) == {"result": 12}
    assert run("is_prime", n=97)["is_prime"] and not run("is_prime", n=91)["is_prime"]
    assert run("prime_factors", n=360) == {"factors": [2, 2, 2, 3, 3, 5]}
    assert run("fibonacci", n=10) == {"result": 55}
    assert run("combinations", n=10, k=3) == {"result": 120} and run("permutations", n=5, k=2) == {"result": 20}
    assert math.isclose(run("logarithm", value=1000)["result"], 3)
    assert math.isclose(run("logarithm", value=8, base=2)["result"], 3)
    roots = run("solve_quadratic", a=1, b=-3, c=2)
    assert roots["roots"] == [2.0, 1.0] and roots["discriminant"] == 1
    assert run("solve_quadratic", a=1, b=0, c=1)["roots"][0] == {"real": 0.0, "imaginary": 1.0}
    assert run("evaluate_polynomial", coefficients=[3, 0, -2, 1], x=2) == {"result": 21}
    assert run("matrix_determinant", matrix=[[1, 2], [3, 4]]) == {"result": -2}
    assert math.isclose(run("circle_area", radius=3)["result"], math.pi * 9, rel_tol=1e-9)
    assert math.isclose(run("hypotenuse", leg_a=3, leg_b=4)["result"], 5)
    assert run("distance_between_points", point_a={"x": 0, "y": 0}, point_b={"x": 3, "y": 4}, metric="manhattan") == {
        "result": 7}
    data = [2, 4, 4, 4, 5, 5, 7, 9]
    assert run("mean", numbers=data) == {"result": 5.0} and run("median", numbers=data) == {"result": 4.5}
    assert math.isclose(run("standard_deviation", numbers=data)["result"], 2.0)
    assert math.isclose(run("standard_deviation", numbers=data, sample=True)["result"], statistics.stdev(data))
    assert math.isclose(run("percentile", numbers=[1, 2, 3, 4, 5], percentile=50)["result"], 3)
    assert math.isclose(run("binomial_probability", trials=10, successes=3, probability=0.5)["result"],
                        math.comb(10, 3) / 1024, rel_tol=1e-9)
    # physics, chemistry
    assert run("kinetic_energy", mass=2, velocity=3) == {"result": 9}
    assert run("current", voltage=12, resistance=4) == {"result": 3.0}
    assert math.isclose(run("equivalent_resistance", resistances=[4, 4], configuration="parallel")["result"], 2)
    assert math.isclose(run("molar_mass", formula="H2O")["molar_mass"], 2 * 1.008 + 15.999, rel_tol=1e-9)
    assert math.isclose(run("molar_mass", formula="Ca(OH)2")["molar_mass"], 40.078 + 2 * (15.999 + 1.008), rel_tol=1e-9)
    assert math.isclose(run("ideal_gas_pressure", moles=1, temperature_kelvin=273.15, volume_liters=22.414)["pressure"],
                        1.0, rel_tol=1e-3)
    # units
    assert math.isclose(run("convert_length", value=1, from_unit="mi", to_unit="km")["value"], 1.609344)
    assert math.isclose(run("convert_temperature", value=100, from_unit="celsius", to_unit="fahrenheit")["value"], 212)
    assert math.isclose(run("convert_data_size", value=1, from_unit="GiB", to_unit="MB")["value"], 1073.741824)
    # finance
    ci = run("compound_interest", principal=1000, rate=5, years=10, compounds_per_year=12)
    assert math.isclose(ci["final_amount"], round(1000 * (1 + 0.05 / 12) ** 120, 2))
    fraction = function_tool("compound_interest", fraction=("rate",))
    assert execute(fraction, {"principal": 1000, "rate": 0.05, "years": 10, "compounds_per_year": 12}) == ci
    m, n = 0.06 / 12, 360
    assert math.isclose(run("loan_payment", principal=200000, annual_rate=6, years=30)["payment"],
                        round(200000 * m / (1 - (1 + m) ** -n), 2))
    assert run("tip", bill_amount=80, tip_percent=20, split=4) == {"tip": 16.0, "total": 96.0, "per_person": 24.0}
    assert run("convert_currency", amount=100, from_currency="USD", to_currency="EUR")["converted_amount"] == 92.0
    assert math.isclose(run("net_present_value", rate=10, cash_flows=[-100, 110])["result"], 0, abs_tol=1e-9)
    assert math.isclose(run("internal_rate_of_return", cash_flows=[-100, 110])["irr_percent"], 10, abs_tol=1e-4)
    # dates, text, lists
    assert run("days_between", start_date="2026-01-01", end_date="2026-03-01")["days"] == 59
    assert run("add_days", date="2026-01-16", days=1, business_days_only=True)["date"] == "2026-01-19"  # Fri → Mon
    assert run("day_of_week", date="2026-01-15")["weekday"] == "Thursday"
    assert run("convert_timezone", time="23:30", from_timezone="UTC", to_timezone="Asia/Tokyo") == {
        "time": "08:30", "day_offset": 1, "offset_hours": 9}
    assert run("reverse_string", text="hello") == {"result": "olleh"}
    assert run("is_palindrome", text="Never odd or even")["is_palindrome"]
    assert run("slugify", text="Hello World, again!") == {"result": "hello-world-again"}
    assert run("to_roman", number=2026) == {"result": "MMXXVI"} and run("from_roman", numeral="MMXXVI") == {"result": 2026}
    assert run("sort_list", numbers=[3, 1, 2], descending=True) == {"result": [3, 2, 1]}
    assert run("top_k", numbers=[5, 1, 9, 7], k=2) == {"result": [9, 7]}
    assert run("chunk_list", items=["a", "b", "c"], size=2) == {"result": [["a", "b"], ["c"]]}
    # API-style: real where a computation exists, seeded records otherwise
    paris_london = run("distance_between_cities", city_a="Paris", city_b="London")["distance"]
    assert 330 < paris_london < 360
    cart = run("calculate_cart_total", items=[{"name": "a", "price": 2.5, "quantity": 2}], tax_rate=10)
    assert cart == {"subtotal": 5.0, "discount": 0.0, "tax": 0.5, "total": 5.5}
    f = run("weather_forecast", location="Oslo", days=3, unit="fahrenheit")
    assert len(f["days"]) == 3 and f == run("weather_forecast", location="Oslo", days=3, unit="fahrenheit")
    flights = run("search_flights", origin="Paris", destination="Rome", departure_date="2026-03-01", max_price=300)
    assert flights["flights"] and all(fl["price_per_passenger"] <= 300 for fl in flights["flights"])


def test_api_family_calculators_use_formulas_not_random_values():
    from toolfoundry.synth.tools import base_of

    calcs = [t for t in generate_tools(600, seed=0) if base_of(t).entity.kind == "calc" and base_of(t).op.slug == "calculate"]
    by_slug = {base_of(t).entity.slug: t for t in calcs}
    conv = by_slug["currency_conversion"]
    out = execute(conv, {"amount": 100, "base": "USD", "target": "JPY"})
    assert out["converted_amount"] == round(100 * tables.USD_RATES["JPY"], 2)
    tt = execute(by_slug["travel_time"], {"origin": "Paris", "destination": "London"})
    km = tables.haversine_km(*tables.CITY_INFO["Paris"][:2], *tables.CITY_INFO["London"][:2]) * tables.ROAD_FACTOR
    assert math.isclose(tt["distance_km"], round(km, 2))
    fuel = execute(by_slug["fuel_cost"], {"distance_km": 200, "vehicle": "VW Golf", "round_to": 3})
    assert fuel["litres"] == round(200 * 5.8 / 100, 3) and fuel["cost"] == round(11.6 * tables.FUEL_PRICE_PER_LITRE, 3)


# --------------------------------------------------------------------------------------------------
# weak and strong versions
# --------------------------------------------------------------------------------------------------


def test_weak_versions_cannot_answer_what_needs_the_strong_version():
    weak_count = 0
    for i in range(N):
        strong = function_at(i, 0)
        try:
            weak = weak_function(strong, seed=0)
        except InputError:
            continue
        weak_count += 1
        assert weak.weak_of == strong.id and weak.name != strong.name and weak_version(strong, 0) == weak
        assert strength(weak) < strength(strong)
        rec = strong_only_function_query(strong, weak, random.Random(i))
        assert rec is not None, strong.name
        assert can_answer(strong, rec.requirement) and not can_answer(weak, rec.requirement)
        # what the weak version lacks is visible in its schema: the gold call does not validate
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(rec.arguments, weak.parameters)
        # where the weak version can answer, both versions give the same result
        for easy in generate_query_records(strong, 6, seed=2):
            if can_answer(weak, easy.requirement):
                jsonschema.validate(easy.arguments, weak.parameters)
                assert execute(weak, easy.arguments) == execute(strong, easy.arguments)
    assert weak_count >= 100
    conv = function_tool("convert_length")
    weak = weak_function(conv, 0)
    assert set(_props(weak)["from_unit"]["enum"]) < set(_props(conv)["from_unit"]["enum"])
    assert "compounds_per_year" not in _props(weak_function(function_tool("compound_interest"), 0))
    search = weak_function(function_tool("search_flights"), 0)
    assert {"cabin_class", "max_price", "nonstop_only"}.isdisjoint(_props(search)) and "origin" in _props(search)
    assert _props(weak_function(function_tool("factorial"), 0))["n"]["maximum"] == 20


def test_scenario_examples_for_functions_have_exact_labels():
    strong = generate_functions(80, seed=5)
    weak = []
    for t in strong:
        try:
            weak.append(weak_function(t, 5))
        except InputError:
            pass
    strong = [t.__class__(**{**t.__dict__, "strong_of": next((w.id for w in weak if w.weak_of == t.id), None)}) for t in strong]
    catalog = [generate_response_tool(), *strong, *weak]
    by_id = {t.id: t for t in catalog}
    ids = [t.id for t in catalog]
    rows = []
    for t in strong:
        rows += scenario_examples(t, tools_by_id=by_id, neighbours=lambda tid: ids[1:20], all_ids=ids, k=5, queries=2,
                                  split="train", seed=5)
    kinds = {r["scenario"] for r in rows}
    assert kinds == {"plain", "zero_to_one", "weak_to_strong"}
    for r in rows:
        assert GENERATE_RESPONSE in r["candidate_tool_ids"]
        if r["gold_call_name"] != GENERATE_RESPONSE:
            gold = by_id[r["gold_ranking"][0]]
            args = json.loads(r["gold_call_arguments"])
            jsonschema.validate(args, gold.parameters)
            execute(gold, args)
        if r["id"].endswith("-wh-w"):
            assert r["gold_call_name"] == GENERATE_RESPONSE
        if r["id"].endswith("-ws"):
            assert r["gold_ranking"][0] == r["id"].split("-")[0]


# --------------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------------


def test_bad_input_gives_clear_errors():
    t = function_tool("factorial")
    with pytest.raises(InputError, match=r"calculate_factorial\.n.*integer"):
        execute(t, {"n": "five"})
    with pytest.raises(InputError, match=r"calculate_factorial\.n"):
        execute(t, {"n": 500})  # above the schema's maximum
    with pytest.raises(InputError, match=r"calculate_square_root\.number.*negative"):
        execute(function_tool("square_root"), {"number": -4})
    with pytest.raises(InputError, match=r"formula.*unknown element 'Xy'"):
        execute(function_tool("molar_mass"), {"formula": "Xy2"})
    with pytest.raises(InputError, match="num_functions"):
        generate_functions(function_capacity() + 1, seed=0)
    with pytest.raises(InputError, match="function index"):
        function_at(-1, 0)
    with pytest.raises(InputError, match="key"):
        function_tool("no_such_function")
    with pytest.raises(InputError, match="no weak version|nothing a weaker version"):
        weak_function(function_tool("gcd"), 0)
