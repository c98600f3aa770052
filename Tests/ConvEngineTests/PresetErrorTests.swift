import Testing

@testable import ConvEngine

/// Bad presets produce one sentence that names the JSON path, says what is wrong and what to change.
@Suite struct PresetErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var json: String
        var message: String
        var testDescription: String { name }
    }

    /// A valid preset around `layers` (and with `input` replaceable).
    static func preset(_ layers: String, input: String = #"{"shape": [3, 8, 8]}"#, format: String = "1") -> String {
        #"{"format": \#(format), "name": "t", "input": \#(input), "layers": [\#(layers)]}"#
    }

    static let cases: [Case] = [
        Case(
            name: "malformed JSON: missing comma",
            json: "{\"format\": 1, \"name\": \"t\",\n  \"input\": {\"shape\": [3, 8, 8]}\n  \"layers\": []}",
            message: "malformed JSON at line 3, column 3: expected ',' or '}' after the value of \"input\", "
                + "found '\"' — add the missing comma or close the object"),
        Case(
            name: "malformed JSON: trailing comma",
            json: "{\"format\": 1,\n \"layers\": [{\"type\": \"relu\"},]}",
            message: "malformed JSON at line 2, column 30: trailing comma before ']' — remove the last comma"),
        Case(
            name: "malformed JSON: single quotes",
            json: "{'format': 1}",
            message: "malformed JSON at line 1, column 2: expected a \"quoted\" key, found \"'\" (JSON strings use double quotes) "
                + "— keys must be in double quotes"),
        Case(
            name: "unknown layer type",
            json: preset(#"{"type": "relu"}, {"type": "conv2d", "out": 4, "kernel": 3}"#),
            message: "layers[1].type: unknown layer type \"conv2d\" — did you mean \"conv\"? valid types are conv, maxpool, "
                + "avgpool, global_avgpool, relu, leaky_relu, sigmoid, tanh, clip, hardswish, softmax, flatten, batchnorm, lrn, dropout, "
                + "dense, lateral, parallel, inception"),
        Case(
            name: "unknown key with a suggestion",
            json: preset(#"{"type": "conv", "out": 4, "kernal": 3}"#),
            message: "layers[0].kernal: unknown key \"kernal\" in a conv layer — did you mean \"kernel\"?"),
        Case(
            name: "unknown key without a suggestion",
            json: preset(#"{"type": "maxpool", "kernel": 2, "colour": "red"}"#),
            message:
                "layers[0].colour: unknown key \"colour\" in a maxpool layer — remove it or use one of kernel, stride, pad, round, count_include_pad"
        ),
        Case(
            name: "unknown key on a layer without settings",
            json: preset(#"{"type": "relu", "slope": 0.1}"#),
            message: "layers[0].slope: unknown key \"slope\" in a relu layer — remove it, a relu layer takes no settings"),
        Case(
            name: "unknown top-level key",
            json: #"{"format": 1, "name": "t", "input": {"shape": [3, 8, 8]}, "layer": []}"#,
            message: "layer: unknown key \"layer\" in the preset — did you mean \"layers\"?"),
        Case(
            name: "wrong type: quoted number",
            json: preset(#"{"type": "conv", "out": 4, "kernel": "3"}"#),
            message:
                "layers[0].kernel: expected an integer or a [height, width] pair, found a string \"3\" — remove the quotes around the number"
        ),
        Case(
            name: "wrong type: number for a boolean",
            json: preset(#"{"type": "conv", "out": 4, "kernel": 3, "bias": 1}"#),
            message: "layers[0].bias: expected true or false, found a number 1 — write true or false there"),
        Case(
            name: "wrong type: fractional channel count",
            json: preset(#"{"type": "dense", "out": 2.5}"#),
            message: "layers[0].out: expected a positive integer, found a number 2.5 — write a positive integer there"),
        Case(
            name: "wrong type: weight element",
            json: preset(#"{"type": "conv", "out": 1, "kernel": 1, "weights": [[1, true, 3]]}"#),
            message: "layers[0].weights[0][1]: expected a number, found a boolean true — write a number there"),
        Case(
            name: "zero kernel",
            json: preset(#"{"type": "conv", "out": 4, "kernel": 0}"#),
            message: "layers[0].kernel is 0, but it must be at least 1"),
        Case(
            name: "zero kernel height in a pair",
            json: preset(#"{"type": "avgpool", "kernel": [0, 2]}"#),
            message: "layers[0].kernel[0] is 0, but it must be at least 1"),
        Case(
            name: "negative out inside a branch",
            json: preset(#"{"type": "parallel", "branches": [[], [{"type": "relu"}], [{"type": "conv", "out": -4, "kernel": 1}]]}"#),
            message: "layers[0].branches[2][0].out is -4, but it must be at least 1"),
        Case(
            name: "negative pad",
            json: preset(#"{"type": "conv", "out": 4, "kernel": 3, "pad": -1}"#),
            message: "layers[0].pad is -1, but it must be 0 or more"),
        Case(
            name: "zero input size",
            json: preset(#"{"type": "relu"}"#, input: #"{"shape": [3, 0, 8]}"#),
            message: "input.shape[1] is 0, but it must be at least 1"),
        Case(
            name: "dropout rate of 1",
            json: preset(#"{"type": "dropout", "rate": 1}"#),
            message: "layers[0].rate is 1, but it must be at least 0 and below 1"),
        Case(
            name: "missing required key",
            json: preset(#"{"type": "conv", "kernel": 3}"#),
            message: "layers[0] is missing the required key \"out\" — add \"out\": the number of output channels"),
        Case(
            name: "missing top-level key",
            json: #"{"format": 1, "name": "t", "layers": []}"#,
            message: "the preset is missing the required key \"input\" — add \"input\": {\"shape\": [channels, height, width]}"),
        Case(
            name: "missing inception count",
            json: preset(#"{"type": "inception", "1x1": 64, "3x3_reduce": 96, "3x3": 128, "5x5_reduce": 16, "5x5": 32}"#),
            message: "layers[0] is missing the required key \"pool_proj\" — add \"pool_proj\": its number of output channels"),
        Case(
            name: "unknown choice",
            json: preset(#"{"type": "maxpool", "kernel": 3, "round": "up"}"#),
            message: "layers[0].round: unknown value \"up\" — use one of floor, ceil, ceil_torch"),
        Case(
            name: "unknown synthetic pattern",
            json: preset(#"{"type": "relu"}"#, input: #"{"shape": [3, 8, 8], "source": {"synthetic": "stripes"}}"#),
            message: "input.source.synthetic: unknown value \"stripes\" — use one of gradient, checkerboard, shapes, noise, digit"),
        Case(
            name: "format 2",
            json: preset(#"{"type": "relu"}"#, format: "2"),
            message: "format is 2, but this convplay reads format 1 — set \"format\": 1 or open it with a newer convplay"),
        Case(
            name: "biases without bias",
            json: preset(#"{"type": "conv", "out": 1, "kernel": 1, "bias": false, "weights": [1, 2, 3], "biases": [0]}"#),
            message: "layers[0].biases is given, but it must be absent when \"bias\" is false"),
        Case(
            name: "nested weights with the wrong row count",
            json: preset(#"{"type": "conv", "out": 2, "kernel": 1, "weights": [[1, 2, 3]]}"#),
            message: "layers[0].weights is 1 row, but it must be 2 rows, one per output channel"),
        Case(
            name: "partial batch norm statistics",
            json: preset(#"{"type": "batchnorm", "mean": [0, 0, 0], "var": [1, 1, 1]}"#),
            message: "layers[0] is missing the required key \"scale\" — add \"scale\": one value per channel "
                + "(mean, var, scale and shift come together or not at all)"),
        Case(
            name: "layer that is not an object",
            json: preset(#""relu""#),
            message: "layers[0]: expected a layer object like {\"type\": \"relu\"}, found a string \"relu\" — "
                + "write a layer object like {\"type\": \"relu\"} there"),
    ]

    @Test(arguments: cases)
    func badPresetSaysWhatToChange(_ testCase: Case) {
        #expect {
            _ = try Preset.decode(json: testCase.json)
        } throws: { error in
            let message = String(describing: error)
            if message != testCase.message { Issue.record("got: \(message)") }
            return message == testCase.message
        }
    }

    @Test func errorsCarryTheirJSONPath() {
        #expect(throws: PresetError.invalidValue(path: "layers[0].branches[2][0].out", value: "-4", requirement: "at least 1")) {
            _ = try Preset.decode(json: Self.cases.first { $0.name == "negative out inside a branch" }!.json)
        }
        #expect(PresetError.invalidValue(path: "input.shape[1]", value: "0", requirement: "at least 1").jsonPath == "input.shape[1]")
        #expect(PresetError.unsupportedFormat(found: "2").jsonPath == "format")
        #expect(PresetError.malformedJSON(line: 1, column: 1, problem: "x").jsonPath == nil)
    }

    @Test func missingFileNamesThePathAndTheReason() {
        #expect {
            _ = try Preset.load(path: "/nonexistent/convplay/x.json")
        } throws: { error in
            String(describing: error) == "cannot read /nonexistent/convplay/x.json: no such file — check the path"
        }
    }

    /// Presets that parse but cannot run: the shape error comes from `inferShapes`, with the node path.
    struct ShapeCase: Sendable, CustomTestStringConvertible {
        var name: String
        var json: String
        var message: String
        var testDescription: String { name }
    }

    static let shapeCases: [ShapeCase] = [
        ShapeCase(
            name: "kernel larger than the input",
            json: preset(#"{"type": "conv", "name": "big", "out": 4, "kernel": 11}"#),
            message: "layers[0] (big): kernel 11×11 is larger than its padded input 8×8 — use a smaller kernel, "
                + "more padding, or remove a downsampling layer before it"),
        ShapeCase(
            name: "explicit weights of the wrong length",
            json: preset(#"{"type": "conv", "out": 2, "kernel": 1, "weights": [1, 2, 3, 4, 5]}"#),
            message: "layers[0] (conv1): weights has 5 values but the layer needs 6 — write 6 values or remove "
                + "them to draw them from the initialiser"),
        ShapeCase(
            name: "concat branches of different sizes",
            json: preset(#"{"type": "parallel", "name": "p", "branches": [[], [{"type": "maxpool", "kernel": 2}]]}"#),
            message: "layers[0] (p): concat needs every branch at the same height × width but got 3×8×8, 3×4×4 "
                + "— pad or stride the branches alike"),
    ]

    @Test(arguments: shapeCases)
    func presetThatParsesButCannotRun(_ testCase: ShapeCase) throws {
        let network = try Preset.decode(json: testCase.json)
        #expect {
            _ = try network.inferShapes()
        } throws: { error in
            let message = String(describing: error)
            if message != testCase.message { Issue.record("got: \(message)") }
            return message == testCase.message
        }
    }
}
