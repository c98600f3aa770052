import Foundation
import Testing

@testable import ConvEngine

/// Overflow-reporting arithmetic, the size limits it guards, and what shape inference says past them.
@Suite struct CheckedTests {
    @Test func productsAndSumsReportOverflow() throws {
        #expect(try Checked.product(3, 4, 5, of: "x") == 60)
        #expect(try Checked.sum([1, 2, 3], of: "x") == 6)
        #expect(throws: SizeOverflow("its weights")) { try Checked.product(1 << 32, 1 << 32, of: "its weights") }
        #expect(throws: SizeOverflow("total")) { try Checked.sum(Int.max, 1, of: "total") }
        #expect(throws: SizeOverflow("neg")) { try Checked.product(Int.min, -1, of: "neg") }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let network: Network
        let message: String
        var testDescription: String { name }
    }

    static func net(_ input: Shape, _ layers: [any LayerKind]) -> Network {
        var counts: [String: Int] = [:]
        return Network(
            name: "t", input: InputSpec(shape: input),
            nodes: layers.map { kind in
                counts[kind.typeName, default: 0] += 1
                return Node("\(kind.typeName)\(counts[kind.typeName]!)", Layer(kind))
            })
    }

    /// Every value a form can set — the extremes of Int included — is refused with a sentence, never a trap.
    static let cases: [Case] = [
        Case(
            name: "pad at Int.max",
            network: net(
                Shape(channels: 1, height: 8, width: 8), [Conv(outChannels: 1, kernel: Size2(3), padding: .explicit(Size2(Int.max)))]),
            message: "layers[0] (conv1): pad is 9223372036854775807 but must be at most 16777216 — change pad"),
        Case(
            name: "stride at Int.min",
            network: net(Shape(channels: 1, height: 8, width: 8), [Pool(kind: .max, kernel: Size2(2), stride: Size2(Int.min, 1))]),
            message: "layers[0] (maxpool1): stride is -9223372036854775808×1 but must be at least 1 — change stride"),
        Case(
            name: "dilation times kernel past the input",
            network: net(Shape(channels: 1, height: 8, width: 8), [Conv(outChannels: 1, kernel: Size2(1 << 24), dilation: Size2(1 << 24))]),
            message: "layers[0] (conv1): kernel 281474959933441×281474959933441 is larger than its padded input 8×8 — "
                + "use a smaller kernel, more padding, or remove a downsampling layer before it"),
        Case(
            name: "output past a tensor",
            network: net(
                Shape(channels: 1, height: 1, width: 1), [Conv(outChannels: 1 << 24, kernel: Size2(1), padding: .explicit(Size2(1 << 12)))]),
            message: "layers[0] (conv1): its output 16777216×8193×8193 would hold more than 1,073,741,824 values, "
                + "the most one tensor can hold — use smaller sizes in this layer or a smaller input"),
        Case(
            name: "lateral weights past a tensor", network: net(Shape(channels: 1 << 16, height: 1, width: 1), [Lateral()]),
            message: "layers[0] (lateral1): its weights would hold more than 1,073,741,824 values, the most one tensor can hold — "
                + "use smaller sizes in this layer or a smaller input"),
        Case(
            name: "concat of branches past a tensor",
            network: Network(
                name: "t", input: InputSpec(shape: Shape(channels: 1 << 14, height: 1 << 8, width: 1 << 8)),
                nodes: [Node("block", parallel: ParallelBlock(branches: [[], []], merge: .concat))]),
            message:
                "layers[0] (block): its output 32768×256×256 would hold more than 1,073,741,824 values, the most one tensor can hold — "
                + "use smaller sizes in this layer or a smaller input"),
        Case(
            name: "a stride-1 conv whose padded copy passes a tensor",
            network: net(
                Shape(channels: 1 << 14, height: 1 << 8, width: 1 << 8),
                [Conv(outChannels: 1, kernel: Size2(3), padding: .explicit(Size2(1)))]),
            message:
                "layers[0] (conv1): its zero-padded input copy would hold more than 1,073,741,824 values, the most one tensor can hold — "
                + "use smaller sizes in this layer or a smaller input"),
    ]

    @Test(arguments: cases)
    func refusedWithASentence(_ c: Case) {
        do {
            let shapes = try c.network.inferShapes(memoryCap: SizeLimits.memoryCap)
            _ = try c.network.cost(shapes: shapes)
            Issue.record("\(c.name) was accepted")
        } catch {
            #expect(error.description == c.message)
        }
    }

    /// Random values for every size and number field of every layer type (Int's and Float's extremes, inf and
    /// NaN included) in a small network: inference and cost either succeed or throw — a trap would end the test
    /// process — and an accepted network runs forward.
    @Test func everyFieldValueIsRefusedOrAccepted() {
        var rng = SplitMix64(seed: 12)
        let extremes = [Int.min, -1, 0, 1, 2, 3, 1 << 12, (1 << 24) - 1, 1 << 24, (1 << 24) + 1, 1 << 31, 1 << 62, Int.max]
        let floats: [Float] = [.nan, .infinity, -.infinity, .greatestFiniteMagnitude, -1, 0, .leastNonzeroMagnitude, 0.5, 1, 2, 1e30]
        func pick() -> Int { rng.next() % 2 == 0 ? extremes[Int(rng.next() % UInt64(extremes.count))] : Int(rng.next() % 40) }
        var refused = 0, accepted = 0
        for _ in 0..<3000 {
            let template = LayerRegistry.templates[Int(rng.next() % UInt64(LayerRegistry.templates.count))]
            var layer = template.makeLayer(channels: 4)
            var values: [String: FieldValue] = [:]
            for field in layer.kind.formFields() {
                switch field.type {
                case .int: values[field.key] = .int(pick())
                case .size: values[field.key] = .size(Size2(pick(), pick()))
                case .padding: values[field.key] = .padding(.explicit(Size2(pick(), pick())))
                case .float: values[field.key] = .float(floats[Int(rng.next() % UInt64(floats.count))])
                default: break
                }
            }
            layer = layer.kind.setting(values)
            let input = Shape(channels: pick() % 64 + 1, height: pick() % 64 + 1, width: pick() % 64 + 1)
            let network = Network(name: "f", input: InputSpec(shape: input), nodes: [Node("x", layer), Node("r", ReLU())])
            do {
                let costs = try network.cost(shapes: try network.inferShapes())
                accepted += 1
                if costs.total.macs < 10_000_000 {
                    let output = try network.forward(SyntheticInput.make(.noise, shape: input, seed: 1))
                    #expect(try output.shape == network.inferShapes().output)
                }
            } catch {
                #expect(!error.description.isEmpty)
                refused += 1
            }
        }
        #expect(refused > 100 && accepted > 100, "both outcomes exercised: \(refused) refused, \(accepted) accepted")
    }
}

/// Files a user names are read only when they are regular files, without blocking, up to a limit.
@Suite struct FileReaderTests {
    @Test func readsARegularFile() throws {
        try withTemporaryFolder("reader") { folder in
            let path = folder + "/three-bytes"
            try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
            #expect(try FileReader.contents(of: path, limit: 3) == [1, 2, 3])
            #expect(throws: FileReadError.tooLarge(bytes: 3, limit: 2)) { try FileReader.contents(of: path, limit: 2) }
        }
    }

    @Test func refusesWhatIsNotARegularFile() throws {
        try withTemporaryFolder("fifo") { folder in
            let fifo = folder + "/fifo"
            #expect(mkfifo(fifo, 0o644) == 0)
            #expect(throws: FileReadError.notRegular(kind: "a FIFO (named pipe)")) { try FileReader.contents(of: fifo, limit: 10) }
            #expect(throws: FileReadError.notRegular(kind: "a character device")) { try FileReader.contents(of: "/dev/zero", limit: 10) }
            #expect(throws: FileReadError.notRegular(kind: "a folder")) { try FileReader.contents(of: NSTemporaryDirectory(), limit: 10) }
            #expect(throws: FileReadError.notFound) { try FileReader.contents(of: "/no/such/file", limit: 10) }
        }
    }
}

/// Non-finite values are counted and formatted, never trapped on.
@Suite struct NonFiniteTests {
    @Test func statisticsCountInfAndNaN() {
        let withInf = ActivationStatistics([1, .infinity, 3, 0])
        #expect(withInf.nonFiniteCount == 1 && withInf.max == .infinity && withInf.min == 0 && withInf.std.isNaN)
        let withNaN = ActivationStatistics([1, .nan, -.infinity])
        #expect(withNaN.nonFiniteCount == 2 && withNaN.mean.isNaN && withNaN.min.isNaN)
        // 3e38² passes Float: the exact pass in Double keeps mean and std finite.
        let huge = ActivationStatistics([Float](repeating: 3e38, count: 8) + [Float](repeating: -3e38, count: 8))
        #expect(huge.nonFiniteCount == 0 && huge.mean == 0 && huge.std == 3e38)
    }

    @Test func formattingNeverTraps() {
        #expect(formatFixed(.infinity, digits: 4) == "inf")
        #expect(formatFixed(-.infinity, digits: 4) == "-inf")
        #expect(formatFixed(.nan, digits: 4) == "nan")
        #expect(formatFixed(3e38, digits: 4) == "3.0000e38")
        #expect(formatFixed(-1e19, digits: 1) == "-1.00e19")
        #expect(formatFixed(1234.5678, digits: 2) == "1234.57")
    }

    @Test func userStringsStayOneVisibleLine() {
        #expect(visible("co\nnv\0\t") == "co\\nnv\\0\\t")
        #expect(quoted("\u{FEFF}conv\u{202E}") == "\"\\u{FEFF}conv\\u{202E}\"")
        #expect(quoted("say \"hi\"") == "\"say \\\"hi\\\"\"")
        #expect(visible(String(repeating: "a", count: 200), limit: 5) == "aaaaa…")
    }
}
