"""Vectorised normalisation, hashing, MinHash/LSH banding and per-partition drop decisions.

Library choice: MinHash signatures come from ``rensa`` (a maintained Rust implementation;
``RMinHash.digest_matrix_from_flat_token_hashes`` takes one flat numpy buffer of token hashes plus
row offsets, so a whole batch is signed in one call without a Python object per document). Banding
is done here in numpy rather than with an in-memory LSH index, because the data jobs must
hash-partition band keys across workers instead of holding one index on one node. The band/row
split is the one ``datasketch.MinHashLSH`` would choose for the same threshold and number of
permutations (:func:`lsh_params`), so results are comparable with it.
"""

from __future__ import annotations

import array
import hashlib
import itertools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from toolfoundry.errors import InputError

REASON_CONTAMINATED, REASON_EXACT, REASON_NEAR = 0, 1, 2
REASONS = {REASON_CONTAMINATED: "contaminated", REASON_EXACT: "exact_duplicate", REASON_NEAR: "near_duplicate"}
KIND_EXACT, KIND_NEAR = 0, 1

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)
_M3 = np.uint64(0x165667B19E3779F9)


@dataclass(frozen=True)
class DedupParams:
    """Near-duplicate settings.

    Two texts are near duplicates when the Jaccard similarity of their word ``ngram`` sets is at least
    ``threshold``. Candidates come from LSH over ``num_perm`` MinHash permutations; a candidate pair
    is reported when its Jaccard, estimated from 2-bit MinHash sketches of 128 values, is at least
    ``verify_threshold`` = ``threshold - verify_margin``. The margin is 0 by default, so a pair is
    reported when its estimated Jaccard reaches the threshold itself: the same rule as
    ``datasketch.MinHashLSH`` followed by ``MinHash.jaccard(...) >= threshold``. A positive margin
    trades precision for recall at the threshold (the estimate's standard deviation is about 0.04
    at 0.8, so pairs just above the threshold are missed about half the time without one). Unless
    given, ``bands × rows`` is chosen like datasketch's optimum for ``verify_threshold``, but with
    false negatives weighted 0.8, so that candidates miss few pairs the verification would accept.
    """

    ngram: int = 3
    num_perm: int = 128
    threshold: float = 0.8
    bands: int | None = None
    rows: int | None = None
    seed: int = 1
    verify_margin: float = 0.0

    def __post_init__(self):
        if not 1 <= self.ngram <= 16:
            raise InputError("dedup.ngram", f"{self.ngram}", "an n-gram size between 1 and 16 words")
        if not 8 <= self.num_perm <= 1024:
            raise InputError("dedup.num_perm", f"{self.num_perm}", "between 8 and 1024 permutations")
        if not 0.0 < self.threshold < 1.0:
            raise InputError("dedup.threshold", f"{self.threshold}", "a Jaccard threshold strictly between 0 and 1")
        if not 0.0 <= self.verify_margin < self.threshold:
            raise InputError("dedup.verify_margin", f"{self.verify_margin}", f"between 0 and the threshold")
        if (self.bands is None) != (self.rows is None):
            raise InputError("dedup.bands/rows", "only one of them was given", "both or neither")
        if self.bands is not None and self.bands * self.rows > self.num_perm:
            raise InputError("dedup.bands", f"{self.bands} × {self.rows} rows > {self.num_perm} permutations",
                             "bands × rows ≤ num_perm")

    @property
    def verify_threshold(self) -> float:
        return round(self.threshold - self.verify_margin, 6)

    @property
    def band_rows(self) -> tuple[int, int]:
        if self.bands is not None:
            return self.bands, self.rows
        return lsh_params(self.verify_threshold, self.num_perm, 0.2, 0.8)


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows) minimising the weighted false-positive/negative areas, as datasketch does."""
    s_lo = np.linspace(0.0, threshold, 513)
    s_hi = np.linspace(threshold, 1.0, 513)
    best, opt = float("inf"), (1, 1)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = np.trapezoid(1 - (1 - s_lo**r) ** b, s_lo)
            fn = np.trapezoid((1 - s_hi**r) ** b, s_hi)
            err = fp * fp_weight + fn * fn_weight
            if err < best:
                best, opt = err, (b, r)
    return opt


def normalize(texts: pa.Array | pa.ChunkedArray | list) -> pa.Array:
    """Lower-case, punctuation to spaces, whitespace collapsed, trimmed; nulls become ""."""
    arr = pa.array(texts, type=pa.string()) if isinstance(texts, list) else texts
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = pc.fill_null(arr.cast(pa.string()), "")
    arr = pc.utf8_lower(arr)
    # one pass: every run of non-word characters (punctuation and whitespace alike) becomes one space
    arr = pc.replace_substring_regex(arr, r"[^\w]+", " ")
    return pc.utf8_trim_whitespace(arr)


def _hash64(values) -> np.ndarray:
    return np.fromiter(
        (int.from_bytes(hashlib.blake2b(v.encode(), digest_size=8).digest(), "little") for v in values),
        dtype=np.uint64, count=len(values),
    )


@dataclass(frozen=True)
class Words:
    """The words of a batch of normalised texts: one 64-bit hash per word occurrence, row lengths."""

    hashes: np.ndarray  # uint64, all rows' words in order
    lengths: np.ndarray  # int64 words per row (an empty text is the one word "\x00")


def words(normalized: pa.Array) -> Words:
    """Word hashes of every text. Words are dictionary-encoded once per batch, so each distinct word
    is hashed once (blake2b, deterministic across processes); the rest is numpy."""
    text = pc.if_else(pc.equal(normalized, ""), "\x00", normalized)
    split = pc.split_pattern(text, " ")
    lengths = pc.list_value_length(split).to_numpy(zero_copy_only=False).astype(np.int64)
    enc = pc.dictionary_encode(pc.list_flatten(split))
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    return Words(_hash64(enc.dictionary.to_pylist())[enc.indices.to_numpy(zero_copy_only=False)], lengths)


def exact_hashes(normalized: pa.Array, w: Words | None = None) -> np.ndarray:
    """A 64-bit hash per normalised text: equal text (same words in the same order), equal hash.

    Vectorised over the batch's word hashes (``w``, computed if not given): each word's hash is
    mixed with its position, the row's values are XOR-folded, then mixed with the row's length.
    """
    w = words(normalized) if w is None else w
    if len(w.lengths) == 0:
        return np.zeros(0, dtype=np.uint64)
    starts = np.concatenate([[0], np.cumsum(w.lengths)[:-1]])
    pos = np.arange(len(w.hashes), dtype=np.int64) - np.repeat(starts, w.lengths)
    with np.errstate(over="ignore"):
        v = (w.hashes ^ ((pos.astype(np.uint64) + np.uint64(1)) * _M2)) * _M1
        v ^= v >> np.uint64(29)
        v *= _M3
        acc = np.bitwise_xor.reduceat(v, starts) ^ (w.lengths.astype(np.uint64) * _M1)
        acc *= _M2
        acc ^= acc >> np.uint64(32)
    return acc


def shingle_hashes(normalized: pa.Array, ngram: int, w: Words | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Word n-gram hashes of every text: ``(flat uint64 hashes, uint64 row offsets)``.

    ``w`` (:func:`words`) is computed if not given; n-grams are combined in numpy. A text shorter
    than ``ngram`` words gives one shingle of all its words; an empty text is the one-word text
    ``"\\x00"`` (so all empty texts are duplicates of each other).
    """
    w = words(normalized) if w is None else w
    h, lengths = w.hashes, w.lengths
    starts = np.concatenate([[0], np.cumsum(lengths)])[:-1]
    n_sh = np.maximum(lengths - ngram + 1, 1)
    offsets = np.concatenate([[0], np.cumsum(n_sh)]).astype(np.uint64)
    total = int(offsets[-1])
    row = np.repeat(np.arange(len(lengths)), n_sh)
    first = starts[row] + (np.arange(total) - offsets[:-1].astype(np.int64)[row])
    end = starts[row] + lengths[row]
    acc = np.full(total, np.uint64(ngram), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(ngram):
            j = first + k
            v = np.where(j < end, h[np.minimum(j, len(h) - 1)], np.uint64(0))
            acc = (acc ^ v) * _M1
            acc ^= acc >> np.uint64(29)
    return acc, offsets


def signatures(flat: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """MinHash signatures ``(n, num_perm) uint32`` from shingle hashes, by rensa."""
    import rensa

    n = len(offsets) - 1
    if n == 0:
        return np.zeros((0, num_perm), dtype=np.uint32)
    mat = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
        np.ascontiguousarray(flat, dtype=np.uint64), np.ascontiguousarray(offsets, dtype=np.uint64), num_perm, seed)
    # rensa 0.5 exposes the matrix only as nested lists; array('I') over the flattened values is the
    # cheapest copy into numpy (~25 % faster than np.asarray on the nested lists)
    values = array.array("I", itertools.chain.from_iterable(mat.to_rows()))
    return np.frombuffer(values, dtype=np.uint32).reshape(n, num_perm)


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """``(n, bands) uint64``: one key per band, mixing the band index so bands never collide."""
    n = sig.shape[0]
    out = np.empty((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for b in range(bands):
            acc = np.full(n, np.uint64(b + 1) * _M2, dtype=np.uint64)
            for r in range(rows):
                acc = (acc ^ sig[:, b * rows + r].astype(np.uint64)) * _M1
                acc ^= acc >> np.uint64(31)
            out[:, b] = acc
    return out


SKETCH_WORDS = 4  # 2-bit MinHash: the low 2 bits of 128 signature values, 32 per uint64
_EVEN_BITS = np.uint64(0x5555555555555555)


def sketch(sig: np.ndarray) -> np.ndarray:
    """``(n, 4) uint64``: the low 2 bits of the first 128 MinHash values of each row, packed.

    A b-bit MinHash (Li & König): two rows agree on a packed value with probability
    ``J + (1 - J) / 4``, so the sketch estimates Jaccard without carrying the full signature.
    """
    n = sig.shape[0]
    k = min(sig.shape[1], 32 * SKETCH_WORDS)
    low = np.zeros((n, 32 * SKETCH_WORDS), dtype=np.uint64)
    low[:, :k] = sig[:, :k] & 3
    shifts = (np.arange(32, dtype=np.uint64) * np.uint64(2))[None, None, :]
    return np.bitwise_or.reduce(low.reshape(n, SKETCH_WORDS, 32) << shifts, axis=2)


def sketch_jaccard(a: np.ndarray, b: np.ndarray, num_values: int = 32 * SKETCH_WORDS) -> np.ndarray:
    """Jaccard estimates from two ``(m, 4)`` sketch arrays (row by row)."""
    if len(a) == 0:
        return np.zeros(0)
    x = a ^ b
    differ = np.bitwise_count((x | (x >> np.uint64(1))) & _EVEN_BITS).sum(axis=1)
    match = 1.0 - differ / num_values
    return np.clip((match - 0.25) / 0.75, 0.0, 1.0)


def bucket_rows(texts, doc_keys: np.ndarray, params: DedupParams, *, ref: bool = False,
                sigs: np.ndarray | None = None, with_sketch: bool = True, normalized: pa.Array | None = None,
                w: Words | None = None) -> pa.Table:
    """The rows a batch contributes to the bucket shuffle: one exact row and ``bands`` near rows per text.

    Columns: ``bucket`` (uint64), ``kind`` (0 exact, 1 near), ``doc`` (int64), ``ref`` (bool) and the
    document's 2-bit MinHash sketch ``s0..s3`` (uint64), so that candidate pairs can be verified
    where the bucket is, without the texts. ``sigs`` may be passed when the caller has them;
    ``with_sketch=False`` leaves the sketch out (a caller that ships sketches once per document
    joins them back with :func:`attach_sketches`). ``normalized`` (``normalize(texts)``) and ``w``
    (``words(normalized)``) may be passed too, so a caller that has them does not redo them.
    """
    norm = normalize(texts) if normalized is None else normalized
    w = words(norm) if w is None else w
    n = len(norm)
    bands, rows = params.band_rows
    ex = exact_hashes(norm, w)
    if sigs is None:
        flat, offsets = shingle_hashes(norm, params.ngram, w)
        sigs = signatures(flat, offsets, params.num_perm, params.seed)
    keys = band_keys(sigs, bands, rows)
    doc_keys = np.asarray(doc_keys, dtype=np.int64)
    cols = {
        "bucket": np.concatenate([ex, keys.reshape(-1)]),
        "kind": np.concatenate([np.full(n, KIND_EXACT, np.int8), np.full(n * bands, KIND_NEAR, np.int8)]),
        "doc": np.concatenate([doc_keys, np.repeat(doc_keys, bands)]),
        "ref": np.full(n * (bands + 1), ref, dtype=bool),
    }
    if with_sketch:
        sk = sketch(sigs)
        for w in range(SKETCH_WORDS):
            cols[f"s{w}"] = np.concatenate([sk[:, w], np.repeat(sk[:, w], bands)])
    return pa.table(cols)


def sketch_table(doc_keys: np.ndarray, sk: np.ndarray) -> pa.Table:
    return pa.table({"doc": np.asarray(doc_keys, dtype=np.int64),
                     **{f"s{w}": sk[:, w] for w in range(SKETCH_WORDS)}})


def attach_sketches(rows: pa.Table, sketches: pa.Table) -> pa.Table:
    """Add ``s0..s3`` to bucket rows from a (doc, s0..s3) table holding every doc of ``rows``."""
    docs = sketches["doc"].to_numpy()
    order = np.argsort(docs, kind="stable")
    docs = docs[order]
    idx = order[np.searchsorted(docs, rows["doc"].to_numpy())]
    for w in range(SKETCH_WORDS):
        rows = rows.append_column(f"s{w}", pa.array(sketches[f"s{w}"].to_numpy()[idx]))
    return rows


def _runs(table: pa.Table):
    bucket = table["bucket"].to_numpy()
    kind = table["kind"].to_numpy()
    doc = table["doc"].to_numpy()
    ref = table["ref"].to_numpy(zero_copy_only=False).astype(bool)
    order = np.lexsort((doc, ~ref, bucket, kind))
    bucket, kind, doc, ref = bucket[order], kind[order], doc[order], ref[order]
    new = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        new[1:] = (bucket[1:] != bucket[:-1]) | (kind[1:] != kind[:-1])
    return bucket, kind, doc, ref, new, order


EDGE_SCHEMA = pa.schema([pa.field("doc", pa.int64()), pa.field("dup_of", pa.int64()), pa.field("kind", pa.int8()),
                         pa.field("ref", pa.bool_()), pa.field("sim", pa.float32())])


def bucket_edges(table: pa.Table) -> pa.Table:
    """Candidate edges from all rows of some set of whole buckets (one hash partition).

    In a bucket, members are ordered reference documents first, then by key; every corpus member
    but the first gets an edge to the bucket's first member and to the member just before it.
    ``dup_of`` is always an earlier member, so "drop a record with a verified edge" keeps the first
    of every group. ``ref`` marks edges to evaluation documents (contamination); ``sim`` is the
    pair's Jaccard estimated from the two sketches (1 for exact buckets). Sorted, unique.
    """
    if table.num_rows == 0:
        return EDGE_SCHEMA.empty_table()
    bucket, kind, doc, ref, new, order = _runs(table)
    sk = np.stack([table[f"s{w}"].to_numpy()[order] for w in range(SKETCH_WORDS)], axis=1)
    run = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    first = starts[run]
    member = ~new & ~ref & (doc != doc[first])
    prev = np.r_[0, np.arange(len(doc) - 1)]
    cols = []
    for t in (first, prev):
        sel = np.flatnonzero(member & (doc[t] != doc))
        sim = np.where(kind[sel] == KIND_EXACT, 1.0, sketch_jaccard(sk[sel], sk[t[sel]])).astype(np.float32)
        cols.append((doc[sel], doc[t[sel]], kind[sel], ref[t[sel]], sim))
    d, u, k, r, sim = (np.concatenate(x) for x in zip(*cols))
    if len(d) == 0:
        return EDGE_SCHEMA.empty_table()
    o = np.lexsort((r, k, u, d))
    d, u, k, r, sim = d[o], u[o], k[o], r[o], sim[o]
    keep = np.ones(len(d), dtype=bool)
    keep[1:] = (d[1:] != d[:-1]) | (u[1:] != u[:-1]) | (k[1:] != k[:-1])
    return pa.table({"doc": d[keep], "dup_of": u[keep], "kind": k[keep].astype(np.int8), "ref": r[keep],
                     "sim": sim[keep]}, schema=EDGE_SCHEMA)


def estimated_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Share of equal MinHash values per row pair: an unbiased estimate of their Jaccard similarity."""
    return (sig_a == sig_b).mean(axis=1) if len(sig_a) else np.zeros(0)


def resolve_drops(edges: pa.Table, verified: np.ndarray) -> pa.Table:
    """One row per dropped document: its strongest reason (contaminated < exact < near) among the
    edges that hold (exact edges always hold; near edges when ``verified``) and whom it duplicates."""
    d = edges["doc"].to_numpy()
    u = edges["dup_of"].to_numpy()
    k = edges["kind"].to_numpy()
    r = edges["ref"].to_numpy(zero_copy_only=False).astype(bool)
    ok = (k == KIND_EXACT) | np.asarray(verified, dtype=bool)
    d, u, k, r = d[ok], u[ok], k[ok], r[ok]
    reason = np.where(r, REASON_CONTAMINATED, np.where(k == KIND_EXACT, REASON_EXACT, REASON_NEAR)).astype(np.int8)
    u = np.where(r, -1, u)
    order = np.lexsort((u, reason, d))
    d, reason, u = d[order], reason[order], u[order]
    first = np.ones(len(d), dtype=bool)
    first[1:] = d[1:] != d[:-1]
    return pa.table({"doc": d[first], "reason": reason[first], "dup_of": u[first]})


def text_signatures(texts, params: DedupParams) -> np.ndarray:
    flat, offsets = shingle_hashes(normalize(texts), params.ngram)
    return signatures(flat, offsets, params.num_perm, params.seed)


def find_duplicates(texts, params: DedupParams, ref_texts=None) -> pa.Table:
    """The whole method in one process (tests, benchmarks): drops for ``texts`` keyed by position."""
    table = bucket_rows(texts, np.arange(len(texts)), params)
    if ref_texts:
        ref_keys = np.arange(len(ref_texts)) + np.int64(1 << 40)
        table = pa.concat_tables([table, bucket_rows(ref_texts, ref_keys, params, ref=True)])
    edges = bucket_edges(table)
    return resolve_drops(edges, edges["sim"].to_numpy() >= params.verify_threshold)


def candidate_pairs(table: pa.Table, kind: int = KIND_NEAR) -> np.ndarray:
    """All ``(a, b)`` document pairs, ``a < b``, sharing a bucket of ``kind`` (for measurement)."""
    bucket, k, doc, ref, new, _ = _runs(table)
    sel = k == kind
    bucket, doc, new = bucket[sel], doc[sel], new[sel]
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], len(doc)]
    pairs = []
    for s, e in zip(starts[(ends - starts) > 1], ends[(ends - starts) > 1]):
        members = np.unique(doc[s:e])
        if len(members) > 1:
            a, b = np.triu_indices(len(members), 1)
            pairs.append(np.stack([members[a], members[b]], axis=1))
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(pairs), axis=0)
