/// Making the input tensor a network starts from.
extension InputSpec {
    /// The input values: a synthetic picture, or the image file fitted to `shape`. Relative image paths
    /// resolve against `directory` (the preset's folder), or the working directory when it is `nil`. The
    /// tensor, and an image's file and decoded pixels, are checked against `memoryCap` (bytes) before they
    /// are made.
    public func makeTensor(relativeTo directory: String?, memoryCap: Int = defaultMemoryCap) throws(InputError) -> Tensor {
        let bytes = (try? Checked.product(shape.channels, shape.height, shape.width, MemoryLayout<Float>.size, of: "bytes"))
        guard let bytes, bytes <= memoryCap else {
            throw .overMemoryCap(path: "input", what: "the input \(shape)", bytes: bytes, cap: memoryCap)
        }
        switch source {
        case let .synthetic(pattern, seed):
            return SyntheticInput.make(pattern, shape: shape, seed: seed)
        case let .image(path):
            return try ImageInput.load(path: InputSpec.resolve(path, relativeTo: directory), shape: shape, memoryCap: memoryCap)
        }
    }

    /// `path` as is when absolute or without a directory, else `directory/path`.
    static func resolve(_ path: String, relativeTo directory: String?) -> String {
        guard let directory, !directory.isEmpty, !path.hasPrefix("/") else { return path }
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }
}
