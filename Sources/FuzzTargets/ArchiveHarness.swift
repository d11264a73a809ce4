// The "archive" fuzz target: decompression (chosen by magic bytes) and MRT framing with damage
// resynchronisation, the path every damaged file takes in `vantage dump`. Compiled into
// fuzz-archive by scripts/fuzz.sh and used by Tests/VantageCLITests/DamagedArchiveTests.swift, which
// replays Fuzz/corpus/archive and Fuzz/regressions/archive.
import ArchiveIO
import BGPWire

public enum ArchiveFuzzHarness {
    /// Byte 0: bit 0 = two bzip2 threads (the parallel decoder) instead of one. The rest is a file:
    /// gzip, bzip2 or plain MRT by its magic bytes. Every framed record is decoded and formatted;
    /// one that does not decode makes the reader resynchronise, as `MRTFile.forEachRecord` does.
    public static func archive(_ data: [UInt8]) {
        guard let mode = data.first else { return }
        let file = Array(data.dropFirst())
        guard let stream = try? openArchive(bytes: file, name: "fuzz", threads: mode & 1 != 0 ? 2 : 1) else { return }
        let reader = MRTRecordReader(stream: stream, name: "fuzz")
        var formatter = BGPDumpFormatter()
        var lastOffset = -1
        var lastEnd = 0
        var out: [UInt8] = []
        var problems: [BGPDumpFormatter.Problem] = []
        while let raw = reader.next() {
            // Offsets only grow: the reader always makes progress, so it ends.
            check(raw.offset > lastOffset, "record offsets increase")
            check(raw.body.count == Int(raw.header.length), "body length is the header's")
            lastOffset = raw.offset
            lastEnd = max(lastEnd, raw.offset + raw.header.size + raw.body.count)
            do {
                let record = try MRTRecord(header: raw.header, body: raw.body, offset: raw.offset)
                formatter.format(record, into: &out, problems: &problems)
                _ = record.warnings
                out.removeAll(keepingCapacity: true)
                problems.removeAll()
            } catch {
                check(error.offset >= raw.offset, "error offset inside the record")
                reader.resync(after: raw)
            }
            for p in reader.takeProblems() { check(p.offset >= 0, "problem offset") }
        }
        for p in reader.takeProblems() { check(p.offset >= 0 && !p.message.isEmpty, "problem offset") }
        check(reader.skippedBytes >= 0, "skipped bytes")
        if stream.kind == .none { check(lastEnd <= file.count, "records lie inside a plain file") }
    }

    static func check(_ ok: @autoclosure () -> Bool, _ what: StaticString) {
        if !ok() { fatalError("fuzz invariant broken: \(what)") }
    }
}
