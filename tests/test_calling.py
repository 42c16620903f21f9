"""Calling at inference: every constrained call parses, names a candidate and validates."""

import json
import random

import pytest

from toolfoundry import prompts
from toolfoundry.calling import Grammars, Router, call_schema, ground_arguments, validate_arguments
from toolfoundry.modeling import load_base_model, load_tokenizer
from toolfoundry.schema import GENERATE_RESPONSE, Tool
from toolfoundry.synth import generate_query_records, generate_tools
from toolfoundry.synth.functions import function_query, generate_functions


@pytest.fixture(scope="module")
def grammars():
    tokenizer = load_tokenizer("tiny-random")
    return tokenizer, Grammars(tokenizer, len(tokenizer))


def _accepts(tokenizer, grammars, schema, text) -> bool:
    matcher = grammars.matcher(schema)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"] + [tokenizer.convert_tokens_to_ids("<|im_end|>")]
    return all(matcher.accept_token(i) for i in ids) and matcher.is_terminated()


def test_grammar_of_every_generated_tool_accepts_its_gold_calls_and_refuses_invalid_ones(grammars):
    tokenizer, g = grammars
    tools = generate_tools(363, seed=0) + generate_functions(313, seed=0)
    accepted = 0
    for i, tool in enumerate(tools):
        rec = function_query(tool, random.Random(i)) if tool.id.startswith("f") else generate_query_records(tool, 1, 0)[0]
        assert validate_arguments(tool, rec.arguments) is None
        schema = call_schema([tool])
        accepted += _accepts(tokenizer, g, schema, prompts.call_text({"name": tool.name, "arguments": rec.arguments}, tool))
        # the grammar refuses what would not validate: an unknown argument, a missing required one
        extra = prompts.call_text({"name": tool.name, "arguments": {**rec.arguments, "zz_unknown": 1}}, tool)
        assert not _accepts(tokenizer, g, schema, extra), tool.name
        required = tool.parameters.get("required") or []
        if required:
            missing = {k: v for k, v in rec.arguments.items() if k != required[0]}
            assert not _accepts(tokenizer, g, schema, prompts.call_text({"name": tool.name, "arguments": missing}, tool))
    # numbers bounded by exclusiveMinimum and written with 9+ decimal places are the one known gap
    assert accepted >= len(tools) - 2, (accepted, len(tools))


def test_call_grammar_allows_only_candidate_names(grammars):
    tokenizer, g = grammars
    tools = generate_tools(3, seed=1)
    schema = call_schema(prompts.ensure_generate_response(tools))
    assert _accepts(tokenizer, g, schema, '{"name": "generate_response", "arguments": {}}')
    assert not _accepts(tokenizer, g, schema, '{"name": "invented_tool", "arguments": {}}')


def test_open_ended_strings_and_arrays_are_bounded_for_decoding_and_a_schemas_own_bounds_win(grammars):
    from toolfoundry.calling import DECODE_MAX_ITEMS, DECODE_MAX_STRING_CHARS

    tokenizer, g = grammars
    tool = Tool(id="n", name="take_note", description="Write a note.", parameters={
        "type": "object", "required": ["text"],
        "properties": {"text": {"type": "string"}, "code": {"type": "string", "maxLength": 200},
                       "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}}})
    schema = call_schema([tool])

    def call(**arguments):
        return _accepts(tokenizer, g, schema, prompts.call_text({"name": "take_note", "arguments": arguments}, tool))

    assert call(text="x" * DECODE_MAX_STRING_CHARS) and not call(text="x" * (DECODE_MAX_STRING_CHARS + 1))
    assert call(text="x", code="y" * 200)  # its own maxLength, above the default, is kept
    assert call(text="x", tags=["a"] * DECODE_MAX_ITEMS) and not call(text="x", tags=["a"] * (DECODE_MAX_ITEMS + 1))
    assert validate_arguments(tool, {"text": "x" * (DECODE_MAX_STRING_CHARS + 1)}) is None  # the tool's schema is not changed


def test_open_ended_numbers_are_bounded_for_decoding_and_a_schemas_own_bound_is_kept(grammars):
    from toolfoundry.calling import DECODE_MAX_MAGNITUDE

    tokenizer, g = grammars
    tool = Tool(id="p", name="set_price", description="Set a price.", parameters={
        "type": "object", "required": ["amount"],
        "properties": {"amount": {"type": "number"}, "count": {"type": "integer", "minimum": 1},
                       "floor": {"type": "number", "exclusiveMinimum": 2 * DECODE_MAX_MAGNITUDE}}})
    schema = call_schema([tool])

    def call(**arguments):
        return _accepts(tokenizer, g, schema, prompts.call_text({"name": "set_price", "arguments": arguments}, tool))

    assert call(amount=-12.5) and call(amount=DECODE_MAX_MAGNITUDE) and call(amount=0.125, count=3)
    assert not call(amount=DECODE_MAX_MAGNITUDE * 10 + 9)  # a 13th integer digit: a model looping in digits stops
    assert not call(amount=3.14159265)  # decimals end after six
    assert not call(amount=1, count=0)  # the schema's own minimum still holds
    assert call(amount=1, floor=2 * DECODE_MAX_MAGNITUDE + 1)  # a one-sided bound beyond the default keeps a range


ENUM_TOOLS = [
    Tool(id="u", name="set_unit", description="Choose the unit system.",
         parameters={"type": "object", "properties": {"unit": {"type": "string", "enum": ["metric", "imperial"]},
                                                      "strict": {"type": "boolean"}}, "required": ["unit"]}),
    Tool(id="m", name="toggle_mode", description="Turn dark mode on or off.",
         parameters={"type": "object", "properties": {"on": {"type": "boolean"}}, "required": ["on"]}),
]


def test_router_on_a_random_model_still_returns_a_valid_call_and_a_full_ranking():
    model, tokenizer = load_base_model("tiny-random", seed=0)
    router = Router(model, tokenizer, max_new_tokens=40)
    for query in ("use metric units please", "dark mode off", "what is the capital of France?"):
        out = router.route(query, ENUM_TOOLS)
        assert out.name in {"set_unit", "toggle_mode", GENERATE_RESPONSE}
        assert out.valid and json.loads(out.text) == {"name": out.name, "arguments": out.arguments}
        assert sorted(n for n, _ in out.ranking) == sorted(["set_unit", "toggle_mode", GENERATE_RESPONSE])
        scores = [s for _, s in out.ranking]
        assert scores == sorted(scores, reverse=True)
    with pytest.raises(Exception, match="query"):
        router.route("  ", ENUM_TOOLS)


def test_select_scores_are_each_call_prefix_log_probability_scored_alone():
    """The batched scoring over one cached prompt gives what one plain forward per name gives."""
    import torch

    model, tokenizer = load_base_model("tiny-random", seed=0)
    router = Router(model, tokenizer)
    scores = router.select_scores("dark mode off", ENUM_TOOLS)
    assert [n for n, _ in scores] == ["set_unit", "toggle_mode", GENERATE_RESPONSE]
    prompt = router.encoder.prompt(prompts.select_messages("dark mode off", prompts.ensure_generate_response(ENUM_TOOLS)))
    for name, score in scores:
        answer = router.encoder.answer_ids(prompts.call_prefix(name), close=False)
        with torch.no_grad():
            logp = torch.log_softmax(model(input_ids=torch.tensor([prompt + answer])).logits[0].float(), -1)
        expected = sum(float(logp[len(prompt) - 1 + j, t]) for j, t in enumerate(answer))
        assert score == pytest.approx(expected, abs=1e-3), name


DRIVE = Tool(id="d", name="driving_distance", description="Shortest driving distance between two places.",
             parameters={"type": "object", "required": ["origin", "destination"], "properties": {
                 "origin": {"type": "string"}, "destination": {"type": "string"},
                 "unit": {"type": "string", "default": "km"}, "avoid": {"type": "array", "items": {"type": "string"}},
                 "max_cost": {"type": "number"}, "rate": {"type": "number"}, "stops": {"type": "integer"},
                 "toll_free": {"type": "boolean"}}})


@pytest.mark.parametrize("query, arguments, dropped", [
    # an optional value the request never states is dropped; a stated one stays, whatever its case or spacing
    ("Drive from New York to Boston", {"unit": "car"}, ["unit"]),
    ("Drive from New York to Boston in miles", {"unit": "Miles"}, []),
    ("Drive from New York to Boston avoiding tolls and ferries", {"avoid": ["tolls", "ferries"]}, []),
    ("Drive from New York to Boston avoiding tolls", {"avoid": ["tolls", "highways"]}, ["avoid"]),
    # numbers as people write them: thousands separators, percentages, small number words
    ("Drive from New York to Boston for under $50,000", {"max_cost": 50000}, []),
    ("Drive from New York to Boston for under $50,000", {"max_cost": 5000}, ["max_cost"]),
    ("Drive from New York to Boston at a 5% rate", {"rate": 0.05}, []),
    ("Drive from New York to Boston with three stops", {"stops": 3}, []),
    ("Drive from New York to Boston via stops 1,2,3", {"stops": 2}, []),  # a list, not one hundred twenty-three
    ("Drive from New York to Boston via stops 1,2,3", {"stops": 123}, ["stops"]),
    ("Drive from New York to Boston", {"stops": 0, "rate": 1e-9}, ["stops", "rate"]),
    ("Drive from New York to Boston", {"unit": "", "avoid": []}, ["unit", "avoid"]),  # empty values state nothing
    # an ISO date the request writes another way
    ("Drive from New York to Boston on January 1, 2022", {"unit": "2022-01-01"}, []),
    ("Drive from New York to Boston on Jun.20,2023", {"unit": "2023-06-20"}, []),
    ("Drive from New York to Boston on 3rd March", {"unit": "2026-03-03"}, []),
    ("Drive from New York to Boston on January 2, 2022", {"unit": "2022-01-01"}, ["unit"]),
    # booleans are said in words ("no tolls"): kept
    ("Drive from New York to Boston without toll roads", {"toll_free": True}, []),
])
def test_ground_arguments_drops_only_optional_values_the_request_never_states(query, arguments, dropped):
    call = {"origin": "Paris", "destination": "Rome", **arguments}  # required: kept even when not stated
    kept, gone = ground_arguments(DRIVE, call, query)
    assert gone == dropped
    assert kept == {k: v for k, v in call.items() if k not in dropped}
    assert validate_arguments(DRIVE, kept) is None


def test_ground_arguments_leaves_a_call_that_does_not_validate_as_it_is():
    call = {"origin": "Paris", "destination": "Rome", "unit": "car", "stops": "many"}  # stops: not an integer
    assert ground_arguments(DRIVE, call, "Drive from Paris to Rome") == (call, [])
    needs_unit = Tool(id="n", name=DRIVE.name, description=DRIVE.description, parameters={
        **DRIVE.parameters, "dependentRequired": {"stops": ["unit"]}})  # dropping the unit would break it
    call = {"origin": "Paris", "destination": "Rome", "unit": "car", "stops": 2}
    assert ground_arguments(needs_unit, call, "Drive from Paris to Rome with 2 stops") == (call, [])


def test_a_grounding_router_calls_with_its_plain_twins_arguments_less_the_ungrounded_optional_ones():
    model, tokenizer = load_base_model("tiny-random", seed=0)
    plain, grounded = (Router(model, tokenizer, max_new_tokens=60, ground_optional=g) for g in (False, True))
    seen, dropped_any = 0, False
    for query in ("distance from Paris to Rome", "how far is it by road from Lyon to Nice in km?"):
        a, b = plain.route(query, [DRIVE], fallback=False), grounded.route(query, [DRIVE], fallback=False)
        assert a.text == b.text and a.name == b.name == "driving_distance"  # the same decode
        if not a.valid:
            continue
        seen += 1
        assert b.valid and validate_arguments(DRIVE, b.arguments) is None
        assert b.arguments == ground_arguments(DRIVE, a.arguments, query)[0]
        assert sorted(b.dropped) == sorted(set(a.arguments) - set(b.arguments))
        dropped_any = dropped_any or bool(b.dropped)
        assert not a.dropped
    assert seen  # a random model may ramble past the budget, but not on every query
    assert dropped_any  # this model writes "avoid": [], which no request states
