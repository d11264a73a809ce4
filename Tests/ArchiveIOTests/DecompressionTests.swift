import Foundation
import XCTest
@testable import ArchiveIO

final class DecompressionTests: XCTestCase {
    private static let dataDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/data/mrt").standardizedFileURL
    private static let ribBz2 = "routeviews.route-views.jinx.ribs.1401487200.bz2"
    /// Six blocks, 5,228,191 bytes decompressed: small enough to decode dozens of times.
    private static let updatesBz2 = "routeviews.updates.20131201.0000.bz2"
    private static let smallBz2 = "routeviews.route-views.jinx.updates.1401493500.bz2"
    private static let updatesGz = "updates.20160811.1600.gz"

    private var temporaryDirectory: URL!

    override func setUpWithError() throws {
        temporaryDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ArchiveIOTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporaryDirectory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: temporaryDirectory)
    }

    // MARK: - Real archives

    func testGzipMatchesGzipTool() throws {
        let path = try dataPath(Self.updatesGz)
        let (bytes, error) = drain(try openArchive(path: path))
        XCTAssertNil(error)
        XCTAssertEqual(bytes.count, 2_433_383)
        if let expected = try toolOutput("gzip", ["-dc", path]) { XCTAssertTrue(bytes == expected) }
    }

    func testBzip2MatchesBzip2ToolAtEveryThreadCount() throws {
        let path = try dataPath(Self.ribBz2)
        let expected = try toolOutput("bzip2", ["-dc", path])
        var sequential: [UInt8] = []
        for threads in [1, 2, 4] {
            let stream = try openArchive(path: path, threads: threads)
            XCTAssertEqual(stream.kind, .bzip2)
            let (bytes, error) = drain(stream)
            XCTAssertNil(error, "threads \(threads)")
            XCTAssertEqual(bytes.count, 32_575_928, "threads \(threads)")
            XCTAssertEqual(stream.compressedBytesRead, try fileSize(path), "threads \(threads)")
            if let expected { XCTAssertTrue(bytes == expected, "threads \(threads)") }
            if threads == 1 { sequential = bytes } else { XCTAssertTrue(bytes == sequential, "threads \(threads)") }
        }
    }

    func testConcatenatedBzip2StreamsDecodeFully() throws {
        let first = try contents(Self.smallBz2), second = try contents(Self.updatesBz2)
        let expected = try decoded(first) + decoded(second)
        for threads in [1, 2, 3] {
            let (bytes, error) = drain(try openArchive(bytes: first + second + first, name: "cat", threads: threads))
            XCTAssertNil(error, "threads \(threads)")
            XCTAssertTrue(bytes == (try expected + decoded(first)), "threads \(threads)")
        }
    }

    func testBzip2StreamsOfMixedLevelsAndPbzip2Output() throws {
        let plain = try decoded(try contents(Self.updatesBz2))
        let input = temporaryDirectory.appendingPathComponent("updates.mrt")
        try Data(plain[..<2_000_000]).write(to: input)
        let tail = temporaryDirectory.appendingPathComponent("tail.mrt")
        try Data(plain[2_000_000...]).write(to: tail)
        guard let low = try toolOutput("bzip2", ["-1", "-c", input.path]),
              let high = try toolOutput("bzip2", ["-9", "-c", tail.path]) else {
            throw XCTSkip("bzip2 tool not installed")
        }
        for threads in [1, 2] {
            let (bytes, error) = drain(try openArchive(bytes: low + high, name: "mixed", threads: threads))
            XCTAssertNil(error)
            XCTAssertTrue(bytes == plain, "threads \(threads)")
        }
        try Data(plain).write(to: input)
        if let parallel = try toolOutput("pbzip2", ["-1", "-p2", "-c", input.path]) {
            for threads in [1, 2] {
                let (bytes, error) = drain(try openArchive(bytes: parallel, name: "pbzip2", threads: threads))
                XCTAssertNil(error)
                XCTAssertTrue(bytes == plain, "threads \(threads)")
            }
        }
    }

    func testConcatenatedGzipMembersDecodeFully() throws {
        let member = try contents(Self.updatesGz)
        let (bytes, error) = drain(try openArchive(bytes: member + member, name: "cat"))
        XCTAssertNil(error)
        let single = try decoded(member)
        XCTAssertTrue(bytes == single + single)
    }

    // MARK: - Damage

    func testCutBzip2DeliversAPrefixThenThrows() throws {
        let compressed = try contents(Self.updatesBz2)
        let full = try decoded(compressed)
        for threads in [1, 2] {
            for cut in cutOffsets(compressed.count) {
                let stream = try openArchive(bytes: Array(compressed[..<cut]), name: "cut", threads: threads)
                let (bytes, error) = drain(stream)
                XCTAssertTrue(full.starts(with: bytes), "threads \(threads), cut at \(cut)")
                XCTAssertNotNil(error as? ArchiveError, "threads \(threads), cut at \(cut)")
            }
            // Cut exactly where a second stream would begin: a complete file.
            let (bytes, error) = drain(try openArchive(bytes: compressed, name: "whole", threads: threads))
            XCTAssertNil(error)
            XCTAssertTrue(bytes == full)
        }
        // The last complete block before a cut is delivered.
        let cutInEnd = Array(compressed.dropLast(3))
        for threads in [1, 2] {
            let (bytes, error) = drain(try openArchive(bytes: cutInEnd, name: "cut", threads: threads))
            XCTAssertEqual((error as? ArchiveError)?.message, "bzip2 stream is cut short (unexpected end of file)")
            XCTAssertTrue(bytes == full, "threads \(threads)")
        }
    }

    func testCutGzipDeliversAPrefixThenThrows() throws {
        let member = try contents(Self.updatesGz)
        let full = try decoded(member)
        for cut in cutOffsets(member.count) + [member.count + 1] {
            let input = Array((member + member)[..<cut])
            let (bytes, error) = drain(try openArchive(bytes: input, name: "cut"))
            XCTAssertTrue((full + full).starts(with: bytes), "cut at \(cut)")
            XCTAssertEqual((error as? ArchiveError)?.message, "gzip stream is cut short (unexpected end of file)",
                           "cut at \(cut)")
        }
    }

    func testTrailingGarbageIsAnErrorAfterTheData() throws {
        let gz = try contents(Self.updatesGz), bz2 = try contents(Self.updatesBz2)
        let garbage = Array("not a header\n".utf8)
        let cases = [(gz, garbage, 1), (gz, [0, 0, 0, 0], 1), (bz2, garbage, 1), (bz2, garbage, 2)]
        for (archive, tail, threads) in cases {
            let (bytes, error) = drain(try openArchive(bytes: archive + tail, name: "garbage", threads: threads))
            XCTAssertTrue(bytes == (try decoded(archive)))
            let message = (error as? ArchiveError)?.message ?? ""
            XCTAssertTrue(message.hasPrefix("trailing garbage"), message)
        }
    }

    func testCorruptBlocksAreReported() throws {
        let compressed = try contents(Self.updatesBz2)
        let full = try decoded(compressed)
        for position in stride(from: 100, to: compressed.count, by: compressed.count / 7) {
            var damaged = compressed
            damaged[position] ^= 0x10
            for threads in [1, 2] {
                let (bytes, error) = drain(try openArchive(bytes: damaged, name: "damaged", threads: threads))
                XCTAssertNotNil(error as? ArchiveError, "threads \(threads), byte \(position)")
                // Parallel decoding delivers only blocks that passed their CRC.
                if threads > 1 { XCTAssertTrue(full.starts(with: bytes), "byte \(position)") }
            }
        }
        var gz = try contents(Self.updatesGz)
        gz[gz.count / 2] ^= 0x55
        XCTAssertNotNil(drain(try openArchive(bytes: gz, name: "damaged")).error as? ArchiveError)
    }

    /// A chance block magic inside compressed data splits a block; the pieces must be merged again.
    func testFalseBlockBoundariesAreRepaired() throws {
        let compressed = try contents(Self.updatesBz2)
        let full = try decoded(compressed)
        let scanner = BlockScanner(source: InputSource(bytes: compressed, name: "split"))
        var split: [Piece] = []
        let stream = ParallelBzip2Stream(name: "split", threads: 2) {
            if !split.isEmpty { return .piece(split.removeFirst()) }
            let item = scanner.next()
            guard case .piece(let piece) = item, piece.bitCount > 5_000 else { return item }
            split = [piece.slice(2_000..<3_000, end: .block), piece.slice(3_000..<piece.bitCount, end: piece.end)]
            return .piece(piece.slice(0..<2_000, end: .block))
        }
        let (bytes, error) = drain(stream)
        XCTAssertNil(error)
        XCTAssertTrue(bytes == full)
    }

    // MARK: - Plain input and opening

    func testPlainBytesPassThrough() throws {
        var generator = SystemRandomNumberGenerator()
        let random = [0x00] + (0..<3_000_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for input in [random, [], Array("BZ".utf8), [0x1f], Array("BZh0rest".utf8), Array("MRT?".utf8)] {
            let stream = try openArchive(bytes: input, name: "plain")
            XCTAssertEqual(stream.kind, .none)
            let (bytes, error) = drain(stream, chunk: 100_000)
            XCTAssertNil(error)
            XCTAssertTrue(bytes == input)
        }
        let file = temporaryDirectory.appendingPathComponent("plain.mrt")
        try Data(random).write(to: file)
        let stream = try openArchive(path: file.path)
        XCTAssertTrue(drain(stream).bytes == random)
        XCTAssertEqual(stream.compressedBytesRead, UInt64(random.count))
    }

    func testSmallReadsGiveTheSameBytes() throws {
        for name in [Self.smallBz2, "ris.rrc06.updates.1401488100.gz"] {
            let compressed = try contents(name)
            let full = try decoded(compressed)
            for threads in [1, 2] {
                let stream = try openArchive(bytes: compressed, name: name, threads: threads)
                XCTAssertTrue(drain(stream, chunk: 7).bytes == full)
            }
        }
    }

    func testMissingFileNamesThePath() {
        let path = temporaryDirectory.appendingPathComponent("no-such-file.bz2").path
        XCTAssertThrowsError(try openArchive(path: path)) { error in
            let archiveError = error as? ArchiveError
            XCTAssertEqual(archiveError?.file, path)
            XCTAssertTrue(archiveError?.description.contains(path) ?? false)
            XCTAssertTrue(archiveError?.description.contains("No such file") ?? false, "\(error)")
        }
        XCTAssertThrowsError(try openArchive(path: temporaryDirectory.path)) { error in
            XCTAssertEqual((error as? ArchiveError)?.message, "cannot open: is a directory")
        }
    }

    func testErrorDescription() {
        XCTAssertEqual(ArchiveError(file: "a.bz2", compressedOffset: 12, message: "bad").description,
                       "a.bz2: byte 12: bad")
        XCTAssertEqual(ArchiveError(file: "-", compressedOffset: nil, message: "broken").description, "-: broken")
    }

    /// Random damage of every kind must end in data or an error, never a crash or a hang.
    func testMutatedInputsNeverCrash() throws {
        var generator = SystemRandomNumberGenerator()
        let seeds = [try contents(Self.smallBz2), try contents("ris.rrc06.updates.1401488100.gz"),
                     Array("BZh9".utf8) + [0x31, 0x41, 0x59, 0x26, 0x53, 0x59] + Array(repeating: 0xff, count: 64)]
        for seed in seeds {
            for round in 0..<150 {
                var input = seed
                for _ in 0..<(1 + round % 4) {
                    let position = Int.random(in: 4..<input.count, using: &generator)
                    switch round % 3 {
                    case 0: input[position] = UInt8.random(in: 0...255, using: &generator)
                    case 1: input.removeSubrange(position..<min(input.count, position + Int.random(in: 1...99)))
                    default: input.insert(contentsOf: input[4..<min(input.count, 4 + round)], at: position)
                    }
                    if input.count <= 4 { break }
                }
                _ = drain(try openArchive(bytes: input, name: "fuzz", threads: 1 + round % 2))
            }
        }
    }

    /// Crafted input full of block or end-of-stream magics must fail fast, not merge pieces for ever.
    func testMagicsEverywhereFailFast() throws {
        let blockMagic: [UInt8] = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]
        let endMagic: [UInt8] = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90]
        for filler in [blockMagic, endMagic, blockMagic + endMagic] {
            let input = Array("BZh9".utf8) + blockMagic + (0..<400_000 / filler.count).flatMap { _ in filler }
            for threads in [1, 2] {
                let start = Date()
                let (bytes, error) = drain(try openArchive(bytes: input, name: "magics", threads: threads))
                XCTAssertTrue(bytes.isEmpty)
                XCTAssertNotNil(error as? ArchiveError)
                XCTAssertLessThan(Date().timeIntervalSince(start), 10)
            }
        }
    }

    // MARK: - Helpers

    private func dataPath(_ name: String) throws -> String {
        let url = Self.dataDirectory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("../shared/data not found: real-archive tests skipped")
        }
        return url.path
    }

    private func contents(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: dataPath(name))))
    }

    private func fileSize(_ path: String) throws -> UInt64 {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
    }

    /// The sequential decoding of a whole, undamaged archive.
    private func decoded(_ compressed: [UInt8]) throws -> [UInt8] {
        let (bytes, error) = drain(try openArchive(bytes: compressed, name: "reference", threads: 1))
        if let error { throw error }
        return bytes
    }

    /// Everything a stream delivers, and the error that ended it; checks that reads after the end return 0.
    private func drain(_ stream: any ByteStream, chunk: Int = 1 << 16) -> (bytes: [UInt8], error: (any Error)?) {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        var failure: (any Error)?
        do {
            while case let count = try buffer.withUnsafeMutableBytes({ try stream.read(into: $0) }), count > 0 {
                bytes += buffer[..<count]
            }
        } catch {
            failure = error
        }
        XCTAssertEqual(try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }, 0)
        return (bytes, failure)
    }

    /// 20 cut points: the first bytes after the magic (shorter input is not recognised), every part of the file, and
    /// the last bytes.
    private func cutOffsets(_ count: Int) -> [Int] {
        [4, 5, 9, 11, 14, 40] + (1...10).map { count * $0 / 11 } + [count - 9, count - 5, count - 2, count - 1]
    }

    /// Standard output of a system tool, or nil when it is not installed.
    private func toolOutput(_ tool: String, _ arguments: [String]) throws -> [UInt8]? {
        guard let executable = ["/usr/bin", "/bin", "/usr/local/bin"].map({ "\($0)/\(tool)" })
            .first(where: FileManager.default.isExecutableFile(atPath:)) else { return nil }
        let output = temporaryDirectory.appendingPathComponent("\(tool)-\(UUID().uuidString)")
        XCTAssertTrue(FileManager.default.createFile(atPath: output.path, contents: nil))
        let handle = try FileHandle(forWritingTo: output)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        XCTAssertEqual(process.terminationStatus, 0, "\(tool) \(arguments)")
        return Array(try Data(contentsOf: output))
    }
}

private extension Piece {
    /// The bits in `range` as a piece of their own.
    func slice(_ range: Range<Int>, end: End) -> Piece {
        var piece = self
        var writer = BitWriter(capacity: range.count / 8 + 1)
        bits.withUnsafeBufferPointer { writer.append($0, from: range.lowerBound, count: range.count) }
        piece.bits = writer.finish()
        piece.bitCount = range.count
        piece.end = end
        return piece
    }
}
