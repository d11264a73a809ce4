import ArchiveIO
import ArgumentParser
import BGPWire

/// `vantage dump`: look inside MRT archives.
public struct DumpCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Decode MRT archives (plain, gzip or bzip2; TABLE_DUMP, TABLE_DUMP_V2, BGP4MP) and print them.",
        discussion: """
            Damaged input never stops the dump: every good record before and after the damage is printed,
            each problem is reported on stderr with the file and byte offset, and a summary counts what was
            skipped. The exit status is 0 unless a file cannot be opened or is not MRT (2), or --strict is
            given and something was skipped (1).
            """)

    public enum Format: String, ExpressibleByArgument, Sendable {
        case bgpdump
        case jsonl
    }

    @Argument(help: "MRT files to read; - reads standard input.")
    public var files: [String]

    @Flag(name: .customShort("m"), help: "One line per route in bgpdump's -m format (the default).")
    public var machine = false

    @Option(help: "Output format: bgpdump (same as -m) or jsonl (one JSON object per route element).")
    public var format: Format = .bgpdump

    @Flag(help: "Decode everything but print only totals per record type.")
    public var count = false

    @Flag(help: "Exit with status 1 if any record or byte had to be skipped.")
    public var strict = false

    @Option(help: "Decompression threads for bzip2 (0 = all cores).")
    public var threads = 0

    public init() {}

    public func run() throws {
        let result = DumpRunner(format: count ? nil : format, threads: threads).run(files: files, sink: OutputSink())
        if result.failedFiles > 0 { throw ExitCode(2) }
        if strict && (result.stats.skippedBytes > 0 || result.stats.problems > 0 || result.warnings > 0) {
            throw ExitCode(1)
        }
    }
}

/// The work behind `vantage dump`, callable in-process by tests.
public struct DumpRunner {
    /// nil means --count.
    public var format: DumpCommand.Format?
    public var threads: Int
    public var reportProblem: (String) -> Void = { printError($0) }

    public init(format: DumpCommand.Format?, threads: Int = 0) {
        self.format = format
        self.threads = threads
    }

    public struct Result {
        public var stats = ScanStats()
        public var failedFiles = 0
        /// Problems inside records that still decoded (malformed attributes, damaged NLRI lists).
        public var warnings = 0
        /// Records per "TYPE/SUBTYPE", and route elements per kind (for --count).
        public var recordCounts: [String: Int] = [:]
        public var elementCounts: [String: Int] = [:]
    }

    public func run(files: [String], sink: OutputSink) -> Result {
        var result = Result()
        var typeCounts: [UInt32: (MRTHeader, Int)] = [:]
        var run: (key: UInt32, header: MRTHeader, count: Int) = (0, MRTHeader(timestamp: 0, type: MRTType(rawValue: 0), subtype: 0, length: 0), 0)
        var elementTotals = (rib: 0, announce: 0, withdraw: 0, state: 0)
        for file in files {
            var formatter = BGPDumpFormatter()
            var peerTable: PeerIndexTable?
            var formatProblems: [BGPDumpFormatter.Problem] = []
            do {
                let stats = try MRTFile.forEachRecord(
                    path: file, threads: threads, onProblem: { reportProblem("vantage: \($0)") }
                ) { record in
                    for w in record.warnings {
                        result.warnings += 1
                        reportProblem("vantage: \(file): \(record.header.name) record at byte \(record.offset): warning: \(w)")
                    }
                    switch format {
                    case .bgpdump:
                        sink.append { formatter.format(record, into: &$0, problems: &formatProblems) }
                        if !formatProblems.isEmpty {
                            for p in formatProblems { reportProblem("vantage: \(file): byte \(record.offset): \(p)") }
                            formatProblems.removeAll()
                        }
                    case .jsonl:
                        if case .peerIndexTable(let t) = record.message { peerTable = t }
                        let elements = record.elements(peerTable: peerTable)
                        sink.append { out in for e in elements { JSONLines.append(e, to: &out) } }
                    case nil:
                        let h = record.header
                        // Records of one type come in runs: count a run, then file it (no hashing per record).
                        let key = UInt32(h.type.rawValue) << 16 | UInt32(h.subtype)
                        if key == run.key {
                            run.count += 1
                        } else {
                            if run.count > 0 { typeCounts[run.key, default: (run.header, 0)].1 += run.count }
                            run = (key, h, 1)
                        }
                        let c = record.elementCounts
                        elementTotals.rib += c.rib
                        elementTotals.announce += c.announce
                        elementTotals.withdraw += c.withdraw
                        elementTotals.state += c.state
                    }
                }
                result.stats.records += stats.records
                result.stats.skippedRecords += stats.skippedRecords
                result.stats.skippedBytes += stats.skippedBytes
                result.stats.problems += stats.problems
            } catch {
                result.failedFiles += 1
                reportProblem("vantage: \(error)")
            }
        }
        if format == nil {
            if run.count > 0 { typeCounts[run.key, default: (run.header, 0)].1 += run.count }
            for (h, n) in typeCounts.values { result.recordCounts[h.name, default: 0] += n }
            for (k, n) in [("rib", elementTotals.rib), ("announce", elementTotals.announce),
                ("withdraw", elementTotals.withdraw), ("state", elementTotals.state)] where n > 0 {
                result.elementCounts[k] = n
            }
            var text = ""
            for (name, n) in result.recordCounts.sorted(by: { $0.key < $1.key }) { text += "\(name)\t\(n)\n" }
            for (name, n) in result.elementCounts.sorted(by: { $0.key < $1.key }) { text += "elements/\(name)\t\(n)\n" }
            text += "records\t\(result.stats.records)\n"
            text += "skipped_records\t\(result.stats.skippedRecords)\n"
            text += "skipped_bytes\t\(result.stats.skippedBytes)\n"
            sink.write(text)
        }
        sink.flush()
        if result.stats.problems > 0 || result.warnings > 0 {
            reportProblem(
                "vantage: summary: \(result.stats.records) records decoded, \(result.stats.skippedRecords) records skipped, "
                    + "\(result.stats.skippedBytes) bytes skipped, \(result.stats.problems) problems, \(result.warnings) warnings")
        }
        return result
    }
}
