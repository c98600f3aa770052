import Foundation

/// Writes a forward pass to a folder as `.npy` files plus `manifest.json`, so NumPy (or any independent
/// implementation) can load every activation and weight and recompute the network by itself.
///
/// Files: `input.npy`; one `<stem>.npy` per node in execution order, the stem spelled from the node path
/// (`layers[3].branches[1][0]` → `layers_3.branches_1_0`); and per layer its parameters in PyTorch layout and
/// names: `<stem>.weight.npy` (conv `K × C/groups × KH × KW`, dense `out × in`, lateral `n × n`, batch norm γ),
/// `<stem>.bias.npy` (batch norm β), `<stem>.running_mean.npy`, `<stem>.running_var.npy`.
/// Activations are written without the batch axis: `[C, H, W]`.
///
/// `manifest.json` (`"format": 1`) holds `preset`, `network`, `input` (file, shape), `output` (the final
/// node's path) and `nodes`, in execution order, each with `path`, `name`, `type`, `input` (`"input"` or the
/// path of the node that feeds it), `output` (file, shape), `parameters` (name → file, shape) and
/// `attributes`: everything needed to recompute the node —
/// conv: `kernel`, `stride`, `pads` [top, left, bottom, right] (bottom/right as far as the output reaches),
/// `dilation`, `groups`, `bias`; pool: `kind` (max/avg), `kernel`, `stride`, `pad` [h, w], `rounding`
/// (floor/ceil, Caffe's); activation: `kind` (relu/leaky_relu/sigmoid/tanh), `slope`; batch_norm: `eps`;
/// lrn: `size`, `alpha`, `beta`, `k`; dropout: `rate`; dense: `out_features`, `bias`; parallel: `merge`
/// (concat/add) and `branches`, each branch's last node path or `"input-of-block"` for an empty branch.
public enum ActivationDump {
    /// Runs `session` to the end if it is not yet complete, then writes everything into `directory`. The files
    /// are written into a fresh folder beside it, which is renamed into place only when all are written, so a
    /// failure leaves the old folder (an earlier dump) untouched and nothing half-written; an existing folder is
    /// replaced only when it is empty or an earlier dump. `presetName` is recorded in the manifest.
    public static func write(session: ForwardSession, to directory: String, presetName: String) throws(ExportError) {
        var session = session
        session.runToEnd()
        try write(
            network: session.network, shapes: session.shapes, input: session.input, output: { session.output(of: $0)! },
            parameters: { session.parameters(of: $0) }, to: directory, presetName: presetName)
    }

    /// Writes `input`, every node's `output` and `parameters` of `network` as above, whole or not at all (see
    /// `DumpWriter.writeWhole`); `nodeExtras` adds entries to a node's manifest object and `manifestExtras` to the
    /// top level (both may save more files with the writer).
    static func write(
        network: Network, shapes: ShapeTable, input: Tensor, output: (NodePath) -> Tensor,
        parameters: (NodePath) -> LayerParameters?, to directory: String, presetName: String,
        nodeExtras: (NodePath, DumpWriter) throws(ExportError) -> [(String, JSONValue)] = { _, _ in [] },
        manifestExtras: (DumpWriter) throws(ExportError) -> [(String, JSONValue)] = { _ in [] }
    ) throws(ExportError) {
        try DumpWriter.writeWhole(directory, marker: "manifest.json") { writer throws(ExportError) in
            try writeFiles(
                network: network, shapes: shapes, input: input, output: output, parameters: parameters, with: writer,
                presetName: presetName, nodeExtras: nodeExtras, manifestExtras: manifestExtras)
        }
    }

    private static func writeFiles(
        network: Network, shapes: ShapeTable, input: Tensor, output: (NodePath) -> Tensor,
        parameters: (NodePath) -> LayerParameters?, with writer: DumpWriter, presetName: String,
        nodeExtras: (NodePath, DumpWriter) throws(ExportError) -> [(String, JSONValue)],
        manifestExtras: (DumpWriter) throws(ExportError) -> [(String, JSONValue)]
    ) throws(ExportError) {
        let inputEntry = try writer.save(input.data, input.shape.dimensions, "input.npy")
        var nodes: [JSONValue] = []
        for path in network.executionOrder {
            let node = network.node(at: path)!
            let stem = fileStem(path)
            let output = output(path)
            var entry: [(String, JSONValue)] = [("path", .string(path.description)), ("name", .string(node.name))]
            var attributes: [(String, JSONValue)] = []
            var parameterEntries: [(String, JSONValue)] = []
            switch node.kind {
            case .parallel(let block):
                entry.append(("type", .string("parallel")))
                attributes = [
                    ("merge", .string(block.merge.rawValue)),
                    (
                        "branches",
                        .array(
                            block.branches.enumerated().map { b, branch in
                                .string(branch.isEmpty ? "input-of-block" : path.child(branch: b, index: branch.count - 1).description)
                            })
                    ),
                ]
            case .layer(let layer):
                let description = layer.kind.dumpDescription(shapes.io(at: path))
                attributes = description.attributes
                entry.append(("type", .string(description.type)))
                if let p = parameters(path) {
                    parameterEntries.append(("weight", try writer.save(p.weight, p.weightShape, stem + ".weight.npy")))
                    if let bias = p.bias { parameterEntries.append(("bias", try writer.save(bias, [bias.count], stem + ".bias.npy"))) }
                    if let mean = p.runningMean {
                        parameterEntries.append(("running_mean", try writer.save(mean, [mean.count], stem + ".running_mean.npy")))
                    }
                    if let variance = p.runningVariance {
                        parameterEntries.append(("running_var", try writer.save(variance, [variance.count], stem + ".running_var.npy")))
                    }
                }
            }
            entry.append(("input", .string(network.inputPath(of: path)?.description ?? "input")))
            entry.append(("output", try writer.save(output.data, output.shape.dimensions, stem + ".npy")))
            entry.append(("parameters", .members(parameterEntries)))
            entry.append(("attributes", .members(attributes)))
            entry += try nodeExtras(path, writer)
            nodes.append(.members(entry))
        }

        let manifest = JSONValue.members(
            [
                ("format", .integer(1)),
                ("preset", .string(presetName)),
                ("network", .string(network.name)),
                ("input", inputEntry),
                ("output", .string(network.nodes.isEmpty ? "input" : NodePath.top(network.nodes.count - 1).description)),
                ("nodes", .array(nodes)),
            ] + (try manifestExtras(writer)))
        try writer.writeManifest(manifest)
    }

    /// The file name stem of a node path: `layers[3].branches[1][0]` → `layers_3.branches_1_0`.
    public static func fileStem(_ path: NodePath) -> String {
        path.description.replacingOccurrences(of: "][", with: "_")
            .replacingOccurrences(of: "[", with: "_").replacingOccurrences(of: "]", with: "")
    }
}

/// Writes the files of one folder (a dump, a checkpoint, a trained preset): `.npy` tensors and, last, its manifest.
struct DumpWriter {
    let directory: String

    /// Writes the folder `target` whole or not at all: `fill` writes into a new hidden folder beside it, which is
    /// renamed into place only when every file is written, so a failure leaves the old folder untouched and
    /// nothing half-written. An existing `target` is replaced only when it is empty or holds `marker` (an earlier
    /// folder of the same kind); anything else is refused.
    static func writeWhole(
        _ target: String, marker: String, _ fill: (DumpWriter) throws(ExportError) -> Void
    ) throws(ExportError) {
        let target = target.count > 1 && target.hasSuffix("/") ? String(target.dropLast()) : target
        let (parent, name) = AtomicFile.split(target)
        let staging = parent + "/." + name + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        do {
            try AtomicFile.makeDirectories(parent)
            try AtomicFile.makeDirectories(staging)
        } catch {
            throw .writeFailed(path: target, reason: error.reason)
        }
        do {
            try fill(DumpWriter(directory: staging))
            try replace(target, with: staging, marker: marker)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            // The staging folder's name means nothing to the user: the folder they named is what failed.
            if case .writeFailed(_, let reason) = error { throw .writeFailed(path: target, reason: reason) }
            throw error
        }
        AtomicFile.syncDirectory(parent)
    }

    /// Refuses a `target` that `writeWhole` would refuse to replace (a file, or a folder of other files), so a
    /// command can say so before the work whose result it would hold; `true` when there is a folder to replace.
    @discardableResult
    static func checkReplaceable(_ target: String, marker: String) throws(ExportError) -> Bool {
        var info = stat()
        guard stat(target, &info) == 0, let kind = FileReader.kind(of: info) else { return false }
        guard kind == "a folder" else { throw .notAFolder(path: target, kind: kind == "regular" ? "a file" : kind) }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []
        guard contents.isEmpty || contents.contains(marker) else { throw .notADumpFolder(path: target) }
        return true
    }

    /// Renames `staging` to `target`, moving an earlier folder (holding `marker`) or an empty one at `target`
    /// aside first and removing it after.
    private static func replace(_ target: String, with staging: String, marker: String) throws(ExportError) {
        guard try checkReplaceable(target, marker: marker) else {
            guard rename(staging, target) == 0 else { throw .writeFailed(path: target, reason: String(cString: strerror(errno))) }
            return
        }
        let old = staging + ".old"
        guard rename(target, old) == 0 else { throw .writeFailed(path: target, reason: String(cString: strerror(errno))) }
        guard rename(staging, target) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = rename(old, target)
            throw .writeFailed(path: target, reason: reason)
        }
        try? FileManager.default.removeItem(atPath: old)
    }

    /// Saves `values` of `shape` as `file` and returns its manifest entry: `{"file": …, "shape": […]}`.
    func save(_ values: [Float], _ shape: [Int], _ file: String) throws(ExportError) -> JSONValue {
        let path = (directory as NSString).appendingPathComponent(file)
        do { try Npy.write(values, shape: shape, to: path) } catch {
            if case .writeFailed(_, let reason) = error { throw .writeFailed(path: path, reason: reason) }
            throw .writeFailed(path: path, reason: error.description)
        }
        return .members([("file", .string(file)), ("shape", .array(shape.map { .integer($0) }))])
    }

    /// Writes the manifest (`manifest.json` unless named otherwise) atomically.
    func writeManifest(_ manifest: JSONValue, name: String = "manifest.json") throws(ExportError) {
        let manifestPath = (directory as NSString).appendingPathComponent(name)
        do { try AtomicFile.write(Array(manifest.prettyText.utf8), to: manifestPath) } catch {
            throw .writeFailed(path: manifestPath, reason: error.reason)
        }
    }
}
