#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The compressed bytes of one archive: a file descriptor (closed on deinit unless it is standard input) or an
/// in-memory array. Bytes taken by `peek` are handed out again by the first reads.
final class InputSource {
    let name: String
    private let fd: Int32
    private let memory: [UInt8]?
    private var memoryOffset = 0
    private var pushback: [UInt8] = []
    /// Bytes handed out by `read` so far.
    private(set) var bytesRead: UInt64 = 0

    init(path: String) throws {
        name = path
        memory = nil
        if path == "-" {
            fd = STDIN_FILENO
            return
        }
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ArchiveError(file: path, compressedOffset: nil, message: "cannot open: \(errnoText())")
        }
        var info = stat()
        if fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
            close(fd)
            throw ArchiveError(file: path, compressedOffset: nil, message: "cannot open: is a directory")
        }
    }

    init(bytes: [UInt8], name: String) {
        self.name = name
        fd = -1
        memory = bytes
    }

    deinit {
        if memory == nil && fd != STDIN_FILENO { close(fd) }
    }

    /// The first `count` bytes (fewer at end of input) without consuming them.
    func peek(_ count: Int) throws -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: count)
        while pushback.count < count {
            let n = try chunk.withUnsafeMutableBytes { try readSource(into: $0) }
            if n == 0 { break }
            pushback += chunk[..<n]
        }
        return Array(pushback.prefix(count))
    }

    /// Reads up to buffer.count bytes (fewer is not the end); 0 means end of input.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n: Int
        if pushback.isEmpty {
            n = try readSource(into: buffer)
        } else {
            n = min(buffer.count, pushback.count)
            pushback.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[..<n])) }
            pushback.removeFirst(n)
        }
        bytesRead += UInt64(n)
        return n
    }

    private func readSource(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let memory {
            let n = min(buffer.count, memory.count - memoryOffset)
            memory.withUnsafeBytes {
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[memoryOffset..<memoryOffset + n]))
            }
            memoryOffset += n
            return n
        }
        while true {
            let n = systemRead(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR {
                throw ArchiveError(file: name, compressedOffset: bytesRead, message: "read error: \(errnoText())")
            }
        }
    }
}

/// A 1 MiB window over an InputSource for decoders that consume their input a little at a time.
final class InputBuffer {
    let source: InputSource
    let base: UnsafeMutablePointer<UInt8>
    let capacity = 1 << 20
    /// Unread bytes are base[start..<end].
    var start = 0
    private(set) var end = 0
    private(set) var atEOF = false

    init(source: InputSource) {
        self.source = source
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    var available: Int { end - start }
    var unread: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base + start, count: available) }
    /// File offset of the next unread byte.
    var offset: UInt64 { source.bytesRead - UInt64(available) }

    /// Moves the unread bytes to the front and appends more input; false when nothing could be added.
    @discardableResult
    func fill() throws -> Bool {
        if start > 0 {
            memmove(base, base + start, available)
            end -= start
            start = 0
        }
        guard !atEOF, end < capacity else { return false }
        let n = try source.read(into: UnsafeMutableRawBufferPointer(start: base + end, count: capacity - end))
        end += n
        atEOF = n == 0
        return n > 0
    }

    /// Fills until at least `count` bytes are unread or the input ends.
    func ensure(_ count: Int) throws {
        while available < count, try fill() {}
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(fd, buffer, count)
    #else
    Darwin.read(fd, buffer, count)
    #endif
}
