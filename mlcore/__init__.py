"""mlcore: Vietnamese listing text, the tag vocabulary, taggers, datasets and evaluation.

Plain Python (no Django).  Command line: ``python -m mlcore --help``.
"""
