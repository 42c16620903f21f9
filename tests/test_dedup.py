"""Dedup core: normalisation, planted exact/near duplicates, contamination, partition independence."""

import random

import numpy as np
import pyarrow as pa
import pytest

from toolfoundry.dedup import (
    REASON_CONTAMINATED,
    REASON_EXACT,
    REASON_NEAR,
    DedupParams,
    bucket_edges,
    bucket_rows,
    candidate_pairs,
    find_duplicates,
    lsh_params,
    normalize,
    shingle_hashes,
)
from toolfoundry.errors import InputError

WORDS = [f"w{i}" for i in range(5000)]


def planted(seed=0, n_unique=300):
    """Unique random texts, then exact copies (case/punctuation changed) and near copies (one word added)."""
    rng = random.Random(seed)
    texts = [" ".join(rng.choices(WORDS, k=100)) for _ in range(n_unique)]
    expect = {}
    for src in rng.sample(range(n_unique), 40):
        expect[len(texts)] = (REASON_EXACT, src)
        texts.append(texts[src].upper().replace(" ", " , ", 3) + "!")
    for src in rng.sample(range(n_unique), 40):
        expect[len(texts)] = (REASON_NEAR, src)
        texts.append(texts[src] + " extra")
    return texts, expect


def test_normalize_and_shingles():
    norm = normalize(["  Hello, World!! ", None, "", "a-b"])
    assert norm.to_pylist() == ["hello world", "", "", "a b"]
    flat, off = shingle_hashes(normalize(["one two three four", "one two", "", "one two three four"]), 3)
    assert off.tolist() == [0, 2, 3, 4, 6]
    assert flat[0:2].tolist() == flat[4:6].tolist() and flat[0] != flat[1]


def test_planted_duplicates_found_exactly():
    texts, expect = planted()
    drops = find_duplicates(texts, DedupParams()).to_pylist()
    got = {d["doc"]: (d["reason"], d["dup_of"]) for d in drops}
    assert got == expect
    # a text sharing about half its words with another is no duplicate, even if LSH pairs them
    rng = random.Random(9)
    half = [texts[0], " ".join(texts[0].split()[:50] + rng.choices(WORDS, k=50))]
    assert find_duplicates(half, DedupParams()).num_rows == 0


def test_partitioning_does_not_change_the_edges():
    texts, _ = planted(seed=1)
    table = bucket_rows(texts, np.arange(len(texts)), DedupParams())
    whole = bucket_edges(table).to_pylist()
    part = (table["bucket"].to_numpy() % np.uint64(5)).astype(int)
    pieces = pa.concat_tables([bucket_edges(table.filter(pa.array(part == p))) for p in range(5)]).to_pylist()
    key = lambda e: (e["doc"], e["dup_of"], e["kind"])  # noqa: E731
    assert set(map(key, pieces)) == set(map(key, whole)) and whole
    assert all(e["dup_of"] < e["doc"] for e in whole)


def test_contamination_against_reference_queries():
    texts, _ = planted(seed=2, n_unique=50)
    texts = texts[:50]
    drops = find_duplicates(texts, DedupParams(), ref_texts=[texts[3] + " again", texts[7].upper()]).to_pylist()
    assert {d["doc"]: d["reason"] for d in drops} == {3: REASON_CONTAMINATED, 7: REASON_CONTAMINATED}


def test_unrelated_texts_are_not_pairs_and_params_match_datasketch():
    rng = random.Random(5)
    texts = [" ".join(rng.choices(WORDS, k=30)) for _ in range(500)]
    assert len(candidate_pairs(bucket_rows(texts, np.arange(500), DedupParams()))) == 0
    assert lsh_params(0.8, 128) == (9, 13)  # what datasketch.MinHashLSH(threshold=0.8, num_perm=128) uses
    assert DedupParams().band_rows == (21, 6) and DedupParams().verify_threshold == 0.65
    with pytest.raises(InputError, match="threshold"):
        DedupParams(threshold=1.5)
    with pytest.raises(InputError, match="bands"):
        DedupParams(bands=20, rows=10)


def test_two_bit_sketch_estimates_jaccard():
    from toolfoundry.dedup import sketch, sketch_jaccard, text_signatures

    rng = random.Random(3)
    errors = []
    for keep in (100, 80, 60, 30):
        for _ in range(10):
            x = [f"x{rng.random()}" for _ in range(100)]
            y = x[:keep] + [f"y{rng.random()}" for _ in range(100 - keep)]
            sig = text_signatures([" ".join(x), " ".join(y)], DedupParams(ngram=1))
            sk = sketch(sig)
            errors.append(sketch_jaccard(sk[:1], sk[1:])[0] - keep / (200 - keep))
    assert abs(np.mean(errors)) < 0.03 and np.std(errors) < 0.07


def test_exact_hashes_follow_the_normalised_text():
    from toolfoundry.dedup import exact_hashes, normalize
    from toolfoundry.synth import generate_query_records, generate_tools

    texts = ["a b", "b a", "a a", "a", "A, b!", "", "  ", "a b c", "a bc", "ab c", "x " * 50, "x " * 51]
    h = exact_hashes(normalize(texts))
    assert h[0] == h[4] and h[5] == h[6]  # same words in the same order
    assert len({h[i] for i in (0, 1, 2, 3, 5, 7, 8, 9, 10, 11)}) == 10  # order, repeats, length, splits count
    corpus = [r.query for t in generate_tools(400, seed=4) for r in generate_query_records(t, 20, 4)]
    norm = normalize(corpus)
    assert len(set(exact_hashes(norm).tolist())) == len(set(norm.to_pylist()))
