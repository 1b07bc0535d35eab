#!/usr/bin/env python3
"""The paper's method with scipy itself (issue 11 §4): warm-started
scipy.optimize.minimize(method="L-BFGS-B") at its default stopping on the λ grid Δλ = 1/400,
forward-difference Hessians of the analytic gradient (ε = 1e-5), eigenvalue crossings by linear
interpolation — on the paper's d = 5, m = 10 model (seed-77 teacher, α = 4e-3, tanh).

An independent check of actbif's `--paper-stopping scipy` (continuation::scipy_lbfgs): prints
the interpolated crossings and ‖∇L‖ there. Run: python3 scripts/scipy_paper_rerun.py
"""
import numpy as np
from scipy.optimize import minimize

W_LINEAR = np.array([1.0, 0.5, -0.3, 0.2, -0.1])
W_NONLINEAR = np.array([0.3, -0.7, 0.5, -0.2, 0.4])
M, D, N, ALPHA, EPS, STEPS = 10, 5, 500, 4e-3, 1e-5, 400

np.random.seed(77)
X = np.random.randn(N, D)
noise = np.random.randn(N)
Y = X @ W_LINEAR + 0.4 * np.tanh(1.5 * (X @ W_NONLINEAR)) + 0.05 * noise
V = 0.5 + np.arange(M) / (M - 1)


def loss_grad(theta, lam):
    W = theta.reshape(M, D)
    Z = X @ W.T  # N × m
    T = np.tanh(Z)
    H = (1 - lam) * Z + lam * T
    r = H @ V - Y
    f = 0.5 * np.mean(r * r) + 0.5 * ALPHA * theta @ theta
    dH = (1 - lam) + lam * (1 - T * T)
    G = ((r[:, None] * dH * V[None, :]).T @ X) / N + ALPHA * W
    return f, G.ravel()


def fd_eigs(theta, lam):
    g0 = loss_grad(theta, lam)[1]
    n = theta.size
    Hm = np.empty((n, n))
    for k in range(n):
        t = theta.copy()
        t[k] += EPS
        Hm[:, k] = (loss_grad(t, lam)[1] - g0) / EPS
    return np.linalg.eigvalsh(0.5 * (Hm + Hm.T))


def main():
    theta = minimize(loss_grad, np.zeros(M * D), args=(0.0,), jac=True, method="L-BFGS-B",
                     options=dict(ftol=0.0, gtol=1e-13, maxiter=100000)).x
    prev = None
    for i in range(STEPS + 1):
        lam = i / STEPS
        theta = minimize(loss_grad, theta, args=(lam,), jac=True, method="L-BFGS-B").x
        l1 = fd_eigs(theta, lam)[0]
        g = np.linalg.norm(loss_grad(theta, lam)[1])
        if prev is not None and prev[1] > 0 >= l1:
            t = prev[1] / (prev[1] - l1)
            print(f"crossing at λ = {prev[0] + t * (lam - prev[0]):.6f} "
                  f"(‖∇L‖ = {g:.2e} at λ = {lam:.4f})")
        prev = (lam, l1)


if __name__ == "__main__":
    main()
