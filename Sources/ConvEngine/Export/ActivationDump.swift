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
        let target = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let (parent, name) = AtomicFile.split(target)
        let staging = parent + "/." + name + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        do {
            try AtomicFile.makeDirectories(parent)
            try AtomicFile.makeDirectories(staging)
        } catch {
            throw .writeFailed(path: target, reason: error.reason)
        }
        do {
            try writeFiles(session, into: staging, presetName: presetName)
            try replace(target, with: staging)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            // The staging folder's name means nothing to the user: the dump folder is what failed.
            if case .writeFailed(_, let reason) = error { throw .writeFailed(path: target, reason: reason) }
            throw error
        }
        AtomicFile.syncDirectory(parent)
    }

    /// Renames `staging` to `target`, moving an earlier dump (or an empty folder) at `target` aside first and
    /// removing it after.
    private static func replace(_ target: String, with staging: String) throws(ExportError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) else {
            guard rename(staging, target) == 0 else { throw .writeFailed(path: target, reason: String(cString: strerror(errno))) }
            return
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []
        guard isDirectory.boolValue, contents.isEmpty || contents.contains("manifest.json") else {
            throw .notADumpFolder(path: target)
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

    /// Writes every `.npy` file and the manifest into `directory`.
    private static func writeFiles(_ session: ForwardSession, into directory: String, presetName: String) throws(ExportError) {
        let network = session.network, shapes = session.shapes
        func save(_ values: [Float], _ shape: [Int], _ file: String) throws(ExportError) -> JSONValue {
            let path = (directory as NSString).appendingPathComponent(file)
            do { try Npy.write(values, shape: shape, to: path) } catch {
                if case .writeFailed(_, let reason) = error { throw .writeFailed(path: path, reason: reason) }
                throw .writeFailed(path: path, reason: error.description)
            }
            return .members([("file", .string(file)), ("shape", .array(shape.map { .integer($0) }))])
        }

        let input = try save(session.input.data, session.input.shape.dimensions, "input.npy")
        var nodes: [JSONValue] = []
        for path in session.order {
            let node = network.node(at: path)!
            let stem = fileStem(path)
            let output = session.output(of: path)!
            var entry: [(String, JSONValue)] = [("path", .string(path.description)), ("name", .string(node.name))]
            var attributes: [(String, JSONValue)] = []
            var parameters: [(String, JSONValue)] = []
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
                if let p = session.parameters(of: path) {
                    parameters.append(("weight", try save(p.weight, p.weightShape, stem + ".weight.npy")))
                    if let bias = p.bias { parameters.append(("bias", try save(bias, [bias.count], stem + ".bias.npy"))) }
                    if let mean = p.runningMean {
                        parameters.append(("running_mean", try save(mean, [mean.count], stem + ".running_mean.npy")))
                    }
                    if let variance = p.runningVariance {
                        parameters.append(("running_var", try save(variance, [variance.count], stem + ".running_var.npy")))
                    }
                }
            }
            entry.append(("input", .string(network.inputPath(of: path)?.description ?? "input")))
            entry.append(("output", try save(output.data, output.shape.dimensions, stem + ".npy")))
            entry.append(("parameters", .members(parameters)))
            entry.append(("attributes", .members(attributes)))
            nodes.append(.members(entry))
        }

        let manifest = JSONValue.members([
            ("format", .integer(1)),
            ("preset", .string(presetName)),
            ("network", .string(network.name)),
            ("input", input),
            ("output", .string(network.nodes.isEmpty ? "input" : NodePath.top(network.nodes.count - 1).description)),
            ("nodes", .array(nodes)),
        ])
        let manifestPath = (directory as NSString).appendingPathComponent("manifest.json")
        do { try AtomicFile.write(Array(manifest.prettyText.utf8), to: manifestPath) } catch {
            throw .writeFailed(path: manifestPath, reason: error.reason)
        }
    }

    /// The file name stem of a node path: `layers[3].branches[1][0]` → `layers_3.branches_1_0`.
    public static func fileStem(_ path: NodePath) -> String {
        path.description.replacingOccurrences(of: "][", with: "_")
            .replacingOccurrences(of: "[", with: "_").replacingOccurrences(of: "]", with: "")
    }
}
