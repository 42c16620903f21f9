"""Exact and near-duplicate detection, batch-vectorised (no Ray here; the data jobs distribute it).

The pieces, each a pure function over a batch:

1. :func:`normalize` — lower-case, strip punctuation, collapse whitespace (pyarrow compute).
2. :func:`exact_hashes` — 64-bit hash of the normalised text; equal text, equal hash.
3. :func:`shingle_hashes` — word n-gram hashes as one flat array plus row offsets (numpy).
4. :func:`signatures` — MinHash signatures from those hashes, computed by ``rensa`` (Rust).
5. :func:`band_keys` — one 64-bit key per LSH band per document; two documents are candidate
   near-duplicates when they share any band key.
6. :func:`bucket_drops` — given every (bucket, document) row of one hash partition, which documents
   to drop and why: in each bucket the smallest document key is kept, the others are duplicates,
   and every corpus document in a bucket that holds a reference (evaluation) document is
   contaminated.

Because step 6 only needs the rows of one bucket together, the corpus can be hash-partitioned by
bucket key across any number of workers.
"""

from toolfoundry.dedup.core import (
    REASON_CONTAMINATED,
    REASON_EXACT,
    REASON_NEAR,
    REASONS,
    DedupParams,
    band_keys,
    bucket_drops,
    bucket_rows,
    candidate_pairs,
    exact_hashes,
    lsh_params,
    normalize,
    shingle_hashes,
    signatures,
)

__all__ = [
    "REASONS",
    "REASON_CONTAMINATED",
    "REASON_EXACT",
    "REASON_NEAR",
    "DedupParams",
    "band_keys",
    "bucket_drops",
    "bucket_rows",
    "candidate_pairs",
    "exact_hashes",
    "lsh_params",
    "normalize",
    "shingle_hashes",
    "signatures",
]
