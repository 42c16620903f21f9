"""Evaluation: run systems on a benchmark read in its own format, score them, write reports.

- :mod:`toolfoundry.evaluation.runner`: retrieval and calling evaluations, returning result records.
- :mod:`toolfoundry.evaluation.bfcl_checker`: BFCL's AST-match rules.
- :mod:`toolfoundry.evaluation.report`: JSON / Markdown / PNG report writers.
- :mod:`toolfoundry.evaluation.cli`: the ``toolfoundry eval`` subcommand (``register(subparsers)``).
"""
