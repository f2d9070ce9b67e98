"""Knowledge tracing: PSI-KT with an assumed-density filter shared by training and serving.

Public API::

    from psikt.tracing import fit, load_log, simulate, Tracer
    tracer = fit(load_log("interactions.csv.gz"))
    state = tracer.new_learner()
    state = tracer.update(state, item, correct, t)      # pure; state is JSON of O(K) floats
    tracer.predict(state, item, t); tracer.mastery(state, t); tracer.traits(state)
    tracer.prerequisites(); tracer.add_kc(kc, prerequisites=[...]); tracer.add_item(item, kcs)
    tracer.save(path); Tracer.load(path)
    prior_tracer(kcs, prerequisites, items)            # a course's tracer before any data
"""
from .data import Log, LogFormatError, Sequence, load_log, write_log
from .fit import fit
from .model import Simulation, simulate
from .prior import prior_tracer
from .tracer import Mastery, Prerequisites, Tracer

__all__ = ["Log", "LogFormatError", "Mastery", "Prerequisites", "Sequence", "Simulation", "Tracer", "fit",
           "load_log", "prior_tracer", "simulate", "write_log"]
