/// How the exported PyTorch module (`export --pytorch`) names its parts, and its `state_dict`: the one place
/// that decides both, so `model.py`, `weights.safetensors` and reading weights back agree.
extension Network {
    /// Each node's attribute path in the exported module. A node's attribute is its name made a Python identifier
    /// (`inception_3a/1x1` → `inception_3a_1x1`), unique in its module; a block is a submodule holding the nodes of
    /// all its branches (`inception_3a.inception_3a_1x1`).
    public func moduleNames() -> [NodePath: String] {
        var names: [NodePath: String] = [:]
        func assign(_ sequence: [Node], prefix: String, taken: inout Set<String>, pathOf: (Int) -> NodePath) {
            for (index, node) in sequence.enumerated() {
                let path = pathOf(index)
                let attribute = pythonIdentifier(node.name, avoiding: &taken)
                let full = prefix.isEmpty ? attribute : prefix + "." + attribute
                names[path] = full
                if let block = node.block {
                    var inner: Set<String> = []
                    for (b, branch) in block.branches.enumerated() {
                        assign(branch, prefix: full, taken: &inner) { path.child(branch: b, index: $0) }
                    }
                }
            }
        }
        var top: Set<String> = []
        assign(nodes, prefix: "", taken: &top) { NodePath.top($0) }
        return names
    }

    /// The exported module's `state_dict`, in execution order: each layer's `weight`, `bias`, and for batch norm
    /// `running_mean`, `running_var` and `num_batches_tracked` (0), under its module path.
    public func stateDict(shapes: ShapeTable) -> [Safetensors.Tensor] {
        let names = moduleNames()
        var tensors: [Safetensors.Tensor] = []
        for path in executionOrder {
            guard let p = parameters(at: path, shapes: shapes), let prefix = names[path] else { continue }
            tensors.append(.init(name: prefix + ".weight", shape: p.weightShape, values: .float32(p.weight)))
            if let bias = p.bias { tensors.append(.init(name: prefix + ".bias", shape: [bias.count], values: .float32(bias))) }
            if let mean = p.runningMean, let variance = p.runningVariance {
                tensors.append(.init(name: prefix + ".running_mean", shape: [mean.count], values: .float32(mean)))
                tensors.append(.init(name: prefix + ".running_var", shape: [variance.count], values: .float32(variance)))
                tensors.append(.init(name: prefix + ".num_batches_tracked", shape: [], values: .int64([0])))
            }
        }
        return tensors
    }

    /// Parameters by node name from a `state_dict` keyed as `stateDict` writes it (tensors of layers this network
    /// does not have are ignored; a layer whose weight is missing keeps its drawn parameters).
    public func parameters(fromStateDict tensors: [Safetensors.Tensor]) -> [String: LayerParameters] {
        var byName: [String: Safetensors.Tensor] = [:]
        for tensor in tensors { byName[tensor.name] = tensor }
        var result: [String: LayerParameters] = [:]
        for (path, prefix) in moduleNames() {
            guard let node = node(at: path), node.layer != nil, let weight = byName[prefix + ".weight"], let values = weight.values.floats
            else { continue }
            result[node.name] = LayerParameters(
                weight: values, weightShape: weight.shape, bias: byName[prefix + ".bias"]?.values.floats,
                runningMean: byName[prefix + ".running_mean"]?.values.floats,
                runningVariance: byName[prefix + ".running_var"]?.values.floats)
        }
        return result
    }
}

/// `name` as a Python identifier not yet in `taken` (which it joins): other characters become `_`, a leading
/// digit gets `_` before it, keywords and `nn.Module`'s own attributes get `_` after, and a repeat gets `_2`, `_3`.
func pythonIdentifier(_ name: String, avoiding taken: inout Set<String>) -> String {
    var base = String(
        name.unicodeScalars.map { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) ? Character($0) : "_" })
    if base.isEmpty { base = "node" }
    if base.first!.isNumber { base = "_" + base }
    if pythonReserved.contains(base) { base += "_" }
    return unique(base, among: &taken, joiner: "_")
}

/// `base`, or `base` + joiner + 2, 3, … : the first not in `taken`, which it joins.
func unique(_ base: String, among taken: inout Set<String>, joiner: String) -> String {
    var candidate = base
    var n = 2
    while taken.contains(candidate) {
        candidate = "\(base)\(joiner)\(n)"
        n += 1
    }
    taken.insert(candidate)
    return candidate
}

/// Python's keywords and the `nn.Module` attributes an exported layer must not shadow.
private let pythonReserved: Set<String> = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
    "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
    "return", "try", "while", "with", "yield", "forward", "training", "eval", "train", "parameters", "modules", "children",
    "state_dict", "load_state_dict", "to", "cuda", "cpu", "float", "double", "half", "type", "apply", "zero_grad", "register_buffer",
    "register_parameter", "add_module", "buffers", "named_modules", "named_parameters", "named_buffers", "named_children",
    "requires_grad_", "extra_repr", "dump_patches", "call_super_init",
]
