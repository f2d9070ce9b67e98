"""The assumed-density filter (ADF) over knowledge: one code path for training and serving.

Knowledge is written z_k = a_k * mu + e_k: the learner's long-term level mu (a trait, Gaussian under
its population prior, so it can be filtered exactly instead of sampled) times a per-KC loading a_k,
plus a per-KC part e_k. The belief is ``Belief``: mu ~ N(mu_mean, mu_var) and independent
e_k ~ N(mean_k, var_k), i.e. a diagonal-plus-rank-one Gaussian over z. The OU step is linear in
(mu, e), so it maps this family to itself exactly up to the diagonal treatment of the target's
variance; after each answer the posterior is projected back onto it (moment matching, dropping the
mu-e cross-covariance the answer creates). Estimating mu online this way is what lets the filter
carry a learner's performance on one KC over to all the others.

Every function works on a batch [B, ...]; training runs it over a minibatch of learners with
gradients, serving with B = 1 under ``torch.no_grad``. One answer to item i after dt days is
    advance (OU moments for dt) -> predict P(y=1) -> observe y (moment matching) -> practice.
P(y=1) and the moment-matched posterior use Gauss-Hermite quadrature of the logistic likelihood.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch

from .step_backward import FilterStep

# Trait columns after the link functions (see model.link_traits).
ALPHA, MU, SIGMA, GAMMA, ETA = range(5)
MIN_VAR = 1e-6

_GH_X, _GH_W = np.polynomial.hermite.hermgauss(20)


@dataclass
class FilterParams:
    """Global quantities the filter needs, already transformed (no constraints left to apply)."""

    Pn: torch.Tensor  # [K, K] prerequisite weights, columns summing to <= 1 (model.normalised_prerequisites)
    Pn2: torch.Tensor  # [K, K] Pn ** 2, for propagating variances through the target
    kc_offset: torch.Tensor  # [K]
    v0: torch.Tensor  # scalar initial variance of e_k
    mu_var: torch.Tensor  # scalar population variance of the level mu
    theta: torch.Tensor  # scalar readiness threshold
    kappa: torch.Tensor  # scalar readiness slope
    item_b: torch.Tensor  # [I] difficulty
    item_h: torch.Tensor  # [I, K] emission weights 1/|Q_i| on the item's KCs
    item_q: torch.Tensor  # [I, K] multi-hot of the item's KCs
    kc_gain: torch.Tensor | float = 1.0  # [K] per-KC multiplier of the learner's learning rate eta
    practice_var: torch.Tensor | float = 0.0  # scalar variance of what one practice adds to a KC

    def __post_init__(self):
        # readiness_k = sigmoid(mastered @ ready_weight + ready_shift)_k, folded once per set of
        # parameters rather than once per answer.
        self.ready_weight = self.kappa * self.Pn
        self.ready_shift = self.kappa * (self.ready_bias - self.theta)

    @property
    def ready_bias(self) -> torch.Tensor:
        """1 - sum_j Pn_jk: weight of the virtual always-mastered parent, per KC."""
        return 1.0 - self.Pn.sum(0)


@dataclass
class Belief:
    mean: torch.Tensor  # [B, K] mean of e
    var: torch.Tensor  # [B, K] variance of e
    loading: torch.Tensor  # [B, K] a
    mu_mean: torch.Tensor  # [B]
    mu_var: torch.Tensor  # [B]

    def z_moments(self):
        """Marginal mean and variance of z_k."""
        return (torch.addcmul(self.mean, self.loading, self.mu_mean[:, None]),
                torch.addcmul(self.var, self.loading * self.loading, self.mu_var[:, None]))

    def where(self, keep, other: Belief) -> Belief:
        """Per learner: this belief where ``keep`` [B], else ``other``."""
        k2 = keep[:, None]
        return Belief(torch.where(k2, self.mean, other.mean), torch.where(k2, self.var, other.var),
                      torch.where(k2, self.loading, other.loading), torch.where(keep, self.mu_mean, other.mu_mean),
                      torch.where(keep, self.mu_var, other.mu_var))


# What each answer feeds the three stages of a step. ``drift``, ``emission`` and ``lesson`` build them
# for one answer per learner ([B] inputs) or for whole padded sequences at once ([B, T] inputs, sliced
# per time step by ``_per_step``), so that ``run`` does the gathers and the time-only arithmetic in a
# few large operations before its loop, and ``step`` (serving) goes through the same code.


@dataclass
class Drift:
    """The OU step's coefficients over the elapsed time, per learner: [B, 1] (or [B, T, 1])."""

    decay: torch.Tensor  # r = exp(-alpha dt)
    relax: torch.Tensor  # 1 - r
    pull: torch.Tensor  # (1 - r) gamma: weight of the prerequisites' knowledge in the target
    decay2: torch.Tensor  # r ** 2
    pull2: torch.Tensor  # pull ** 2
    noise: torch.Tensor  # sigma^2 (1 - r^2) / (2 alpha)


@dataclass
class Emission:
    """The answered item and the answer: weights h [B, K], h ** 2, difficulty b [B], sign 2y - 1 [B]."""

    h: torch.Tensor
    h2: torch.Tensor
    b: torch.Tensor
    sign: torch.Tensor


@dataclass
class Lesson:
    """What practising the item adds: eta_b * gain_k and practice_var on the item's KCs [B, K]."""

    teach: torch.Tensor
    added_var: torch.Tensor


def _per_learner(traits, column: int, like: torch.Tensor) -> torch.Tensor:
    """A trait column shaped to broadcast against ``like`` [B, ...] with a trailing KC axis."""
    return traits[:, column].reshape(-1, *[1] * like.dim())


def drift(traits, dt) -> Drift:
    alpha, gamma, sigma = (_per_learner(traits, c, dt) for c in (ALPHA, GAMMA, SIGMA))
    r = torch.exp(-alpha * dt[..., None])
    relax = 1 - r
    pull = relax * gamma
    r2 = r * r
    return Drift(r, relax, pull, r2, pull * pull, sigma**2 * (1 - r2) / (2 * alpha))


def emission(fp: FilterParams, items, y) -> Emission:
    h = fp.item_h[items]
    return Emission(h, h * h, fp.item_b[items], 2 * y - 1)


def lesson(fp: FilterParams, traits, items) -> Lesson:
    q = fp.item_q[items]
    return Lesson(_per_learner(traits, ETA, items) * fp.kc_gain * q, fp.practice_var * q)


def init_belief(fp: FilterParams, traits: torch.Tensor) -> Belief:
    """z_0 = mu + e, mu ~ N(traits' mu, mu_var), e ~ N(c, v0)."""
    B, K = traits.shape[0], fp.kc_offset.shape[0]
    # Materialised rather than broadcast views: later beliefs are dense, and the compiled step
    # (``_compiled_step``) would otherwise be compiled a second time for the first step's strides.
    mean = fp.kc_offset.expand(B, K).clone()
    return Belief(mean, fp.v0.expand(B, K).clone(), torch.ones_like(mean), traits[:, MU].clone(),
                  fp.mu_var.expand(B).clone())


def _advance(fp: FilterParams, bel: Belief, d: Drift) -> Belief:
    loading = d.decay * bel.loading + d.relax + d.pull * (bel.loading @ fp.Pn)
    mean = d.decay * bel.mean + d.relax * fp.kc_offset + d.pull * (bel.mean @ fp.Pn)
    var = d.decay2 * bel.var + d.pull2 * (bel.var @ fp.Pn2) + d.noise
    return Belief(mean, var, loading, bel.mu_mean, bel.mu_var)


def advance(fp: FilterParams, traits, bel: Belief, dt) -> Belief:
    """OU moments over dt days with the target mu + c_k + gamma * sum_j Pn_jk z_j frozen.

    Linear in (mu, e): the loading and the mean of e follow the same recursion; the target's
    variance is propagated without cross-covariances between KCs. Every KC drifts toward a target
    that reads every other KC, so this is O(K^2) per answer whatever the item (see ``step``).
    """
    return _advance(fp, bel, drift(traits, dt))


# Gauss-Hermite nodes and weights normalised for a standard Gaussian.
_GH_NODES, _GH_WEIGHTS = torch.as_tensor(_GH_X * math.sqrt(2)), torch.as_tensor(_GH_W / math.sqrt(math.pi))


def _gauss_hermite(like: torch.Tensor):
    """The standard Gaussian's nodes and weights in ``like``'s dtype and device."""
    return (v.to(dtype=like.dtype, device=like.device) for v in (_GH_NODES, _GH_WEIGHTS))


def _quadrature(a, s2):
    """Nodes d_q (offsets from the mean) and normalised weights of N(a, s2)."""
    x, w = _gauss_hermite(a)
    return torch.sqrt(s2)[:, None] * x, w


def expected_sigmoid(a, s2):
    """E[sigmoid(x)], x ~ N(a, s2), by quadrature; a and s2 are [B]."""
    d, w = _quadrature(a, s2)
    return (torch.sigmoid(a[:, None] + d) * w).sum(-1)


def _emission_moments(bel: Belief, e: Emission):
    """x = mean_{k in Q_i} z_k - b_i: its mean and variance, and A = h.a."""
    A = (bel.loading * e.h).sum(-1)
    mean = A * bel.mu_mean + (bel.mean * e.h).sum(-1) - e.b
    s2 = (A * A * bel.mu_var + (bel.var * e.h2).sum(-1)).clamp_min(MIN_VAR)
    return mean, s2, A


def emission_moments(fp: FilterParams, bel: Belief, items):
    """Mean and variance of x = mean_{k in Q_i} z_k - b_i."""
    mean, s2, _ = _emission_moments(bel, emission(fp, items, torch.zeros_like(fp.item_b[items])))
    return mean, s2


def predict_prob(fp: FilterParams, bel: Belief, items):
    """P(y = 1) under the current belief."""
    return expected_sigmoid(*emission_moments(fp, bel, items))


def _observe(bel: Belief, e: Emission):
    mean, s2, A = _emission_moments(bel, e)
    d, w = _quadrature(mean, s2)
    wl = w * torch.sigmoid(e.sign[:, None] * (mean[:, None] + d))
    z = wl.sum(-1)
    wld = wl * d
    shift = wld.sum(-1) / z
    shrink = ((wld * d).sum(-1) / z - shift * shift).clamp_min(MIN_VAR) - s2
    g_e = bel.var * e.h / s2[:, None]
    g_mu = A * bel.mu_var / s2
    return Belief(torch.addcmul(bel.mean, g_e, shift[:, None]),
                  torch.addcmul(bel.var, g_e * g_e, shrink[:, None]).clamp_min(MIN_VAR),
                  bel.loading,
                  bel.mu_mean + g_mu * shift,
                  (bel.mu_var + g_mu * g_mu * shrink).clamp_min(MIN_VAR)), torch.log(z.clamp_min(1e-12))


def observe(fp: FilterParams, bel: Belief, items, y):
    """Condition on the answer y; returns the new belief and log P(y | past).

    The logistic likelihood touches the state only through x, so x's posterior is moment-matched
    in one dimension and Kalman gains (cov(., x) / var x) carry the change to mu and the item's KCs.
    """
    return _observe(bel, emission(fp, items, y))


def _practice(fp: FilterParams, bel: Belief, lesson_: Lesson) -> Belief:
    zm, zv = bel.z_moments()
    mastered = torch.sigmoid(zm * torch.rsqrt(1 + (math.pi / 8) * zv))
    ready = torch.sigmoid(mastered @ fp.ready_weight + fp.ready_shift)
    return Belief(torch.addcmul(bel.mean, lesson_.teach, ready), bel.var + lesson_.added_var, bel.loading,
                  bel.mu_mean, bel.mu_var)


def practice(fp: FilterParams, traits, bel: Belief, items) -> Belief:
    """Learning from practice: z_k += eta * readiness_k on the practised KCs (through e_k).

    readiness_k = sigmoid(kappa * (sum_j Pn_jk E[sigmoid(z_j)] + ready_bias_k - theta)), with
    E[sigmoid(z_j)] by the probit approximation. How much one practice teaches is itself uncertain:
    each practised KC's variance grows by ``practice_var``, so that during a burst of practice on a
    KC its belief keeps following the latest answers instead of freezing after a few (issue 24).
    """
    return _practice(fp, bel, lesson(fp, traits, items))


def _step(fp: FilterParams, bel: Belief, d: Drift, e: Emission, lesson_: Lesson, observed=None):
    """One answer per learner from its ingredients: log P(y | past) and the belief after it."""
    bel = _advance(fp, bel, d)
    post, logp = _observe(bel, e)
    if observed is not None:
        post = post.where(observed, bel)
    return logp, _practice(fp, post, lesson_)


def _step_with_backward(fp: FilterParams, bel: Belief, d: Drift, e: Emission, lesson_: Lesson, observed=None):
    """``_step`` (all answers observed) as one autograd node with a hand-written backward pass
    (step_backward.py): the same values, several times fewer operations to differentiate."""
    x, w = _gauss_hermite(e.b)
    logp, *after = FilterStep.apply(bel.mean, bel.var, bel.loading, bel.mu_mean, bel.mu_var, d.decay, d.relax, d.pull,
                                    d.decay2, d.pull2, d.noise, e.h, e.h2, e.b, e.sign, lesson_.teach, lesson_.added_var,
                                    fp.Pn, fp.Pn2, fp.kc_offset, fp.ready_weight, fp.ready_shift, x, w, MIN_VAR)
    return logp, Belief(*after)


def _prob_of(logp, y):
    """P(y=1) is the normaliser of the update when y = 1 and its complement otherwise."""
    p = logp.exp()
    return torch.where(y > 0.5, p, 1 - p)


def step(fp: FilterParams, traits, bel: Belief, items, dt, y, observed=None):
    """One answer: returns P(y=1 | past), log P(y | past) and the belief after it.

    Where ``observed`` is False the answer is not conditioned on (multi-step forecasting); practice
    still happens, because the learner did answer.

    Cost per answer: the observation touches only the item's KCs and mu, but the drift (``advance``)
    and the readiness of ``practice`` read every KC through the graph, O(K^2) (see docs/benchmarks.md
    "Fit time, memory, online update latency" for why it stays so).
    """
    logp, bel = _step(fp, bel, drift(traits, dt), emission(fp, items, y), lesson(fp, traits, items), observed)
    return _prob_of(logp, y), logp, bel


def _per_step(x, T: int) -> list:
    """A dataclass of [B, T, ...] tensors as T dataclasses of [B, ...] slices (one unbind per field,
    so that backpropagation stacks each field's gradients once instead of once per step)."""
    fields = {name: value.unbind(1) for name, value in vars(x).items()}
    return [type(x)(**{name: value[t] for name, value in fields.items()}) for t in range(T)]


def _head(x, n: int):
    """The first n learners of a dataclass of [B, ...] tensors."""
    return type(x)(**{name: value[:n] for name, value in vars(x).items()})


@functools.cache
def _compiled_step():
    """``_step`` compiled by TorchInductor (built at its first call): the ~50 small operations of a
    step become a few fused kernels, in the backward pass too. Compiling takes tens of seconds once
    per process, and again for each new dtype or device; sizes are dynamic, so the batch size and the
    number of KCs may change without recompiling (except to 1, which ``run`` leaves to eager)."""
    return torch.compile(_step, dynamic=True)


def run(fp: FilterParams, traits, items, dt, y, observed=None, *, lengths=None, compiled: bool = False):
    """Filter whole padded sequences [B, T]; returns P(y_t = 1 | y_<t) and log P(y_t | y_<t).

    All learners advance together one time step at a time; everything that does not depend on the
    belief (the item gathers, the drift coefficients, what each practice teaches) is computed for
    all steps before the loop. Padding needs no mask here: a learner's padded steps come after its
    answers and nothing crosses between learners, so the caller simply ignores their outputs.
    ``lengths`` [B] (rows sorted by decreasing length): each step filters only the learners whose
    sequence has not ended, so a batch of mixed lengths costs its answers, not B x T; the outputs
    past a learner's end are then 0. ``compiled``: each step through ``_compiled_step`` (worth it
    for long fits, see fit()). Otherwise, when gradients are wanted and every answer is observed
    (training), each step is one autograd node with its backward pass written out
    (``_step_with_backward``).
    """
    B, T = items.shape
    step_fn = (_compiled_step() if compiled and B > 1
               else _step_with_backward if torch.is_grad_enabled() and observed is None else _step)
    running = [B] * T if lengths is None else (torch.as_tensor(lengths)[None] > torch.arange(T)[:, None]).sum(1).tolist()
    steps = zip(running, _per_step(drift(traits, dt), T), _per_step(emission(fp, items, y), T),
                _per_step(lesson(fp, traits, items), T), observed.unbind(1) if observed is not None else [None] * T)
    bel = init_belief(fp, traits)
    logps = []
    for n, d, e, lesson_, obs in steps:
        if n < B:
            bel, d, e, lesson_ = (_head(x, n) for x in (bel, d, e, lesson_))
            obs = None if obs is None else obs[:n]
        logp, bel = step_fn(fp, bel, d, e, lesson_, obs)
        logps.append(logp if n == B else torch.nn.functional.pad(logp, (0, B - n)))
    logps = torch.stack(logps, 1)
    return _prob_of(logps, y), logps
