"""Data-job benchmark: query → tool examples generated, exact + near deduped, written as Parquet; then
near-duplicate detection against datasketch on the same queries, like for like, with exact ground truth.

    .venv/bin/python bench/bench_data.py [--examples 1000000] [--compare 100000] [--cpus 2] [--out runs/bench_data]

Part 1 (skipped with ``--examples 0``) runs the real jobs (``data_jobs.synthesize.run`` then
``data_jobs.dedupe.run``) in one local Ray with ``--cpus`` CPUs and prints rows/s per stage.

Part 2 takes ``--compare`` queries of such a corpus — 90% as generated, 10% perturbed copies of them
(a word dropped, added or swapped, case and punctuation changed) — and finds near duplicates at
word 3-gram Jaccard >= 0.8 with 128 MinHash permutations. Same question for every system:

- **the same rule**: a pair is reported when its *estimated* Jaccard is >= 0.8. datasketch:
  ``MinHashLSH(threshold=0.8)`` candidates, each then checked with the MinHash estimate
  (``MinHash.jaccard`` >= 0.8, as datasketch's docs advise). toolfoundry: its LSH candidates, each
  checked with its 2-bit sketch estimate >= 0.8 (``DedupParams(threshold=0.8)``, no margin);
- **exact ground truth**: every pair with *true* Jaccard >= 0.8 among all the queries, by an exact
  all-pairs join (prefix filtering, then exact set overlap), so recall is measured against the
  truth rather than against either system; precision is the share of reported pairs whose true
  Jaccard is >= 0.8;
- **the same cores**: 1 process vs 1 process (datasketch vs the toolfoundry method in one process,
  :func:`toolfoundry.dedup.find_duplicates`), and ``--cpus`` vs ``--cpus`` (datasketch in that
  many processes — signatures and queries split over them, the index built once, as datasketch
  has no way to merge indexes — vs the ``data_jobs.dedupe`` Ray Data job in a Ray with that many
  CPUs, which also does exact dedupe, hash partitioning through storage and Parquet output);
- **CPU seconds** as well as wall time: every process each system runs (datasketch's workers, the
  Ray processes of the job) is counted, and throughput per CPU-second is compared with datasketch in
  one process. A shared machine's load moves wall time a lot and CPU time much less;
- the quality of **dedupe decisions** too: a record should be dropped when an earlier record is a
  true >= 0.8 near duplicate of it; each system drops the later record of every pair it reports
  (toolfoundry's job and method do that themselves).

All timings and ratios come from one run; nothing is carried over from another run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import shutil
import sys
import time
from collections import Counter, defaultdict
from fractions import Fraction

import numpy as np
import pyarrow as pa

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cpu_seconds() -> float:
    """CPU time (user + system) of this process, its reaped children (datasketch's pool workers) and
    its live descendants (the Ray processes a local ``ray.init`` starts: GCS, raylet, workers).

    On a shared machine wall time moves with other people's load; CPU time moves much less, so each
    system's throughput per CPU-second is the like-for-like number.
    """
    import resource

    import psutil

    total = sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
                for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    for child in psutil.Process().children(recursive=True):
        try:
            t = child.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def _perturb(text: str, rng: random.Random) -> str:
    words = text.split()
    kind = rng.randrange(4)
    if kind == 0 and len(words) > 4:
        del words[rng.randrange(len(words))]
    elif kind == 1:
        words.insert(rng.randrange(len(words) + 1), rng.choice(["please", "quickly", "today", "now", "also"]))
    elif kind == 2 and len(words) > 3:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    out = " ".join(words)
    return out.upper() if rng.random() < 0.3 else out.rstrip("?.!") + rng.choice(["", "!", " ?", "..."])


def shingle_sets(texts: list[str], ngram: int) -> list[set[bytes]]:
    """Word n-grams of toolfoundry's normalised text (the same for every system and the truth)."""
    from toolfoundry.dedup import normalize

    out = []
    for t in normalize(texts).to_pylist():
        w = t.split(" ") if t else ["\x00"]
        n = max(len(w) - ngram + 1, 1)
        out.append({" ".join(w[i: i + ngram]).encode() for i in range(n)})
    return out


# ---------------------------------------------------------------- exact ground truth

def exact_pairs(sets: list[set], threshold: float) -> set[tuple[int, int]]:
    """Every pair ``(i, j)``, ``i < j``, with Jaccard >= ``threshold``: exact, by prefix filtering.

    Tokens are ordered rarest first; a set of size n keeps its first ``n - ceil(t·n) + 1`` tokens as
    its prefix. Two sets with Jaccard >= t overlap in at least ``ceil(t·max(n_x, n_y))`` tokens, so
    their prefixes share a token (the prefix-filtering principle): candidates are the pairs that share
    a prefix token and pass the size filter ``t·n_x <= n_y <= n_x / t``; each is then checked on the
    exact sets. No pair with Jaccard >= t is missed.
    """
    t = Fraction(str(threshold)).limit_denominator(10**6)  # 0.8 is 4/5, not the float just above it
    num, den = t.numerator, t.denominator
    freq = Counter(tok for s in sets for tok in s)
    rank = {tok: i for i, (tok, _) in enumerate(sorted(freq.items(), key=lambda kv: (kv[1], kv[0])))}
    ordered = [sorted(rank[t] for t in s) for s in sets]
    sizes = [len(s) for s in sets]
    index: dict[int, list[int]] = defaultdict(list)
    for doc, toks in enumerate(ordered):
        n = len(toks)
        for tok in toks[: n - (-(-n * num // den)) + 1]:  # n - ceil(t·n) + 1
            index[tok].append(doc)
    found = set()
    for docs in index.values():
        for a in range(len(docs)):
            x = docs[a]
            for y in docs[a + 1:]:
                if (x, y) in found or sizes[y] * den < sizes[x] * num or sizes[x] * den < sizes[y] * num:
                    continue
                inter = len(sets[x] & sets[y])
                if inter * den >= num * (sizes[x] + sizes[y] - inter):  # inter / union >= t, in integers
                    found.add((x, y))
    return found


def true_jaccard(sets: list[set], pairs) -> np.ndarray:
    return np.array([len(sets[i] & sets[j]) / len(sets[i] | sets[j]) for i, j in pairs])


# ---------------------------------------------------------------- datasketch, 1 or N processes

class _Sig:
    """What MinHashLSH reads of a MinHash (hashvalues, len): datasketch's values, without the object."""

    __slots__ = ("hashvalues",)

    def __init__(self, hashvalues):
        self.hashvalues = hashvalues

    def __len__(self):
        return len(self.hashvalues)


def _ds_sign(job) -> np.ndarray:
    from datasketch import MinHash

    texts, num_perm, ngram = job
    hv = np.stack([m.hashvalues for m in MinHash.bulk(shingle_sets(texts, ngram), num_perm=num_perm)])
    assert hv.max() < 2**32  # datasketch keeps 32-bit values; halves what travels back
    return hv.astype(np.uint32)


_QUERY_STATE: dict = {}


def _ds_query(bounds) -> np.ndarray:
    """Candidates of docs ``lo..hi`` (each pair once, from its smaller doc), kept at estimate >= t."""
    lsh, hv, threshold = _QUERY_STATE["lsh"], _QUERY_STATE["hv"], _QUERY_STATE["threshold"]
    lo, hi = bounds
    a, b = [], []
    for i in range(lo, hi):
        for j in lsh.query(_Sig(hv[i])):
            if j > i:
                a.append(i)
                b.append(j)
    a, b = np.array(a, dtype=np.int64), np.array(b, dtype=np.int64)
    keep = (hv[a] == hv[b]).mean(axis=1) >= threshold if len(a) else np.zeros(0, dtype=bool)  # MinHash.jaccard
    return np.stack([a[keep], b[keep]], axis=1)


def datasketch_pairs(texts: list[str], num_perm: int, threshold: float, ngram: int,
                     processes: int) -> tuple[set, float, dict]:
    """datasketch's near-duplicate pairs and the wall time: in one process, or split over ``processes``
    forked workers (signatures by halves; the index built once in the parent; queries by halves)."""
    from datasketch import MinHashLSH

    t0 = time.perf_counter()
    n = len(texts)
    parts = [(lo, hi) for lo, hi in zip(np.linspace(0, n, processes + 1, dtype=int)[:-1],
                                        np.linspace(0, n, processes + 1, dtype=int)[1:])]
    ctx = mp.get_context("fork")
    if processes == 1:
        hv = _ds_sign((texts, num_perm, ngram))
    else:
        with ctx.Pool(processes) as pool:
            hv = np.concatenate(pool.map(_ds_sign, [(texts[lo:hi], num_perm, ngram) for lo, hi in parts]))
    hv = hv.astype(np.uint64)  # the dtype datasketch hashes band keys from
    t1 = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    with lsh.insertion_session() as session:
        for i in range(n):
            session.insert(i, _Sig(hv[i]))
    t2 = time.perf_counter()
    _QUERY_STATE.update(lsh=lsh, hv=hv, threshold=threshold)
    if processes == 1:
        found = _ds_query((0, n))
    else:
        with ctx.Pool(processes) as pool:  # forked after the index exists: each worker reads it
            found = np.concatenate(pool.map(_ds_query, parts))
    _QUERY_STATE.clear()
    t3 = time.perf_counter()
    return set(map(tuple, found.tolist())), t3 - t0, {
        "sign_s": round(t1 - t0, 2), "index_s": round(t2 - t1, 2), "query_verify_s": round(t3 - t2, 2),
        "bands": lsh.b, "rows": lsh.r}


# ---------------------------------------------------------------- scoring

def quality(pairs: set | None, dropped: set, truth: set, true_dropped: set, sets: list[set],
            threshold: float) -> dict:
    out = {"dropped": len(dropped),
           "drop_precision": len(dropped & true_dropped) / max(1, len(dropped)),
           "drop_recall": len(dropped & true_dropped) / max(1, len(true_dropped))}
    if pairs is not None:
        ok = int((true_jaccard(sets, sorted(pairs)) >= threshold).sum()) if pairs else 0
        out.update(pairs=len(pairs), pair_precision=ok / max(1, len(pairs)),
                   pair_recall=len(pairs & truth) / max(1, len(truth)))
    return out


def _wait_for_no_children(timeout_s: float = 30.0) -> None:
    """Let the processes of a shut-down Ray exit, so their CPU is not counted against the next system."""
    import psutil

    deadline = time.time() + timeout_s
    while psutil.Process().children(recursive=True) and time.time() < deadline:
        time.sleep(0.2)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--examples", type=int, default=1_000_000, help="part 1 corpus size; 0 skips part 1")
    ap.add_argument("--queries-per-tool", type=int, default=20)
    ap.add_argument("--compare", type=int, default=100_000)
    ap.add_argument("--cpus", type=int, default=2, help="Ray CPUs for the jobs, datasketch processes for part 2")
    ap.add_argument("--shards", type=int, default=32)
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--out", default="runs/bench_data")
    ap.add_argument("--json", default=None, help="also write the results here")
    a = ap.parse_args(argv)

    os.environ.setdefault("RAY_DATA_DISABLE_PROGRESS_BARS", "1")
    import ray

    from data_jobs import shards as sh
    from data_jobs.dedupe import run as dedupe
    from data_jobs.synthesize import run as synthesize
    from toolfoundry.config import DataConfig
    from toolfoundry.dedup import (
        DedupParams, bucket_rows, candidate_pairs, find_duplicates, sketch, sketch_jaccard, text_signatures,
    )
    from toolfoundry.schema import EXAMPLE_SCHEMA
    from toolfoundry.storage import read_table, write_manifest

    threshold, num_perm, ngram = 0.8, 128, 3
    params = DedupParams(ngram=ngram, num_perm=num_perm, threshold=threshold)
    assert params.verify_threshold == threshold, "toolfoundry must report at the threshold itself here"
    shutil.rmtree(a.out, ignore_errors=True)

    def start_ray():
        ray.init(num_cpus=a.cpus, include_dashboard=False, log_to_driver=False)
        ray.data.DataContext.get_current().enable_progress_bars = False

    results: dict = {"cpus": a.cpus, "machine_cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg(),
                     "params": {"ngram": ngram, "num_perm": num_perm, "threshold": threshold,
                                "toolfoundry_bands_rows": list(params.band_rows)}}

    # ---------------- part 1: the corpus generated, deduped, written ----------------
    start_ray()
    n_tools = max(a.examples, a.compare) // a.queries_per_tool
    cfg = DataConfig(num_tools=n_tools, queries_per_tool=a.queries_per_tool, num_shards=a.shards)
    t = time.perf_counter()
    syn = synthesize(cfg, os.path.join(a.out, "synth"), seed=0)
    t_syn = time.perf_counter() - t
    if a.examples:
        t = time.perf_counter()
        dd = dedupe(syn["examples"], os.path.join(a.out, "dedup"), params=params, num_partitions=a.partitions)
        t_dd = time.perf_counter() - t
        n = syn["num_examples"]
        stages = [
            ("generate + write (tools, examples)", n, t_syn),
            ("dedupe 1: normalise, MinHash, bands -> partitions", n, dd["timings"]["buckets_s"]),
            ("dedupe 2: candidate edges per partition", n, dd["timings"]["edges_s"]),
            ("dedupe 3: verify, filter, write kept/dropped", n, dd["timings"]["filter_s"]),
            ("dedupe total (exact + near)", n, t_dd),
            ("end to end", n, t_syn + t_dd),
        ]
        results["part1"] = {"examples": n, "tools": syn["num_tools"], "kept": dd["kept_rows"],
                            "dropped": dd["dropped_counts"],
                            "stages": [{"stage": s, "rows": r, "seconds": round(sec, 2), "rows_per_s": round(r / sec)}
                                       for s, r, sec in stages]}
        print(f"\n== Part 1: {n:,} query → tool examples ({syn['num_tools']:,} tools), Ray with {a.cpus} CPUs ==")
        print(f"{'stage':50s} {'rows':>10s} {'seconds':>8s} {'rows/s':>10s}")
        for s, r, sec in stages:
            print(f"{s:50s} {r:>10,d} {sec:>8.1f} {r / sec:>10,.0f}")
        print(f"dropped: {dd['dropped_counts']}  kept: {dd['kept_rows']:,}")
    ray.shutdown()  # datasketch's workers are forked next; a fresh Ray is started for the job later
    _wait_for_no_children()

    # ---------------- part 2: near duplicates, like for like ----------------
    rng = random.Random(0)
    queries = read_table(syn["examples"]).column("query").to_pylist()
    base = queries[: int(a.compare * 0.9)]
    texts = base + [_perturb(rng.choice(base), rng) for _ in range(a.compare - len(base))]
    n = len(texts)
    cmp_dir = os.path.join(a.out, "compare")
    rows = [{"id": f"c{i:06d}", "query": q, "relevant_tool_ids": []} for i, q in enumerate(texts)]
    parts = sh.ranges(n, 8)
    for k, (lo, hi) in enumerate(parts):
        sh.write_shard(pa.Table.from_pylist(rows[lo:hi], schema=EXAMPLE_SCHEMA), os.path.join(cmp_dir, "in"),
                       sh.shard_name(k, len(parts)))
    write_manifest(os.path.join(cmp_dir, "in"), kind="bench.compare")

    sets = shingle_sets(texts, ngram)
    t = time.perf_counter()
    truth = exact_pairs(sets, threshold)
    t_truth = time.perf_counter() - t
    true_dropped = {j for _, j in truth}

    timed = []  # (system, cores, wall seconds, CPU seconds)
    c = cpu_seconds()
    ds1_pairs, t_ds1, ds1_detail = datasketch_pairs(texts, num_perm, threshold, ngram, processes=1)
    timed.append(("datasketch MinHashLSH + MinHash.jaccard >= 0.8", 1, t_ds1, cpu_seconds() - c))
    c, t = cpu_seconds(), time.perf_counter()
    core = find_duplicates(texts, params)
    t_core = time.perf_counter() - t
    timed.append(("toolfoundry method in one process (rensa + numpy)", 1, t_core, cpu_seconds() - c))
    c = cpu_seconds()
    dsn_pairs, t_dsn, dsn_detail = datasketch_pairs(texts, num_perm, threshold, ngram, processes=a.cpus)
    assert dsn_pairs == ds1_pairs, "datasketch must find the same pairs in 1 and N processes"
    timed.append((f"datasketch, {a.cpus} processes", a.cpus, t_dsn, cpu_seconds() - c))
    start_ray()
    c, t = cpu_seconds(), time.perf_counter()
    job = dedupe(os.path.join(cmp_dir, "in"), os.path.join(cmp_dir, "out"), params=params, num_partitions=8)
    t_job = time.perf_counter() - t
    timed.append((f"toolfoundry dedupe job (Ray Data, {a.cpus} CPUs, exact+near, Parquet)", a.cpus, t_job,
                  cpu_seconds() - c))
    job_dropped = {int(i[1:]) for i in read_table(job["dropped"])["id"].to_pylist()}
    ray.shutdown()

    # toolfoundry's pairs: every candidate pair its verification accepts (measured, not timed)
    sk = sketch(text_signatures(texts, params))
    cand = candidate_pairs(bucket_rows(texts, np.arange(n), params))
    ok = sketch_jaccard(sk[cand[:, 0]], sk[cand[:, 1]]) >= params.verify_threshold
    tf_pairs = set(map(tuple, cand[ok].tolist()))

    q_ds = quality(ds1_pairs, {j for _, j in ds1_pairs}, truth, true_dropped, sets, threshold)
    q_tf = quality(tf_pairs, set(core["doc"].to_pylist()), truth, true_dropped, sets, threshold)
    q_job = quality(None, job_dropped, truth, true_dropped, sets, threshold)

    speed = {1: t_ds1, a.cpus: t_dsn}
    ds_cpu = timed[0][3]  # datasketch's CPU seconds in one process: the per-CPU-second baseline
    results["part2"] = {
        "queries": n, "planted_perturbed": n - len(base), "truth_pairs": len(truth),
        "truth_records_with_earlier_duplicate": len(true_dropped), "truth_join_s": round(t_truth, 2),
        "timings": [{"system": s, "cores": c, "seconds": round(sec, 2), "cpu_seconds": round(cpu, 2),
                     "queries_per_s": round(n / sec), "queries_per_cpu_s": round(n / cpu),
                     "speed_vs_datasketch_same_cores": round(speed[c] / sec, 2),
                     "cpu_efficiency_vs_datasketch": round(ds_cpu / cpu, 2)} for s, c, sec, cpu in timed],
        "datasketch_detail": {"1 process": ds1_detail, f"{a.cpus} processes": dsn_detail},
        "quality": {"datasketch": q_ds, "toolfoundry method": q_tf, "toolfoundry job": q_job},
        "job_dropped": job["dropped_counts"],
    }
    b, r = params.band_rows
    print(f"\n== Part 2: near duplicates at Jaccard >= {threshold} on the same {n:,} queries "
          f"(word {ngram}-grams, {num_perm} permutations; datasketch {ds1_detail['bands']} bands x "
          f"{ds1_detail['rows']} rows, toolfoundry {b} x {r}; both report a pair when its estimated "
          f"Jaccard >= {threshold}) ==")
    print(f"exact ground truth: {len(truth):,} pairs with true Jaccard >= {threshold}; {len(true_dropped):,} "
          f"records have an earlier one ({t_truth:.1f} s, all-pairs join by prefix filtering)")
    print(f"{'system':66s} {'cores':>5s} {'wall s':>7s} {'queries/s':>10s} {'vs datasketch':>14s} {'CPU s':>7s} "
          f"{'queries/CPU-s':>14s} {'vs datasketch':>14s}")
    print(f"{'':66s} {'':>5s} {'':>7s} {'':>10s} {'(same cores)':>14s} {'':>7s} {'':>14s} {'(1 process)':>14s}")
    for s, c, sec, cpu in timed:
        print(f"{s:66s} {c:>5d} {sec:>7.1f} {n / sec:>10,.0f} {speed[c] / sec:>13.2f}x {cpu:>7.1f} "
              f"{n / cpu:>14,.0f} {ds_cpu / cpu:>13.2f}x")
    print(f"datasketch detail: {results['part2']['datasketch_detail']}")
    print(f"\n{'quality vs the exact ground truth':44s} {'pairs':>8s} {'precision':>10s} {'recall':>8s} "
          f"{'dropped':>9s} {'precision':>10s} {'recall':>8s}")
    for name, q in (("datasketch (same pairs in 1 and N processes)", q_ds),
                    ("toolfoundry method (pairs: verified candidates)", q_tf),
                    ("toolfoundry Ray Data job (drops only)", q_job)):
        pair_cols = (f"{q['pairs']:>8,d} {q['pair_precision']:>10.2%} {q['pair_recall']:>8.2%}" if "pairs" in q
                     else f"{'':>8s} {'':>10s} {'':>8s}")
        print(f"{name:44s} {pair_cols} {q['dropped']:>9,d} {q['drop_precision']:>10.2%} {q['drop_recall']:>8.2%}")
    print(f"machine: {os.cpu_count()} CPUs, load average at start {results['load_avg_at_start'][0]:.2f}, "
          f"at end {os.getloadavg()[0]:.2f}")
    if a.json:
        os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
