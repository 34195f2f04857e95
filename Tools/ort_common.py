# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
"""ONNX Runtime's int8 MobileViGv2, shared by Tools/compare-onnxruntime.py (fidelity) and
Tools/bench-peers.py (speed): the calibration photos, the export, the QDQ U8S8 per-channel
static quantization, the tuned recipe (layer scales folded into the last conv of their
branch, the erf GELU fused into com.microsoft:Gelu) and the checks that the recipe ran.

Runs in the .venv-tools environment (Tools/setup-python.sh): torch, onnx, onnxruntime.
"""
import copy
import glob
import os

import numpy as np
import torch
from PIL import Image

# Real photos shipped by Debian packages (opencv-doc, python3-skimage), in a fixed order.
PHOTO_GLOBS = ("/usr/share/doc/opencv-doc/examples/data/*.jpg",
               "/usr/lib/python3/dist-packages/skimage/data/*.jpg",
               "/usr/lib/python3/dist-packages/skimage/data/*.png")


def photos(min_side=64):
    """The photos at least `min_side` pixels on their shorter side, sorted by name per source."""
    good = []
    for pattern in PHOTO_GLOBS:
        for f in sorted(glob.glob(pattern)):
            try:
                with Image.open(f) as im:
                    if min(im.size) >= min_side:
                        good.append(f)
            except Exception:
                pass
    return good


def split_photos(files, calib):
    """Every other photo goes to calibration until `calib` are taken; the rest are held out."""
    chosen = files[0::2][:calib]
    return chosen, [f for f in files if f not in chosen]


def cosine(a, b):
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-30))


def summarize(name, fp32, q):
    """Logit cosine (mean, worst) and top-1 agreement of `q` against `fp32` (lists of vectors)."""
    cos = [cosine(fp32[i], q[i]) for i in range(len(fp32))]
    top1 = np.mean([np.argmax(fp32[i]) == np.argmax(q[i]) for i in range(len(fp32))])
    return {"name": name, "cosine_mean": float(np.mean(cos)), "cosine_min": float(np.min(cos)),
            "top1_agreement": float(top1)}


def photo_tensors(files, size=224):
    """The reference evaluation transform (timm, crop_pct 0.9, bicubic) of each photo, (1,3,S,S)."""
    import timm.data
    transform = timm.data.create_transform(input_size=size, crop_pct=0.9, interpolation="bicubic",
                                           mean=timm.data.IMAGENET_DEFAULT_MEAN,
                                           std=timm.data.IMAGENET_DEFAULT_STD)
    out = []
    for f in files:
        with Image.open(f) as im:
            out.append(transform(im.convert("RGB")).unsqueeze(0).numpy())
    return out


# --------------------------------------------------------------------------------------------
# The tuned recipe, step 1 (PyTorch): layer scales into the last conv of their branch


def _fold_bn_scaled(conv, bn, scale):
    """conv followed by bn, times a per-channel `scale` (C,1,1), as one Conv2d."""
    fused = torch.nn.utils.fusion.fuse_conv_bn_eval(conv, bn)
    s = scale.detach().reshape(-1)
    fused.weight.data.mul_(s.reshape(-1, 1, 1, 1))
    fused.bias.data.mul_(s)
    return fused


def fold_layer_scales(model):
    """A copy of the reference model in which every `x + ls * branch(x)` becomes
    `x + branch'(x)`: the branch's last conv and its BatchNorm are fused and multiplied by the
    layer scale, and the block stops multiplying (use_layer_scale = False), so the exported
    graph has no Mul left for the scales. Returns (model, number of scales folded)."""
    m = copy.deepcopy(model).eval()
    folded = 0
    for module in m.modules():
        kind = type(module).__name__
        if kind == "InvertedResidual" and module.use_layer_scale:
            dws = module.dws
            dws.pw2 = _fold_bn_scaled(dws.pw2, dws.norm3, module.layer_scale_1)
            dws.norm3 = torch.nn.Identity()
            module.use_layer_scale = False
            folded += 1
        elif kind == "MGC" and module.use_layer_scale:
            fc2 = module.mixer.fc2
            fc2[0] = _fold_bn_scaled(fc2[0], fc2[1], module.layer_scale_1)
            fc2[1] = torch.nn.Identity()
            ffn = module.ffn
            ffn[3] = _fold_bn_scaled(ffn[3], ffn[4], module.layer_scale_2)
            ffn[4] = torch.nn.Identity()
            module.use_layer_scale = False
            folded += 2
    return m, folded


# --------------------------------------------------------------------------------------------
# Export, pre-processing, GELU fusion, quantization


def export_onnx(model, example, path):
    torch.onnx.export(model, torch.from_numpy(example), path, input_names=["input"],
                      output_names=["logits"], opset_version=17, dynamo=False)


def preprocess(src, dst):
    """ONNX Runtime's quantization pre-processing: shape inference and its basic graph
    optimizations (BatchNorm into Conv, constant folding)."""
    from onnxruntime.quantization.shape_inference import quant_pre_process
    quant_pre_process(src, dst)


def fuse_gelu(src, dst):
    """Rewrites every erf GELU (Div by sqrt 2, Erf, Add 1, Mul, Mul 0.5, as PyTorch exports it)
    into one com.microsoft:Gelu node with ONNX Runtime's own fusion pass. Returns the number
    of GELUs found (Erf nodes before the pass); raises AssertionError unless each became one
    Gelu node."""
    import onnx
    import onnxruntime.transformers  # noqa: F401  (puts the fusion modules on sys.path)
    from onnxruntime.transformers.fusion_gelu import FusionGelu
    from onnxruntime.transformers.onnx_model import OnnxModel

    model = OnnxModel(onnx.load(src))
    erf = sum(1 for n in model.model.graph.node if n.op_type == "Erf")
    FusionGelu(model).apply()
    model.prune_graph()
    if not any(o.domain == "com.microsoft" for o in model.model.opset_import):
        model.model.opset_import.append(onnx.helper.make_opsetid("com.microsoft", 1))
    model.save_model_to_file(dst)
    gelu = sum(1 for n in model.model.graph.node if n.op_type == "Gelu" and n.domain == "com.microsoft")
    assert gelu == erf > 0, f"{erf} erf GELUs in the graph, {gelu} fused into com.microsoft:Gelu"
    return erf


class ArrayReader:
    """Calibration data for quantize_static: one {"input": array} per calibration image."""

    def __init__(self, arrays):
        self.arrays = arrays
        self.it = iter(arrays)

    def get_next(self):
        x = next(self.it, None)
        return None if x is None else {"input": x}

    def rewind(self):
        self.it = iter(self.arrays)


def quantize_u8s8(src, dst, calib_arrays, method="MinMax"):
    """Static int8 quantization, QDQ format: activations uint8 per tensor, weights int8 per
    output channel (U8S8), calibrated on `calib_arrays` with ONNX Runtime's `method`."""
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)

    class Reader(ArrayReader, CalibrationDataReader):
        pass

    quantize_static(src, dst, Reader(calib_arrays), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    calibrate_method=getattr(CalibrationMethod, method))


def build_tuned_int8(model, calib_arrays, out_prefix, method="MinMax"):
    """The whole tuned recipe. Writes <prefix>.fp32.onnx (the reference model as exported),
    <prefix>.folded.onnx, <prefix>.pre.onnx, <prefix>.gelu.onnx and <prefix>.int8.onnx; returns
    {paths, scales folded, Gelu nodes, fp32 max |difference| of the folding}."""
    paths = {k: f"{out_prefix}.{k}.onnx" for k in ("fp32", "folded", "pre", "gelu", "int8")}
    folded, n_scales = fold_layer_scales(model)
    x = torch.from_numpy(calib_arrays[0])
    with torch.no_grad():
        fold_error = float((model(x) - folded(x)).abs().max())
    export_onnx(model, calib_arrays[0], paths["fp32"])
    export_onnx(folded, calib_arrays[0], paths["folded"])
    preprocess(paths["folded"], paths["pre"])
    n_gelu = fuse_gelu(paths["pre"], paths["gelu"])
    in_model = sum(1 for m in model.modules() if isinstance(m, torch.nn.GELU))
    assert n_gelu == in_model, f"the network has {in_model} GELUs, the exported graph {n_gelu}"
    quantize_u8s8(paths["gelu"], paths["int8"], calib_arrays, method)
    return {"paths": paths, "layer_scales_folded": n_scales, "gelu_nodes": n_gelu,
            "fold_max_abs_diff": fold_error}


# --------------------------------------------------------------------------------------------
# Checks that the recipe really ran


def recipe_report(int8_path, expected_gelu):
    """Inspects the quantized graph and raises AssertionError unless it is the tuned recipe:
    `expected_gelu` com.microsoft:Gelu nodes and no Erf (GELU fused), no Mul (layer scales
    folded; MobileViGv2 has no other Mul), every Conv fed by DequantizeLinear of an int8
    initializer with one scale per output channel, every activation QuantizeLinear uint8."""
    import onnx
    from onnx import numpy_helper

    g = onnx.load(int8_path).graph
    inits = {t.name: t for t in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    ops = {}
    for n in g.node:
        key = (n.domain or "ai.onnx") + ":" + n.op_type
        ops[key] = ops.get(key, 0) + 1
    gelu = ops.get("com.microsoft:Gelu", 0)
    assert gelu == expected_gelu and gelu > 0, f"expected {expected_gelu} com.microsoft:Gelu nodes, found {gelu}"
    assert ops.get("ai.onnx:Erf", 0) == 0, "an erf GELU was left unfused"
    assert ops.get("ai.onnx:Mul", 0) == 0, "a Mul is left: layer scales were not folded"

    convs = [n for n in g.node if n.op_type == "Conv"]
    assert convs, "no Conv in the quantized graph"
    per_channel = 0
    for c in convs:
        dq = producer.get(c.input[1])
        assert dq is not None and dq.op_type == "DequantizeLinear", f"Conv {c.name}: weights not quantized"
        w = inits.get(dq.input[0])
        assert w is not None and w.data_type == onnx.TensorProto.INT8, f"Conv {c.name}: weights not int8"
        scale = numpy_helper.to_array(inits[dq.input[1]])
        out_channels = w.dims[0]
        assert scale.size == out_channels, f"Conv {c.name}: {scale.size} weight scales for {out_channels} channels"
        per_channel += 1
        a = producer.get(c.input[0])
        assert a is not None and a.op_type == "DequantizeLinear", f"Conv {c.name}: input not quantized"
    q_types = set()
    for n in g.node:
        if n.op_type == "QuantizeLinear" and len(n.input) > 2 and n.input[2] in inits:
            q_types.add(inits[n.input[2]].data_type)
    assert q_types == {onnx.TensorProto.UINT8}, f"activation zero points are not all uint8: {q_types}"
    return {"ops": dict(sorted(ops.items())), "convs": len(convs), "convs_per_channel_s8": per_channel,
            "activations": "uint8", "gelu_nodes": gelu}


def session(path, threads):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
