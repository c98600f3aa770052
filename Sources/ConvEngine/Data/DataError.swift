/// Why a data set could not be read, naming the file or folder, what is wrong, and what to change.
public enum DataError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No file or folder at `path`; `expected` says what should be there.
    case notFound(path: String, expected: String)
    /// The file exists but could not be read: not a regular file, or the system's reason.
    case unreadable(path: String, FileReadError)
    /// An IDX file whose first bytes are not an IDX magic number of the expected kind.
    case badMagic(path: String, found: String, expected: String)
    /// The file ends before the data its header (or record size) promises.
    case truncated(path: String, expected: Int, found: Int)
    /// The file holds more bytes than its header accounts for.
    case trailingBytes(path: String, extra: Int)
    /// A size in a header that cannot be right (zero, or too large to hold).
    case badSize(path: String, field: String, value: Int)
    /// An images file and its labels file disagree on the count.
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    /// A label beyond the classes the format has.
    case labelOutOfRange(path: String, index: Int, label: Int, classes: Int)
    /// A class folder without a single readable image file.
    case emptyClassFolder(path: String)
    /// An image folder with fewer than two class subfolders.
    case tooFewClasses(path: String, found: Int)
    /// An image in a class folder that does not decode.
    case undecodable(InputError)
    /// Loading the set would take more than the data-set cap (`defaultDataCap`, `--data-cap`).
    case tooLarge(path: String, bytes: Int, cap: Int)
    /// A `--data` spelling that names no known source.
    case unknownSource(text: String)

    public var description: String {
        switch self {
        case .notFound(let path, let expected):
            return "\(visible(path)): not found — \(expected)"
        case .unreadable(let path, let error):
            return "cannot read \(visible(path)): \(error) — \(error.fix)"
        case .badMagic(let path, let found, let expected):
            return "\(visible(path)): starts with \(found), not \(expected) — point at the uncompressed IDX file (gunzip the .gz download)"
        case .truncated(let path, let expected, let found):
            return "\(visible(path)): truncated: the header promises \(expected) bytes but the file has \(found) — download the file again"
        case .trailingBytes(let path, let extra):
            return
                "\(visible(path)): \(extra) bytes after the data its header describes — the file is not what its header says, download it again"
        case .badSize(let path, let field, let value):
            return "\(visible(path)): \(field) is \(value), which cannot be right — the header is damaged, download the file again"
        case .countMismatch(let images, let imageCount, let labels, let labelCount):
            return
                "\(visible(images)) holds \(imageCount) images but \(visible(labels)) holds \(labelCount) labels — use the two files of one set"
        case .labelOutOfRange(let path, let index, let label, let classes):
            return
                "\(visible(path)): label \(index) is \(label), but the set has \(classes) classes (0 to \(classes - 1)) — the file is damaged"
        case .emptyClassFolder(let path):
            return "\(visible(path)): this class folder holds no PNG, PPM or PGM image — add images or remove the folder"
        case .tooFewClasses(let path, let found):
            return
                "\(visible(path)): an image folder needs a subfolder per class, at least two; found \(found) — put each class's images in its own subfolder"
        case .undecodable(let error):
            return "\(error)"
        case .tooLarge(let path, let bytes, let cap):
            return
                "\(visible(path)): loading it takes \(formatBytes(bytes)), over the \(formatBytes(cap)) data-set cap — use a smaller set or raise --data-cap"
        case .unknownSource(let text):
            return "--data \(visible(text)): unknown data — use digits, shapes, shapes:COUNT, mnist:DIR, cifar10:DIR or folder:DIR"
        }
    }
}
