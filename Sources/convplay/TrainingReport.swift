import ConvEngine
import Foundation

/// What `train` prints and logs: a header, per epoch a progress bar on a terminal or one line without, JSON
/// lines in the log, and at the end held-out accuracy, memory and the confusion matrix.
struct TrainingReport {
    let preset: String
    let source: DataSource
    let logPath: String?
    let appendLog: Bool
    /// Progress bars only on a terminal; a pipe or file gets one line per epoch.
    let isTerminal = isatty(STDOUT_FILENO) != 0
    private var log: FileHandle?
    /// Seconds spent in training steps (evaluation excluded).
    private(set) var trainingSeconds = 0.0
    private(set) var trainedImages = 0

    /// How a run ended: every epoch done, stopped by Ctrl-C, or stopped because the log could not be written.
    enum Outcome { case finished, interrupted, logFailed }

    init(preset: String, source: DataSource, logPath: String?, appendLog: Bool) {
        self.preset = preset
        self.source = source
        self.logPath = logPath
        self.appendLog = appendLog
    }

    /// Opens the log and prints what is about to be trained.
    mutating func start() throws {
        if let logPath {
            do {
                log = FileHandle(fileDescriptor: try AtomicFile.openLog(logPath, append: appendLog), closeOnDealloc: true)
            } catch { throw CommandError.logFailed(file: logPath, reason: error.reason) }
        }
    }

    /// Trains until the run is finished or `stopWhen` says so between two batches.
    mutating func train(_ trainer: inout Trainer, stopWhen: () -> Bool) throws -> Outcome {
        let s = trainer.settings, data = trainer.data
        print(
            "\(preset) on \(source): \(formatGrouped(data.training.count)) training images, \(formatGrouped(data.heldOut.count)) held out, "
                + "\(data.training.classNames.count) classes · batch \(s.batchSize) · \(describe(s.optimizer)) · \(s.schedule.shapeText)"
                + (s.schedule.warmupSteps > 0 ? " after \(s.schedule.warmupSteps) warm-up steps" : "")
                + " · \(KernelThreads.count) thread\(KernelThreads.count == 1 ? "" : "s") · a step holds at most \(formatBytes(trainer.memoryBound))"
        )
        while !trainer.isFinished {
            if stopWhen() { return .interrupted }
            let epoch = trainer.epoch
            var loss = 0.0, correct = 0, images = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var lastDraw = 0.0
            repeat {
                if stopWhen() {
                    if isTerminal { print() }
                    return .interrupted
                }
                let stepStart = DispatchTime.now().uptimeNanoseconds
                let step = trainer.trainNextBatch()
                trainingSeconds += Double(DispatchTime.now().uptimeNanoseconds - stepStart) / 1e9
                trainedImages += step.images
                // Training on is pointless (every later weight is nan) and saving would overwrite good weights with it.
                guard step.loss.isFinite else {
                    if isTerminal { print() }
                    throw CommandError.lossNotFinite(step: step.step, loss: step.loss, rate: step.learningRate)
                }
                loss += step.loss * Double(step.images)
                correct += step.correct
                images += step.images
                let logged = write([
                    ("step", .integer(step.step)), ("epoch", .integer(step.epoch + 1)), ("batch", .integer(step.batch + 1)),
                    ("loss", .number(String(format: "%.6f", step.loss))),
                    ("accuracy", .number(String(format: "%.4f", Double(step.correct) / Double(step.images)))),
                    ("lr", .float(step.learningRate)),
                ])
                guard logged else {
                    if isTerminal { print() }
                    return .logFailed
                }
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                if isTerminal && (elapsed - lastDraw > 0.1 || trainer.epoch != epoch) {
                    lastDraw = elapsed
                    let done = step.batch + 1, total = trainer.stepsPerEpoch
                    let eta = elapsed / Double(max(done, 1)) * Double(total - done)
                    print(
                        "\r\u{1B}[K" + epochLabel(epoch, trainer) + " " + bar(done, total) + " \(done)/\(total) · loss "
                            + formatFixed(loss / Double(images), digits: 4) + " · accuracy "
                            + formatFixed(100 * Double(correct) / Double(images), digits: 1) + " % · "
                            + formatGrouped(Int(Double(images) / max(elapsed, 1e-9))) + " img/s · ETA " + clock(eta),
                        terminator: "")
                    fflush(nil)
                }
            } while trainer.epoch == epoch
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let heldOut = trainer.evaluate(data.heldOut)
            guard
                write([
                    ("epoch", .integer(epoch + 1)), ("held_out_accuracy", .number(String(format: "%.4f", heldOut.accuracy))),
                    ("held_out_loss", .number(String(format: "%.6f", heldOut.loss))),
                ])
            else {
                if isTerminal { print() }
                return .logFailed
            }
            if isTerminal { print("\r\u{1B}[K", terminator: "") }
            print(
                epochLabel(epoch, trainer) + "  loss " + formatFixed(loss / Double(max(images, 1)), digits: 4) + "  accuracy "
                    + formatFixed(100 * Double(correct) / Double(max(images, 1)), digits: 1) + " %  held-out "
                    + formatFixed(100 * heldOut.accuracy, digits: 1) + " %  lr " + String(format: "%.4g", trainer.learningRate) + "  "
                    + formatGrouped(Int(Double(images) / max(seconds, 1e-9))) + " img/s  " + formatFixed(seconds, digits: 1) + " s")
        }
        return .finished
    }

    /// Held-out accuracy, time, memory and the confusion matrix.
    func finish(_ trainer: Trainer) {
        let evaluation = trainer.evaluate(trainer.data.heldOut)
        print(
            "held-out accuracy \(formatFixed(100 * evaluation.accuracy, digits: 2)) % (\(evaluation.correct)/\(evaluation.count)) · loss "
                + formatFixed(evaluation.loss, digits: 4) + " · \(trainer.step) steps, "
                + formatFixed(trainingSeconds, digits: 1) + " s training · "
                + formatGrouped(Int(Double(trainedImages) / max(trainingSeconds, 1e-9))) + " img/s")
        print(
            "a training step held at most \(formatBytes(trainer.measuredStepBytes)) (bound \(formatBytes(trainer.memoryBound))): "
                + "activations \(formatBytes(trainer.model.shapes.activationBytes * trainer.settings.batchSize)), gradients and scratch "
                + "\(formatBytes(trainer.peakGradientBytes)), parameters with gradients and optimiser state "
                + formatBytes(trainer.parameterBytes * (2 + trainer.optimizer.buffersPerTensor)))
        print(ConfusionTable(evaluation).render(), terminator: "")
    }

    /// Appends one JSON line to the log, if there is one; false when the write failed.
    private func write(_ members: [(String, JSONValue)]) -> Bool {
        guard let log else { return true }
        return (try? log.write(contentsOf: Data((JSONValue.members(members).compactText + "\n").utf8))) != nil
    }

    private func epochLabel(_ epoch: Int, _ trainer: Trainer) -> String {
        let width = String(trainer.settings.epochs).count
        let number = String(epoch + 1)
        return "epoch " + String(repeating: " ", count: width - number.count) + number + "/\(trainer.settings.epochs)"
    }

    private func bar(_ done: Int, _ total: Int) -> String {
        let width = 24, filled = done * width / max(total, 1)
        return "[" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "]"
    }

    private func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return "\(whole / 60):" + (whole % 60 < 10 ? "0" : "") + "\(whole % 60)"
    }

    private func describe(_ o: OptimizerSettings) -> String {
        var text = "\(o.kind.rawValue) lr \(formatShortest(o.learningRate))"
        if o.kind == .sgd && o.momentum > 0 { text += " momentum \(formatShortest(o.momentum))" + (o.nesterov ? " nesterov" : "") }
        if o.weightDecay > 0 { text += " weight decay \(formatShortest(o.weightDecay))" }
        return text
    }
}

/// A confusion matrix as text: rows are the true classes, columns the predictions.
struct ConfusionTable {
    let evaluation: Evaluation
    init(_ evaluation: Evaluation) { self.evaluation = evaluation }

    func render() -> String {
        let names = evaluation.classNames.map { String($0.prefix(8)) }
        let nameWidth = max(names.map(\.count).max() ?? 0, 4)
        let cell = max(String(evaluation.confusion.flatMap { $0 }.max() ?? 0).count, names.map(\.count).max() ?? 0, 3) + 1
        func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(width - text.count, 0)) + text }
        var lines = ["confusion matrix (rows: true class, columns: predicted)"]
        lines.append(String(repeating: " ", count: nameWidth) + names.map { pad($0, cell) }.joined())
        for (i, row) in evaluation.confusion.enumerated() {
            lines.append(names[i] + String(repeating: " ", count: nameWidth - names[i].count) + row.map { pad(String($0), cell) }.joined())
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
