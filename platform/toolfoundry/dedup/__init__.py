"""Exact and near-duplicate detection, batch-vectorised (no Ray here; the data jobs distribute it).

The pieces, each a pure function over a batch:

1. :func:`normalize` — lower-case, strip punctuation, collapse whitespace (pyarrow compute).
2. :func:`words` — one hash per word occurrence (each distinct word of a batch hashed once).
   :func:`exact_hashes` — 64-bit hash of the normalised text from its words; equal text, equal hash.
3. :func:`shingle_hashes` — word n-gram hashes as one flat array plus row offsets (numpy).
4. :func:`signatures` — MinHash signatures from those hashes, computed by ``rensa`` (Rust).
5. :func:`band_keys` — one 64-bit key per LSH band per document; two documents are candidate
   near-duplicates when they share any band key.
6. :func:`bucket_edges` — given every (bucket, document) row of one hash partition, candidate
   edges from each document to earlier members of its buckets (reference/evaluation documents
   sort first, so an edge to one means contamination).
7. :func:`sketch_jaccard` / :func:`resolve_drops` — bucket rows carry a 2-bit MinHash sketch of
   their document (32 bytes), so near edges are verified inside the partition: an edge holds when
   the estimated Jaccard reaches ``verify_threshold``; each document with a holding edge is dropped
   with its strongest reason. :func:`find_duplicates` runs 1–7 in one process.

Because steps 6–7 only need the rows of one bucket together, the corpus can be hash-partitioned
by bucket key across any number of workers.
"""

from toolfoundry.dedup.core import (
    EDGE_SCHEMA,
    REASON_CONTAMINATED,
    REASON_EXACT,
    REASON_NEAR,
    REASONS,
    DedupParams,
    attach_sketches,
    band_keys,
    bucket_edges,
    bucket_rows,
    candidate_pairs,
    estimated_jaccard,
    exact_hashes,
    find_duplicates,
    lsh_params,
    normalize,
    resolve_drops,
    shingle_hashes,
    signatures,
    sketch,
    sketch_jaccard,
    sketch_table,
    text_signatures,
    words,
)

__all__ = [
    "EDGE_SCHEMA",
    "REASON_CONTAMINATED",
    "REASON_EXACT",
    "REASON_NEAR",
    "REASONS",
    "DedupParams",
    "attach_sketches",
    "band_keys",
    "bucket_edges",
    "bucket_rows",
    "candidate_pairs",
    "estimated_jaccard",
    "exact_hashes",
    "find_duplicates",
    "lsh_params",
    "normalize",
    "resolve_drops",
    "shingle_hashes",
    "signatures",
    "sketch",
    "sketch_jaccard",
    "sketch_table",
    "text_signatures",
    "words",
]
