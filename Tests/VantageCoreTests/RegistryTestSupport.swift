import Foundation
import TestSupport
import XCTest

/// Locates ../shared/data/registry beside the package root and reads files from it; shell tools
/// (awk, gzip) give the tests facts derived independently of the parsers under test.
enum RegistryData {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let root = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")

    static let delegationFiles = [
        "delegated-afrinic-extended.20260505", "delegated-apnic-latest.20141009", "delegated-arin-latest.20130813",
        "delegated-lacnic-latest.20141008", "delegated-lacnic-extended.20181012", "delegated-ripencc-latest.20140520",
    ]
    static let asNames = "asnames_20140524.dat"
    static let pfx2as = "routeviews-rv2-20141202-1200.pfx2as.gz"
    static let asRel = "20141201.as-rel.txt"

    static func path(_ name: String) throws -> String {
        guard FileManager.default.fileExists(atPath: root.path) else {
            throw XCTSkip("../shared/data not found: registry tests skipped")
        }
        return root.appendingPathComponent("registry").appendingPathComponent(name).path
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: try path(name))), as: UTF8.self)
    }

    /// The decompressed text of a .gz file, by /bin/gzip -dc.
    static func gunzip(_ name: String) throws -> String { try run("/bin/gzip", ["-dc", try path(name)]) }

    /// `awk -F<separator> <program> <file>`'s output.
    static func awk(_ program: String, _ name: String, separator: String = "|") throws -> String {
        try run("/usr/bin/env", ["awk", "-F\(separator)", program, try path(name)])
    }

    /// Parses awk output lines `key value` into a dictionary.
    static func table(_ output: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let v = Double(parts[1]) { out[String(parts[0])] = v }
        }
        return out
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let r = try ExternalTool.run(tool, arguments)
        guard r.status == 0 else { throw XCTSkip("\(tool) \(arguments.first ?? "") failed") }
        return String(decoding: r.output, as: UTF8.self)
    }
}
