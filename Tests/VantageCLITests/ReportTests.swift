import BGPWire
import Foundation
import VantageCLI
import VantageCore
import XCTest

/// `vantage report` facts on the real 2014-05-30 RouteViews RIB, checked against counts derived
/// independently from bgpdump's output and the delegation files.
final class ReportTests: XCTestCase {
    static let rib = "mrt/routeviews.route-views.jinx.ribs.1401487200.bz2"

    /// One pipeline run over the RIB with one RIR file loaded (so the independent count can use the
    /// same file), shared by the tests below.
    func run(registryFiles: [String]) throws -> (Pipeline.Result, Registry) {
        let data = try SharedData.require()
        let registry = try RegistryLoader.load(registryFiles.map { data.appendingPathComponent("registry/\($0)").path })
        var pipeline = Pipeline(registry: registry)
        pipeline.onProblem = { XCTFail("unexpected problem: \($0)") }
        return (pipeline.run([data.appendingPathComponent(Self.rib).path]), registry)
    }

    func testNorthKorea() throws {
        let (result, registry) = try run(registryFiles: ["delegated-apnic-latest.20141009", "asnames_20140524.dat"])
        let report = EntityReport.build(keys: [.country("KP", .ipv4), .country("KP", .ipv6)], result: result, registry: registry)
        XCTAssertEqual(report.families.count, 1)
        let v4 = try XCTUnwrap(report.families.first)
        XCTAssertEqual(v4.prefixes.map(\.prefix.description), ["175.45.176.0/24", "175.45.177.0/24", "175.45.178.0/24", "175.45.179.0/24"])
        XCTAssertEqual(v4.addressCount, 1024)
        XCTAssertEqual(v4.origins.map(\.asn), [131279])
        XCTAssertEqual(v4.upstreams.count, 1)
        XCTAssertEqual(v4.upstreams.first?.asn, 4837)
        XCTAssertEqual(v4.upstreams.first?.pathShare, 1)
        XCTAssertEqual(v4.upstreams.first?.spaceShare, 1)
        XCTAssertTrue(v4.singleUpstream)
        let text = report.text
        XCTAssertTrue(text.contains("4 prefixes, 1,024 addresses"), text)
        XCTAssertTrue(text.contains("AS4837 (CHINA169-BACKBONE CNCGROUP China169 Backbone): 100 % of paths, 100 % of address space"), text)
        XCTAssertTrue(text.contains("Single upstream"), text)
    }

    /// Prefix counts and unique address space for larger countries equal what a direct reading of
    /// bgpdump's output and the delegation file gives: every RIB prefix of length ≥ 8 that overlaps an
    /// allocated/assigned range of the country.
    func testLargerCountriesMatchIndependentCounts() throws {
        let data = try SharedData.require()
        guard let bgpdump = SharedData.which("bgpdump") else { throw XCTSkip("bgpdump not installed: independent count skipped") }
        let cases: [(file: String, countries: [String])] = [
            ("delegated-ripencc-latest.20140520", ["NL", "IR", "UA"]),
            ("delegated-lacnic-latest.20141008", ["BR", "CU"]),
        ]
        let lines = try SharedData.run(bgpdump, ["-m", data.appendingPathComponent(Self.rib).path])
        var ribPrefixes = Set<IPPrefix>()
        for line in lines.split(separator: UInt8(ascii: "\n")) {
            let f = line.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
            if f.count > 5, let p = IPPrefix(String(decoding: f[5], as: UTF8.self)), p.afi == .ipv4 { ribPrefixes.insert(p) }
        }
        XCTAssertGreaterThan(ribPrefixes.count, 450_000)
        for c in cases {
            let text = try String(contentsOf: data.appendingPathComponent("registry/\(c.file)"), encoding: .utf8)
            let (result, registry) = try run(registryFiles: [c.file])
            for cc in c.countries {
                // Independent: the country's IPv4 ranges straight from the file's lines.
                var ranges: [(UInt64, UInt64)] = []
                for l in text.split(separator: "\n") where !l.hasPrefix("#") {
                    let f = l.split(separator: "|", omittingEmptySubsequences: false)
                    guard f.count >= 7, f[1] == cc, f[2] == "ipv4", f[6] == "allocated" || f[6] == "assigned",
                        let start = IPv4Address(f[3]), let n = UInt64(f[4])
                    else { continue }
                    ranges.append((UInt64(start.value), UInt64(start.value) + n))
                }
                // Merge the ranges, then find overlaps by binary search.
                ranges.sort { $0.0 < $1.0 }
                var merged: [(UInt64, UInt64)] = []
                for r in ranges {
                    if let last = merged.last, r.0 <= last.1 { merged[merged.count - 1].1 = max(last.1, r.1) } else { merged.append(r) }
                }
                let expected = ribPrefixes.filter { p in
                    guard p.length >= 8, case .v4(let a) = p.masked.address else { return false }
                    let s = UInt64(a.value)
                    let e = s + (UInt64(1) << (32 - UInt64(p.length)))
                    var lo = 0
                    var hi = merged.count
                    while lo < hi {  // first range ending after s
                        let mid = (lo + hi) / 2
                        if merged[mid].1 <= s { lo = mid + 1 } else { hi = mid }
                    }
                    return lo < merged.count && merged[lo].0 < e
                }
                let report = EntityReport.build(keys: [.country(cc, .ipv4)], result: result, registry: registry)
                let got = Set(report.families.first?.prefixes.map(\.prefix) ?? [])
                XCTAssertEqual(got.count, expected.count, "\(cc): prefix count")
                XCTAssertEqual(got, expected, "\(cc): prefixes")
                XCTAssertEqual(report.families.first?.addressCount, EntityReport.uniqueSpace(Array(expected)), "\(cc): addresses")
                XCTAssertGreaterThan(expected.count, 10, cc)
            }
        }
    }
}
