import ArgumentParser
import ConvEngine
import Foundation

/// `convplay grad`: one training step's gradients on the preset's input, written for outside tools to check.
struct Grad: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute the loss and every gradient of one training step on the preset's input, and dump them.",
        discussion: """
            The forward pass runs in training mode (batch norm on the image's own statistics, dropout masks drawn
            from the seed); the loss is softmax cross-entropy of the class scores (a final softmax is fused into it)
            against --label. --dump DIR writes everything `run --dump` writes, plus loss.npy, input.grad.npy and
            per layer <stem>.weight.grad.npy and <stem>.bias.grad.npy (PyTorch layout) and the dropout masks,
            all listed in manifest.json.
            """)

    @OptionGroup var options: PresetOptions
    @Option(
        name: .customLong("label"), parsing: .unconditional,
        help: ArgumentHelp("The class the loss is taken against (default 0).", valueName: "n"))
    var labelText = "0"
    @Option(help: ArgumentHelp("Write activations, parameters, gradients and a manifest as .npy files into this folder.", valueName: "dir"))
    var dump: String

    func run() throws {
        // Any whole number reads; one outside the network's classes is refused below, naming them.
        guard let label = Int(labelText) else {
            throw CommandError.badNumber(flag: "--label", text: labelText, requirement: "the label must be a whole number, a class index")
        }
        let loaded = try options.load()
        let cap = try options.memoryCap()
        let model: TrainableNetwork
        do { model = try TrainableNetwork(network: loaded.network, memoryCap: cap) } catch {
            throw CommandError.impossibleNetwork(preset: options.preset, error)
        }
        let input: Tensor
        do { input = try loaded.network.input.makeTensor(relativeTo: loaded.directory, memoryCap: cap) } catch {
            throw CommandError.unreadableInput(preset: options.preset, error)
        }
        guard (0..<model.classCount).contains(label) else {
            throw CommandError.labelOutOfRange(label: label, classes: model.classCount, preset: options.preset)
        }
        let step = GradientStep(model: model, input: input, label: label, seed: loaded.network.initialization.seed)
        print(
            "loss \(formatFixed(step.loss.loss, digits: 6)) · label \(label) · predicted \(step.loss.predictions[0]) "
                + "of \(model.classCount) classes")
        print(GradientTable(step: step).render(), terminator: "")
        try step.write(to: dump, presetName: options.preset)
        print("wrote \(dump)/manifest.json")
    }
}

/// Each parameter tensor's gradient as an aligned table: path, name, tensor, shape, L2 norm, largest |value|.
struct GradientTable {
    let step: GradientStep

    func render() -> String {
        var rows = [["path", "name", "tensor", "shape", "norm", "max |g|"]]
        func row(_ path: String, _ name: String, _ tensor: String, _ shape: [Int], _ values: [Float]) {
            let norm = values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            let largest = values.map { abs(Double($0)) }.max() ?? 0
            rows.append([
                path, name, tensor, shape.map(String.init).joined(separator: "×"), formatScientific(norm), formatScientific(largest),
            ])
        }
        let model = step.model
        for path in model.order {
            guard let g = step.gradients.parameters[path], let p = model.parameters[path] else { continue }
            let name = model.network.node(at: path)!.name
            row(path.description, name, "weight", p.weightShape, g.weight)
            if let bias = g.bias { row(path.description, name, "bias", [bias.count], bias) }
        }
        if let input = step.gradients.input { row("", "input", "", step.input.shape.dimensions, input) }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max()! }
        return rows.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i >= 4 ? pad + cell : cell + pad
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    private func formatScientific(_ value: Double) -> String { String(format: "%.3e", value) }
}
