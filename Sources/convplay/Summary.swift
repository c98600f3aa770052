import ArgumentParser
import ConvEngine
import Foundation

/// `convplay summary`: the per-node table of shapes, parameters, MACs and receptive fields, then totals.
struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print every node's output shape, parameters, MACs and receptive field, then the totals.",
        discussion: "MACs count conv, dense and lateral multiply-accumulates; FLOPs = 2 × MACs.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, md, csv, json }

    @OptionGroup var options: PresetOptions
    @Option(help: "Output format: table, md, csv or json.")
    var format: Format = .table

    func run() throws {
        let loaded = try options.load()
        let shapes = try options.shapes(for: loaded)
        let table: SummaryTable
        do { table = try SummaryTable(network: loaded.network, shapes: shapes, source: loaded.path) } catch {
            throw CommandError.impossibleNetwork(preset: options.preset, error)
        }
        print(table.render(format), terminator: "")
    }
}

/// The rows `summary` prints (the engine's `summaryRows`), in four formats.
struct SummaryTable {
    let network: Network
    let shapes: ShapeTable
    let costs: CostTable
    let rows: [NodeSummary]
    let source: String

    init(network: Network, shapes: ShapeTable, source: String) throws(ShapeError) {
        self.network = network
        self.shapes = shapes
        self.source = source
        let costs = try network.cost(shapes: shapes)
        self.costs = costs
        rows = network.summaryRows(shapes: shapes, costs: costs)
    }

    func render(_ format: Summary.Format) -> String {
        switch format {
        case .table: return table()
        case .md: return markdown()
        case .csv: return csv()
        case .json: return json()
        }
    }

    private var total: NodeCost { costs.total }

    private func totalsLine() -> String {
        "total: \(formatGrouped(total.params)) params (\(formatGrouped(total.weights)) weights + \(formatGrouped(total.biases)) biases) · "
            + "\(formatGrouped(total.macs)) MACs (\(formatCompact(total.flops)) FLOPs = 2 × MACs) · "
            + "output \(shapes.output) · activations \(formatBytes(shapes.activationBytes))\n"
    }

    private func table() -> String {
        let header = ["path", "name", "spec", "output", "params", "MACs", "RF"]
        var lines: [[String]] = [["", "input", "input", shapes.input.description, "0", "0", "1"]]
        for row in rows {
            let indent = String(repeating: "  ", count: row.path.depth)
            lines.append([
                row.path.description, indent + row.name, row.spec, row.output.description,
                formatGrouped(row.cost.params), formatGrouped(row.cost.macs),
                "\(row.cost.receptiveField.height)×\(row.cost.receptiveField.width)",
            ])
        }
        let widths = header.indices.map { i in max(header[i].count, lines.map { $0[i].count }.max() ?? 0) }
        let rightAligned: Set<Int> = [4, 5]
        func format(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return rightAligned.contains(i) ? pad + cell : cell + pad
            }.joined(separator: "  ")
        }
        var out = "\(network.name) · \(source)\n"
        out += format(header) + "\n"
        out += widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ") + "\n"
        for line in lines { out += format(line) + "\n" }
        return out + totalsLine()
    }

    private func markdown() -> String {
        var out = "| path | name | type | spec | output C×H×W | weights | biases | params | MACs | RF |\n"
        out += "|---|---|---|---|---|---:|---:|---:|---:|---|\n"
        for row in rows {
            out +=
                "| \(row.path) | \(row.name) | \(row.type) | \(row.spec) | \(row.output) | \(formatGrouped(row.cost.weights)) | "
                + "\(formatGrouped(row.cost.biases)) | \(formatGrouped(row.cost.params)) | \(formatGrouped(row.cost.macs)) | "
                + "\(row.cost.receptiveField.height)×\(row.cost.receptiveField.width) |\n"
        }
        out +=
            "| **total** | | | | \(shapes.output) | \(formatGrouped(total.weights)) | \(formatGrouped(total.biases)) | "
            + "**\(formatGrouped(total.params))** | **\(formatGrouped(total.macs))** | |\n"
        return out
    }

    private func csv() -> String {
        func quote(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var out = "path,name,type,spec,channels,height,width,weights,biases,params,macs,rf_h,rf_w,jump_h,jump_w\n"
        for row in rows {
            let c = row.cost
            out +=
                [row.path.description, row.name, row.type, row.spec].map(quote).joined(separator: ",")
                + ",\(row.output.channels),\(row.output.height),\(row.output.width),\(c.weights),\(c.biases),\(c.params),\(c.macs),"
                + "\(c.receptiveField.height),\(c.receptiveField.width),\(c.jump.height),\(c.jump.width)\n"
        }
        out +=
            "total,,,,\(shapes.output.channels),\(shapes.output.height),\(shapes.output.width),\(total.weights),\(total.biases),"
            + "\(total.params),\(total.macs),,,,\n"
        return out
    }

    private func json() -> String {
        var nodes: [String] = []
        for row in rows {
            let c = row.cost
            nodes.append(
                "    {\"path\": \(JSONValue.quoted(row.path.description)), \"name\": \(JSONValue.quoted(row.name)), "
                    + "\"type\": \(JSONValue.quoted(row.type)), \"spec\": \(JSONValue.quoted(row.spec)), "
                    + "\"output\": [\(row.output.channels), \(row.output.height), \(row.output.width)], "
                    + "\"weights\": \(c.weights), \"biases\": \(c.biases), \"params\": \(c.params), \"macs\": \(c.macs), "
                    + "\"receptive_field\": [\(c.receptiveField.height), \(c.receptiveField.width)], \"jump\": [\(c.jump.height), \(c.jump.width)]}"
            )
        }
        return """
            {
              "name": \(JSONValue.quoted(network.name)),
              "input": [\(shapes.input.channels), \(shapes.input.height), \(shapes.input.width)],
              "output": [\(shapes.output.channels), \(shapes.output.height), \(shapes.output.width)],
              "nodes": [
            \(nodes.joined(separator: ",\n"))
              ],
              "total_weights": \(total.weights),
              "total_biases": \(total.biases),
              "total_params": \(total.params),
              "total_macs": \(total.macs),
              "total_flops": \(total.flops),
              "activation_bytes": \(shapes.activationBytes)
            }

            """
    }
}
