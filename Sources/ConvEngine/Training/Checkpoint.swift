import Foundation

/// A training run frozen between two batches: its settings, position, parameters and optimiser moments.
/// A folder: `checkpoint.json` (format 1: `preset`, `data`, `settings`, `epoch`, `batch`, `step` and `tensors`,
/// per layer its node path and files) beside `.npy` files — `<stem>.weight.npy`, `.bias.npy`,
/// `.running_mean.npy`, `.running_var.npy` and `<stem>.moment<k>.npy` for the optimiser's buffers.
public struct Checkpoint: Sendable {
    public var presetName: String
    public var data: String
    public var settings: TrainingSettings
    public var epoch, batchInEpoch: Int
    public var parameters: [NodePath: LayerParameters]
    public var optimizer: Optimizer

    /// The state of `trainer` now.
    public init(trainer: Trainer, presetName: String, data: String) {
        self.presetName = presetName
        self.data = data
        settings = trainer.settings
        epoch = trainer.epoch
        batchInEpoch = trainer.batchInEpoch
        parameters = trainer.model.parameters
        optimizer = trainer.optimizer
    }

    /// The file that makes a folder a checkpoint.
    static let manifestFile = "checkpoint.json"

    /// Refuses a folder `write(to:)` would refuse (a file, a folder of other files), before the run whose
    /// checkpoint it would hold.
    public static func checkFolder(_ directory: String) throws(ExportError) {
        try DumpWriter.checkReplaceable(directory, marker: manifestFile)
    }

    /// Writes the folder whole or not at all: into a sibling folder first, then swapped in for any old one.
    public func write(to directory: String) throws(ExportError) {
        try DumpWriter.writeWhole(directory, marker: Self.manifestFile) { writer throws(ExportError) in
            var tensors: [JSONValue] = []
            for path in parameters.keys.sorted() {
                let p = parameters[path]!, stem = ActivationDump.fileStem(path)
                var entry: [(String, JSONValue)] = [("path", .string(path.description))]
                entry.append(("weight", try writer.save(p.weight, p.weightShape, stem + ".weight.npy")))
                if let bias = p.bias { entry.append(("bias", try writer.save(bias, [bias.count], stem + ".bias.npy"))) }
                if let mean = p.runningMean {
                    entry.append(("running_mean", try writer.save(mean, [mean.count], stem + ".running_mean.npy")))
                }
                if let variance = p.runningVariance {
                    entry.append(("running_var", try writer.save(variance, [variance.count], stem + ".running_var.npy")))
                }
                var moments: [JSONValue] = []
                for (k, moment) in (optimizer.moments[path] ?? []).enumerated() {
                    moments.append(try writer.save(moment, [moment.count], stem + ".moment\(k).npy"))
                }
                entry.append(("moments", .array(moments)))
                tensors.append(.members(entry))
            }
            let manifest = JSONValue.members([
                ("format", .integer(1)), ("preset", .string(presetName)), ("data", .string(data)),
                ("settings", Self.encode(settings)), ("epoch", .integer(epoch)), ("batch", .integer(batchInEpoch)),
                ("step", .integer(optimizer.step)), ("tensors", .array(tensors)),
            ])
            try writer.writeManifest(manifest, name: Self.manifestFile)
        }
    }

    /// Reads a checkpoint folder written for `model`'s network: every tensor must be there with its size, and the
    /// optimiser's moments with theirs; files are regular ones named inside the folder, read within `memoryCap`.
    public static func read(
        from directory: String, model: TrainableNetwork, memoryCap: Int = defaultMemoryCap
    ) throws(TrainingError) -> Checkpoint {
        func bad(_ reason: String) -> TrainingError { .badCheckpoint(path: directory, reason: reason) }
        let manifestPath = directory + "/" + manifestFile
        let manifest: String?
        do { manifest = try FileReader.utf8Text(of: manifestPath, limit: SizeLimits.jsonFileBytes) } catch {
            if case .notFound = error {
                throw bad("no checkpoint.json here — give --resume the folder a stopped run saved its checkpoint to")
            }
            throw bad("checkpoint.json cannot be read: \(error) — \(error.fix)")
        }
        guard let text = manifest else {
            throw bad("checkpoint.json is not UTF-8 text — the checkpoint is damaged")
        }
        let json: JSONValue
        do { json = try JSONParser.parse(text) } catch {
            throw bad("checkpoint.json is not valid JSON (\(error.problem)) — the checkpoint is damaged")
        }
        guard json["format"]?.integerValue == 1, case .string(let preset)? = json["preset"], case .string(let source)? = json["data"],
            let settingsJSON = json["settings"], let settings = decode(settingsJSON), let epoch = json["epoch"]?.integerValue,
            let batch = json["batch"]?.integerValue, let step = json["step"]?.integerValue, case .array(let tensors)? = json["tensors"]
        else { throw bad("checkpoint.json lacks a field convplay writes — the checkpoint is damaged or from another version") }
        guard epoch >= 0, batch >= 0, step >= 0 else {
            throw bad("checkpoint.json holds a negative epoch, batch or step — the checkpoint is damaged")
        }
        var parameters = model.parameters
        var optimizer = Optimizer(settings.optimizer)
        optimizer.step = step
        var budget = memoryCap
        /// The values of the `.npy` file `entry` names (a file inside the folder), exactly `count` of them.
        func values(_ entry: JSONValue?, count: Int, what: String) throws(TrainingError) -> [Float] {
            guard case .string(let file)? = entry?["file"] else { throw bad("\(what) is missing — the checkpoint is damaged") }
            guard !file.isEmpty, !file.contains("/"), file != ".", file != ".." else {
                throw bad(
                    "\(what) names the file \(quoted(file)), which is not a file in the checkpoint folder — the checkpoint is damaged")
            }
            let values: [Float]
            do { values = try Npy.read(path: directory + "/" + file, limit: max(budget, 0)).values } catch {
                throw bad("\(what): \(error.description)")
            }
            guard values.count == count else {
                throw bad("\(what) has \(values.count) values, this network's has \(count) — resume with the preset it was saved from")
            }
            budget -= values.count * MemoryLayout<Float>.size
            return values
        }
        for tensor in tensors {
            guard case .string(let text)? = tensor["path"], let path = model.order.first(where: { $0.description == text }),
                let expected = model.parameters[path]
            else { throw bad("it holds parameters for a layer this network does not have — resume with the preset it was saved from") }
            let place = visible(text)
            func load(_ key: String, _ count: Int?) throws(TrainingError) -> [Float]? {
                guard let count else { return nil }
                return try values(tensor[key], count: count, what: "\(place) \(key)")
            }
            var p = expected
            p.weight = try load("weight", expected.weight.count)!
            p.bias = try load("bias", expected.bias?.count)
            p.runningMean = try load("running_mean", expected.runningMean?.count)
            p.runningVariance = try load("running_var", expected.runningVariance?.count)
            parameters[path] = p
            if case .array(let moments)? = tensor["moments"], !moments.isEmpty {
                // The optimiser keeps its buffers per tensor: the weight's first, then the bias's, each its size.
                let counts = [p.weight.count] + (p.bias.map { [$0.count] } ?? [])
                let expectedCounts = counts.flatMap { Array(repeating: $0, count: optimizer.buffersPerTensor) }
                guard moments.count == expectedCounts.count else {
                    throw bad(
                        "\(place) has \(moments.count) optimiser moments, \(settings.optimizer.kind.rawValue) keeps \(expectedCounts.count) — "
                            + "resume with the optimiser it was saved with")
                }
                var buffers: [[Float]] = []
                for (k, moment) in moments.enumerated() {
                    buffers.append(try values(moment, count: expectedCounts[k], what: "\(place) moment \(k)"))
                }
                optimizer.moments[path] = buffers
            }
        }
        return Checkpoint(
            presetName: preset, data: source, settings: settings, epoch: epoch, batchInEpoch: batch, parameters: parameters,
            optimizer: optimizer)
    }

    private init(
        presetName: String, data: String, settings: TrainingSettings, epoch: Int, batchInEpoch: Int,
        parameters: [NodePath: LayerParameters], optimizer: Optimizer
    ) {
        self.presetName = presetName
        self.data = data
        self.settings = settings
        self.epoch = epoch
        self.batchInEpoch = batchInEpoch
        self.parameters = parameters
        self.optimizer = optimizer
    }

    /// The first setting in which this checkpoint's run differs from the one asked for, spelled as an option
    /// with both values; nil when they agree (a resumed run must be the same run to continue it bit for bit).
    public func difference(from settings: TrainingSettings, presetName: String, data: String) -> String? {
        if presetName != self.presetName { return "the preset (\(self.presetName), now \(presetName))" }
        if data != self.data { return "--data (\(self.data), now \(data))" }
        let ours = Self.encode(self.settings), theirs = Self.encode(settings)
        guard case .object(let saved) = ours, case .object(let asked) = theirs else { return nil }
        for (a, b) in zip(saved, asked) where a.value != b.value {
            return "--\(a.key) (\(a.value.plainText), now \(b.value.plainText))"
        }
        return nil
    }

    static func encode(_ s: TrainingSettings) -> JSONValue {
        .members([
            ("epochs", .integer(s.epochs)), ("batch", .integer(s.batchSize)), ("optimizer", .string(s.optimizer.kind.rawValue)),
            ("lr", .float(s.optimizer.learningRate)), ("momentum", .float(s.optimizer.momentum)), ("nesterov", .bool(s.optimizer.nesterov)),
            ("weight-decay", .float(s.optimizer.weightDecay)), ("schedule", .string(s.schedule.shapeText)),
            ("warmup-steps", .integer(s.schedule.warmupSteps)), ("seed", .string(String(s.seed))), ("shuffle", .bool(s.shuffle)),
            ("flip", .bool(s.flip)),
        ])
    }

    static func decode(_ json: JSONValue) -> TrainingSettings? {
        guard let epochs = json["epochs"]?.integerValue, let batch = json["batch"]?.integerValue,
            case .string(let kindText)? = json["optimizer"], let kind = OptimizerKind(rawValue: kindText),
            let lr = json["lr"]?.floatValue, let momentum = json["momentum"]?.floatValue, case .bool(let nesterov)? = json["nesterov"],
            let decay = json["weight-decay"]?.floatValue, case .string(let scheduleText)? = json["schedule"],
            let shape = LearningRateSchedule.parseShape(scheduleText), let warmup = json["warmup-steps"]?.integerValue,
            case .string(let seedText)? = json["seed"], let seed = UInt64(seedText), case .bool(let shuffle)? = json["shuffle"],
            case .bool(let flip)? = json["flip"]
        else { return nil }
        var settings = TrainingSettings(
            epochs: epochs, batchSize: batch,
            optimizer: OptimizerSettings(kind: kind, learningRate: lr, momentum: momentum, nesterov: nesterov, weightDecay: decay),
            schedule: LearningRateSchedule(shape, warmupSteps: warmup), seed: seed)
        settings.shuffle = shuffle
        settings.flip = flip
        return settings
    }
}

extension JSONValue {
    /// The value of a number as a Float, nil otherwise.
    var floatValue: Float? { if case .number(let text) = self { Float(text) } else { nil } }
    /// A scalar as a person writes it: a string without quotes, a number or boolean as is.
    var plainText: String {
        switch self {
        case .string(let text): text
        case .number(let text): text
        case .bool(let value): "\(value)"
        default: "\(self)"
        }
    }
}
