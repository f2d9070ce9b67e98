"""The science of the tutor as one installable namespace, so that no import name clashes on PyPI:
`psikt.tracing` (the PSI-KT knowledge tracer), `psikt.curriculum` (planners, simulated students and their
benchmark), `psikt.llm` (scaffolded tutor feedback) and `psikt.checking` (answer checking). None of them
imports Django; the web application (`tutor/`) runs from the checkout and imports them from here."""
