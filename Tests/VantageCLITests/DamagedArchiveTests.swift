import ArchiveIO
import BGPWire
import Foundation
import FuzzTargets
import VantageCLI
import XCTest

/// `vantage dump -m` on damaged copies of real archives from ../shared/data/mrt: files cut at many
/// offsets (gzip, bzip2, uncompressed), a record whose MRT length is too large, too small or absurd,
/// garbage inside one record's attributes, a missing file and a text file. Every good record must
/// still be printed exactly as from the intact file, and every problem reported with the file name
/// and a byte offset.
final class DamagedArchiveTests: XCTestCase {
    static let updatesGz = "updates.20160811.1600.gz"
    static let updatesBz2 = "routeviews.updates.20131201.0000.bz2"
    /// Cuts per file; every fifth cut of an uncompressed file is moved to a record boundary. The
    /// bzip2 file gets fewer: it decodes in six 900 kB blocks, so cuts inside one block all leave
    /// the same bytes, and its decoding is what takes most of this suite's time.
    static let cutCount = 25
    static let bzip2CutCount = 12
    /// The uncompressed file of the corruption tests: the first records of `updatesGz`, up to here.
    static let smallPlainSize = 400_000

    private var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("DamagedArchiveTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let tmp { try? FileManager.default.removeItem(at: tmp) }
    }

    // MARK: Cut files

    func testGzipCutAtManyOffsets() throws {
        let src = try Self.archive(Self.updatesGz)
        try checkCuts(of: try Data(contentsOf: src), named: "cut.gz", decompressed: try SharedData.decompressed(src), compressed: true)
    }

    func testBzip2CutAtManyOffsets() throws {
        let src = try Self.archive(Self.updatesBz2)
        try checkCuts(
            of: try Data(contentsOf: src), named: "cut.bz2", decompressed: try SharedData.decompressed(src), compressed: true,
            count: Self.bzip2CutCount)
    }

    func testUncompressedCutAtManyOffsets() throws {
        let plain = try SharedData.decompressed(try Self.archive(Self.updatesGz))
        try checkCuts(of: Data(plain), named: "cut.mrt", decompressed: plain, compressed: false)
    }

    /// Cuts `file` at `cutCount` deterministic offsets and dumps each cut copy (two at a time). The
    /// output must be the intact file's output up to the last record that the cut copy still holds
    /// whole, and a cut inside a record must be reported with the file name and the record's offset.
    private func checkCuts(
        of file: Data, named name: String, decompressed: [UInt8], compressed: Bool, count: Int = cutCount
    ) throws {
        // The expected output of each cut comes from formatting the intact file record by record.
        let index = try RecordIndex(decompressed, in: tmp)
        XCTAssertGreaterThan(index.records.count, 100)

        var cuts: [Int] = []
        for k in 0..<count {
            var c = file.count * (2 * k + 1) / (2 * count) + (k * 7919) % 97
            if !compressed && k % 5 == 0, let r = index.records.last(where: { $0.offset <= c }) { c = r.offset }
            cuts.append(min(max(c, 1), file.count - 1))
        }
        let results = Locked([Int: (Dump, available: Int)]())
        let dir = tmp!
        let offsets = cuts
        DispatchQueue.concurrentPerform(iterations: cuts.count) { i in
            let path = dir.appendingPathComponent("\(i)-\(name)").path
            let cutBytes = [UInt8](file.prefix(offsets[i]))
            FileManager.default.createFile(atPath: path, contents: Data(cutBytes))
            let available = Self.decodableBytes(cutBytes)
            let d = try? Self.dump(path)
            results.update { $0[i] = d.map { ($0, available) } }
        }
        for (i, cut) in cuts.enumerated() {
            let path = dir.appendingPathComponent("\(i)-\(name)").path
            guard let (d, available) = results.value[i] else {
                XCTFail("\(name) cut at \(cut): dump failed")
                continue
            }
            let whole = index.records.filter { $0.end <= available }
            let expected = index.output.prefix(whole.last?.outputEnd ?? 0)
            let what = "\(name) cut at \(cut) of \(file.count) (\(available) bytes decodable, \(whole.count) whole records)"
            XCTAssert(d.output == Array(expected), "\(what): output is not the intact output up to the last whole record "
                + "(\(d.output.count) bytes vs \(expected.count))")
            let inRecord = whole.count < index.records.count && index.records[whole.count].offset < available
            if inRecord {
                let at = index.records[whole.count].offset
                XCTAssert(d.problems.contains { $0.contains("\(path): byte \(at):") },
                    "\(what): no problem names the cut record at byte \(at): \(d.problems)")
            }
            if compressed || inRecord {
                XCTAssert(
                    d.problems.contains { Self.namesFileAndOffset($0, path) },
                    "\(what): no problem with file and offset: \(d.problems)"
                        + (whole.isEmpty ? " (damage before the first whole record must still be reported)" : ""))
            } else {
                XCTAssertEqual(d.problems, [], "\(what): a cut at a record boundary is a good file")
            }
            // With no whole record left the file may count as failed (not MRT); it must not pass silently.
            if !whole.isEmpty { XCTAssertEqual(d.result.failedFiles, 0, what) }
            XCTAssertEqual(d.result.stats.skippedRecords, 0, what)
        }
    }

    // MARK: Corrupted records (uncompressed)

    /// A BGP4MP record whose MRT length field is made larger: only that record may be lost.
    func testRecordLengthTooLarge() throws {
        for extra in [1, 30, 500] {
            try checkDamage("length+\(extra)") { bytes, r in Self.setLength(&bytes, r, UInt32(r.end - r.offset - 12 + extra)) }
        }
    }

    /// A BGP4MP record whose MRT length field is made smaller: only that record may be lost.
    func testRecordLengthTooSmall() throws {
        for less in [1, 10, 40] {
            try checkDamage("length-\(less)") { bytes, r in Self.setLength(&bytes, r, UInt32(r.end - r.offset - 12 - less)) }
        }
    }

    /// A length of 0xFFFFFFF0: no giant allocation, no hang, the records before and after it kept.
    func testAbsurdRecordLength() throws {
        let start = Date()
        let rssBefore = Self.peakRSSKiB()
        try checkDamage("length 0xFFFFFFF0") { bytes, r in Self.setLength(&bytes, r, 0xFFFF_FFF0) }
        XCTAssertLessThan(Date().timeIntervalSince(start), 30, "absurd length: too slow")
        XCTAssertLessThan(Self.peakRSSKiB() - rssBefore, 256 * 1024, "absurd length: peak memory grew by more than 256 MiB")
        // The same at the very end of the file: nothing after it to resynchronise on.
        let index = try smallPlainIndex()
        var bytes = index.bytes
        let last = index.records[index.records.count - 1]
        Self.setLength(&bytes, last, 0xFFFF_FFF0)
        let path = tmp.appendingPathComponent("absurd-last.mrt").path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let d = try Self.dump(path)
        XCTAssert(d.output == Array(index.output.prefix(last.outputStart)), "absurd length in the last record")
        XCTAssert(d.problems.contains { $0.contains("\(path): byte \(last.offset):") }, "\(d.problems)")
    }

    /// Bytes flipped inside one record's path attributes: no crash, every other record intact.
    func testGarbageInsideAttributes() throws {
        let patterns: [(String, (inout [UInt8], Range<Int>) -> Void)] = [
            ("first attribute header inverted", { b, a in for i in a.prefix(3) { b[i] ^= 0xFF } }),
            ("every third byte inverted", { b, a in for i in stride(from: a.lowerBound, to: a.upperBound, by: 3) { b[i] ^= 0xFF } }),
            ("all 0xFF", { b, a in for i in a { b[i] = 0xFF } }),
            ("all zero", { b, a in for i in a { b[i] = 0 } }),
            ("second half shuffled", { b, a in
                let mid = a.lowerBound + a.count / 2
                for i in mid..<a.upperBound { b[i] = b[i] &* 37 &+ UInt8(truncatingIfNeeded: i) }
            }),
        ]
        for (name, flip) in patterns {
            try checkDamage(name, allowDamagedRecordLines: true) { bytes, r in
                guard let a = r.attributes else { return XCTFail("damaged record has no attributes") }
                flip(&bytes, a)
            }
        }
    }

    /// Applies `damage` to one BGP4MP UPDATE record in the middle of the small uncompressed file and
    /// checks that the dump prints every other record's lines unchanged and reports the damage with
    /// the file name and the damaged record's offset. With `allowDamagedRecordLines` the damaged
    /// record may still print lines of its own (different ones), between the intact neighbours.
    private func checkDamage(
        _ name: String, allowDamagedRecordLines: Bool = false, _ damage: (inout [UInt8], RecordIndex.Record) -> Void
    ) throws {
        let index = try smallPlainIndex()
        let victim = index.victim
        var bytes = index.bytes
        damage(&bytes, victim)
        let path = tmp.appendingPathComponent("damaged-\(name.filter { $0.isLetter || $0.isNumber }).mrt").path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let d = try Self.dump(path)
        let before = Array(index.output[..<victim.outputStart])
        let after = Array(index.output[victim.outputEnd...])
        let what = "\(name) at byte \(victim.offset)"
        XCTAssertEqual(d.result.failedFiles, 0, what)
        if allowDamagedRecordLines {
            XCTAssert(d.output.starts(with: before) && d.output.count >= before.count + after.count
                && Array(d.output.suffix(after.count)) == after, "\(what): records around the damaged one changed")
            if d.output != index.output {
                XCTAssert(d.problems.contains { Self.namesFileAndOffset($0, path) }, "\(what): output changed but no problem: \(d.problems)")
            }
        } else {
            XCTAssert(d.output == before + after, "\(what): output is not the intact output minus the damaged record "
                + "(\(d.output.count) bytes, expected \(before.count + after.count)); problems: \(d.problems). "
                + "(A record whose BGP message does not fill it must be rejected and the reader resynchronised, "
                + "or the records its length swallows are lost without a word.)")
            XCTAssert(d.problems.contains { $0.contains(path) && $0.contains("byte \(victim.offset)") },
                "\(what): no problem names the damaged record's offset: \(d.problems)")
        }
    }

    // MARK: Files that cannot be read

    func testMissingFile() throws {
        let path = tmp.appendingPathComponent("no-such-file.mrt.gz").path
        let d = try Self.dump(path)
        XCTAssertEqual(d.result.failedFiles, 1)
        XCTAssertEqual(d.output, [])
        XCTAssertEqual(d.problems.count, 1, "\(d.problems)")
        XCTAssert(d.problems.allSatisfy { $0.contains(path) && !$0.contains("\n") }, "\(d.problems)")
    }

    func testTextFileIsNotMRT() throws {
        let path = tmp.appendingPathComponent("notes.txt").path
        let text = (0..<200).map { "line \($0): this is not an MRT archive, just some text\n" }.joined()
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        let d = try Self.dump(path)
        XCTAssertEqual(d.result.failedFiles, 1)
        XCTAssertEqual(d.output, [])
        XCTAssertEqual(d.problems.count, 1, "\(d.problems)")
        XCTAssert(d.problems.allSatisfy { $0.contains(path) && !$0.contains("\n") }, "\(d.problems)")
    }

    // MARK: Fuzz inputs

    static let fuzzDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    /// Replays Fuzz/regressions/archive and Fuzz/corpus/archive through the archive fuzz harness
    /// (decompression, framing, resynchronisation, decoding): nothing may trap.
    func testReplayArchiveFuzzInputs() throws {
        var replayed = 0
        for folder in ["regressions", "corpus"] {
            let dir = Self.fuzzDir.appendingPathComponent("\(folder)/archive")
            guard let files = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { continue }
            for file in files.sorted() where !file.hasPrefix(".") {
                ArchiveFuzzHarness.archive([UInt8](try Data(contentsOf: dir.appendingPathComponent(file))))
                replayed += 1
            }
        }
        XCTAssertGreaterThan(replayed, 0, "no inputs under Fuzz/corpus/archive")
    }

    // MARK: Helpers

    struct Dump {
        var output: [UInt8]
        var problems: [String]
        var result: DumpRunner.Result
    }

    /// `DumpRunner(format: .bgpdump, threads: 1)` on one file, output captured through a temporary file.
    static func dump(_ path: String) throws -> Dump {
        let out = URL(fileURLWithPath: path + ".out")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        let fh = try FileHandle(forWritingTo: out)
        let problems = Locked([String]())
        var runner = DumpRunner(format: .bgpdump, threads: 1)
        runner.reportProblem = { p in problems.update { $0.append(p) } }
        let result = runner.run(files: [path], sink: OutputSink(fd: fh.fileDescriptor))
        try fh.close()
        // The closing summary counts problems but names no file; keep the per-problem lines.
        let lines = problems.value.filter { !$0.hasPrefix("vantage: summary:") }
        return Dump(output: [UInt8](try Data(contentsOf: out)), problems: lines, result: result)
    }

    /// How many decompressed bytes a (possibly damaged) archive yields before its end or damage.
    static func decodableBytes(_ file: [UInt8]) -> Int {
        guard let s = try? openArchive(bytes: file, name: "cut", threads: 1) else { return 0 }
        var total = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            guard let n = try? chunk.withUnsafeMutableBytes({ try s.read(into: $0) }), n > 0 else { return total }
            total += n
        }
    }

    static func namesFileAndOffset(_ problem: String, _ path: String) -> Bool {
        guard let r = problem.range(of: "\(path): byte ") else { return false }
        return problem[r.upperBound...].first?.isNumber == true
    }

    static func setLength(_ bytes: inout [UInt8], _ r: RecordIndex.Record, _ length: UInt32) {
        for k in 0..<4 { bytes[r.offset + 8 + k] = UInt8(truncatingIfNeeded: length >> (24 - 8 * UInt32(k))) }
    }

    static func archive(_ name: String) throws -> URL {
        let url = try SharedData.require().appendingPathComponent("mrt/\(name)")
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("\(name) not in ../shared/data/mrt") }
        return url
    }

    static func peakRSSKiB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss)
    }

    /// The first records of the gzip update file, uncompressed (about 400 kB), and their index.
    private func smallPlainIndex() throws -> RecordIndex {
        let plain = try SharedData.decompressed(try Self.archive(Self.updatesGz))
        var end = 0
        while end + 12 <= plain.count {
            let length = plain[end + 8..<end + 12].reduce(0) { $0 << 8 | Int($1) }
            if end + 12 + length > Self.smallPlainSize { break }
            end += 12 + length
        }
        return try RecordIndex(Array(plain[..<end]), in: tmp)
    }
}

extension DamagedArchiveTests {
    /// Where every record of an intact uncompressed archive lies, and which bytes of the dump it prints.
    struct RecordIndex {
        struct Record {
            var offset: Int
            var end: Int
            /// Its lines in `output`.
            var outputStart: Int
            var outputEnd: Int
            /// File offsets of its path attributes, for BGP4MP UPDATEs with attributes.
            var attributes: Range<Int>?
        }

        let bytes: [UInt8]
        let path: String
        var records: [Record] = []
        var output: [UInt8] = []

        /// Writes `bytes` to a file in `dir` and formats each of its records on its own.
        init(_ bytes: [UInt8], in dir: URL) throws {
            self.bytes = bytes
            path = dir.appendingPathComponent("intact-\(bytes.count).mrt").path
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            var formatter = BGPDumpFormatter()
            var problems: [BGPDumpFormatter.Problem] = []
            var recs: [Record] = []
            var out: [UInt8] = []
            try MRTFile.forEachRecord(path: path, threads: 1, onProblem: { XCTFail("intact file: \($0)") }) { record in
                let start = out.count
                formatter.format(record, into: &out, problems: &problems)
                var attrs: Range<Int>?
                if case .bgp4mpMessage(let m) = record.message, case .update(let u) = m.message, !u.attributes.raw.isEmpty {
                    attrs = u.attributes.baseOffset..<(u.attributes.baseOffset + u.attributes.raw.count)
                }
                recs.append(
                    Record(
                        offset: record.offset, end: record.offset + record.header.size + Int(record.header.length),
                        outputStart: start, outputEnd: out.count, attributes: attrs))
            }
            records = recs
            output = out
        }

        /// A BGP4MP UPDATE in the middle that prints lines and carries at least 20 bytes of attributes.
        var victim: Record {
            let mid = records.count / 2
            return records[mid...].first { $0.outputEnd > $0.outputStart && ($0.attributes?.count ?? 0) >= 20 }!
        }
    }

    /// A value shared between threads.
    final class Locked<Value>: @unchecked Sendable {
        private var stored: Value
        private let lock = NSLock()
        init(_ value: Value) { stored = value }
        var value: Value { lock.withLock { stored } }
        func update(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
    }
}
