#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a file a user named could not be read; each reader says it as the reason in its own error.
public enum FileReadError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Nothing at the path.
    case notFound
    /// Something that is not a regular file: "a folder", "a FIFO (named pipe)", "a character device", …
    case notRegular(kind: String)
    /// A regular file larger than the reader's limit.
    case tooLarge(bytes: Int, limit: Int)
    /// The operating system's reason (permission denied, an I/O error, …).
    case system(String)

    /// The reason, as a clause: "it is a folder, not a regular file".
    public var description: String {
        switch self {
        case .notFound: return "no such file"
        case .notRegular(let kind): return "it is \(kind), not a regular file"
        case let .tooLarge(bytes, limit): return "it is \(formatBytes(bytes)), over the \(formatBytes(limit)) this file may have"
        case .system(let reason): return reason
        }
    }

    /// What to change, as a clause: "name a regular file".
    public var fix: String {
        switch self {
        case .notFound: return "check the path"
        case .notRegular: return "name a regular file"
        case .tooLarge: return "use a smaller file"
        case .system: return "check the path and the file's permissions"
        }
    }
}

/// Reads files a user named — presets, manifests, weights, images — without trusting them: regular files only,
/// opened without blocking (a FIFO or a device is refused at once, never waited on), and never more than a
/// byte limit, checked against the file's size before anything is allocated.
public enum FileReader {
    /// The whole file at `path`, at most `limit` bytes.
    public static func contents(of path: String, limit: Int) throws(FileReadError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { throw .notFound }
            // Opening a socket fails (ENXIO) before fstat could name it.
            var info = stat()
            if stat(path, &info) == 0, let kind = kind(of: info), kind != "regular" { throw .notRegular(kind: kind) }
            throw .system(String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .system(String(cString: strerror(errno))) }
        if let kind = kind(of: info), kind != "regular" { throw .notRegular(kind: kind) }
        let size = Int(info.st_size)
        guard size <= limit else { throw .tooLarge(bytes: size, limit: limit) }
        // The size is a hint (the file may grow or shrink while read): read until the end, never past the limit.
        var bytes = [UInt8](repeating: 0, count: min(size, limit) + 1)
        var filled = 0
        while true {
            if filled == bytes.count {
                guard bytes.count <= limit else { throw .tooLarge(bytes: filled, limit: limit) }
                bytes.append(contentsOf: [UInt8](repeating: 0, count: min(max(bytes.count, 1 << 16), limit + 1 - bytes.count)))
            }
            let count = bytes.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard count >= 0 else { throw .system(String(cString: strerror(errno))) }
            if count == 0 { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// "regular", "a folder", "a FIFO (named pipe)", …; `nil` for a kind this system does not name.
    private static func kind(of info: stat) -> String? {
        switch info.st_mode & S_IFMT {
        case S_IFREG: return "regular"
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return nil
        }
    }
}
