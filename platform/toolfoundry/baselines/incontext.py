"""The untuned base LLM prompted in context with the candidate functions (GenTool's tuning-free baseline).

The prompt is short on purpose (CPU prefill is the cost): a one-paragraph instruction, the candidate
functions as compact JSON (name, description, parameters), and the user request. The model is asked
to answer with one JSON call ``{"name": ..., "arguments": {...}}`` or the word ``NONE`` when no
function fits. :func:`parse_calls` accepts what small models actually write: a JSON object or list (also
inside ``<tool_call>`` tags or code fences, or after some prose), the ``{func: {args}}`` shape, or Python
call syntax ``[func(a=1)]`` when it is the whole answer, as in BFCL's prompting format. Decoding is greedy.

Any Hugging Face causal-LM directory (for example a toolfoundry checkpoint) can replace the embedded
SmolLM2-135M-Instruct.
"""

from __future__ import annotations

import ast
import json
import os
import re
import time
from typing import Any

from toolfoundry.errors import InputError

#: Two prompt styles. ``tool_call`` follows the function-calling format SmolLM2-Instruct was tuned on
#: (tools in ``<tools>``, calls as a JSON list inside ``<tool_call>``, ``[]`` when no call is needed);
#: ``json`` is a shorter generic instruction.
PROMPTS = {
    "tool_call": (
        "You are an expert in composing functions. You are given a question and a set of possible functions. "
        "Based on the question, you will need to make one or more function/tool calls to achieve the purpose. "
        "If none of the functions can be used, point it out and refuse to answer. If the given question "
        "lacks the parameters required by the function, also point it out.\n\n"
        "You have access to the following tools:\n<tools>{tools}</tools>\n\n"
        "The output MUST strictly adhere to the following format, and NO other text MUST be included.\n"
        "The example format is as follows. Please make sure the parameter type is correct. If no function "
        "call is needed, please make the tool calls an empty list '[]'.\n<tool_call>[\n"
        '{{"name": "func_name1", "arguments": {{"argument1": "value1", "argument2": "value2"}}}},\n'
        "... (more tool calls as required)\n]</tool_call>"
    ),
    "json": (
        "You call functions. Read the user's request and the functions below. If one function fits, reply "
        'with only a JSON object {{"name": <function name>, "arguments": {{<parameter>: <value>}}}}. '
        "If no function fits the request, reply with only the word NONE.\nFunctions:\n{tools}"
    ),
}


def compact_functions(functions: list[dict]) -> str:
    return "\n".join(json.dumps({"name": f.get("name"), "description": f.get("description", ""),
                                 "parameters": f.get("parameters", {})}, separators=(",", ":"))
                     for f in functions)


def build_messages(query: str, functions: list[dict], style: str = "tool_call") -> list[dict]:
    if style not in PROMPTS:
        raise InputError("prompt style", f"unknown style {style!r}", f"one of {sorted(PROMPTS)}")
    return [
        {"role": "system", "content": PROMPTS[style].format(tools=compact_functions(functions))},
        {"role": "user", "content": query},
    ]


# ----------------------------------------------------------------------------------------- parsing
def _normalise(obj: Any) -> list[dict] | None:
    """JSON shapes -> [{name: {args}}]; None when the shape is not a call."""
    items = obj if isinstance(obj, list) else [obj]
    calls = []
    for it in items:
        if not isinstance(it, dict):
            return None
        if "name" in it and isinstance(it["name"], str):
            args = it.get("arguments", it.get("parameters", {}))
            if isinstance(args, str):
                try:
                    args = json.loads(args)
                except json.JSONDecodeError:
                    return None
            if not isinstance(args, dict):
                return None
            calls.append({it["name"]: args})
        elif "function" in it and isinstance(it["function"], dict):
            sub = _normalise(it["function"])
            if not sub:
                return None
            calls.extend(sub)
        elif len(it) == 1 and isinstance(next(iter(it.values())), dict):
            calls.append(dict(it))
        else:
            return None
    return calls or None


def _python_calls(text: str) -> list[dict] | None:
    # Python call syntax counts only as the whole answer (``f(a=1)`` or ``[f(a=1), g(b=2)]``), as in
    # BFCL's prompting format: names inside prose or code (``def f(x):``, ``obj.pop()``) are not calls.
    text = text.strip()
    m = re.match(r"\[?\s*[A-Za-z_][A-Za-z0-9_.]*\s*\(", text)
    if not m:
        return None
    start = 0
    for end in range(len(text), start, -1):
        chunk = text[start:end].strip()
        try:
            tree = ast.parse(chunk, mode="eval")
        except SyntaxError:
            continue
        nodes = tree.body.elts if isinstance(tree.body, (ast.List, ast.Tuple)) else [tree.body]
        calls = []
        for node in nodes:
            if not isinstance(node, ast.Call):
                return None
            try:
                name = ast.unparse(node.func)
                args = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
            except (ValueError, SyntaxError, TypeError):
                return None
            if node.args:
                return None  # positional arguments cannot be matched to parameter names
            calls.append({name: args})
        return calls or None
    return None


def parse_calls(text: str) -> list[dict] | None:
    """Decode a model's answer into ``[{func_name: {param: value}}]``; None when it holds no call."""
    text = text.strip()
    text = re.sub(r"^```(?:json|python)?|```$", "", text, flags=re.M).strip()
    tagged = re.findall(r"<tool_call>(.*?)(?:</tool_call>|$)", text, flags=re.S)
    candidates = [t.strip() for t in tagged] or [text]
    dec = json.JSONDecoder()
    for cand in candidates:
        for i, ch in enumerate(cand):
            if ch in "[{":
                try:
                    obj, _ = dec.raw_decode(cand, i)
                except json.JSONDecodeError:
                    continue
                calls = _normalise(obj)
                if calls:
                    return calls
        calls = _python_calls(cand)
        if calls:
            return calls
    return None


def names_outside(calls: list[dict] | None, allowed: set[str]) -> list[str]:
    """Called names that are not in the candidate set (``.`` written as ``_`` counts as the same name)."""
    if not calls:
        return []
    ok = allowed | {a.replace(".", "_") for a in allowed}
    return [n for c in calls for n in c if n not in ok]


# ---------------------------------------------------------------------------------------- the model
class ReplayCaller:
    """Replays the raw outputs a caller wrote to ``outputs.jsonl`` (same system name, prompt tokens and
    latency), so that a change of parser or checker re-scores a run without generating again.
    ``ground_optional`` re-scores the recorded calls as a grounding router would have made them
    (:func:`toolfoundry.calling.ground_arguments`, a step after decoding), as ``NAME+ground``."""

    def __init__(self, path: str, system: str | None = None, ground_optional: bool = False):
        records = []
        with open(path, encoding="utf-8") as f:
            for lineno, raw in enumerate(f, start=1):
                try:
                    records.append(json.loads(raw))
                except json.JSONDecodeError as err:
                    raise InputError(f"{path}:{lineno}", f"not valid JSON ({err.msg})", "outputs.jsonl from toolfoundry eval") from err
        names = sorted({str(r.get("system")) for r in records})
        if system is None and len(names) > 1:  # a run of several systems: which one must be said
            raise InputError("--replay-system", f"{path} holds the outputs of {len(names)} systems", f"one of {names}")
        self.by_query: dict[str, dict] = {r["id"]: r for r in records if system is None or r.get("system") == system}
        if not self.by_query:
            raise InputError(path, f"no recorded outputs{' for ' + system if system else ''}",
                             f"outputs.jsonl from toolfoundry eval{'; its systems: ' + ', '.join(names) if system else ''}")
        first = next(iter(self.by_query.values()))
        self.name = first["system"]
        recorded = {}
        report = os.path.join(os.path.dirname(os.path.abspath(path)), "report.json")
        if os.path.isfile(report):  # the generating run's system config, as that run recorded it
            with open(report, encoding="utf-8") as f:
                systems = json.load(f).get("systems", {})
            recorded = next((v["config"] for v in systems.values() if v.get("system") == self.name), {})
        self.config = {**recorded, "replayed_from": os.path.basename(path)}
        self.ground_optional = ground_optional
        if ground_optional:
            self.name += "+ground"
            self.config.update(system=self.name, ground_optional=True)

    def generate(self, query: str, functions: list[dict], case_id: str | None = None) -> tuple[str, int, float]:
        rec = self.by_query.get(case_id)
        if rec is None:
            raise InputError("replay", f"no recorded output for {case_id or query!r}", "the same benchmark subset")
        output = rec["output"]
        if self.ground_optional:
            output = _grounded_output(output, query, functions)
        return output, rec["prompt_tokens"], rec["seconds"]


def _grounded_output(output: str, query: str, functions: list[dict]) -> str:
    """A recorded router output (a JSON list of calls) with each valid call's ungrounded optional
    arguments dropped, as :meth:`toolfoundry.calling.Router.route` drops them."""
    from toolfoundry.calling import ground_arguments
    from toolfoundry.formats.openai_tools import function_to_tool

    try:
        calls = json.loads(output)
    except json.JSONDecodeError:
        return output  # free text: nothing a router decoded
    if not isinstance(calls, list):
        return output
    by_name = {f.get("name"): f for f in functions}
    for call in calls:
        function = by_name.get(call.get("name")) if isinstance(call, dict) else None
        if function is None or not isinstance(call.get("arguments"), dict):
            continue
        call["arguments"] = ground_arguments(function_to_tool(function, tool_id=function["name"]), call["arguments"],
                                             query)[0]
    return json.dumps(calls)


class InContextCaller:
    """Prompt a causal LM with candidate functions and decode its call."""

    def __init__(self, source: str = "embedded", max_new_tokens: int = 96, threads: int | None = None,
                 style: str = "tool_call"):
        import torch

        if threads:
            torch.set_num_threads(threads)
        self.torch = torch
        self.source = source
        self.model, self.tokenizer = _load_causal_lm(source)
        self.model.eval()
        self.max_new_tokens = max_new_tokens
        self.style = style
        self.name = "smollm2-135m-incontext" if source == "embedded" else f"incontext:{source}"
        self.config = {"system": self.name, "model": source, "decoding": "greedy",
                       "max_new_tokens": max_new_tokens, "prompt": style}

    def prompt_ids(self, query: str, functions: list[dict]):
        return self.tokenizer.apply_chat_template(build_messages(query, functions, self.style), add_generation_prompt=True,
                                                  return_tensors="pt", return_dict=True)

    def generate(self, query: str, functions: list[dict]) -> tuple[str, int, float]:
        """(answer text, prompt tokens, seconds)."""
        t0 = time.perf_counter()
        enc = self.prompt_ids(query, functions)
        with self.torch.inference_mode():
            out = self.model.generate(**enc, max_new_tokens=self.max_new_tokens, do_sample=False,
                                      stop_strings=["</tool_call>"], tokenizer=self.tokenizer,
                                      pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id)
        n_prompt = enc["input_ids"].shape[1]
        text = self.tokenizer.decode(out[0, n_prompt:], skip_special_tokens=True)
        return text, n_prompt, time.perf_counter() - t0


def _load_causal_lm(source: str):
    """(model, tokenizer) of ``'embedded'`` or a model directory, through the one model loader."""
    from toolfoundry.modeling import load_base_model

    return load_base_model(source)
