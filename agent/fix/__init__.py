"""``orchestrate fix``: the deterministic fixer for the failures a machine can mend with certainty.

Evidence (the hub's failure context, a log, JUnit files) becomes ``Finding`` values (``evidence``); the
repository says which tools and manifests it uses (``repo``); each fixer in ``fixers`` proposes a
``Candidate`` with a confidence; ``plan.decide`` (a pure function) keeps the candidates that clear the
threshold and the allowlist and says why it refuses the rest; ``workflow`` computes the change in a scratch
copy, writes it, validates it and rolls back to the exact starting tree when validation fails. See
docs/fix.md.
"""
