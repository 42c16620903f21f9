"""Ray Serve application: tool retrieval over HTTP with trie-constrained decoding."""
