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

/// Reads MRT archives record by record: decompression chosen by magic bytes, framing, decoding
/// and damage handling in one place, for every command that consumes archives.
public enum MRTFile {
    /// Decodes every record of `path` ("-" for stdin), calling `body` for each good one in order.
    /// Problems (damaged compressed data, cut or undecodable records) go to `onProblem` and
    /// decoding goes on after them. Throws only when the file cannot be opened, or holds no MRT
    /// record at all while having bytes (not an MRT file).
    @discardableResult
    public static func forEachRecord(
        path: String, threads: Int = 0, onProblem: (ArchiveProblem) -> Void, _ body: (MRTRecord) -> Void
    ) throws -> ScanStats {
        let stream = try openArchive(path: path, threads: threads)
        let reader = MRTRecordReader(stream: stream, name: path)
        var stats = ScanStats()
        var sawBytes = false
        // Until a first record decodes, hold problems back: a file with no MRT record at all gets one
        // clear error instead of a list of damage reports.
        var held: [ArchiveProblem] = []
        func report(_ p: ArchiveProblem) {
            stats.problems += 1
            if stats.records == 0 { held.append(p) } else { onProblem(p) }
        }
        func drain() { reader.takeProblems().forEach(report) }
        while let raw = reader.next() {
            sawBytes = true
            drain()
            do {
                let record = try MRTRecord(header: raw.header, body: raw.body, offset: raw.offset)
                stats.records += 1
                held.forEach(onProblem)
                held.removeAll()
                body(record)
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
        drain()
        stats.skippedBytes = reader.skippedBytes
        if stats.records == 0 && (sawBytes || reader.skippedBytes > 0) {
            throw ArchiveError(file: path, compressedOffset: nil, message: "not an MRT file (no valid MRT record found)")
        }
        return stats
    }
}
