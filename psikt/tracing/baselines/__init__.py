"""Baselines scored by the same harness as PSI-KT. Each has ``fit(log)`` and
``predict(sequences, observed=None) -> list[np.ndarray]``: P(correct) for every answer, made before
that answer is seen; where ``observed`` is False the answer is never revealed to the model
(multi-step forecasting)."""
from .bkt import BKT
from .dkt import DKT
from .logistic import IRTPFA, PFA, ItemMean
from .simplekt import SimpleKT

BASELINES = {"item_mean": ItemMean, "pfa": PFA, "irt_pfa": IRTPFA, "bkt": BKT, "dkt": DKT, "simplekt": SimpleKT}

__all__ = ["BASELINES", "BKT", "DKT", "IRTPFA", "PFA", "ItemMean", "SimpleKT"]
