"""Prompts and label masks: training rows and inference prompts are built from the same pieces."""

import pytest

from toolfoundry import prompts
from toolfoundry.encoding import IGNORE, ChatEncoder
from toolfoundry.modeling import load_tokenizer
from toolfoundry.schema import Tool


@pytest.fixture(scope="module")
def encoder():
    tokenizer = load_tokenizer("tiny-random")
    tokenizer.add_tokens(["<<t1>>", "<<t2>>"])
    return ChatEncoder(tokenizer)


TOOLS = [Tool(id="a", name="get_weather", description="Weather for a city.",
              parameters={"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                          "required": ["city"]}),
         Tool(id="b", name="send_email", description="Send an email.",
              parameters={"type": "object", "properties": {"to": {"type": "string"}}, "required": ["to"]})]


@pytest.mark.parametrize("full, answer", [
    (prompts.retrieval_messages("weather in Oslo", "<<t1>>"), "<<t1>>"),
    (prompts.memorization_messages("get weather: Weather for a city.", "<<t2>>"), "<<t2>>"),
    (prompts.select_messages("weather in Oslo", TOOLS, {"name": "get_weather", "arguments": {"city": "Oslo"}}),
     '{"name": "get_weather", "arguments": {"city": "Oslo"}}'),
    (prompts.rank_messages("mail Bob", TOOLS, ["send_email", "get_weather"]), "send_email > get_weather"),
])
def test_prompt_plus_answer_is_exactly_the_training_row(encoder, full, answer):
    row = encoder.encode(full)
    prompt = encoder.prompt(full[:-1])
    answer_ids = encoder.answer_ids(answer)
    assert row.input_ids == prompt + answer_ids
    # labels: the answer and its end of turn, nothing else
    assert row.labels == [IGNORE] * len(prompt) + answer_ids
    assert encoder.tokenizer.decode(answer_ids).endswith("<|im_end|>")


def test_only_trained_turns_carry_labels(encoder):
    msgs = prompts.agent_messages("weather in Oslo", "<<t1>>", {"city": "Oslo"}, {"temp_c": 3}, "It is 3 degrees.")
    row = encoder.encode(msgs)
    labelled = encoder.tokenizer.decode([t for t in row.labels if t != IGNORE])
    assert "<<t1>>" in labelled and "It is 3 degrees." in labelled
    assert "temp_c" not in labelled and "Oslo" in labelled  # the argument, not the observation
    assert "Solve the task" not in labelled and "weather in Oslo" not in labelled
    # the action turn continues the prefix the agent decodes from
    prefix_ids = encoder.prompt(msgs[:2], assistant_prefix=prompts.ACTION_PREFIX)
    assert row.input_ids[:len(prefix_ids)] == prefix_ids


def test_batched_encoding_equals_one_at_a_time(encoder):
    convs = [prompts.retrieval_messages(q, "<<t2>>") for q in ("a", "find a cheap flight to Rome", "x " * 30)]
    assert [e.input_ids for e in encoder.encode_many(convs)] == [encoder.encode(c).input_ids for c in convs]


def test_tools_block_shows_types_optional_arguments_and_defaults():
    tool = Tool(id="c", name="convert", description="Convert units.", parameters={
        "type": "object", "required": ["value"],
        "properties": {"value": {"type": "number"}, "unit": {"type": "string", "enum": ["kg", "lb"], "default": "kg"},
                       "tags": {"type": "array", "items": {"type": "string"}}}})
    line = prompts.candidate_line(tool)
    assert line == '- convert(value: number, unit?: "kg"|"lb"="kg", tags?: list[string]): Convert units.'


def test_long_documents_are_chunked_not_cut(encoder):
    tool = Tool(id="d", name="long_tool", description=" ".join(f"word{i}" for i in range(300)))
    chunks = prompts.document_chunks(tool, 40, encoder.tokenizer)
    assert len(chunks) > 3
    assert " ".join(chunks) == prompts.tool_document(tool)
    assert all(len(encoder.tokenizer(c, add_special_tokens=False)["input_ids"]) <= 41 for c in chunks)
