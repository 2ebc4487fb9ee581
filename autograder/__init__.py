"""Auto-grader for Module 2 (Linear Regression): see README.md."""

import sys

# nbformat imports jsonschema, which imports the optional ``rfc3987_syntax``
# when it is installed (jupyter-events pulls it in) and compiles 38 grammars
# on import: over a second for every grader process. Notebook schemas have no
# IRI formats, so the grader's processes go without it.
sys.modules.setdefault("rfc3987_syntax", None)
