import BGPWire

/// Totals for one pass over an archive.
public struct ScanStats: Sendable {
    public var records = 0
    /// Records whose bytes were framed but could not be decoded.
    public var skippedRecords = 0
    /// Bytes passed over as damaged (cut records, implausible headers, undecodable records).
    public var skippedBytes = 0
    public var problems = 0
    public init() {}
}

/// Decoded MRT records of one archive, pulled one at a time: decompression chosen by magic bytes,
/// framing, decoding and damage handling in one place, for every command that reads archives.
public final class MRTRecordStream {
    public let path: String
    private let reader: MRTRecordReader
    private let onProblem: (ArchiveProblem) -> Void
    public private(set) var stats = ScanStats()
    private var sawBytes = false
    /// Until a first record decodes, problems are held back: a file with no MRT record at all gets one
    /// clear error instead of a list of damage reports.
    private var held: [ArchiveProblem] = []

    /// Opens `path` ("-" for stdin). Throws when the file cannot be opened.
    public init(path: String, threads: Int = 0, onProblem: @escaping (ArchiveProblem) -> Void) throws {
        self.path = path
        self.reader = MRTRecordReader(stream: try openArchive(path: path, threads: threads), name: path)
        self.onProblem = onProblem
    }

    private func report(_ p: ArchiveProblem) {
        stats.problems += 1
        if stats.records == 0 { held.append(p) } else { onProblem(p) }
    }

    /// The next good record; nil at the end. Throws only when the data holds no MRT record at all
    /// (not an MRT file).
    public func next() throws -> MRTRecord? {
        while let raw = reader.next() {
            sawBytes = true
            if reader.hasProblems { reader.takeProblems().forEach(report) }
            do {
                let record = try MRTRecord(header: raw.header, body: raw.body, offset: raw.offset)
                stats.records += 1
                if !held.isEmpty {
                    held.forEach(onProblem)
                    held.removeAll()
                }
                return record
            } catch {
                stats.skippedRecords += 1
                report(
                    ArchiveProblem(
                        file: path, offset: error.offset,
                        message: "\(raw.header.name) record at byte \(raw.offset) skipped: \(error.field): "
                            + "\(error.kind.rawValue) (\(error.detail))"))
                reader.resync(after: raw)
            }
        }
        reader.takeProblems().forEach(report)
        stats.skippedBytes = reader.skippedBytes
        if stats.records == 0 && !sawBytes && reader.skippedBytes == 0 {
            // Damaged before a single MRT byte came out: say why the file looks empty.
            held.forEach(onProblem)
            held.removeAll()
        }
        if stats.records == 0 && (sawBytes || reader.skippedBytes > 0) {
            throw ArchiveError(file: path, compressedOffset: nil, message: "not an MRT file (no valid MRT record found)")
        }
        return nil
    }
}

public enum MRTFile {
    /// Decodes every record of `path` ("-" for stdin), calling `body` for each good one in order.
    /// Problems (damaged compressed data, cut or undecodable records) go to `onProblem` and decoding
    /// goes on after them. Throws when the file cannot be opened or is not an MRT file.
    @discardableResult
    public static func forEachRecord(
        path: String, threads: Int = 0, onProblem: @escaping (ArchiveProblem) -> Void, _ body: (MRTRecord) -> Void
    ) throws -> ScanStats {
        let stream = try MRTRecordStream(path: path, threads: threads, onProblem: onProblem)
        while let record = try stream.next() { body(record) }
        return stream.stats
    }
}
