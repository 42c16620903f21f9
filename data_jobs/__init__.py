"""Ray Data jobs: synthesize, ingest, dedupe and build the stage datasets."""
