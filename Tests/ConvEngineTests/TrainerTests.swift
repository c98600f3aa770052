import Foundation
import Testing

@testable import ConvEngine

/// The training loop: it learns, it is a pure function of its seed and state (the same weights at any thread
/// count, and a checkpointed run continues bit for bit), it refuses what cannot run, and what it saves opens as
/// a preset with the trained weights.
@Suite(.serialized)
struct TrainerTests {
    static let digits = try! Dataset.digits(directory: ShippedPresets.folder + "/data")

    static func trainer(
        _ preset: String = "nin-digits", data: DataSplit = digits, optimizer: OptimizerKind = .sgd, batch: Int = 32, epochs: Int = 2,
        flip: Bool = false, memoryCap: Int = defaultMemoryCap
    ) throws -> Trainer {
        let network = try ShippedPresets.load(preset).network
        var settings = TrainingSettings(
            epochs: epochs, batchSize: batch,
            optimizer: OptimizerSettings(kind: optimizer, learningRate: optimizer == .sgd ? 0.05 : 0.002, weightDecay: 1e-4),
            schedule: LearningRateSchedule(.cosine, warmupSteps: 3), seed: 11)
        settings.flip = flip
        return try Trainer(model: try TrainableNetwork(network: network), data: data, settings: settings, memoryCap: memoryCap)
    }

    @Test func ninDigitsLearnsInThreeEpochs() throws {
        var trainer = try Self.trainer(epochs: 3)
        let before = trainer.evaluate(trainer.data.heldOut)
        while !trainer.isFinished { _ = trainer.trainNextBatch() }
        let after = trainer.evaluate(trainer.data.heldOut)
        print("nin-digits, three epochs: held-out \(before.accuracy) → \(after.accuracy), loss \(before.loss) → \(after.loss)")
        #expect(after.loss < before.loss * 0.5)
        #expect(after.accuracy > 0.7)
        #expect(after.count == 355 && after.confusion.count == 10)
    }

    @Test func sameSeedSameWeightsAtAnyThreadCount() throws {
        let saved = KernelThreads.count
        defer { KernelThreads.count = saved }
        var results: [[NodePath: LayerParameters]] = []
        for threads in [1, 2, 2] {
            KernelThreads.count = threads
            var trainer = try Self.trainer(optimizer: .adam, flip: true)
            for _ in 0..<4 { _ = trainer.trainNextBatch() }
            results.append(trainer.model.parameters)
        }
        #expect(results[1] == results[2], "the same run twice")
        #expect(results[0] == results[1], "1 thread and 2 threads")
        #expect(results[0] != (try Self.trainer()).model.parameters, "training moved the weights")
    }

    @Test func aResumedRunContinuesBitForBit() throws {
        var straight = try Self.trainer(batch: 256, epochs: 1)
        while !straight.isFinished { _ = straight.trainNextBatch() }

        var first = try Self.trainer(batch: 256, epochs: 1)
        for _ in 0..<3 { _ = first.trainNextBatch() }
        try withTemporaryFolder("checkpoint") { root in
            let folder = root + "/run"
            try Checkpoint(trainer: first, presetName: "nin-digits", data: "digits").write(to: folder)
            try Checkpoint(trainer: first, presetName: "nin-digits", data: "digits").write(to: folder)  // over an old one
            var resumed = try Self.trainer(batch: 256, epochs: 1)
            let saved = try Checkpoint.read(from: folder, model: resumed.model)
            #expect(saved.difference(from: resumed.settings, presetName: "nin-digits", data: "digits") == nil)
            resumed.restore(parameters: saved.parameters, optimizer: saved.optimizer, epoch: saved.epoch, batchInEpoch: saved.batchInEpoch)
            #expect(resumed.step == 3 && resumed.batchInEpoch == 3)
            while !resumed.isFinished { _ = resumed.trainNextBatch() }
            #expect(resumed.model.parameters == straight.model.parameters)
            #expect(resumed.optimizer.moments == straight.optimizer.moments)
        }
    }

    @Test func checkpointNamesTheSettingThatDiffers() throws {
        let trainer = try Self.trainer()
        let checkpoint = Checkpoint(trainer: trainer, presetName: "nin-digits", data: "digits")
        var other = trainer.settings
        other.optimizer.learningRate = 0.1
        #expect(checkpoint.difference(from: other, presetName: "nin-digits", data: "digits") == "--lr (0.05, now 0.1)")
        #expect(checkpoint.difference(from: trainer.settings, presetName: "nin-digits", data: "shapes") == "--data (digits, now shapes)")
        try withTemporaryFolder("no-checkpoint") { missing in
            #expect {
                try Checkpoint.read(from: missing, model: trainer.model)
            } throws: {
                "\($0)" == "\(missing): no checkpoint.json here — give --resume the folder a stopped run saved its checkpoint to"
            }
        }
    }

    /// A checkpoint is read, not trusted: a moment of the wrong length (which the optimiser would index past its
    /// end) and a FIFO in place of a tensor are refused with the file named, before training starts.
    @Test func aDamagedCheckpointIsRefused() throws {
        var trainer = try Self.trainer(batch: 256, epochs: 1)
        _ = trainer.trainNextBatch()
        try withTemporaryFolder("damaged") { root in
            let folder = root + "/run"
            try Checkpoint(trainer: trainer, presetName: "nin-digits", data: "digits").write(to: folder)
            let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            let moment = try #require(files.first { $0.hasSuffix(".weight.npy") == false && $0.hasSuffix(".moment0.npy") })
            try Npy.write([1], shape: [1], to: folder + "/" + moment)
            #expect {
                try Checkpoint.read(from: folder, model: trainer.model)
            } throws: {
                "\($0)".hasPrefix("\(folder): ") && "\($0)".contains(" moment 0 has 1 values, this network's has ")
                    && "\($0)".hasSuffix(" — resume with the preset it was saved from")
            }
            try FileManager.default.removeItem(atPath: folder + "/" + moment)
            #expect(mkfifo(folder + "/" + moment, 0o644) == 0)
            #expect {
                try Checkpoint.read(from: folder, model: trainer.model)
            } throws: {
                "\($0)".contains("\(folder)/\(moment): cannot be read: it is a FIFO (named pipe), not a regular file — name a regular file")
            }
        }
    }

    @Test func refusesWhatCannotTrain() throws {
        let shapes = try Dataset.shapes(shape: Shape(channels: 1, height: 8, width: 8), count: 12, seed: 1, cap: 1 << 20) as DataSplit
        #expect {
            try Self.trainer(data: shapes)
        } throws: {
            "\($0)" == "NIN digits scores 10 classes but shapes has 6 — pick a preset whose last layer has 6 outputs"
        }
        #expect {
            try Self.trainer(batch: 4096, memoryCap: 64 << 20)
        } throws: {
            "\($0)".hasPrefix("a training step with batch 4096 holds up to ")
                && "\($0)".hasSuffix(
                    "over the 64.0 MiB memory cap — use a smaller --batch or raise --memory-cap")
        }
    }

    /// What `--save` writes opens as a preset whose forward pass is the trained network's.
    @Test func savedPresetCarriesTheTrainedWeights() throws {
        var trainer = try Self.trainer(batch: 128, epochs: 1)
        for _ in 0..<3 { _ = trainer.trainNextBatch() }
        try withTemporaryFolder("saved") { root in
            let folder = root + "/trained"
            let preset = try ShippedPresets.load("nin-digits")
            try trainer.model.saveTrained(to: folder, presetDirectory: ShippedPresets.folder, input: preset.input)
            let loaded = try Preset.load(path: folder + "/preset.json")
            #expect(loaded.network.initialization.weightsDirectory == "weights")
            let reopened = try TrainableNetwork(network: loaded.network)
            #expect(reopened.parameters == trainer.model.parameters)
            let output = try loaded.network.forward(try loaded.network.input.makeTensor(relativeTo: loaded.directory))
            let expected = trainer.model.forward(Batch(images: [preset.input]), mode: .inference)
            #expect(output.data == expected.outputs.last)
        }
    }
}
