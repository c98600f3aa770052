import Foundation
import Testing

@testable import ConvEngine

/// One small model per operator and option, built with onnx.helper (Tests/Reference/onnx_operator_cases.py) at
/// opsets 7 to 21: each imports and gives onnxruntime's output within 1e-4 relative, or is refused with a sentence
/// naming the node, its operator and what convplay would need.
@Suite(.serialized)
struct ONNXImportOperatorTests {
    /// The cases' folder and manifest, made once (one Python run).
    static let cases: (folder: String, manifest: JSONValue)? = {
        guard let folder = try? sharedTemporaryFolder("onnx-cases"),
            let result = try? ReferencePython.run("onnx_operator_cases.py", [folder]), result.status == 0,
            let text = try? String(contentsOfFile: folder + "/manifest.json", encoding: .utf8),
            let manifest = try? JSONParser.parse(text)
        else {
            Issue.record("onnx_operator_cases.py did not run")
            return nil
        }
        return (folder, manifest)
    }()

    /// Case names as the script writes them (kept here so each is its own test case).
    static let names: [String] = [
        "conv_opset7", "conv_groups_dilation", "conv_auto_same_upper", "conv_auto_same_lower", "conv_auto_valid",
        "conv_asymmetric_unused", "conv_typed_float_data", "conv_float16_weights", "conv_external_data", "pad_attribute_conv",
        "pad_input_conv", "pad_axes_conv", "pad_average_pool", "maxpool_floor", "maxpool_ceil_pads", "maxpool_ceil_stride_over_kernel",
        "maxpool_same_upper", "avgpool_include_pad", "avgpool_exclude_pad_ceil", "avgpool_include_pad_ceil", "globalaveragepool",
        "relu_sigmoid_tanh", "leakyrelu", "clip_attributes", "clip_inputs", "clip_min_only_is_relu", "hardswish", "batchnorm_opset7",
        "batchnorm_opset15", "lrn", "dropout_opset7", "dropout_opset13", "identity", "flatten_gemm_softmax", "reshape_gemm_untransposed",
        "reshape_matmul_add", "gap_flatten_matmul", "softmax_channels_opset13", "softmax_flat_opset7", "inception_concat",
        "residual_add", "sum_of_three", "nested_blocks", "identity_weights_shared", "constant_node_shape", "refuse_unknown_op",
        "refuse_opset_6", "refuse_opset_22", "refuse_reflect_pad", "refuse_pad_before_maxpool", "refuse_asymmetric_pads",
        "refuse_concat_height", "refuse_softmax_width", "refuse_even_lrn", "refuse_reshape", "refuse_two_inputs", "refuse_dangling",
        "refuse_not_series_parallel", "refuse_wrong_raw_size", "refuse_custom_domain",
    ]

    @Test func everyCaseIsListed() throws {
        guard case .object(let members)? = Self.cases?.manifest else { throw CancellationError() }
        #expect(members.map(\.key).sorted() == Self.names.sorted())
    }

    @Test(arguments: names)
    func importMatchesOnnxruntimeOrRefuses(name: String) throws {
        let (folder, manifest) = try #require(Self.cases)
        let entry = try #require(manifest[name])
        let path = "\(folder)/\(name).onnx"
        if case .string("refuse")? = entry["expect"], case .string(let says)? = entry["says"] {
            #expect(throws: ONNXImportError.self) { _ = try ONNXImport.network(path: path) }
            do { _ = try ONNXImport.network(path: path) } catch {
                print("[\(name)] \(error)")
                #expect(error.description.contains(says), "\(name): \(error)")
                #expect(!error.description.contains("\n"))
            }
            return
        }
        let network = try ONNXImport.network(path: path)
        let input = try Npy.read(path: "\(folder)/\(name).input.npy")
        let expected = try Npy.read(path: "\(folder)/\(name).expected.npy")
        let output = try network.forward(Tensor(shape: network.input.shape, data: input.values))
        let (difference, relative) = relativeDifference(output.data, expected.values)
        print("[\(name)] opset \(entry["opset"]?.integerValue ?? 0), \(network.executionOrder.count) nodes, maxdiff = \(difference)")
        #expect(output.shape.dimensions == expected.shape, "\(name): \(output.shape) against \(expected.shape)")
        #expect(relative <= 1e-4, "\(name): relative difference \(relative)")
    }
}
