/// Why a preset could not be read, resolved or written. Every case that is about the file's content
/// carries the JSON path (`layers[4].branches[2][0].out`) and renders one sentence: what is wrong, what to change.
public enum PresetError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text is not JSON; line and column point at the first problem.
    case malformedJSON(line: Int, column: Int, problem: String)
    /// A key this object does not know; `suggestion` is the nearest valid key, if one is close.
    case unknownKey(path: String, key: String, owner: String, suggestion: String?, validKeys: [String])
    /// A layer `type` that does not exist.
    case unknownLayerType(path: String, found: String, suggestion: String?, validTypes: [String])
    /// A string that is not one of a fixed set (`init.scheme`, `round`, `merge`, `source.synthetic`, …).
    case unknownChoice(path: String, found: String, validChoices: [String])
    /// A value of the wrong JSON type: `expected` and `found` read as "an integer", "a string \"3\"".
    case wrongType(path: String, expected: String, found: String)
    /// A value of the right type that is impossible (zero or negative sizes, a rate of 1, …).
    case invalidValue(path: String, value: String, requirement: String)
    /// A required key is absent from the object at `path`; `hint` says what to write.
    case missingKey(path: String, key: String, hint: String)
    /// `format` names a version this reader does not know.
    case unsupportedFormat(found: String)
    /// The file could not be read: missing, not a regular file, too large, or the operating system's reason.
    case unreadableFile(path: String, FileReadError)
    /// The file is not UTF-8 text.
    case notText(path: String)
    /// A weights folder's `manifest.json` is not one `convplay run --dump` writes.
    case invalidManifest(path: String, reason: String)
    /// A `.npy` file of a weights folder could not be read (its own sentence names the file).
    case unreadableWeights(NpyError)
    /// A `.safetensors` file named by `init.weights` that cannot be read.
    case unreadableSafetensors(SafetensorsError)
    /// The file could not be written (with the operating system's reason); the old file is untouched.
    case unwritableFile(path: String, reason: String)
    /// Neither a file nor a shipped preset's name.
    case unknownPreset(name: String, suggestion: String?, shipped: [String])
    /// No shipped presets folder was found in any of the searched places.
    case shippedPresetsNotFound(searched: [String])
    /// An ONNX model (`.onnx`) opened in place of a preset could not be imported.
    case importFailed(path: String, ONNXImportError)

    /// The preset format version this reader and writer speak.
    public static let currentFormat = 1

    /// The JSON path the error is about, `nil` for file and syntax errors.
    public var jsonPath: String? {
        switch self {
        case .unknownKey(let path, _, _, _, _), .unknownLayerType(let path, _, _, _), .unknownChoice(let path, _, _),
            .wrongType(let path, _, _), .invalidValue(let path, _, _), .missingKey(let path, _, _):
            return path
        case .unsupportedFormat: return "format"
        case .malformedJSON, .unreadableFile, .notText, .invalidManifest, .unreadableWeights, .unreadableSafetensors, .unwritableFile,
            .unknownPreset,
            .shippedPresetsNotFound, .importFailed:
            return nil
        }
    }

    public var description: String {
        switch self {
        case let .malformedJSON(line, column, problem):
            return "malformed JSON at line \(line), column \(column): \(problem)"
        case let .unknownKey(path, key, owner, suggestion, validKeys):
            let fix =
                suggestion.map { "did you mean \(quoted($0))?" }
                ?? (validKeys.isEmpty
                    ? "remove it, \(owner) takes no settings"
                    : "remove it or use one of " + validKeys.joined(separator: ", "))
            return "\(Self.place(path)): unknown key \(quoted(key)) in \(owner) — \(fix)"
        case let .unknownLayerType(path, found, suggestion, validTypes):
            let hint = suggestion.map { "did you mean \(quoted($0))? " } ?? ""
            return "\(Self.place(path)): unknown layer type \(quoted(found)) — \(hint)valid types are " + validTypes.joined(separator: ", ")
        case let .unknownChoice(path, found, validChoices):
            return "\(Self.place(path)): unknown value \(quoted(found)) — use one of " + validChoices.joined(separator: ", ")
        case let .wrongType(path, expected, found):
            var fix = "write \(expected) there"
            if found.hasPrefix("a string \""), expected.contains("number") || expected.contains("integer") {
                fix = "remove the quotes around the number"
            }
            return "\(Self.place(path)): expected \(expected), found \(visible(found)) — \(fix)"
        case let .invalidValue(path, value, requirement):
            return "\(Self.place(path)) is \(visible(value)), but it must be \(requirement)"
        case let .missingKey(path, key, hint):
            return "\(Self.place(path)) is missing the required key \"\(key)\" — add \(hint)"
        case let .unsupportedFormat(found):
            return "format is \(visible(found)), but this convplay reads format \(Self.currentFormat) — "
                + "set \"format\": \(Self.currentFormat) or open it with a newer convplay"
        case let .unreadableFile(path, error):
            return "cannot read \(visible(path)): \(error) — \(error.fix)"
        case let .notText(path):
            return "cannot read \(visible(path)): it is not UTF-8 text — save it as UTF-8 JSON"
        case let .invalidManifest(path, reason):
            return "\(visible(path)): \(reason) — point init.weights at a folder written by convplay run --dump"
        case let .unreadableWeights(error):
            return error.description
        case let .unreadableSafetensors(error):
            return error.description
        case let .unwritableFile(path, reason):
            return "cannot write \(visible(path)): \(reason) — the previous file is untouched; choose a writable folder"
        case let .unknownPreset(name, suggestion, shipped):
            let hint = suggestion.map { "did you mean \(quoted($0))? " } ?? ""
            return "no preset file or shipped preset named \(quoted(name)) — \(hint)shipped presets are "
                + (shipped.isEmpty ? "(none found)" : shipped.joined(separator: ", ")) + ", or give a path to a .json file"
        case let .shippedPresetsNotFound(searched):
            return "cannot find the shipped presets folder (looked in " + searched.map { visible($0) }.joined(separator: ", ")
                + ") — set CONVPLAY_PRESETS to the folder holding edges.json"
        case let .importFailed(path, error):
            // A file that cannot be read is named by the error itself.
            if case .unreadableFile = error { return error.description }
            return "\(visible(path)): \(error)"
        }
    }

    /// A JSON path as messages name it: the path itself, or "the preset" for the document's root. Keys in it
    /// are the user's and shown as `visible` shows them.
    static func place(_ path: String) -> String { path.isEmpty ? "the preset" : visible(path) }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
func nearest(_ word: String, in candidates: [String]) -> String? {
    let lower = word.lowercased()
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(lower, candidate.lowercased())
        if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
    }
    guard let best else { return nil }
    let allowed = max(2, min(lower.count, best.candidate.count) / 3)
    if best.distance <= allowed { return best.candidate }
    // "conv2d" → "conv", "max_pool" → "maxpool": one contains the other once separators are dropped.
    let squeeze = { (s: String) in s.lowercased().filter { $0.isLetter || $0.isNumber } }
    let squeezed = squeeze(word)
    return candidates.first { squeezed == squeeze($0) || (squeeze($0).count >= 3 && squeezed.hasPrefix(squeeze($0))) }
}

/// Levenshtein distance over characters.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
