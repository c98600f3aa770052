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
    /// A byte range asked for (external data a model names) that the file does not hold.
    case outOfRange(offset: Int, length: Int, size: Int)

    /// The reason, as a clause: "it is a folder, not a regular file".
    public var description: String {
        switch self {
        case .notFound: return "no such file"
        case .notRegular(let kind): return "it is \(kind), not a regular file"
        case let .tooLarge(bytes, limit): return "it is \(formatBytes(bytes)), over the \(formatBytes(limit)) this file may have"
        case .system(let reason): return reason
        case let .outOfRange(offset, length, size):
            return "\(length) bytes from offset \(offset) run past its \(size) bytes"
        }
    }

    /// What to change, as a clause: "name a regular file".
    public var fix: String {
        switch self {
        case .notFound: return "check the path"
        case .notRegular: return "name a regular file"
        case .tooLarge: return "use a smaller file"
        case .system: return "check the path and the file's permissions"
        case .outOfRange: return "the file does not hold what names it; write both again"
        }
    }
}

/// Reads files a user named — presets, manifests, weights, images — without trusting them: regular files only,
/// opened without blocking (a FIFO or a device is refused at once, never waited on), and never more than a
/// byte limit, checked against the file's size before anything is allocated.
public enum FileReader {
    /// The whole file at `path`, at most `limit` bytes.
    public static func contents(of path: String, limit: Int) throws(FileReadError) -> [UInt8] {
        let (descriptor, size) = try openRegular(path)
        defer { close(descriptor) }
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

    /// The whole file at `path` as text, at most `limit` bytes; nil when its bytes are not UTF-8.
    public static func utf8Text(of path: String, limit: Int) throws(FileReadError) -> String? {
        String(validating: try contents(of: path, limit: limit), as: UTF8.self)
    }

    /// `length` bytes from `offset` of the regular file at `path` (to its end when `length` is nil), at most `limit`
    /// bytes: the range is checked against the file's size and the limit before anything is allocated.
    public static func range(of path: String, offset: Int, length: Int?, limit: Int) throws(FileReadError) -> [UInt8] {
        let (descriptor, size) = try openRegular(path)
        defer { close(descriptor) }
        let wanted = length ?? max(size - offset, 0)
        let (end, overflow) = offset.addingReportingOverflow(wanted)
        guard offset >= 0, wanted >= 0, !overflow, end <= size else { throw .outOfRange(offset: offset, length: wanted, size: size) }
        guard wanted <= limit else { throw .tooLarge(bytes: wanted, limit: limit) }
        var bytes = [UInt8](repeating: 0, count: wanted)
        var filled = 0
        while filled < wanted {
            let count = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + filled, wanted - filled, off_t(offset + filled))
            }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard count >= 0 else { throw .system(String(cString: strerror(errno))) }
            // The file shrank while read.
            guard count > 0 else { throw .outOfRange(offset: offset, length: wanted, size: offset + filled) }
            filled += count
        }
        return bytes
    }

    /// Opens the regular file at `path` without blocking; its descriptor (the caller closes it) and size.
    private static func openRegular(_ path: String) throws(FileReadError) -> (descriptor: Int32, size: Int) {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { throw .notFound }
            // Opening a socket fails (ENXIO) before fstat could name it.
            var info = stat()
            if stat(path, &info) == 0, let kind = kind(of: info), kind != "regular" { throw .notRegular(kind: kind) }
            throw .system(String(cString: strerror(errno)))
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw .system(reason)
        }
        if let kind = kind(of: info), kind != "regular" {
            close(descriptor)
            throw .notRegular(kind: kind)
        }
        return (descriptor, Int(info.st_size))
    }

    /// "regular", "a folder", "a FIFO (named pipe)", …; `nil` for a kind this system does not name.
    static func kind(of info: stat) -> String? {
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
