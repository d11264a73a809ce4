import ArchiveIO
import Foundation
import TestSupport
import VantageCLI
import XCTest

/// Locates ../shared/data (beside the package root) and reads files from it.
enum SharedData {
    static let packageRoot = SharedDataRoot.packageRoot
    static let root = SharedDataRoot.root

    /// The data folder, or an XCTSkip explaining its absence (a fresh clone without ../shared).
    static func require() throws -> URL { try SharedDataRoot.require() }

    static func mrtFiles() throws -> [URL] {
        let dir = try require().appendingPathComponent("mrt")
        let fm = FileManager.default
        var out: [URL] = []
        for name in try fm.contentsOfDirectory(atPath: dir.path).sorted() {
            let u = dir.appendingPathComponent(name)
            var isDir: ObjCBool = false
            fm.fileExists(atPath: u.path, isDirectory: &isDir)
            if isDir.boolValue {
                for sub in try fm.contentsOfDirectory(atPath: u.path).sorted() { out.append(u.appendingPathComponent(sub)) }
            } else {
                out.append(u)
            }
        }
        return out
    }

    /// Decompressed contents of any (plain, gzip, bzip2) file.
    static func decompressed(_ url: URL) throws -> [UInt8] { try readAll(openArchive(path: url.path, threads: 1)) }

    static func which(_ tool: String) -> String? { ExternalTool.which(tool) }
    static func run(_ tool: String, _ args: [String]) throws -> [UInt8] { try ExternalTool.run(tool, args).output }
}

/// Captures what the dump command writes, through a temporary file.
enum Capture {
    static func dump(_ paths: [String], format: DumpCommand.Format?, threads: Int = 1) throws -> (
        output: [UInt8], errors: [String], result: DumpRunner.Result
    ) {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-test-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: tmp.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let fh = try FileHandle(forWritingTo: tmp)
        final class Box { var errors: [String] = [] }
        let box = Box()
        var runner = DumpRunner(format: format, threads: threads)
        runner.reportProblem = { box.errors.append($0) }
        let result = runner.run(files: paths, sink: OutputSink(fd: fh.fileDescriptor))
        try fh.close()
        return ([UInt8](try Data(contentsOf: tmp)), box.errors, result)
    }
}
