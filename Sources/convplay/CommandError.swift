import ConvEngine
import ConvPlayTUI

/// An error the user can act on: its `description` is one sentence naming what to change. `ConvPlay.main`
/// prints it after "convplay: " on stderr and exits with status 2; nothing else prints errors or exits.
protocol UserFacingError: Error, CustomStringConvertible {}

extension PresetError: UserFacingError {}
extension ShapeError: UserFacingError {}
extension InputError: UserFacingError {}
extension ExportError: UserFacingError {}
extension ONNXImportError: UserFacingError {}
extension PlaygroundError: UserFacingError {}
extension DataError: UserFacingError {}
extension TrainingError: UserFacingError {}
extension SafetensorsError: UserFacingError {}
extension ClassNameListError: UserFacingError {}

/// Why a subcommand failed, beyond the engine's own errors: what the command was working on, and why.
enum CommandError: UserFacingError {
    /// The preset named on the command line cannot run: impossible shapes, or over the memory cap.
    case impossibleNetwork(preset: String, ShapeError)
    /// The preset named on the command line has an input that cannot be made.
    case unreadableInput(preset: String, InputError)
    /// `--input PATTERN:SEED` with a seed that is not a whole number.
    case inputSeedNotANumber(source: String, pattern: String)
    /// `--input ''`.
    case emptyInputSource
    /// A number flag whose text is not a whole number in its range; `requirement` says what it takes.
    case badNumber(flag: String, text: String, requirement: String)
    /// `--schedule` in no spelling `train` reads.
    case badSchedule(String)
    /// No shipped presets folder was found.
    case noShippedPresets
    /// A forward pass that should have run to the end stopped early.
    case incompleteForwardPass(preset: String)
    /// `--resume DIR` saved by a run with other settings.
    case resumeMismatch(folder: String, difference: String)
    /// `--log FILE` could not be opened for writing.
    case logFailed(file: String, reason: String)
    /// Writing `--log` failed during training: the run stopped after `step`, checkpointed in `checkpoint` unless
    /// that failed too (`checkpointFailure`).
    case logFailedMidRun(file: String, step: Int, checkpoint: String, checkpointFailure: String?)
    /// The loss became nan or inf in a training step: nothing is saved.
    case lossNotFinite(step: Int, loss: Double, rate: Float)
    /// `--label N` beyond the classes the network scores.
    case labelOutOfRange(label: Int, classes: Int, preset: String)
    /// `train` or `evaluate` without `--data` on a preset that names no data set.
    case noTrainingData(preset: String)
    /// `--isa NAME` with a name that is no instruction set, or one this CPU lacks (`cpu`: the best it has).
    case unsupportedInstructionSet(name: String, cpu: InstructionSet)

    var description: String {
        switch self {
        case .impossibleNetwork(let preset, let error):
            return "\(visible(preset)): \(error)"
        case .unreadableInput(let preset, let error):
            return "\(visible(preset)): \(error)"
        case .inputSeedNotANumber(let source, let pattern):
            return "--input \(visible(source)): the seed after ':' must be a whole number, e.g. \(pattern):3"
        case .emptyInputSource:
            return "--input is empty — name a generator (" + SyntheticPattern.allCases.map(\.rawValue).joined(separator: ", ")
                + ") or an image path"
        case .badNumber(let flag, let text, let requirement):
            return "\(flag) \(visible(text)): \(requirement)"
        case .noShippedPresets:
            return "no shipped presets found — set CONVPLAY_PRESETS to the presets folder of your convplay checkout"
        case .incompleteForwardPass(let preset):
            return "\(visible(preset)): the forward pass did not complete"
        case .badSchedule(let text):
            return "--schedule \(text): use constant, cosine, step:EPOCHS or step:EPOCHS:FACTOR (e.g. step:10:0.1)"
        case .resumeMismatch(let folder, let difference):
            return
                "--resume \(visible(folder)): the checkpoint was saved by a run with another \(difference) — resume with the settings it was saved with"
        case let .lossNotFinite(step, loss, rate):
            return
                "training step \(step): the loss became \(loss.isNaN ? "nan" : "inf") at learning rate \(rate) — lower --lr or check the "
                + "weights for nan; nothing was saved"
        case .logFailed(let file, let reason):
            return "--log \(visible(file)): cannot be written: \(reason) — name a writable regular file"
        case .logFailedMidRun(let file, let step, let checkpoint, nil):
            return
                "--log \(visible(file)): writing to it failed after step \(step) (is the disk full?) — training stopped and is checkpointed "
                + "in \(visible(checkpoint)); make room and continue with the same command and --resume \(visible(checkpoint))"
        case .logFailedMidRun(let file, let step, let checkpoint, let failure?):
            return
                "--log \(visible(file)): writing to it failed after step \(step) (is the disk full?), and the checkpoint "
                + "\(visible(checkpoint)) could not be written either (\(failure)) — nothing was saved; make room and run again"
        case .labelOutOfRange(let label, let classes, let preset):
            return "--label \(label): \(visible(preset)) scores \(classes) classes — give a label from 0 to \(classes - 1)"
        case .noTrainingData(let preset):
            return "\(visible(preset)) names no data set — give --data digits, shapes[:COUNT], mnist:DIR, cifar10:DIR or folder:DIR"
        case .unsupportedInstructionSet(let name, let cpu):
            let names = InstructionSet.allCases.filter { $0.rawValue <= cpu.rawValue }.map(\.name)
            let known = InstructionSet.allCases.contains { $0.name == name }
            return "--isa \(visible(name)): "
                + (known ? "this CPU's best instruction set is \(cpu.name)" : "no such instruction set")
                + " — give " + names.joined(separator: ", ")
        }
    }
}
