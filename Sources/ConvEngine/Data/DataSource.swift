/// Bytes a data set (training and held-out images together) may take unless `--data-cap` says otherwise: its own
/// budget, apart from the memory cap the network's weights and activations are held to.
public let defaultDataCap = 2 << 30

/// Where training images come from, as `--data` spells it.
public enum DataSource: Hashable, Sendable, CustomStringConvertible {
    /// scikit-learn's 8×8 digits, shipped in the presets folder's `data/`.
    case digits
    /// `count` synthetic shapes (and a fifth as many held out), drawn at the network's input size.
    case shapes(count: Int)
    /// MNIST or Fashion-MNIST IDX files in a folder.
    case mnist(directory: String)
    /// CIFAR-10's binary batches in a folder.
    case cifar10(directory: String)
    /// One subfolder of images per class.
    case folder(directory: String)

    /// Training images `shapes` draws when no count is given.
    public static let defaultShapesCount = 3000

    /// Reads `digits`, `shapes`, `shapes:COUNT`, `mnist:DIR`, `cifar10:DIR` or `folder:DIR`.
    public init(parsing text: String) throws(DataError) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let argument = parts.count > 1 ? parts[1] : nil
        switch (parts.first ?? "", argument) {
        case ("digits", nil): self = .digits
        case ("shapes", nil): self = .shapes(count: Self.defaultShapesCount)
        case ("shapes", let count?):
            guard let count = Int(count), count > 0 else { throw .unknownSource(text: text) }
            self = .shapes(count: count)
        case ("mnist", let directory?) where !directory.isEmpty: self = .mnist(directory: directory)
        case ("cifar10", let directory?) where !directory.isEmpty: self = .cifar10(directory: directory)
        case ("folder", let directory?) where !directory.isEmpty: self = .folder(directory: directory)
        default: throw .unknownSource(text: text)
        }
    }

    public var description: String {
        switch self {
        case .digits: "digits"
        case .shapes(let count): "shapes:\(count)"
        case .mnist(let directory): "mnist:\(directory)"
        case .cifar10(let directory): "cifar10:\(directory)"
        case .folder(let directory): "folder:\(directory)"
        }
    }

    /// Loads the training and held-out sets. `shape` is the network's input (what shapes are drawn at and a
    /// folder's images are fitted to), `seed` draws the shapes, `dataFolder` holds the shipped digits, and
    /// `cap` bounds the bytes the training and held-out images take together (the data-set cap: its own budget,
    /// apart from the network's memory cap).
    public func load(shape: Shape, seed: UInt64, dataFolder: String, cap: Int) throws(DataError) -> DataSplit {
        switch self {
        case .digits: return try Dataset.digits(directory: dataFolder)
        case .shapes(let count): return try Dataset.shapes(shape: shape, count: count, seed: seed, cap: cap)
        case .mnist(let directory): return try Dataset.mnist(directory: directory, cap: cap)
        case .cifar10(let directory): return try Dataset.cifar10(directory: directory, cap: cap)
        case .folder(let directory): return try Dataset.imageFolder(directory: directory, shape: shape, cap: cap)
        }
    }
}

extension DataSource {
    /// The class names this source has without reading it: the digits' (also MNIST's, as its loader names them),
    /// CIFAR-10's and the shapes'; `nil` for an image folder, named by its subfolders.
    public var knownClassNames: [String]? {
        switch self {
        case .digits, .mnist: Dataset.digitClasses
        case .cifar10: Dataset.cifar10Classes
        case .shapes: Dataset.shapeClasses
        case .folder: nil
        }
    }
}

extension Network {
    /// Class names by output index: the preset's `labels`, else those of the data set its `data` names (when known
    /// without reading it); empty when unnamed. What every view of a classifier's output names classes by.
    public var classNames: [String] { labels.isEmpty ? trainingData?.knownClassNames ?? [] : labels }
}
