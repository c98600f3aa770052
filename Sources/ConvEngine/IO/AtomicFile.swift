#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a file could not be written: the operating system's reason ("Permission denied", "No space left on device").
public struct FileWriteError: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }

    /// The reason `errno` holds now.
    static func current() -> FileWriteError { FileWriteError(reason: String(cString: strerror(errno))) }
}

/// Writes files so that a crash, a full disk or a failed write leaves either the old file or the new one, never
/// a part: a temporary file beside the target, flushed to disk, renamed over it; the temporary file is removed
/// whenever a step fails. Presets, `.npy` files, manifests and ONNX files are all written through here.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically. Something other than a regular file at `path` (a FIFO, a device, a
    /// folder) is refused, never replaced.
    public static func write(_ bytes: [UInt8], to path: String) throws(FileWriteError) {
        try checkTarget(path)
        let (directory, name) = split(path)
        let temporary = directory + "/." + name + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .current() }
        func fail() -> FileWriteError {
            let error = FileWriteError.current()
            close(descriptor)
            unlink(temporary)
            return error
        }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { writeBytes(descriptor, $0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw fail() }
            written += count
        }
        guard fsync(descriptor) == 0 else { throw fail() }
        guard close(descriptor) == 0 else {
            let error = FileWriteError.current()
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = FileWriteError.current()
            unlink(temporary)
            throw error
        }
        syncDirectory(directory)
    }

    /// Refuses a `path` that holds something other than a regular file (followed through symbolic links): a
    /// FIFO or a device would block or be replaced by a write, a folder would be lost.
    public static func checkTarget(_ path: String) throws(FileWriteError) {
        var info = stat()
        guard stat(path, &info) == 0, let kind = FileReader.kind(of: info), kind != "regular" else { return }
        throw FileWriteError(reason: "it is \(kind), not a regular file")
    }

    /// Opens `path` for appending (created when missing, emptied first unless `append`) without ever blocking:
    /// a FIFO, a device or a folder is refused. The caller closes the descriptor.
    public static func openLog(_ path: String, append: Bool) throws(FileWriteError) -> Int32 {
        try checkTarget(path)
        // O_NONBLOCK: a FIFO put in place after the check fails to open (no reader) or is refused by fstat below.
        let flags = O_RDWR | O_CREAT | O_APPEND | O_NONBLOCK | O_CLOEXEC | (append ? 0 : O_TRUNC)
        let descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else { throw .current() }
        var info = stat()
        guard fstat(descriptor, &info) == 0, let kind = FileReader.kind(of: info), kind == "regular" else {
            close(descriptor)
            throw FileWriteError(reason: "it is not a regular file")
        }
        if append && info.st_size > 0 {
            do { try dropPartialLastLine(descriptor, size: Int(info.st_size)) } catch {
                close(descriptor)
                throw error
            }
        }
        return descriptor
    }

    /// Cuts a log back to its last complete line: a run stopped mid-write (a full disk) leaves a partial line,
    /// which the resumed run's first line would otherwise join.
    private static func dropPartialLastLine(_ descriptor: Int32, size: Int) throws(FileWriteError) {
        var end = size
        var chunk = [UInt8](repeating: 0, count: 4096)
        while end > 0 {
            let start = max(0, end - chunk.count), count = end - start
            let read = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(start)) }
            guard read == count else { throw .current() }
            if let newline = chunk[0..<count].lastIndex(of: UInt8(ascii: "\n")) {
                end = start + newline + 1
                break
            }
            end = start
        }
        guard end < size else { return }
        guard ftruncate(descriptor, off_t(end)) == 0 else { throw .current() }
    }

    /// Creates the folder at `path` and any missing folders above it (`mkdir -p`).
    public static func makeDirectories(_ path: String) throws(FileWriteError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            guard mkdir(prefix, 0o755) != 0 else { continue }
            guard errno == EEXIST else { throw .current() }
            var info = stat()
            guard stat(prefix, &info) == 0 else { throw .current() }
            guard info.st_mode & S_IFMT == S_IFDIR else { throw FileWriteError(reason: "\(visible(prefix)) is not a folder") }
        }
    }

    /// Makes a rename in `directory` durable (best effort: some file systems refuse to sync a folder).
    static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 {
            _ = fsync(descriptor)
            close(descriptor)
        }
    }

    /// The folder holding `path` ("." for a bare name) and the file's own name.
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}

/// `write(2)` by a name the enum's own `write` does not shadow.
private func writeBytes(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) -> Int {
    write(descriptor, buffer.baseAddress, buffer.count)
}
