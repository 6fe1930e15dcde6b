"""Optional cross-check (not run by npm test; JAX is no dependency of sfn): the paper's own L-BFGS on
UCI Energy, step by step, for comparison with `sfn run ... --optimiser lbfgs` (compat: reference).

It imports `extern/_lbfgs.py` from a checkout of the paper's code (rmclarke/SeriesOfHessianVectorProducts)
and runs it as `WrappedLBFGS` did: the start evaluated once beforehand (WrappedLBFGS.init), then one
`_minimize_lbfgs(..., maxiter=20, maxfun=25, maxcor=100, state_initial=state)` per training step on the
full batch (588 rows), jit-compiled, float32 unless --x64. The problem is the one sfn trains, written by

    npx tsx scripts/lbfgs-uci-dump.ts --seed 0 --out /tmp/uci-seed0.json

(the seed's initial parameters and the standardised splits; 0.5 * mean squared error on the MLP
8 -> 7 x 12 ReLU -> 1, dense weights [in, out]).

The line search is the installed JAX's `jax._src.scipy.optimize.line_search`, as in the paper's code.
The paper ran JAX 0.3.14 (requirements.txt there). Newer JAX differs in one line of the zoom (JAX
0.10.2 updates the cubic's third point with `lo_to_j & ~hi_to_lo`, 0.3.14 with `lo_to_j`); with a
newer JAX pass --line-search FILE, a copy of 0.3.14's line_search.py with that line restored (JAX
0.3.14 itself needs Python <= 3.10). Run with JAX 0.10.2 (CPU) and such a copy:

    python scripts/lbfgs-jax-crosscheck.py --reference ~/SeriesOfHessianVectorProducts \
        --line-search line_search_0314.py --dump /tmp/uci-seed0.json --steps 3 --trials

prints per step: iterations k, evaluations nfev, status, the last line search's status, the final
loss f, gamma, validation and test loss, and with --trials every line search's start (phi(0), phi'(0)),
trial steps a with phi(a), and result (a, phi, failed, nfev, status, y.s). Numbers it gave (float32):
seed 0: step 1 k 2 nfev 4 status 5 f 0.2159812 gamma NaN; step 2 non-finite parameters (the zoom
entered with a_lo = 1 > a_hi = 0 fails on its signed width and returns a = 1 with the old gradient).
seed 1: step 1 k 3 nfev 7 status 5 f 0.41205895 gamma 0.0445606; step 2 k 16 nfev 26 status 2 f 0.039965.
Over seeds 0-19 every run's parameters became non-finite, at steps 2 (seeds 0 and 9) to 147.
test/optim/lbfgs/uci-reference.test.ts pins sfn's reference mode to these numbers.
"""
import argparse
import importlib.util
import json
import sys

import numpy as np

ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
ap.add_argument('--reference', required=True, help='checkout of rmclarke/SeriesOfHessianVectorProducts')
ap.add_argument('--line-search', help="a line_search.py to use instead of the installed JAX's")
ap.add_argument('--dump', required=True, help='JSON written by scripts/lbfgs-uci-dump.ts')
ap.add_argument('--steps', type=int, default=5)
ap.add_argument('--x64', action='store_true', help='float64 (the paper ran float32)')
ap.add_argument('--trials', action='store_true', help='print every line search trial')
ap.add_argument('--stop-on-nan', action='store_true', help='stop after the first step with non-finite parameters')
args = ap.parse_args()

import jax  # noqa: E402

if args.x64:
    jax.config.update('jax_enable_x64', True)
import jax.numpy as jnp  # noqa: E402


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


lbfgs = load_module('paper_lbfgs', f'{args.reference}/extern/_lbfgs.py')
line_search = load_module('line_search_copy', args.line_search).line_search if args.line_search else lbfgs.line_search
dtype = jnp.float64 if args.x64 else jnp.float32

problem = json.load(open(args.dump))
layers = problem['layers']


def split(name):
    s = problem[name]
    return (jnp.asarray(np.array(s['x']).reshape(s['rows'], -1), dtype),
            jnp.asarray(np.array(s['y']).reshape(s['rows'], -1), dtype))


train, val, test = split('train'), split('val'), split('test')


def loss(flat, batch):
    x, y = batch
    h = x
    count = len(layers) // 2
    for i in range(count):
        w, b = layers[2 * i], layers[2 * i + 1]
        h = h @ flat[w['offset']:w['offset'] + w['size']].reshape(w['shape']) + flat[b['offset']:b['offset'] + b['size']]
        if i + 1 < count:
            h = jax.nn.relu(h)
    return 0.5 * jnp.mean(jnp.sum((h - y) ** 2, axis=1))


trace = []


def record(kind):
    return lambda *values: trace.append((kind, [float(v) for v in values]))


def traced_line_search(f, xk, pk, old_fval=None, gfk=None, maxiter=20, **kwargs):
    """the line search the paper's code calls, with its trials recorded (the search itself unchanged)"""
    if not args.trials:
        return line_search(f, xk, pk, old_fval=old_fval, gfk=gfk, maxiter=maxiter, **kwargs)
    jax.debug.callback(record('start'), old_fval, jnp.dot(gfk, pk), ordered=True)

    def g(x):
        value = f(x)
        jax.debug.callback(record('trial'), jnp.dot(x - xk, pk) / jnp.dot(pk, pk), value, ordered=True)
        return value

    r = line_search(g, xk, pk, old_fval=old_fval, gfk=gfk, maxiter=maxiter, **kwargs)
    jax.debug.callback(record('end'), r.a_k, r.f_k, r.failed, r.nfev, r.status, jnp.dot(r.g_k - gfk, r.a_k * pk), ordered=True)
    return r


lbfgs.line_search = traced_line_search

objective = lambda flat: loss(flat, train)  # noqa: E731
x0 = jnp.asarray(np.array(problem['params']), dtype)
f0, g0 = jax.value_and_grad(objective)(x0)
maxcor = 100
# WrappedLBFGS.init: the start evaluated once, outside the first step's counters
state = lbfgs.LBFGSResults(
    converged=jnp.array(False), failed=jnp.array(False), k=0, nfev=1, ngev=1, x_k=x0, f_k=f0, g_k=g0,
    s_history=jnp.zeros((maxcor, x0.size), dtype), y_history=jnp.zeros((maxcor, x0.size), dtype),
    rho_history=jnp.zeros((maxcor,), dtype), gamma=jnp.array(1.0, dtype=dtype), status=0, ls_status=0)


@jax.jit
def step(params, state):
    # WrappedLBFGS.step: one whole inner run per training step, the previous run's state passed in
    return lbfgs._minimize_lbfgs(objective, params, maxiter=20, maxfun=25, maxcor=maxcor, state_initial=state)


params = x0
for n in range(1, args.steps + 1):
    trace.clear()
    state = step(params, state)
    jax.effects_barrier()
    params = state.x_k
    finite = bool(jnp.all(jnp.isfinite(params)))
    print(json.dumps(dict(step=n, k=int(state.k), nfev=int(state.nfev), status=int(state.status),
                          ls_status=int(state.ls_status), f=float(state.f_k), gamma=float(state.gamma),
                          val=float(loss(params, val)), test=float(loss(params, test)), finite=finite)), flush=True)
    for kind, values in trace:
        print('   ', kind, ' '.join(f'{v:.9g}' for v in values))
    if args.stop_on_nan and not finite:
        break
