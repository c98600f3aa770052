import Foundation

extension Dataset {
    /// CIFAR-10's class names, by label.
    public static let cifar10Classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    /// CIFAR-10's binary version in `directory` (or its `cifar-10-batches-bin` subfolder): every
    /// `data_batch_*.bin` for training and `test_batch.bin` held out. Each record is one label byte and
    /// 3 × 32 × 32 pixel bytes, red plane first.
    public static func cifar10(directory: String, cap: Int) throws(DataError) -> DataSplit {
        var folder = directory
        if !FileManager.default.fileExists(atPath: folder + "/test_batch.bin"),
            FileManager.default.fileExists(atPath: folder + "/cifar-10-batches-bin/test_batch.bin")
        {
            folder += "/cifar-10-batches-bin"
        }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix("data_batch_") && $0.hasSuffix(".bin") }.sorted()
        guard !files.isEmpty else {
            throw .notFound(path: folder + "/data_batch_1.bin", expected: "a cifar10: folder holds data_batch_1.bin … and test_batch.bin")
        }
        var used = 0
        func read(_ files: [String]) throws(DataError) -> Dataset {
            var pixels: [UInt8] = [], labels: [Int] = []
            for file in files {
                let path = folder + "/" + file
                let bytes = try DataFile.read(path, cap: cap, used: used)
                used += bytes.count
                let record = 1 + 3 * 32 * 32
                guard bytes.count % record == 0, !bytes.isEmpty else {
                    throw .truncated(path: path, expected: (bytes.count / record + 1) * record, found: bytes.count)
                }
                for start in stride(from: 0, to: bytes.count, by: record) {
                    let label = Int(bytes[start])
                    guard label < 10 else { throw .labelOutOfRange(path: path, index: start / record, label: label, classes: 10) }
                    labels.append(label)
                    pixels += bytes[(start + 1)..<(start + record)]
                }
            }
            return Dataset(
                source: folder, shape: Shape(channels: 3, height: 32, width: 32), classNames: cifar10Classes, pixels: pixels,
                labels: labels, scale: 1 / 255)
        }
        return DataSplit(training: try read(files), heldOut: try read(["test_batch.bin"]))
    }
}
