import ArgumentParser
import ConvEngine
import Foundation

/// `convplay run`: the forward pass, with per-node statistics, optionally dumped as `.npy` files.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the forward pass and print each node's output statistics.",
        discussion: """
            --dump DIR writes input.npy, every node's output, every weight and bias (PyTorch layout: conv weight
            K × C/groups × KH × KW) and manifest.json mapping node paths and names to those files.
            """)

    @OptionGroup var options: PresetOptions
    @Option(help: ArgumentHelp("Write the input, activations, weights and a manifest as .npy files into this folder.", valueName: "dir"))
    var dump: String?

    func run() throws {
        let loaded = try options.load()
        var session = try options.session(for: loaded)
        let start = DispatchTime.now().uptimeNanoseconds
        session.runToEnd()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print(StatisticsTable(session: session).render(), terminator: "")
        print(
            "forward pass: \(formatFixed(seconds * 1000, digits: 1)) ms · \(formatCompact(session.costs.total.macs)) MACs · "
                + "\(formatFixed(Double(session.costs.total.flops) / seconds / 1e9, digits: 1)) GFLOP/s")
        if let final = session.finalOutput, final.shape.height == 1, final.shape.width == 1, final.shape.channels <= 1000 {
            let names = session.network.classNames
            // A class named by more than its index (cat, not 3) shows its name after the index.
            func label(_ index: Int) -> String {
                names.indices.contains(index) && names[index] != String(index) ? "[\(index)] \(visible(names[index]))" : "[\(index)]"
            }
            let top = final.topClasses(3)
            print("output top-3: " + top.map { "\(label($0.index)) \(formatFixed(Double($0.score), digits: 4))" }.joined(separator: "  "))
        }
        if let path = session.firstNonFiniteNode, let stats = session.statistics(of: path) {
            print(
                "non-finite values: \(ShapeError.place(path, session.network.node(at: path)!.name))first to produce inf or NaN "
                    + "(\(formatGrouped(stats.nonFiniteCount)) of \(formatGrouped(session.shapes.output(of: path).elementCount)) values)")
        }
        if let dump {
            try ActivationDump.write(session: session, to: dump, presetName: options.preset)
            print("wrote \(dump)/manifest.json")
        }
    }
}

/// Per-node statistics as an aligned table.
struct StatisticsTable {
    let session: ForwardSession

    func render() -> String {
        let header = ["path", "name", "output", "min", "max", "mean", "std", "zeros"]
        var lines: [[String]] = []
        let inputStats = ActivationStatistics(session.input.data)
        lines.append(["", "input", session.input.shape.description] + cells(inputStats))
        for path in session.network.displayOrder {
            guard let stats = session.statistics(of: path) else { continue }
            let name = String(repeating: "  ", count: path.depth) + session.network.node(at: path)!.name
            lines.append([path.description, name, session.shapes.output(of: path).description] + cells(stats))
        }
        let widths = header.indices.map { i in max(header[i].count, lines.map { $0[i].count }.max() ?? 0) }
        func format(_ row: [String]) -> String {
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i >= 3 ? pad + cell : cell + pad
            }.joined(separator: "  ")
        }
        return ([format(header)] + lines.map(format)).joined(separator: "\n") + "\n"
    }

    private func cells(_ s: ActivationStatistics) -> [String] {
        [s.min, s.max, s.mean, s.std].map { formatFixed(Double($0), digits: 4) } + [formatFixed(s.zeroFraction * 100, digits: 1) + " %"]
    }
}
