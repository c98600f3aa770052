/// One training step on one labelled image, without the update: the forward pass in training mode (batch
/// statistics, dropout masks drawn from `seed`), softmax cross-entropy against `label`, and the gradients of
/// every parameter and of the input — what `convplay grad` computes and writes for outside tools to check.
public struct GradientStep: Sendable {
    public let model: TrainableNetwork
    public let input: Tensor
    public let label: Int
    public let seed: UInt64
    public let loss: SoftmaxCrossEntropy.Result
    public let gradients: Gradients
    public let activations: Activations

    /// Computes the step; `label` must be below `model.classCount`.
    public init(model: TrainableNetwork, input: Tensor, label: Int, seed: UInt64) {
        self.model = model
        self.input = input
        self.label = label
        self.seed = seed
        (loss, gradients, activations) = model.gradients(Batch(images: [input]), labels: [label], seed: seed, inputGradient: true)
    }

    /// Writes everything `ActivationDump` writes (the activations of the training pass), plus `loss.npy`,
    /// `input.grad.npy`, per layer `<stem>.weight.grad.npy` and `<stem>.bias.grad.npy` (PyTorch layout, listed
    /// under the node's `gradients`), and what the pass drew (dropout: `<stem>.mask.npy` under `drawn`).
    /// The manifest's top level adds `mode` ("training"), `seed`, `label`, `loss` (file and value), `scores`
    /// (the node whose output is the class scores; a final softmax is fused into the loss) and `input_gradient`.
    public func write(to directory: String, presetName: String) throws(ExportError) {
        let model = model, activations = activations, gradients = gradients
        try ActivationDump.write(
            network: model.network, shapes: model.shapes, input: input,
            output: { path in Tensor(shape: model.shapes.output(of: path), data: activations.outputs[model.index(of: path)!]) },
            parameters: { model.parameters[$0] }, to: directory, presetName: presetName,
            nodeExtras: { path, writer throws(ExportError) in
                let stem = ActivationDump.fileStem(path)
                var extras: [(String, JSONValue)] = []
                if let g = gradients.parameters[path], let p = model.parameters[path] {
                    var entries = [("weight", try writer.save(g.weight, p.weightShape, stem + ".weight.grad.npy"))]
                    if let bias = g.bias { entries.append(("bias", try writer.save(bias, [bias.count], stem + ".bias.grad.npy"))) }
                    extras.append(("gradients", .members(entries)))
                }
                if let layer = model.network.node(at: path)?.layer {
                    let i = model.index(of: path)!
                    let source =
                        model.network.inputPath(of: path).map { activations.outputs[model.index(of: $0)!] } ?? activations.input.data
                    let drawn = source.withUnsafeBufferPointer { x in
                        activations.outputs[i].withUnsafeBufferPointer { y in
                            x.isEmpty || y.isEmpty
                                ? []
                                : layer.kind.drawnTensors(
                                    LayerRun(
                                        input: x.baseAddress!, output: UnsafeMutablePointer(mutating: y.baseAddress!),
                                        io: model.shapes.io(at: path), parameters: model.parameters[path],
                                        mode: TrainableNetwork.layerMode(activations.mode, name: model.network.node(at: path)!.name)))
                        }
                    }
                    var entries: [(String, JSONValue)] = []
                    for (name, values) in drawn {
                        entries.append((name, try writer.save(values, model.shapes.io(at: path).input.dimensions, stem + ".\(name).npy")))
                    }
                    if !entries.isEmpty { extras.append(("drawn", .members(entries))) }
                }
                return extras
            },
            manifestExtras: { writer throws(ExportError) in
                _ = try writer.save([Float(self.loss.loss)], [1], "loss.npy")
                let loss = JSONValue.members([
                    ("file", .string("loss.npy")), ("shape", .array([.integer(1)])), ("value", .number("\(self.loss.loss)")),
                ])
                return [
                    ("mode", .string("training")), ("seed", .integer(Int(truncatingIfNeeded: seed))), ("label", .integer(label)),
                    ("loss", loss), ("scores", .string(model.scoresIndex.map { model.order[$0].description } ?? "input")),
                    ("input_gradient", try writer.save(gradients.input!, input.shape.dimensions, "input.grad.npy")),
                ]
            })
    }
}
