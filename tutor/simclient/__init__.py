"""Simulation client: drives `curriculum` simulated students through the REST API.

    python -m tutor.simclient load --token KEY [--learners 64 --concurrency 32 --steps 40 --duration 60]
    python -m tutor.simclient compare --token KEY --planner-seed ID [--planners random,mastery,...]

Both take `--via pair` (default: `next/` then `attempts/`, two requests a step) or `--via step` (the
cohort step endpoint: one request steps many learners in `load`, one learner at a time in `compare`).

The served course is a benchmark world loaded with `manage.py load_sim_course` (see docs/serving.md).
"""
