"""Scaffolded tutor feedback: a deterministic pedagogical policy, prompts, backends and guards.

Independent of Django. The policy and backends are specified in ../shared/specs/tutoring.md.
"""
