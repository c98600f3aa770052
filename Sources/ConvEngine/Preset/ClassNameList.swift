/// A classifier's class names as model zoos ship them (`imagenet_classes.txt`): a text file, one name per line,
/// in output order. `convplay import --labels` reads one into the imported preset's `labels`.
public enum ClassNameList {
    /// The longest name kept whole; a longer line is refused (it is almost surely not a name list).
    public static let nameLimit = 200

    /// The names in the regular UTF-8 file at `path` (at most `SizeLimits.jsonFileBytes`), checked as
    /// `decode` checks them.
    public static func read(_ path: String) throws(ClassNameListError) -> [String] {
        let text: String?
        do { text = try FileReader.utf8Text(of: path, limit: SizeLimits.jsonFileBytes) } catch {
            throw .unreadableFile(path: path, error)
        }
        guard let text else { throw .notText(path: path) }
        return try decode(text, path: path)
    }

    /// One name per line (LF, CR LF or CR), each trimmed of surrounding white space. Blank lines may only end the
    /// file: one in the middle would shift every later name onto the wrong class, so it is refused by line number.
    public static func decode(_ text: String, path: String) throws(ClassNameListError) -> [String] {
        // A byte-order mark (as some editors save UTF-8) is not part of the first name.
        var lines = text.trimmingPrefix("\u{FEFF}").split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { line in
            guard let first = line.firstIndex(where: { !$0.isWhitespace }), let last = line.lastIndex(where: { !$0.isWhitespace })
            else { return "" }
            return String(line[first...last])
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard !lines.isEmpty else { throw .noNames(path: path) }
        for (index, line) in lines.enumerated() {
            if line.isEmpty { throw .blankLine(path: path, line: index + 1) }
            if line.count > nameLimit { throw .nameTooLong(path: path, line: index + 1, characters: line.count) }
        }
        return lines
    }

    /// `names` checked against the classifier's output size: one name per output value, no more, no fewer.
    public static func check(_ names: [String], path: String, outputs: Int) throws(ClassNameListError) {
        guard names.count == outputs else { throw .countMismatch(path: path, names: names.count, outputs: outputs) }
    }
}

/// Why a class-name list could not be used; each case names the file and, where it applies, the line.
public enum ClassNameListError: Error, Hashable, Sendable, CustomStringConvertible {
    case unreadableFile(path: String, FileReadError)
    case notText(path: String)
    case noNames(path: String)
    case blankLine(path: String, line: Int)
    case nameTooLong(path: String, line: Int, characters: Int)
    case countMismatch(path: String, names: Int, outputs: Int)

    public var description: String {
        switch self {
        case let .unreadableFile(path, error):
            return "cannot read the class names \(visible(path)): \(error) — \(error.fix)"
        case let .notText(path):
            return "cannot read the class names \(visible(path)): it is not UTF-8 text — save it as UTF-8, one name per line"
        case let .noNames(path):
            return "\(visible(path)) holds no class names — write one name per line, in the order of the model's outputs"
        case let .blankLine(path, line):
            return "\(visible(path)), line \(line), is blank, so every later name would land on the wrong class — "
                + "remove the blank line or write the missing name"
        case let .nameTooLong(path, line, characters):
            return "\(visible(path)), line \(line), is \(characters) characters long, over the \(ClassNameList.nameLimit) a class "
                + "name may have — is this a list of names, one per line?"
        case let .countMismatch(path, names, outputs):
            return "\(visible(path)) names \(names) \(names == 1 ? "class" : "classes") but the model has \(outputs) outputs — "
                + "give one name per output, in output order"
        }
    }
}
