#!/usr/bin/python3
"""PyTorch (Debian python3-torch, CPU) peer timings for gradient and Hessian-vector products
on the paper's models, same shapes as sfn's benchmark. A yardstick, never a dependency of sfn.

Copied from the project's shared peers folder (../shared/peers/torch_hvp_peer.py, whose README gives
the figures of the first sitting), so that `npm run bench -- --peer` finds it in a clone; extended
with a serving mode that the benchmark drives, so that sfn's and PyTorch's repetitions interleave in
one sitting, and with the warm HVP (the first-order graph kept, as sfn's series reuses its cached
passes) and one evaluation pass of 20,000 Fashion-MNIST-shaped rows.

  /usr/bin/python3 torch_hvp_peer.py [threads]          one JSON object of medians (the original use)
  /usr/bin/python3 torch_hvp_peer.py --serve [threads]  JSON requests on stdin, one JSON answer per line:
      {"op": "info"}                                    -> {"peer", "threads", "figures"}
      {"op": "settle", "figure": f, "maxReps": n, "maxSeconds": s} -> {"ms": [warm-up times]}
      {"op": "time", "figure": f, "reps": n}            -> {"ms": [wall times], "cpuMs": [CPU times]}
Run with /usr/bin/python3 (Debian's interpreter that has python3-torch).
"""
import json, sys, time
import torch
import torch.nn.functional as F

torch.manual_seed(0)


def median_ms(fn, n=15, warm=3):
    for _ in range(warm):
        fn()
    ts = []
    for _ in range(n):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2] * 1e3


def mlp(sizes, act):
    ps = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        ps += [(torch.randn(a, b) / a ** 0.5).requires_grad_(), torch.zeros(b, requires_grad=True)]
    def fwd(x):
        h = x
        for i in range(0, len(ps) - 2, 2):
            h = act(h @ ps[i] + ps[i + 1])
        return h @ ps[-2] + ps[-1]
    return ps, fwd


# ResNet-18 with the ImageNet stem (as Haiku's ResNet18) on 32x32 inputs, batch statistics in BN.
class Block(torch.nn.Module):
    def __init__(s, cin, cout, stride):
        super().__init__()
        s.c1 = torch.nn.Conv2d(cin, cout, 3, stride, 1, bias=False); s.b1 = torch.nn.BatchNorm2d(cout)
        s.c2 = torch.nn.Conv2d(cout, cout, 3, 1, 1, bias=False); s.b2 = torch.nn.BatchNorm2d(cout)
        s.sc = None
        if stride != 1 or cin != cout:
            s.sc = torch.nn.Sequential(torch.nn.Conv2d(cin, cout, 1, stride, bias=False), torch.nn.BatchNorm2d(cout))
    def forward(s, x):
        o = torch.relu(s.b1(s.c1(x))); o = s.b2(s.c2(o))
        return torch.relu(o + (x if s.sc is None else s.sc(x)))

class ResNet18(torch.nn.Module):
    def __init__(s, classes=10):
        super().__init__()
        s.stem = torch.nn.Sequential(torch.nn.Conv2d(3, 64, 7, 2, 3, bias=False), torch.nn.BatchNorm2d(64), torch.nn.ReLU(), torch.nn.MaxPool2d(3, 2, 1))
        layers, cin = [], 64
        for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            layers += [Block(cin, cout, stride), Block(cout, cout, 1)]; cin = cout
        s.layers = torch.nn.Sequential(*layers); s.fc = torch.nn.Linear(512, classes)
    def forward(s, x):
        return s.fc(s.layers(s.stem(x)).mean((2, 3)))


def products(loss_fn, params):
    """grad, cold HVP (forward, backward with graph, second backward) and warm HVP (graph kept)"""
    vs = [torch.randn_like(p) for p in params]
    def g():
        return torch.autograd.grad(loss_fn(), params)
    def h():
        gr = torch.autograd.grad(loss_fn(), params, create_graph=True)
        return torch.autograd.grad(gr, params, grad_outputs=vs)
    kept = {}
    def h_warm():
        if "gr" not in kept:
            kept["gr"] = torch.autograd.grad(loss_fn(), params, create_graph=True)
        return torch.autograd.grad(kept["gr"], params, grad_outputs=vs, retain_graph=True)
    return {"grad": g, "hvp": h, "hvp_warm": h_warm}


def uci_mlp(act):
    ps, fwd = mlp([8] + [12] * 7 + [1], act)
    X, y = torch.randn(588, 8), torch.randn(588, 1)
    return products(lambda: 0.5 * ((fwd(X) - y) ** 2).mean(), ps)


def fmnist_mlp(B):
    ps, fwd = mlp([784, 50, 10], torch.relu)
    X, y = torch.randn(B, 784), torch.randint(0, 10, (B,))
    return products(lambda: F.cross_entropy(fwd(X), y), ps)


def fmnist_eval(rows=20000):
    """one evaluation pass: mean CE loss and accuracy of 20,000 rows, no graph"""
    ps, fwd = mlp([784, 50, 10], torch.relu)
    X, y = torch.randn(rows, 784), torch.randint(0, 10, (rows,))
    def run():
        with torch.no_grad():
            out = fwd(X)
            return F.cross_entropy(out, y).item(), (out.argmax(1) == y).float().mean().item()
    return {"eval": run}


def resnet18(B=8):
    net = ResNet18().train()
    ps = [p for p in net.parameters()]
    X, y = torch.randn(B, 3, 32, 32), torch.randint(0, 10, (B,))
    return products(lambda: F.cross_entropy(net(X), y), ps)


def uci_hessian():
    """Exact SFN ingredients on the UCI MLP: full Hessian (vectorised) and float64 eigendecomposition"""
    ps, _ = mlp([8] + [12] * 7 + [1], torch.relu)
    X, y = torch.randn(588, 8), torch.randn(588, 1)
    flat = torch.cat([p.detach().flatten() for p in ps])
    def f(flat):
        o, cur = 0, []
        for p in ps:
            cur.append(flat[o:o + p.numel()].view_as(p)); o += p.numel()
        h = X
        for i in range(0, len(cur) - 2, 2):
            h = torch.relu(h @ cur[i] + cur[i + 1])
        return 0.5 * (((h @ cur[-2] + cur[-1]) - y) ** 2).mean()
    hessian = lambda: torch.autograd.functional.hessian(f, flat, vectorize=True)
    Hm = hessian().double()
    return {"full": hessian, "eigh_float64": lambda: torch.linalg.eigh(Hm)}


MODELS = {
    "uci_mlp_relu": lambda: uci_mlp(torch.relu),
    "uci_mlp_tanh": lambda: uci_mlp(torch.tanh),
    "fmnist_mlp_b400": lambda: fmnist_mlp(400),
    "fmnist_mlp_b3200": lambda: fmnist_mlp(3200),
    "fmnist_eval_20000": fmnist_eval,
    "resnet18_b8": resnet18,
    "uci_hessian": uci_hessian,
}
FIGURES = ["uci_mlp_relu/grad", "uci_mlp_relu/hvp", "uci_mlp_relu/hvp_warm",
           "uci_mlp_tanh/grad", "uci_mlp_tanh/hvp", "uci_mlp_tanh/hvp_warm",
           "fmnist_mlp_b400/grad", "fmnist_mlp_b400/hvp", "fmnist_mlp_b400/hvp_warm",
           "fmnist_mlp_b3200/grad", "fmnist_mlp_b3200/hvp", "fmnist_mlp_b3200/hvp_warm",
           "fmnist_eval_20000/eval",
           "resnet18_b8/grad", "resnet18_b8/hvp", "resnet18_b8/hvp_warm",
           "uci_hessian/full", "uci_hessian/eigh_float64"]
built = {}


def figure(name):
    model, what = name.split("/")
    if model not in built:
        torch.manual_seed(0)
        built[model] = MODELS[model]()
    return built[model][what]


def timed(fn):
    t = time.perf_counter(); fn(); return (time.perf_counter() - t) * 1e3


def timed_cpu(fn):
    """wall and CPU milliseconds (CPU of all this process's threads)"""
    c, t = time.process_time(), time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1e3, (time.process_time() - c) * 1e3


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def settle(fn, max_reps, max_seconds, window=5, tolerance=0.05):
    """the same rule as sfn's benchmark: repeat until the median of the last `window` times is within
    `tolerance` of the median of the `window` before them (or the caps are reached)"""
    ms, start = [], time.perf_counter()
    while len(ms) < max_reps:
        ms.append(timed(fn))
        if len(ms) >= 2 * window:
            a, b = median(ms[-window:]), median(ms[-2 * window:-window])
            if abs(a - b) <= tolerance * a:
                break
        if time.perf_counter() - start > max_seconds and len(ms) >= 2:
            break
    return ms


def serve():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            op = req["op"]
            if op == "info":
                out = {"peer": "pytorch-" + torch.__version__, "threads": torch.get_num_threads(), "figures": FIGURES}
            elif op == "settle":
                out = {"ms": settle(figure(req["figure"]), req.get("maxReps", 60), req.get("maxSeconds", 10))}
            elif op == "time":
                fn = figure(req["figure"])
                both = [timed_cpu(fn) for _ in range(req.get("reps", 1))]
                out = {"ms": [w for w, _ in both], "cpuMs": [c for _, c in both]}
            else:
                out = {"error": f"unknown op {op}"}
        except Exception as e:  # an answer for every request: the benchmark waits for it
            out = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


def one_shot():
    """the original output: medians after 3 warm-up calls, in one JSON object"""
    out = {"peer": "pytorch-" + torch.__version__, "threads": torch.get_num_threads()}
    for model in ("uci_mlp_relu", "uci_mlp_tanh", "fmnist_mlp_b400", "fmnist_mlp_b3200"):
        out[model] = {"grad_ms": median_ms(figure(model + "/grad")), "hvp_ms": median_ms(figure(model + "/hvp"))}
    net = ResNet18()
    out["resnet18_params"] = sum(p.numel() for p in net.parameters())
    out["resnet18_b8"] = {"grad_ms": median_ms(figure("resnet18_b8/grad")), "hvp_ms": median_ms(figure("resnet18_b8/hvp"))}
    out["uci_full_hessian_ms"] = median_ms(figure("uci_hessian/full"), n=3, warm=1)
    out["uci_eigh_float64_ms"] = median_ms(figure("uci_hessian/eigh_float64"), n=5, warm=1)
    print(json.dumps(out))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--serve"]
    torch.set_num_threads(int(args[0]) if args else 2)
    if "--serve" in sys.argv[1:]:
        serve()
    else:
        one_shot()
