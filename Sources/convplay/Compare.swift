import ArgumentParser
import ConvEngine
import Foundation

/// `convplay compare A B`: two networks node against node — parameters, MACs, activation memory, receptive
/// field and time per node — with what differs marked, and the totals with their ratios.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two networks node by node: params, MACs, activation memory, receptive field and time.",
        discussion: """
            Nodes are matched in display order by depth, type and name inside their block (blocks match whatever \
            their names), so inception-3a lines up with inception-3a-naive. Marks: ~ changed, - only in the first, \
            + only in the second. Time is the median of --runs forward passes after a warm-up (0: not timed); \
            memory is the node's cached output, the totals every cached activation.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, md, json }

    @Argument(help: "The first preset: a shipped name or a path.")
    var first: String
    @Argument(help: "The second preset: a shipped name or a path.")
    var second: String
    @Option(help: "Output format: table, md or json.")
    var format: Format = .table
    @Option(
        name: .customLong("runs"), parsing: .unconditional,
        help: ArgumentHelp("Timed forward passes per network (0 leaves time out).", valueName: "n"))
    var runsText = "3"

    func run() throws {
        let runs = try wholeNumber(runsText, flag: "--runs", 0...100_000, what: "the number of timed runs")
        let a = try PresetOptions.parse([first]), b = try PresetOptions.parse([second])
        let loadedA = try a.load(), loadedB = try b.load()
        var comparison = try NetworkComparison(
            loadedA.network, shapes: try a.shapes(for: loadedA), loadedB.network, shapes: try b.shapes(for: loadedB))
        if runs > 0 {
            var sessionA = try a.session(for: loadedA), sessionB = try b.session(for: loadedB)
            comparison.setTimes(first: sessionA.timePerNode(runs: runs), second: sessionB.timePerNode(runs: runs))
        }
        let report = ComparisonReport(comparison: comparison, first: loadedA.path, second: loadedB.path)
        switch format {
        case .table: print(report.table(), terminator: "")
        case .md: print(report.markdown(), terminator: "")
        case .json: print(report.json(), terminator: "")
        }
    }
}

/// A comparison written out in the three formats.
struct ComparisonReport {
    let comparison: NetworkComparison
    let first: String
    let second: String

    /// One figure: its heading and its value on a side or in the totals.
    struct Metric: Sendable {
        var heading: String
        var side: @Sendable (NetworkComparison.Side) -> String
        var total: @Sendable (NetworkComparison.Totals) -> String
    }

    static func milliseconds(_ value: Double?) -> String { value.map { formatFixed($0, digits: 3) } ?? "–" }

    static let metrics: [Metric] = [
        Metric(heading: "params", side: { formatGrouped($0.summary.cost.params) }, total: { formatGrouped($0.params) }),
        Metric(heading: "MACs", side: { formatGrouped($0.summary.cost.macs) }, total: { formatGrouped($0.macs) }),
        Metric(heading: "memory", side: { formatBytes($0.summary.cost.activationBytes) }, total: { formatBytes($0.activationBytes) }),
        Metric(
            heading: "RF", side: { "\($0.summary.cost.receptiveField.height)×\($0.summary.cost.receptiveField.width)" },
            total: { "\($0.receptiveField.height)×\($0.receptiveField.width)" }),
        Metric(heading: "ms", side: { milliseconds($0.milliseconds) }, total: { milliseconds($0.milliseconds) }),
    ]

    static func mark(_ change: NetworkComparison.Change) -> String {
        switch change {
        case .same: return " "
        case .changed: return "~"
        case .removed: return "-"
        case .added: return "+"
        }
    }

    /// "params 2.37× · MACs 2.37× · memory 1.32× · time 2.10×": the second network's totals over the first's.
    var ratios: [(String, Double?)] {
        func ratio(_ a: Double, _ b: Double) -> Double? { a > 0 ? b / a : nil }
        let f = comparison.first, s = comparison.second
        var list: [(String, Double?)] = [
            ("params", ratio(Double(f.params), Double(s.params))), ("macs", ratio(Double(f.macs), Double(s.macs))),
            ("memory", ratio(Double(f.activationBytes), Double(s.activationBytes))),
        ]
        if let a = f.milliseconds, let b = s.milliseconds { list.append(("time", ratio(a, b))) }
        return list
    }

    private var ratioLine: String {
        "second / first: "
            + ratios.map { "\($0.0 == "macs" ? "MACs" : $0.0) \($0.1.map { formatFixed($0, digits: 2) + "×" } ?? "–")" }.joined(
                separator: " · ")
    }

    func table() -> String {
        var lines: [[String]] = [[" ", "node"] + Self.metrics.flatMap { [$0.heading + " 1st", "2nd"] }]
        for row in comparison.rows {
            let name = String(repeating: "  ", count: row.depth) + row.localName
            lines.append(
                [Self.mark(row.change), name]
                    + Self.metrics.flatMap { metric in [row.first.map(metric.side) ?? "", row.second.map(metric.side) ?? ""] })
        }
        lines.append([" ", "total"] + Self.metrics.flatMap { [$0.total(comparison.first), $0.total(comparison.second)] })
        let widths = lines[0].indices.map { i in lines.map { $0[i].count }.max() ?? 0 }
        func format(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i < 2 ? cell + pad : pad + cell
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = "first:  \(comparison.first.name) · \(first)\nsecond: \(comparison.second.name) · \(second)\n"
        out += format(lines[0]) + "\n"
        out += widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ") + "\n"
        for line in lines.dropFirst().dropLast() { out += format(line) + "\n" }
        out += widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ") + "\n"
        out += format(lines.last!) + "\n"
        return out + ratioLine + "\n" + "marks: ~ changed · - only in the first · + only in the second\n"
    }

    func markdown() -> String {
        var out = "| | node | " + Self.metrics.map { "\($0.heading) (1st) | \($0.heading) (2nd)" }.joined(separator: " | ") + " |\n"
        out += "|---|---|" + String(repeating: "---:|", count: 2 * Self.metrics.count) + "\n"
        for row in comparison.rows {
            let name = String(repeating: "&nbsp;&nbsp;", count: row.depth) + row.localName
            out +=
                "| \(Self.mark(row.change) == " " ? "" : Self.mark(row.change)) | \(name) | "
                + Self.metrics.map { metric in "\(row.first.map(metric.side) ?? "") | \(row.second.map(metric.side) ?? "")" }.joined(
                    separator: " | ")
                + " |\n"
        }
        out +=
            "| | **total** | "
            + Self.metrics.map { "\($0.total(comparison.first)) | **\($0.total(comparison.second))**" }.joined(separator: " | ") + " |\n"
        return out + "\n" + ratioLine + "\n"
    }

    func json() -> String {
        func number(_ value: Double?) -> String { value.map { formatFixed($0, digits: 4) } ?? "null" }
        func side(_ side: NetworkComparison.Side?) -> String {
            guard let side else { return "null" }
            let s = side.summary, c = s.cost
            return "{\"path\": \(JSONValue.quoted(s.path.description)), \"name\": \(JSONValue.quoted(s.name)), "
                + "\"type\": \(JSONValue.quoted(s.type)), \"spec\": \(JSONValue.quoted(s.spec)), "
                + "\"output\": [\(s.output.channels), \(s.output.height), \(s.output.width)], \"params\": \(c.params), \"macs\": \(c.macs), "
                + "\"activation_bytes\": \(c.activationBytes), \"receptive_field\": [\(c.receptiveField.height), \(c.receptiveField.width)], "
                + "\"ms\": \(number(side.milliseconds))}"
        }
        func totals(_ t: NetworkComparison.Totals, _ file: String) -> String {
            "{\"name\": \(JSONValue.quoted(t.name)), \"file\": \(JSONValue.quoted(file)), \"params\": \(t.params), \"macs\": \(t.macs), "
                + "\"activation_bytes\": \(t.activationBytes), \"receptive_field\": [\(t.receptiveField.height), \(t.receptiveField.width)], "
                + "\"output\": [\(t.output.channels), \(t.output.height), \(t.output.width)], \"ms\": \(number(t.milliseconds))}"
        }
        let rows = comparison.rows.map { row in
            "    {\"change\": \"\(row.change.rawValue)\", \"depth\": \(row.depth), \"name\": \(JSONValue.quoted(row.localName)), "
                + "\"first\": \(side(row.first)), \"second\": \(side(row.second))}"
        }
        let ratioFields = ratios.map { "\"\($0.0)\": \(number($0.1))" }.joined(separator: ", ")
        return """
            {
              "first": \(totals(comparison.first, first)),
              "second": \(totals(comparison.second, second)),
              "ratios": {\(ratioFields)},
              "rows": [
            \(rows.joined(separator: ",\n"))
              ]
            }

            """
    }
}
