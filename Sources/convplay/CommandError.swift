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

/// Why a subcommand failed, beyond the engine's own errors: what the command was working on, and why.
enum CommandError: UserFacingError {
    /// The preset named on the command line cannot run: impossible shapes, or over the memory cap.
    case impossibleNetwork(preset: String, ShapeError)
    /// The preset named on the command line has an input that cannot be made.
    case unreadableInput(preset: String, InputError)
    /// `--input PATTERN:SEED` with a seed that is not a whole number.
    case inputSeedNotANumber(source: String, pattern: String)
    /// `--dump DIR` could not be written.
    case dumpFailed(folder: String, ExportError)
    /// `export --onnx FILE` could not be written.
    case exportFailed(file: String, ExportError)
    /// `import` could not write the weights beside the preset.
    case importWriteFailed(String)
    /// No shipped presets folder was found.
    case noShippedPresets
    /// A forward pass that should have run to the end stopped early.
    case incompleteForwardPass(preset: String)
    /// `--resume DIR` saved by a run with other settings.
    case resumeMismatch(folder: String, difference: String)
    /// The checkpoint could not be written.
    case checkpointFailed(folder: String, ExportError)
    /// `--save DIR` could not be written.
    case saveFailed(folder: String, ExportError)
    /// `--log FILE` could not be opened for writing.
    case logFailed(file: String)
    /// `--label N` beyond the classes the network scores.
    case labelOutOfRange(label: Int, classes: Int, preset: String)
    /// `train` or `evaluate` without `--data` on a preset that names no data set.
    case noTrainingData(preset: String)

    var description: String {
        switch self {
        case .impossibleNetwork(let preset, let error):
            return "\(preset): \(error)"
        case .unreadableInput(let preset, let error):
            return "\(preset): \(error)"
        case .inputSeedNotANumber(let source, let pattern):
            return "--input \(source): the seed after ':' must be a whole number, e.g. \(pattern):3"
        case .dumpFailed(let folder, let error):
            return "--dump \(folder): \(error)"
        case .exportFailed(let file, let error):
            return "export \(file): \(error)"
        case .importWriteFailed(let reason):
            return "import: \(reason)"
        case .noShippedPresets:
            return "no shipped presets found — set CONVPLAY_PRESETS to the presets folder of your convplay checkout"
        case .incompleteForwardPass(let preset):
            return "\(preset): the forward pass did not complete"
        case .resumeMismatch(let folder, let difference):
            return
                "--resume \(folder): the checkpoint was saved by a run with another \(difference) — resume with the settings it was saved with"
        case .checkpointFailed(let folder, let error):
            return "checkpoint \(folder): \(error)"
        case .saveFailed(let folder, let error):
            return "--save \(folder): \(error)"
        case .logFailed(let file):
            return "--log \(file): cannot be written — check that its folder exists and is writable"
        case .labelOutOfRange(let label, let classes, let preset):
            return "--label \(label): \(preset) scores \(classes) classes — give a label from 0 to \(classes - 1)"
        case .noTrainingData(let preset):
            return "\(preset) names no data set — give --data digits, shapes[:COUNT], mnist:DIR, cifar10:DIR or folder:DIR"
        }
    }
}
