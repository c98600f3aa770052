#!/usr/bin/env python3
"""Small ONNX models built with onnx.helper, one per operator and option convplay imports, and one per refusal.

usage: onnx_operator_cases.py OUT_DIR

For a case convplay must read, OUT_DIR/NAME.onnx comes with NAME.input.npy (C, H, W) and NAME.expected.npy, the
output onnxruntime computes (as (C, H, W), a flat [1, F] as (F, 1, 1)). OUT_DIR/manifest.json lists every case:
{"NAME": {"opset": N, "expect": "match"}} or {"expect": "refuse", "says": "text the error must contain"}.
Refused models that onnxruntime would run are still run by it first, so the refusal is of a valid model.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)
OUT = sys.argv[1] if len(sys.argv) > 1 else "."
manifest = {}


def weight(name, *shape, scale=0.5):
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def model(nodes, inits, shape, opset, output_shape=None, extra_inputs=()):
    graph = helper.make_graph(
        nodes, "case", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, *shape]), *extra_inputs],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, output_shape)], initializer=inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7 if opset < 15 else 8
    return m


def case(name, nodes, inits, shape, opset, expect="match", says=None, run=True, external=False, **kwargs):
    m = model(nodes, inits, shape, opset, **kwargs)
    path = os.path.join(OUT, name + ".onnx")
    if external:
        onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=name + ".weights", size_threshold=0)
    else:
        onnx.save_model(m, path)
    if run:
        x = rng.uniform(-1, 1, shape).astype(np.float32)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        (y,) = session.run(None, {"x": x[None]})
        y = y[0]
        y = y.reshape(-1, 1, 1) if y.ndim == 1 else y
        np.save(os.path.join(OUT, name + ".input.npy"), x)
        np.save(os.path.join(OUT, name + ".expected.npy"), y.astype(np.float32))
    manifest[name] = {"opset": opset, "expect": expect, **({"says": says} if says else {})}


def node(op, inputs, output="y", **attributes):
    return helper.make_node(op, inputs, [output], name=op.lower() + "_" + output, **attributes)


S = [3, 9, 11]  # a small C, H, W input

# --- convolutions, with every padding spelling
case("conv_opset7", [node("Conv", ["x", "w", "b"], pads=[1, 2, 1, 2], strides=[2, 1])],
     [weight("w", 4, 3, 3, 5), weight("b", 4)], S, 7)
case("conv_groups_dilation", [node("Conv", ["x", "w"], group=3, dilations=[2, 2], pads=[2, 2, 2, 2])],
     [weight("w", 6, 1, 3, 3)], S, 11)
case("conv_auto_same_upper", [node("Conv", ["x", "w", "b"], auto_pad="SAME_UPPER", strides=[2, 2])],
     [weight("w", 5, 3, 4, 4), weight("b", 5)], S, 9)
case("conv_auto_same_lower", [node("Conv", ["x", "w"], auto_pad="SAME_LOWER", kernel_shape=[3, 3])],
     [weight("w", 2, 3, 3, 3)], S, 13)
case("conv_auto_valid", [node("Conv", ["x", "w"], auto_pad="VALID")], [weight("w", 2, 3, 2, 2)], S, 21)
case("conv_asymmetric_unused", [node("Conv", ["x", "w"], strides=[2, 2], pads=[1, 1, 0, 0])],
     [weight("w", 2, 3, 3, 3)], [3, 10, 10], 11)
case("conv_typed_float_data", [node("Conv", ["x", "w"])],
     [helper.make_tensor("w", TensorProto.FLOAT, [2, 3, 1, 1], rng.standard_normal(6).astype(np.float32).tolist())], S, 11)
case("conv_float16_weights", [node("Cast", ["x"], "h", to=TensorProto.FLOAT16), node("Conv", ["h", "w"], "c"),
                              node("Cast", ["c"], to=TensorProto.FLOAT)],
     [numpy_helper.from_array(rng.standard_normal((2, 3, 3, 3)).astype(np.float16), "w")], S, 13,
     expect="refuse", says='node "cast_h" (Cast)')
case("conv_external_data", [node("Conv", ["x", "w", "b"], pads=[1, 1, 1, 1])], [weight("w", 4, 3, 3, 3), weight("b", 4)],
     S, 14, external=True)

# --- a zero Pad folded into the conv or pool after it
case("pad_attribute_conv", [node("Pad", ["x"], "p", pads=[0, 0, 1, 2, 0, 0, 1, 2]), node("Conv", ["p", "w"])],
     [weight("w", 2, 3, 3, 3)], S, 7)
case("pad_input_conv", [node("Pad", ["x", "pads"], "p"), node("Conv", ["p", "w"])],
     [ints("pads", [0, 0, 1, 1, 0, 0, 1, 1]), weight("w", 2, 3, 3, 3)], S, 11)
case("pad_axes_conv", [node("Pad", ["x", "pads", "", "axes"], "p"), node("Conv", ["p", "w"])],
     [ints("pads", [2, 1, 2, 1]), ints("axes", [2, 3]), weight("w", 2, 3, 5, 3)], S, 18)
case("pad_average_pool", [node("Pad", ["x", "pads"], "p"),
                          node("AveragePool", ["p"], kernel_shape=[3, 3], strides=[2, 2], count_include_pad=0)],
     [ints("pads", [0, 0, 1, 1, 0, 0, 1, 1])], S, 13)

# --- pooling: rounding, padding, count_include_pad
case("maxpool_floor", [node("MaxPool", ["x"], kernel_shape=[3, 2], strides=[2, 2])], [], S, 7)
case("maxpool_ceil_pads", [node("MaxPool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)], [],
     S, 10)
case("maxpool_ceil_stride_over_kernel", [node("MaxPool", ["x"], kernel_shape=[1, 2], strides=[3, 4], ceil_mode=1)], [],
     [3, 10, 10], 12)
case("maxpool_same_upper", [node("MaxPool", ["x"], kernel_shape=[2, 2], strides=[2, 2], auto_pad="SAME_UPPER")], [], S, 11)
case("avgpool_include_pad", [node("AveragePool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                                  count_include_pad=1)], [], S, 7)
case("avgpool_exclude_pad_ceil", [node("AveragePool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                                       ceil_mode=1)], [], S, 19)
case("avgpool_include_pad_ceil", [node("AveragePool", ["x"], kernel_shape=[3, 2], strides=[2, 3], pads=[1, 1, 1, 1],
                                       ceil_mode=1, count_include_pad=1)], [], S, 21)
case("globalaveragepool", [node("GlobalAveragePool", ["x"])], [], S, 7)

# --- element-wise and normalisation
case("relu_sigmoid_tanh", [node("Relu", ["x"], "a"), node("Sigmoid", ["a"], "b"), node("Tanh", ["b"])], [], S, 7)
case("leakyrelu", [node("LeakyRelu", ["x"], alpha=0.2)], [], S, 7)
case("clip_attributes", [node("Clip", ["x"], min=-0.3, max=0.4)], [], S, 7)
case("clip_inputs", [node("Clip", ["x", "lo", "hi"])],
     [numpy_helper.from_array(np.array(0, np.float32), "lo"), numpy_helper.from_array(np.array(6, np.float32), "hi")], S, 13)
case("clip_min_only_is_relu", [node("Clip", ["x", "lo"])], [numpy_helper.from_array(np.array(0, np.float32), "lo")], S, 11)
case("hardswish", [node("HardSwish", ["x"])], [], S, 14)
case("batchnorm_opset7", [node("BatchNormalization", ["x", "s", "b", "m", "v"], epsilon=1e-3)],
     [weight("s", 3), weight("b", 3), weight("m", 3),
      numpy_helper.from_array(rng.uniform(0.5, 1.5, 3).astype(np.float32), "v")], S, 7)
case("batchnorm_opset15", [node("BatchNormalization", ["x", "s", "b", "m", "v"])],
     [weight("s", 3), weight("b", 3), weight("m", 3),
      numpy_helper.from_array(rng.uniform(0.5, 1.5, 3).astype(np.float32), "v")], S, 15)
case("lrn", [node("LRN", ["x"], size=3, alpha=0.3, beta=0.6, bias=1.5)], [], [6, 5, 5], 7)
case("dropout_opset7", [node("Dropout", ["x"], ratio=0.3)], [], S, 7)
case("dropout_opset13", [node("Dropout", ["x", "r"])], [numpy_helper.from_array(np.array(0.2, np.float32), "r")], S, 13)
case("identity", [node("Identity", ["x"], "a"), node("Relu", ["a"])], [], S, 16)

# --- classifier heads: Flatten / Reshape, Gemm / MatMul + Add, Softmax
case("flatten_gemm_softmax", [node("Flatten", ["x"], "f"), node("Gemm", ["f", "w", "b"], "g", transB=1, alpha=0.5, beta=2.0),
                              node("Softmax", ["g"])], [weight("w", 7, 297), weight("b", 7)], S, 11)
case("reshape_gemm_untransposed", [node("Reshape", ["x", "shape"], "f"), node("Gemm", ["f", "w", "b"])],
     [ints("shape", [1, -1]), weight("w", 297, 5), weight("b", 1, 5)], S, 7)
case("reshape_matmul_add", [node("Reshape", ["x", "shape"], "f"), node("MatMul", ["f", "w"], "m"), node("Add", ["m", "b"])],
     [ints("shape", [0, -1]), weight("w", 297, 4), weight("b", 4)], S, 14)
case("gap_flatten_matmul", [node("GlobalAveragePool", ["x"], "g"), node("Flatten", ["g"], "f"), node("MatMul", ["f", "w"])],
     [weight("w", 3, 6)], S, 9)
case("softmax_channels_opset13", [node("Softmax", ["x"], axis=1)], [], S, 13)
case("softmax_flat_opset7", [node("GlobalAveragePool", ["x"], "g"), node("Softmax", ["g"])], [], S, 7)

# --- blocks: concat, residual add (an empty branch), sum, nesting
case("inception_concat",
     [node("Conv", ["x", "w1"], "a"), node("Conv", ["x", "w2"], "b1"), node("Relu", ["b1"], "b"),
      node("MaxPool", ["x"], "c", kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
      node("Concat", ["a", "b", "c"], axis=1)],
     [weight("w1", 2, 3, 1, 1), helper.make_tensor("w2", TensorProto.FLOAT, [4, 3, 1, 1], [0.1] * 12)], S, 11)
case("residual_add",
     [node("Conv", ["x", "w"], "a", pads=[1, 1, 1, 1]), node("Relu", ["a"], "r"), node("Add", ["r", "x"])],
     [weight("w", 3, 3, 3, 3)], S, 7)
case("sum_of_three",
     [node("Conv", ["x", "w1"], "a"), node("Conv", ["x", "w2"], "b"), node("Sum", ["a", "x", "b"])],
     [weight("w1", 3, 3, 1, 1), weight("w2", 3, 3, 1, 1)], S, 8)
case("nested_blocks",
     [node("Conv", ["x", "w1"], "a"), node("Relu", ["a"], "a2"), node("Conv", ["a2", "w2"], "a3"),
      node("Add", ["a3", "a2"], "a4"), node("Conv", ["x", "w3"], "b"), node("Concat", ["a4", "b"], axis=1)],
     [weight("w1", 4, 3, 1, 1), weight("w2", 4, 4, 1, 1), weight("w3", 2, 3, 1, 1)], S, 12)
case("identity_weights_shared",
     [helper.make_node("Identity", ["w"], ["w_copy"]), node("Conv", ["x", "w"], "a"), node("Conv", ["a", "w_copy"])],
     [weight("w", 3, 3, 1, 1)], S, 13)
case("constant_node_shape",
     [helper.make_node("Constant", [], ["shape"], value=helper.make_tensor("sv", TensorProto.INT64, [2], [1, -1])),
      node("Reshape", ["x", "shape"], "f"), node("Gemm", ["f", "w"], transB=1)], [weight("w", 3, 297)], S, 20)

# --- refusals: one sentence naming the node, its operator and what convplay would need
case("refuse_unknown_op", [node("Mul", ["x", "x"])], [], S, 13, expect="refuse", says='node "mul_y" (Mul)')
case("refuse_opset_6", [node("Relu", ["x"])], [], S, 6, expect="refuse", says="opset 6", run=False)
case("refuse_opset_22", [node("Relu", ["x"])], [], S, 22, expect="refuse", says="opset 22", run=False)
case("refuse_reflect_pad", [node("Pad", ["x", "pads"], "p", mode="reflect"), node("Conv", ["p", "w"])],
     [ints("pads", [0, 0, 1, 1, 0, 0, 1, 1]), weight("w", 2, 3, 3, 3)], S, 11, expect="refuse", says="pads by reflect")
case("refuse_pad_before_maxpool", [node("Pad", ["x", "pads"], "p"), node("MaxPool", ["p"], kernel_shape=[2, 2])],
     [ints("pads", [0, 0, 1, 1, 0, 0, 1, 1])], S, 11, expect="refuse", says="could win the maximum")
case("refuse_asymmetric_pads", [node("Conv", ["x", "w"], pads=[0, 0, 2, 2])], [weight("w", 2, 3, 3, 3)], S, 11,
     expect="refuse", says="per-side padding")
case("refuse_concat_height", [node("Relu", ["x"], "a"), node("Sigmoid", ["x"], "b"), node("Concat", ["a", "b"], axis=2)], [],
     S, 11, expect="refuse", says="concatenates along axis 2")
case("refuse_softmax_width", [node("Softmax", ["x"], axis=-1)], [], S, 13, expect="refuse", says="normalises along axis -1")
case("refuse_even_lrn", [node("LRN", ["x"], size=4)], [], S, 13, expect="refuse", says="size is 4", run=False)
case("refuse_reshape", [node("Reshape", ["x", "shape"])], [ints("shape", [1, 3, 99])], S, 13, expect="refuse",
     says="reshapes 3×9×11 to [1, 3, 99]", output_shape=None)
case("refuse_two_inputs", [node("Add", ["x", "z"])], [], S, 13, expect="refuse", says="2 inputs", run=False,
     extra_inputs=[helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, *S])])
case("refuse_dangling", [node("Conv", ["x", "nowhere"])], [], S, 13, expect="refuse", says='reads "nowhere"', run=False)
case("refuse_not_series_parallel",
     [node("Relu", ["x"], "a"), node("Sigmoid", ["a"], "b"), node("Concat", ["x", "a", "b"], axis=1)], [], S, 13,
     expect="refuse", says="do not all fork from")
case("refuse_wrong_raw_size", [node("Conv", ["x", "w"])],
     [TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2, 3, 1, 1], raw_data=bytes(20))], S, 13,
     expect="refuse", says="raw_data has 20 bytes, but shape [2, 3, 1, 1] needs 24", run=False)
case("refuse_custom_domain", [helper.make_node("Gelu", ["x"], ["y"], name="g", domain="com.example")], [], S, 13,
     expect="refuse", says='domain "com.example"', run=False)

with open(os.path.join(OUT, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
print(f"{len(manifest)} cases in {OUT}")
