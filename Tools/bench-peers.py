#!/usr/bin/env python3
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
r"""Vigil against ONNX Runtime int8 on this machine: the same checkpoint, the same calibration
images, each runtime timed in its own process, interleaved.

For each variant the script makes both int8 models of one checkpoint:
  Vigil         `vigil quantize --calib LIST --method minmax` (the shipped model: its file as shipped)
  ONNX Runtime  the tuned recipe (docs/benchmarks.md): layer scales folded into the last conv of
                their branch, BatchNorm folded, the erf GELU fused into com.microsoft:Gelu, then
                quantize_static QDQ, activations uint8, weights int8 per channel (U8S8), MinMax,
                on the same calibration images; the graph is checked for all of it
and checks fidelity (logit cosine and top-1 agreement of each int8 model with ONNX Runtime fp32
on the calibration inputs). Then, for each round, variant and thread count, it runs one Vigil
child (`vigil bench MODEL --runs N --warmup W --json [--threads T]`) and one ONNX Runtime child
(this script with --ort-child: a session with intra_op_num_threads T, the same warm-up and runs),
alternating which goes first from round to round. Each child reports the best and the median
wall time of its runs; CPU time per inference is the child's own measurement where it reports
one, else the child's rusage less that of a 1-run child (which cancels loading). Across rounds:
best = the lowest minimum, median = the median of the rounds' medians, CPU = the mean.

Usage (outside CI; Tools/bench-peers.sh sets up the venv and builds a release vigil):
  .venv-tools/bin/python Tools/bench-peers.py --vigil .build-release/release/vigil \
      [--variants ti,s,m,b,shipped] [--threads 1,2] [--rounds R] [--runs N] [--warmup W] \
      [--quick] [--ort-spinning on|off] [--golden .golden-full] [--reference DIR] [--note TEXT] \
      [--json FILE]

Checkpoints: <golden>/<v>.full.pth or <golden>/<v>/<v>.full.pth (with <v>.config.json beside it),
written by Tools/make-golden.py --full; with --reference DIR (a checkout of SLDGroup/MobileViGv2)
a missing one is generated into <golden>/<v>/. "shipped" is weights/fashion-mnist at 64x64,
calibrated for ONNX Runtime on the 512 evenly spaced training images the shipped .vigil used
(Debian's dataset-fashion-mnist).
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGENET = ("ti", "s", "m", "b")
SHIPPED = "shipped"
SHIPPED_DIR = os.path.join(ROOT, "weights", "fashion-mnist")
SHIPPED_NAME = "mobilevigv2-fmnist"


def say(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# The ONNX Runtime timing child (numpy and onnxruntime only)


def ort_child(args):
    import numpy as np
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = args.child_threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if args.ort_spinning == "off":
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    sess = ort.InferenceSession(args.ort_child, opts, providers=["CPUExecutionProvider"])
    feed = {"input": np.load(args.input)}
    for _ in range(args.warmup):
        sess.run(None, feed)
    samples = []
    cpu0 = time.process_time()
    for _ in range(args.runs):
        t0 = time.perf_counter()
        sess.run(None, feed)
        samples.append(1e3 * (time.perf_counter() - t0))
    cpu = time.process_time() - cpu0
    print(json.dumps({"threads": args.child_threads, "runs": args.runs, "warmup": args.warmup,
                      "min_ms": min(samples), "median_ms": bc.median(samples),
                      "mean_ms": sum(samples) / len(samples), "cpu_ms_mean": 1e3 * cpu / args.runs,
                      "onnxruntime": ort.__version__}))


# --------------------------------------------------------------------------------------------
# Making the models


def run(argv, **kw):
    say("$ " + " ".join(argv))
    return subprocess.run(argv, check=True, **kw)


def find_checkpoint(args, v):
    for d in (args.golden, os.path.join(args.golden, v)):
        ckpt = os.path.join(d, f"{v}.full.pth")
        config = os.path.join(d, f"{v}.config.json")
        if os.path.isfile(ckpt) and os.path.isfile(config):
            return ckpt, config
    if not args.reference:
        sys.exit(f"error: no {v}.full.pth in {args.golden} or {args.golden}/{v}: make it with\n"
                 f"  .venv-tools/bin/python Tools/make-golden.py --reference DIR --full {args.golden}/{v} --variants {v}\n"
                 f"or pass --reference DIR (a checkout of SLDGroup/MobileViGv2)")
    run([sys.executable, os.path.join(ROOT, "Tools", "make-golden.py"), "--reference", args.reference,
         "--full", os.path.join(args.golden, v), "--variants", v], stdout=sys.stderr)
    return find_checkpoint(args, v)


def stamp_of(paths, extra):
    return {"inputs": {p: [os.path.getsize(p), int(os.path.getmtime(p))] for p in paths}, "extra": extra}


def up_to_date(stamp_path, stamp, outputs):
    if not all(os.path.isfile(p) for p in outputs) or not os.path.isfile(stamp_path):
        return False
    try:
        with open(stamp_path) as f:
            return json.load(f) == stamp
    except (OSError, ValueError):
        return False


def vigil_logits(vigil, model, images):
    """Vigil's int8 logits for image files (one `vigil classify` process)."""
    import numpy as np
    out = subprocess.run([vigil, "classify", model, "--json", "--logits", "--top", "1"] + images,
                         capture_output=True, text=True)
    by_input = {}
    for line in out.stdout.splitlines():
        d = json.loads(line)
        if "logits" not in d:
            sys.exit(f"error: vigil classify failed on {d.get('input')}: {d.get('error')}")
        by_input[d["input"]] = np.array(d["logits"], dtype=np.float32)
    if out.returncode != 0 or len(by_input) != len(images):
        sys.exit(f"error: vigil classify exited {out.returncode}: {out.stderr.strip()[:500]}")
    return [by_input[p] for p in images]


def prepare(args, v, ref):
    """Both int8 models of variant `v`, the recipe check and the fidelity figures."""
    import numpy as np
    import torch
    import ort_common as oc

    work = os.path.join(args.out, v)
    os.makedirs(work, exist_ok=True)
    if v == SHIPPED:
        model, calib_arrays, check_images, sources, vigil_model, stamp_inputs = shipped_model(args, ref, work)
        method = "as shipped (mse, 512 training images)"
    else:
        ckpt, config = find_checkpoint(args, v)
        model = getattr(ref, f"mobilevigv2_{v}")()
        model.load_state_dict(torch.load(ckpt, map_location="cpu", weights_only=False)["state_dict"])
        model.eval()
        sources, _ = oc.split_photos(oc.photos(), args.calib)
        if len(sources) < 2:
            sys.exit("error: too few calibration photos: install Debian's opencv-doc (Tools/bench-peers.sh does)")
        calib_arrays = oc.photo_tensors(sources)
        check_images = sources
        vigil_model = os.path.join(work, f"{v}.vigil")
        listfile = os.path.join(work, "calib.txt")
        with open(listfile, "w") as f:
            f.write("\n".join(sources) + "\n")
        stamp_inputs = [ckpt, config, args.vigil] + sources
        method = "minmax"
    prefix = os.path.join(work, v)
    stamp = stamp_of(stamp_inputs, {"recipe": 1, "method": method, "calib": sources})
    stamp_path = prefix + ".stamp.json"
    info_path = prefix + ".info.json"
    ort_int8 = prefix + ".int8.onnx"
    input_npy = prefix + ".input.npy"
    if not args.rebuild and up_to_date(stamp_path, stamp, [ort_int8, input_npy, info_path, vigil_model]):
        say(f"{v}: models are up to date in {work}")
        with open(info_path) as f:
            return check_info(json.load(f))

    t0 = time.time()
    if v != SHIPPED:
        run([args.vigil, "quantize", "--checkpoint", ckpt, "--config", config, "--calib", listfile,
             "--method", "minmax", "-o", vigil_model], stdout=subprocess.DEVNULL)
    t_vigil = time.time() - t0
    t0 = time.time()
    built = oc.build_tuned_int8(model, calib_arrays, prefix, "MinMax")
    t_ort = time.time() - t0
    recipe = oc.recipe_report(built["paths"]["int8"], built["gelu_nodes"])
    say(f"{v}: ONNX Runtime tuned recipe checked: {built['layer_scales_folded']} layer scales folded "
        f"(fp32 max |diff| {built['fold_max_abs_diff']:.2e}), {recipe['gelu_nodes']} com.microsoft:Gelu, "
        f"{recipe['convs_per_channel_s8']}/{recipe['convs']} Conv with per-channel int8 weights, uint8 activations")

    # Fidelity on (up to 64 of) the calibration inputs, against ONNX Runtime fp32.
    # Each runtime gets the inputs its own way: Vigil's int8 models read images (they decode
    # and preprocess themselves), ONNX Runtime the reference transform of the same images.
    check = calib_arrays[:64]
    images = check_images[:64]
    np.save(input_npy, calib_arrays[0].astype(np.float32))
    s32 = oc.session(built["paths"]["fp32"], 2)
    s8 = oc.session(ort_int8, 2)
    fp32 = [s32.run(None, {"input": x})[0][0] for x in check]
    ort_q = [s8.run(None, {"input": x})[0][0] for x in check]
    vig_q = vigil_logits(args.vigil, vigil_model, images)
    fidelity = [oc.summarize("onnxruntime int8", fp32, ort_q), oc.summarize("vigil int8", fp32, vig_q)]
    for r in fidelity:
        say(f"{v}: {r['name']} vs onnxruntime fp32 on {len(check)} calibration inputs: cosine mean "
            f"{r['cosine_mean']:.4f} (worst {r['cosine_min']:.4f}), top-1 agreement {100 * r['top1_agreement']:.1f} %")
    info = {"variant": v, "vigil_model": vigil_model, "ort_model": ort_int8, "input": input_npy,
            "calibration": {"method": method, "count": len(calib_arrays),
                            "sources": sources if v != SHIPPED else sources[:1] + ["..."]},
            "recipe": dict(recipe, layer_scales_folded=built["layer_scales_folded"],
                           fold_max_abs_diff=built["fold_max_abs_diff"]),
            "fidelity": fidelity, "build_seconds": {"vigil": round(t_vigil, 1), "onnxruntime": round(t_ort, 1)}}
    with open(info_path, "w") as f:
        json.dump(info, f, indent=1)
    with open(stamp_path, "w") as f:
        json.dump(stamp, f)
    return check_info(info)


def check_info(info):
    """The sanity checks on a variant's models (also on models reused from an earlier run)."""
    v = info["variant"]
    assert info["recipe"]["fold_max_abs_diff"] < 1e-3, f"{v}: folding the layer scales changed the fp32 logits"
    # Sanity bounds, not quality targets: minmax on the random-weight checkpoints lands near 0.9
    # for both runtimes; a broken recipe or a mismatched model lands near 0.
    ort_fid, vigil_fid = info["fidelity"]
    assert ort_fid["cosine_mean"] > 0.8, f"{v}: ONNX Runtime int8 is far from fp32: the recipe went wrong"
    assert vigil_fid["cosine_mean"] > 0.8, f"{v}: Vigil int8 is far from fp32: wrong checkpoint or inputs"
    return info


def shipped_model(args, ref, work):
    """The shipped network in PyTorch, its calibration inputs (the 512 evenly spaced training
    images, index i * 60000 / 512, preprocessed as in training), the first 64 of them as 28x28
    PNG files for Vigil, and its .vigil."""
    import importlib.util

    import numpy as np
    import torch
    from safetensors.torch import load_file

    with open(os.path.join(SHIPPED_DIR, f"{SHIPPED_NAME}.config.json")) as f:
        cfg = json.load(f)
    model = ref.MobileViG(blocks=cfg["blocks"], channels=cfg["channels"], emb_dims=cfg["embedding"],
                          K=cfg["k"], distillation=cfg["distillation"], num_classes=cfg["classes"])
    weights = os.path.join(SHIPPED_DIR, f"{SHIPPED_NAME}.safetensors")
    model.load_state_dict(load_file(weights))
    model.eval()
    spec = importlib.util.spec_from_file_location("train_fashion_mnist",
                                                  os.path.join(ROOT, "Tools", "train-fashion-mnist.py"))
    tf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tf)
    images_path = tf.find(args.fashion_mnist, "train-images-idx3-ubyte")
    images = tf.read_idx(images_path)
    count = 512
    idx = [i * len(images) // count for i in range(count)]
    grey = tf.preprocess_uint8(images[idx], cfg["input_size"])
    x = tf.to_input(torch.from_numpy(grey)).numpy().astype(np.float32)
    arrays = [x[i:i + 1].copy() for i in range(count)]
    from PIL import Image
    pngs = []
    for n, i in enumerate(idx[:64]):
        p = os.path.join(work, f"train{i:05d}.png")
        Image.fromarray(images[i], mode="L").save(p)
        pngs.append(p)
    vigil_model = os.path.join(SHIPPED_DIR, f"{SHIPPED_NAME}.vigil")
    return model, arrays, pngs, [images_path], vigil_model, [weights, vigil_model, images_path, args.vigil]


# --------------------------------------------------------------------------------------------
# Timing


class Bench:
    def __init__(self, args):
        self.args = args
        self.timer = bc.ChildTimer()
        help_text = subprocess.run([args.vigil, "bench", "--help"], capture_output=True, text=True).stdout
        self.vigil_threads = bc.help_has_option(help_text, "--threads")

    def vigil_cmd(self, model, threads, runs, warmup):
        argv = [self.args.vigil, "bench", model, "--runs", str(runs), "--warmup", str(warmup), "--json"]
        if self.vigil_threads:
            argv += ["--threads", str(threads)]
        return argv

    def child(self, argv):
        out, err, rc, cpu, wall = self.timer.run(argv)
        if rc != 0:
            sys.exit(f"error: exit status {rc} from {' '.join(argv)}:\n{err.strip()[:2000]}")
        return bc.parse_json_line(out), cpu, wall

    def vigil(self, model, threads):
        a = self.args
        d, cpu, _ = self.child(self.vigil_cmd(model, threads, a.runs, a.warmup))
        if "cpu_ms_mean" in d:
            cpu_ms, how = d["cpu_ms_mean"], "reported"
        else:
            # rusage of this child less that of a 1-run child; for a fast model, first a longer
            # child (about --cpu-seconds of inferences), so that the spread of the load time
            # (a few ms) stays small against the difference.
            n = a.runs + a.warmup
            long_n = bc.runs_for_cpu(d["median_ms"], a.cpu_seconds, n)
            if long_n > n:
                _, cpu, _ = self.child(self.vigil_cmd(model, threads, long_n, 0))
                n = long_n
            _, base_cpu, _ = self.child(self.vigil_cmd(model, threads, 1, 0))
            cpu_ms, how = bc.cpu_ms_per_inference(cpu, n, base_cpu, 1), f"rusage, {n} against 1 inference"
        return {"min_ms": d["min_ms"], "median_ms": d["median_ms"], "cpu_ms": cpu_ms, "cpu_from": how,
                "threads": d.get("threads", threads if self.vigil_threads else 1), "isa": d.get("isa", "?")}

    def ort(self, model, inp, threads):
        a = self.args
        d, _, _ = self.child([sys.executable, os.path.abspath(__file__), "--ort-child", model, "--input", inp,
                              "--child-threads", str(threads), "--runs", str(a.runs), "--warmup", str(a.warmup),
                              "--ort-spinning", a.ort_spinning])
        return {"min_ms": d["min_ms"], "median_ms": d["median_ms"], "cpu_ms": d["cpu_ms_mean"],
                "cpu_from": "reported", "threads": threads}


def measure(args, infos, bench):
    samples = {}  # (variant, threads) -> {"vigil": [...], "onnxruntime": [...]}
    for r in range(args.rounds):
        vigil_cache = {}  # effective Vigil thread count -> result, within a round
        for info in infos:
            v = info["variant"]
            for t in args.threads:
                order = ("vigil", "onnxruntime") if r % 2 == 0 else ("onnxruntime", "vigil")
                slot = samples.setdefault((v, t), {"vigil": [], "onnxruntime": []})
                for who in order:
                    if who == "vigil":
                        key = (v, t if bench.vigil_threads else 1)
                        res = vigil_cache.get(key) or bench.vigil(info["vigil_model"], t)
                        vigil_cache[key] = res
                    else:
                        res = bench.ort(info["ort_model"], info["input"], t)
                    slot[who].append(res)
                    say(f"round {r + 1}/{args.rounds} {v} threads {t} {who:<11} best {res['min_ms']:9.3f} ms  "
                        f"median {res['median_ms']:9.3f} ms  cpu {res['cpu_ms']:9.3f} ms/inference  "
                        f"(load {bc.load_average()})")
    return samples


# --------------------------------------------------------------------------------------------


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", default="ti,shipped", help="comma list of ti, s, m, b, shipped (default ti,shipped)")
    ap.add_argument("--threads", default="1,2", help="comma list of thread counts (default 1,2)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    ap.add_argument("--runs", type=int, default=20, help="timed inferences per child (default 20)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed inferences per child first (default 3)")
    ap.add_argument("--quick", action="store_true", help="1 round of 5 runs after 1 warm-up")
    ap.add_argument("--cpu-seconds", type=float, default=1.0,
                    help="inference time of Vigil's CPU-time child where bench reports no CPU time (default 1)")
    ap.add_argument("--vigil", default=os.path.join(ROOT, ".build-release", "release", "vigil"))
    ap.add_argument("--golden", default=os.path.join(ROOT, ".golden-full"))
    ap.add_argument("--reference", help="checkout of SLDGroup/MobileViGv2 (to make missing checkpoints)")
    ap.add_argument("--calib", type=int, default=16, help="calibration photos for ti/s/m/b (default 16)")
    ap.add_argument("--fashion-mnist", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", default="/tmp/vigil-bench-peers", help="work folder for the models")
    ap.add_argument("--rebuild", action="store_true", help="remake the models even if up to date")
    ap.add_argument("--ort-spinning", choices=("on", "off"), default="on",
                    help="ONNX Runtime's idle workers spin (on, its default) or sleep (off)")
    ap.add_argument("--json", metavar="FILE", help="also write everything as JSON")
    ap.add_argument("--note", help="a line to print with the configuration (for example what Vigil build this is)")
    ap.add_argument("--ort-child", metavar="MODEL", help=argparse.SUPPRESS)
    ap.add_argument("--input", help=argparse.SUPPRESS)
    ap.add_argument("--child-threads", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.ort_child:
        return args
    if args.quick:
        args.rounds, args.runs, args.warmup, args.cpu_seconds = 1, 5, 1, 0.5
    if args.rounds < 1 or args.runs < 2 or args.warmup < 0 or not 0 <= args.cpu_seconds <= 60:
        ap.error("--rounds must be at least 1, --runs at least 2, --warmup 0 or more, --cpu-seconds in [0, 60]")
    args.variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    for v in args.variants:
        if v not in IMAGENET + (SHIPPED,):
            ap.error(f"unknown variant {v!r}: choose from ti, s, m, b, shipped")
    try:
        args.threads = [int(t) for t in args.threads.split(",")]
    except ValueError:
        ap.error("--threads takes a comma list of integers, for example 1,2")
    if not args.threads or min(args.threads) < 1:
        ap.error("--threads: every count must be at least 1")
    if not (os.path.isfile(args.vigil) and os.access(args.vigil, os.X_OK)):
        ap.error(f"no vigil executable at {args.vigil}: build one with "
                 "swift build -c release --scratch-path .build-release --product vigil (or use Tools/bench-peers.sh)")
    args.vigil = os.path.abspath(args.vigil)
    return args


def main():
    args = parse_args()
    if args.ort_child:
        return ort_child(args)
    load_start = bc.load_average()
    import onnx
    import onnxruntime
    import torch
    import golden_common as gc

    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    bench = Bench(args)
    ref_dir = args.reference or os.environ.get("MOBILEVIGV2_REFERENCE")
    if not ref_dir:
        sys.exit("error: pass --reference DIR (a checkout of SLDGroup/MobileViGv2): the ONNX model is "
                 "exported from the authors' PyTorch code")
    ref = gc.load_reference(ref_dir)
    probe, _, _ = bench.child(bench.vigil_cmd(os.path.join(SHIPPED_DIR, f"{SHIPPED_NAME}.vigil"), 1, 1, 0))
    config = {
        "cpu": bc.machine_cpu(), "cores": os.cpu_count(), "load_average_start": load_start,
        "commit": bc.git_commit(ROOT), "vigil": args.vigil, "vigil_isa": probe.get("isa", "?"),
        "vigil_isa_env": os.environ.get("VIGIL_ISA", "unset (the runtime picks)"), "note": args.note,
        "vigil_threads_option": bench.vigil_threads, "onnxruntime": onnxruntime.__version__,
        "onnx": onnx.__version__, "torch": torch.__version__, "python": sys.version.split()[0],
        "ort_spinning": args.ort_spinning, "rounds": args.rounds, "runs": args.runs, "warmup": args.warmup, "threads": args.threads,
        "variants": args.variants,
    }
    infos = [prepare(args, v, ref) for v in args.variants]

    print("configuration")
    for k in ("cpu", "cores", "load_average_start", "commit", "note", "vigil", "vigil_isa", "vigil_isa_env",
              "onnxruntime", "ort_spinning", "onnx", "torch"):
        if config[k] is not None:
            print(f"  {k:<20} {config[k]}")
    print(f"  {'protocol':<20} {args.rounds} rounds x (Vigil, ONNX Runtime alternating first), "
          f"each child {args.warmup} warm-up + {args.runs} timed runs, batch 1")
    if not bench.vigil_threads:
        print("  note: this vigil has no `bench --threads`: Vigil runs on 1 thread in every row")
    print("fidelity (against ONNX Runtime fp32, on the calibration inputs)")
    for info in infos:
        for f in info["fidelity"]:
            print(f"  {info['variant']:<8} {f['name']:<17} cosine mean {f['cosine_mean']:.4f} worst {f['cosine_min']:.4f}"
                  f"  top-1 agreement {100 * f['top1_agreement']:5.1f} %")
        r = info["recipe"]
        print(f"  {info['variant']:<8} recipe checked: {r['layer_scales_folded']} layer scales folded, "
              f"{r['gelu_nodes']} com.microsoft:Gelu, {r['convs_per_channel_s8']} Conv int8 per channel, uint8 activations")
    sys.stdout.flush()

    samples = measure(args, infos, bench)
    config["load_average_end"] = bc.load_average()
    headers = ["variant", "threads", "vigil best", "vigil median", "vigil cpu",
               "ort best", "ort median", "ort cpu", "ort/vigil best", "ort/vigil median", "ort/vigil cpu"]
    rows, results = [], []
    for info in infos:
        for t in args.threads:
            s = samples[(info["variant"], t)]
            vg, ot = bc.summarize_rounds(s["vigil"]), bc.summarize_rounds(s["onnxruntime"])
            vt = s["vigil"][0]["threads"]
            res = {"variant": info["variant"], "threads": t, "vigil_threads": vt, "vigil_isa": s["vigil"][0]["isa"],
                   "vigil": vg, "onnxruntime": ot, "vigil_cpu_from": s["vigil"][0]["cpu_from"],
                   "ratio_best": bc.ratio(ot["best_ms"], vg["best_ms"]),
                   "ratio_median": bc.ratio(ot["median_ms"], vg["median_ms"]),
                   "ratio_cpu": bc.ratio(ot["cpu_ms"], vg["cpu_ms"])}
            results.append(res)
            label = str(t) if vt == t else f"{t} (vigil {vt})"
            ms = [f"{x:.3f}" for x in (vg["best_ms"], vg["median_ms"], vg["cpu_ms"],
                                         ot["best_ms"], ot["median_ms"], ot["cpu_ms"])]
            rows.append([info["variant"], label] + ms + [f"{res[k]:.3g}" for k in ("ratio_best", "ratio_median", "ratio_cpu")])
    print(f"results (ms per inference; cpu = CPU ms per inference, all threads; load average at end "
          f"{config['load_average_end']})")
    print(bc.format_table(headers, rows))
    print("vigil cpu: " + "; ".join(sorted({f"{r['variant']} {r['vigil_cpu_from']}" for r in results})))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"configuration": config, "variants": infos, "results": results}, f, indent=1)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
