"""fp32 against bf16 on this machine's CPU: one forward, and one forward + backward, of the embedded
model on the same tokens, in one process, one thread. Prints the seconds and the bf16/fp32 ratio,
and what ``model.dtype: auto`` picks here (:func:`toolfoundry.modeling.resolve_dtype`).

    .venv/bin/python bench/dtype_speed.py [--tokens 450] [--batch 2] [--threads 1]

On a CPU with bf16 units (AVX512-BF16, AMX) bf16 is the faster one; without them torch emulates it.
"""

from __future__ import annotations

import argparse
import time

import torch

from toolfoundry.modeling import cpu_flags, load_base_model, resolve_dtype


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tokens", type=int, default=450)
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    ids = torch.randint(100, 40000, (a.batch, a.tokens), generator=torch.Generator().manual_seed(0))
    seconds = {}
    for dtype in ("float32", "bfloat16"):
        model = load_base_model("embedded", dtype=dtype)[0]
        model.train()

        def step():
            model(input_ids=ids, labels=ids).loss.backward()

        step()  # warm-up: first-call allocations
        seconds[dtype] = {"fwd+bwd": timed(step)}
        with torch.no_grad():
            seconds[dtype]["fwd"] = timed(lambda: model(input_ids=ids))
        print(f"{dtype:9s} fwd {seconds[dtype]['fwd']:7.2f} s   fwd+bwd {seconds[dtype]['fwd+bwd']:7.2f} s", flush=True)
    for kind in ("fwd", "fwd+bwd"):
        print(f"bf16 / fp32 time, {kind}: {seconds['bfloat16'][kind] / seconds['float32'][kind]:.2f}x")
    units = sorted(f for f in cpu_flags() if "bf16" in f)
    print(f"bf16 CPU flags: {units or 'none'}; model.dtype auto picks {resolve_dtype('auto')} here")


if __name__ == "__main__":
    main()
