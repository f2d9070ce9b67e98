"""One time step of the filter for training, with its backward pass written out by hand.

A fit is thousands of sequential filter steps over small [B, K] tensors, where a step costs the
number of tensor operations, not the arithmetic (docs/benchmarks.md "Speed"): autograd records
about 60 nodes per step and runs each of them backwards at several microseconds of bookkeeping
apiece, which was two thirds of a fit. Here the step is one ``torch.autograd.Function``: the forward
pass keeps what the gradient needs and the backward pass is the chain rule, operation by
operation, in plain tensor arithmetic. It computes what ``filter._step`` computes (advance ->
observe -> practice, without a mask of unobserved answers); ``filter._step`` stays the reference,
used to serve and to forecast, and tests/tracing/test_batched.py checks the two against each other,
values and gradients.

Notation follows filter.py: the belief is e ~ N(M, V) with loadings L, the level mu ~ N(mu, nu);
the item's emission weights h, h2 = h ** 2, difficulty b; r, relax, pull, r2, pull2, noise the
drift's coefficients; Gauss-Hermite nodes x and weights w.
"""
from __future__ import annotations

import torch


class FilterStep(torch.autograd.Function):
    """Inputs: M, V, L [B, K], mu, nu [B]; decay, relax, pull, decay2, pull2, noise [B, 1]; h, h2 [B, K],
    b, sign [B]; teach, added_var [B, K]; Pn, Pn2 [K, K], kc_offset [K], ready_weight [K, K],
    ready_shift [K]; nodes, weights [Q]; min_var (float). Outputs: log P(y | past) [B], and the
    belief after the answer: M, V, L [B, K], mu, nu [B]."""

    @staticmethod
    def forward(ctx, M0, V0, L0, mu0, nu0, r, relax, pull, r2, pull2, noise, h, h2, b, sign, teach, added_var,
                Pn, Pn2, offset, ready_w, ready_shift, x, w, min_var):
        # advance
        MP, LP, VP = M0 @ Pn, L0 @ Pn, V0 @ Pn2
        L1 = r * L0 + relax + pull * LP
        M1 = r * M0 + relax * offset + pull * MP
        V1 = r2 * V0 + pull2 * VP + noise
        # observe: x's moments, then the moment-matched posterior by quadrature
        A, hm, hv = (L1 * h).sum(-1), (M1 * h).sum(-1), (V1 * h2).sum(-1)
        m = A * mu0 + hm - b
        s2_raw = A * A * nu0 + hv
        s2 = s2_raw.clamp_min(min_var)
        s = torch.sqrt(s2)
        d = s[:, None] * x
        f = torch.sigmoid(sign[:, None] * (m[:, None] + d))
        wl = w * f
        z, S1, S2 = wl.sum(-1), (wl * d).sum(-1), (wl * d * d).sum(-1)
        shift = S1 / z
        shrink_raw = S2 / z - shift * shift
        shrink = shrink_raw.clamp_min(min_var) - s2
        ge = V1 * h / s2[:, None]
        gmu = A * nu0 / s2
        M2 = M1 + ge * shift[:, None]
        V2_raw = V1 + ge * ge * shrink[:, None]
        V2 = V2_raw.clamp_min(min_var)
        mu2 = mu0 + gmu * shift
        nu2_raw = nu0 + gmu * gmu * shrink
        nu2 = nu2_raw.clamp_min(min_var)
        logp = torch.log(z.clamp_min(1e-12))
        # practice
        zm = M2 + L1 * mu2[:, None]
        zv = V2 + L1 * L1 * nu2[:, None]
        rho = torch.rsqrt(1 + (torch.pi / 8) * zv)
        mastered = torch.sigmoid(zm * rho)
        ready = torch.sigmoid(mastered @ ready_w + ready_shift)
        M3 = M2 + teach * ready
        V3 = V2 + added_var
        ctx.min_var = min_var
        # save_for_backward, not attributes of ctx: L1, mu2, nu2 are outputs, and an output kept on its
        # own ctx is a reference cycle that keeps every step's tensors alive until garbage collection.
        ctx.save_for_backward(M0, V0, L0, mu0, nu0, r, relax, pull, r2, pull2, h, h2, sign, teach, Pn, Pn2, offset, ready_w, x, w,
                     MP, LP, VP, L1, M1, V1, A, s2_raw, s2, s, d, f, wl, z, S2, shift, shrink_raw, shrink, ge, gmu,
                     V2_raw, nu2_raw, mu2, nu2, zm, rho, mastered, ready)
        return logp, M3, V3, L1, mu2, nu2

    @staticmethod
    def backward(ctx, g_logp, gM3, gV3, gL1_out, gmu2_out, gnu2_out):
        (M0, V0, L0, mu0, nu0, r, relax, pull, r2, pull2, h, h2, sign, teach, Pn, Pn2, offset, ready_w, x, w,
         MP, LP, VP, L1, M1, V1, A, s2_raw, s2, s, d, f, wl, z, S2, shift, shrink_raw, shrink, ge, gmu,
         V2_raw, nu2_raw, mu2, nu2, zm, rho, mastered, ready) = ctx.saved_tensors
        min_var = ctx.min_var
        # practice: M3 = M2 + teach * ready, ready = sigmoid(mastered @ W + c), mastered = sigmoid(zm rho)
        g_teach = gM3 * ready
        g_pre = gM3 * teach * ready * (1 - ready)
        g_ready_w = mastered.T @ g_pre
        g_ready_shift = g_pre.sum(0)
        g_u = (g_pre @ ready_w.T) * mastered * (1 - mastered)
        g_zm = g_u * rho
        g_zv = g_u * zm * (-0.5 * torch.pi / 8) * rho * rho * rho
        gM2 = gM3 + g_zm
        gV2 = gV3 + g_zv
        gL1 = gL1_out + g_zm * mu2[:, None] + 2 * L1 * nu2[:, None] * g_zv
        gmu2 = gmu2_out + (g_zm * L1).sum(-1)
        gnu2 = gnu2_out + (g_zv * L1 * L1).sum(-1)
        # observe: the posterior's clamps pass the gradient where the value was not clamped
        g_nu2 = gnu2 * (nu2_raw >= min_var)
        gV2 = gV2 * (V2_raw >= min_var)
        g_gmu = 2 * gmu * shrink * g_nu2 + shift * gmu2
        g_shrink = gmu * gmu * g_nu2 + (ge * ge * gV2).sum(-1)
        g_shift = gmu * gmu2 + (ge * gM2).sum(-1)
        g_ge = 2 * ge * shrink[:, None] * gV2 + shift[:, None] * gM2
        g_nu = g_nu2 + g_gmu * A / s2
        g_mu = gmu2
        gA = g_gmu * nu0 / s2
        g_ge_s2 = g_ge / s2[:, None]
        gV1 = gV2 + g_ge_s2 * h
        gh = g_ge_s2 * V1 if ctx.needs_input_grad[11] else None
        gs2 = -(g_gmu * gmu + (g_ge * ge).sum(-1)) / s2 - g_shrink
        g_t = g_shrink * (shrink_raw >= min_var)
        g_shift = g_shift - 2 * shift * g_t
        gS2 = g_t / z
        gS1 = g_shift / z
        gz = -(g_t * S2 / z + g_shift * shift) / z + g_logp * (z >= 1e-12) / z
        g_wl = gz[:, None] + gS1[:, None] * d + gS2[:, None] * d * d
        g_arg = g_wl * w * f * (1 - f) * sign[:, None]
        g_d = (gS1[:, None] + 2 * gS2[:, None] * d) * wl + g_arg
        gm = g_arg.sum(-1)
        gs2 = gs2 + (g_d * x).sum(-1) / (2 * s)
        g_s2 = gs2 * (s2_raw >= min_var)
        gA = gA + 2 * A * nu0 * g_s2 + gm * mu0
        g_nu = g_nu + A * A * g_s2
        g_mu = g_mu + gm * A
        # x's moments: A = L1.h, hm = M1.h, hv = V1.h2, m = A mu + hm - b
        gL1 = gL1 + gA[:, None] * h
        gM1 = gM2 + gm[:, None] * h
        gV1 = gV1 + g_s2[:, None] * h2
        # the item's emission weights are constants in a fit (item_matrices): their gradient only on demand
        gh = gh + gA[:, None] * L1 + gm[:, None] * M1 if ctx.needs_input_grad[11] else None
        gh2 = g_s2[:, None] * V1 if ctx.needs_input_grad[12] else None
        # advance
        gVP, gMP, gLP = gV1 * pull2, gM1 * pull, gL1 * pull
        return (gM1 * r + gMP @ Pn.T, gV1 * r2 + gVP @ Pn2.T, gL1 * r + gLP @ Pn.T, g_mu, g_nu,
                (gM1 * M0 + gL1 * L0).sum(-1, keepdim=True), (gM1 * offset + gL1).sum(-1, keepdim=True),
                (gM1 * MP + gL1 * LP).sum(-1, keepdim=True), (gV1 * V0).sum(-1, keepdim=True),
                (gV1 * VP).sum(-1, keepdim=True), gV1.sum(-1, keepdim=True),
                gh, gh2, -gm, None, g_teach, gV3,
                M0.T @ gMP + L0.T @ gLP, V0.T @ gVP, (gM1 * relax).sum(0), g_ready_w, g_ready_shift, None, None, None)
