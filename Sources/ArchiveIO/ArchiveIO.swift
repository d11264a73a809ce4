// Streaming decompression of MRT archives: the format is chosen by the first bytes of the file, not by its name.
import Foundation

public enum CompressionKind: String, Sendable { case none, gzip, bzip2 }

/// A forward-only stream of decompressed bytes.
public protocol ByteStream: AnyObject {
    /// Fills up to buffer.count bytes and returns how many were written; 0 means end of stream.
    /// Throws ArchiveError when the compressed stream is damaged or cut; every byte that could be
    /// decoded before the damage has already been returned by earlier calls (or by this call's
    /// predecessor). After a throw, further calls return 0.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    var kind: CompressionKind { get }
    /// Bytes of the underlying (compressed) file consumed so far, for progress and error messages.
    var compressedBytesRead: UInt64 { get }
}

public struct ArchiveError: Error, CustomStringConvertible, Sendable {
    /// Path, or "-" for standard input.
    public var file: String
    /// Where in the compressed file the problem was found, if known.
    public var compressedOffset: UInt64?
    public var message: String

    public init(file: String, compressedOffset: UInt64?, message: String) {
        self.file = file
        self.compressedOffset = compressedOffset
        self.message = message
    }

    /// "FILE: byte OFFSET: MESSAGE", or "FILE: MESSAGE" when the offset is unknown.
    public var description: String {
        guard let compressedOffset else { return "\(file): \(message)" }
        return "\(file): byte \(compressedOffset): \(message)"
    }
}

/// Opens a file ("-" = standard input), sniffs the first bytes (gzip 1f 8b; bzip2 "BZh" + '1'...'9'; anything else
/// = none) and returns a decompressing stream. `threads` bounds the bzip2 worker threads (0 = all cores; 1 decodes
/// sequentially). A missing or unreadable file throws an ArchiveError naming the path.
public func openArchive(path: String, threads: Int = 0) throws -> any ByteStream {
    try openArchive(source: InputSource(path: path), threads: threads)
}

/// Same as `openArchive(path:threads:)`, over bytes already in memory; `name` stands for the path in errors.
public func openArchive(bytes: [UInt8], name: String, threads: Int = 1) throws -> any ByteStream {
    try openArchive(source: InputSource(bytes: bytes, name: name), threads: threads)
}

private func openArchive(source: InputSource, threads: Int) throws -> any ByteStream {
    let head = try source.peek(4)
    if head.starts(with: [0x1f, 0x8b]) { return try GzipStream(source: source) }
    if head.count == 4, head.starts(with: Array("BZh".utf8)), (0x31...0x39).contains(head[3]) {
        let workers = threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount
        if workers <= 1 { return try Bzip2Stream(source: source) }
        return ParallelBzip2Stream(scanner: BlockScanner(source: source), threads: workers)
    }
    return PlainStream(source: source)
}

/// The whole decompressed content of a stream (registry files, test fixtures; not for archives of
/// unbounded size — commands stream those through `MRTRecordReader`).
public func readAll(_ stream: any ByteStream) throws -> [UInt8] {
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = try chunk.withUnsafeMutableBytes { try stream.read(into: $0) }
        if n == 0 { return out }
        out.append(contentsOf: chunk[0..<n])
    }
}
