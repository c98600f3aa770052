import Foundation

extension Dataset {
    /// An image folder: one subfolder per class (named by the folder, in sorted order), each holding PNG, PPM or
    /// PGM images, fitted to `shape` as a preset's image input is. Every fifth image of each class is held out.
    public static func imageFolder(directory: String, shape: Shape, cap: Int) throws(DataError) -> DataSplit {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .notFound(path: directory, expected: "a folder: folder:DIR takes a folder with one subfolder per class")
        }
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        let classes = entries.filter { entry in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: directory + "/" + entry, isDirectory: &isFolder) && isFolder.boolValue
        }
        guard classes.count >= 2 else { throw .tooFewClasses(path: directory, found: classes.count) }
        let imageExtensions: Set<String> = ["png", "ppm", "pgm"]
        var files: [(path: String, label: Int)] = []
        for (label, name) in classes.enumerated() {
            let folder = directory + "/" + name
            let images = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
                !$0.hasPrefix(".") && imageExtensions.contains(($0 as NSString).pathExtension.lowercased())
            }.sorted()
            guard !images.isEmpty else { throw .emptyClassFolder(path: folder) }
            files += images.map { (folder + "/" + $0, label) }
        }
        let total = try DataFile.product([files.count, shape.elementCount], path: directory, field: "the images", cap: cap)
        var pixels = [UInt8]()
        pixels.reserveCapacity(total)
        for file in files {
            let tensor: Tensor
            do { tensor = try ImageInput.load(path: file.path, shape: shape, memoryCap: cap) } catch { throw .undecodable(error) }
            pixels += tensor.data.map { UInt8((min(max($0, 0), 1) * 255).rounded()) }
        }
        let data = Dataset(source: directory, shape: shape, classNames: classes, pixels: pixels, labels: files.map(\.label), scale: 1 / 255)
        return DataSplit.everyFifth(data)
    }
}
