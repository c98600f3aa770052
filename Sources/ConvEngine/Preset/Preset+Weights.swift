import Foundation

extension Preset {
    /// Reads a weights folder written by `convplay run --dump` (its `manifest.json` and `.npy` files) into
    /// parameters keyed by node name, so a preset can start from saved or externally trained weights. At most
    /// `byteLimit` bytes of `.npy` files are read; shape inference checks every tensor's shape against its layer.
    public static func loadWeights(directory: String, byteLimit: Int = defaultMemoryCap) throws(PresetError) -> [String: LoadedParameters] {
        let manifestPath = (directory as NSString).appendingPathComponent("manifest.json")
        let text = try readText(manifestPath)
        let manifest: JSONValue
        do { manifest = try JSONParser.parse(text) } catch {
            throw .invalidManifest(path: manifestPath, reason: "malformed JSON at \(error)")
        }
        guard case .array(let nodes)? = manifest["nodes"] else {
            throw .invalidManifest(path: manifestPath, reason: "it has no \"nodes\" list")
        }
        var result: [String: LoadedParameters] = [:]
        var budget = byteLimit
        for node in nodes {
            guard case .string(let name)? = node["name"], case .object(let files)? = node["parameters"], !files.isEmpty else { continue }
            var tensors: [String: LoadedParameters.Source] = [:]
            var values: [String: [Float]] = [:]
            for member in files {
                guard case .string(let file)? = member.value["file"] else {
                    throw .invalidManifest(path: manifestPath, reason: "node \"\(name)\" names no file for its \(member.key)")
                }
                let path = (directory as NSString).appendingPathComponent(file)
                let array: (shape: [Int], values: [Float])
                do { array = try Npy.read(path: path, limit: max(budget, 0)) } catch { throw .unreadableWeights(error) }
                budget -= array.values.count * MemoryLayout<Float>.size
                tensors[member.key] = LoadedParameters.Source(file: path, shape: array.shape)
                values[member.key] = array.values
            }
            guard let weight = values["weight"], let weightShape = tensors["weight"]?.shape else {
                throw .invalidManifest(path: manifestPath, reason: "node \"\(name)\" has parameters but no weight")
            }
            result[name] = LoadedParameters(
                parameters: LayerParameters(
                    weight: weight, weightShape: weightShape, bias: values["bias"], runningMean: values["running_mean"],
                    runningVariance: values["running_var"]),
                tensors: tensors)
        }
        return result
    }

    /// Reads a `.safetensors` file keyed as `export --pytorch` writes it (the exported module's `state_dict`, e.g.
    /// `conv1.weight`, `inception_3a.inception_3a_1x1.bias`) into parameters keyed by `network`'s node names.
    /// The file is read within `byteLimit` bytes, and so are the tensors made from it.
    public static func loadWeights(
        safetensors path: String, for network: Network, byteLimit: Int = defaultMemoryCap
    ) throws(PresetError) -> [String: LoadedParameters] {
        let tensors: [Safetensors.Tensor]
        do { tensors = try Safetensors.read(path: path, byteLimit: byteLimit) } catch { throw .unreadableSafetensors(error) }
        return network.parameters(fromStateDict: tensors).mapValues { LoadedParameters(parameters: $0, file: path) }
    }
}
