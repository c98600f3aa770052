import Foundation

extension Preset {
    /// Reads a weights folder written by `convplay run --dump` (its `manifest.json` and `.npy` files) into
    /// parameters keyed by node name, so a preset can start from saved or externally trained weights.
    public static func loadWeights(directory: String) throws(PresetError) -> [String: LayerParameters] {
        let manifestPath = (directory as NSString).appendingPathComponent("manifest.json")
        let text = try readText(manifestPath)
        let manifest: JSONValue
        do { manifest = try JSONParser.parse(text) } catch {
            throw .malformedJSON(line: error.line, column: error.column, problem: "\(manifestPath): \(error.problem)")
        }
        guard case .array(let nodes)? = manifest["nodes"] else {
            throw .missingKey(path: "init.weights", key: "nodes", hint: "\(manifestPath) must be a manifest written by convplay run --dump")
        }
        var result: [String: LayerParameters] = [:]
        for node in nodes {
            guard case .string(let name)? = node["name"], case .object(let files)? = node["parameters"], !files.isEmpty else { continue }
            func read(_ key: String) throws(PresetError) -> (shape: [Int], values: [Float])? {
                guard case .string(let file)? = files.first(where: { $0.key == key })?.value["file"] else { return nil }
                let path = (directory as NSString).appendingPathComponent(file)
                do { return try Npy.read(path: path) } catch { throw .unreadableFile(path: path, reason: error.description) }
            }
            guard let weight = try read("weight") else { continue }
            result[name] = LayerParameters(
                weight: weight.values, weightShape: weight.shape, bias: try read("bias")?.values,
                runningMean: try read("running_mean")?.values, runningVariance: try read("running_var")?.values)
        }
        return result
    }

    /// Reads a `.safetensors` file keyed as `export --pytorch` writes it (the exported module's `state_dict`, e.g.
    /// `conv1.weight`, `inception_3a.inception_3a_1x1.bias`) into parameters keyed by `network`'s node names.
    public static func loadWeights(safetensors path: String, for network: Network) throws(PresetError) -> [String: LayerParameters] {
        do { return network.parameters(fromStateDict: try Safetensors.read(path: path)) } catch {
            throw .unreadableFile(path: path, reason: error.description)
        }
    }
}
