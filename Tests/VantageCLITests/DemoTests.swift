import BGPWire
import Foundation
import VantageCLI
import VantageCore
import XCTest

/// `vantage demo` end to end: the north-korea-2014 scenario simulated, read back by `Pipeline` with
/// default settings, and the KP report checked against the published timeline (Dyn Research):
/// instability from 2014-12-21 for more than a day, outage 2014-12-22 16:15 → 2014-12-23 01:46
/// (9 h 31 min), outage 2014-12-23 15:41 → 16:12, each boundary within 60 s, classified
/// instability-then-withdrawal, single upstream AS4837.
final class DemoTests: XCTestCase {
    static func temporaryDirectory(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vantage-demo-\(name)-\(UUID().uuidString)").path
    }

    func assertNorthKoreaFindings(
        _ result: Pipeline.Result, _ report: EntityReport, file: StaticString = #filePath, line: UInt = #line
    ) {
        let f = DemoFindings.find(result.events, report: report)
        XCTAssertEqual(f.rows.count, 3, file: file, line: line)
        guard f.rows.count == 3 else { return }
        // Instability from the 21st (09:00 in this reconstruction) until the outage, more than 24 h.
        if let e = f.rows[0].event {
            XCTAssertEqual(e.kind, .instability, file: file, line: line)
            XCTAssertLessThanOrEqual(
                DemoFindings.dist(e.start, UTC.time(2014, 12, 21, 9)), 60, UTC.iso8601(e.start), file: file, line: line)
            let end = e.end ?? 0
            XCTAssertTrue(
                (UTC.time(2014, 12, 22, 16)...UTC.time(2014, 12, 22, 16, 45)).contains(end), UTC.iso8601(end),
                file: file, line: line)
            XCTAssertGreaterThan(end - min(end, e.start), 86_400, file: file, line: line)
        } else {
            XCTFail("instability not detected", file: file, line: line)
        }
        // The two outages: boundaries within a minute, instability before them, AS4837 the only upstream.
        for row in f.rows[1...] {
            guard let e = row.event else {
                XCTFail("\(row.published): not detected", file: file, line: line)
                continue
            }
            XCTAssertEqual(e.kind, .outage, file: file, line: line)
            XCTAssertLessThanOrEqual(
                DemoFindings.dist(e.start, row.publishedStart), 60, "\(row.published): start \(UTC.iso8601(e.start))",
                file: file, line: line)
            XCTAssertLessThanOrEqual(
                DemoFindings.dist(e.end ?? 0, row.publishedEnd!), 60,
                "\(row.published): end \(e.end.map(UTC.iso8601) ?? "open")", file: file, line: line)
            XCTAssertEqual(e.classification, .instabilityThenWithdrawal, row.published, file: file, line: line)
            XCTAssertEqual(e.upstreamsBefore, [4837], file: file, line: line)
            XCTAssertEqual(e.severity, 1, file: file, line: line)
            XCTAssertEqual(
                Set(e.evidence.prefixesLost), Set((176...179).map { "175.45.\($0).0/24" }), file: file, line: line)
        }
        // Nothing else: the flaps reach a minority of peers, so they are instability, not outages.
        let kpOutages = result.events.filter { $0.entity == .country("KP", .ipv4) && $0.kind == .outage }
        XCTAssertEqual(
            kpOutages.count, 2, kpOutages.map { UTC.iso8601($0.start) }.joined(separator: ", "), file: file, line: line)
        XCTAssertEqual(f.upstreams, [4837], file: file, line: line)
        XCTAssertTrue(f.singleUpstream, file: file, line: line)
        // The narrative says it in plain English.
        let text = report.text
        for s in [
            "IPv4: 4 prefixes, 1,024 addresses", "Single upstream: every path goes through AS4837",
            "Instability: KP's IPv4 routes were withdrawn and re-announced far above their usual rate from 2014-12-21 09:00 UTC",
            "from 2014-12-22 16:15 UTC to 2014-12-23 01:46 UTC (9 h 31 min)",
            "from 2014-12-23 15:41 UTC to 2014-12-23 16:12 UTC (31 min)",
            "(single upstream). Pattern: instability-then-withdrawal",
        ] {
            XCTAssertTrue(text.contains(s), "report lacks: \(s)\n\(text)", file: file, line: line)
        }
        XCTAssertTrue(f.text.contains("detected outage 2014-12-22T16:15:"), f.text, file: file, line: line)
    }

    /// Exactly what `vantage demo` runs: the built-in world at full size, default settings.
    func testNorthKoreaDemoFindings() throws {
        let dir = Self.temporaryDirectory("full")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (archives, generated) = try DemoCommand.prepare(directory: dir, log: { _ in })
        XCTAssertTrue(generated)
        XCTAssertEqual(archives.count, 1 + 4 * 96)
        let run = try DemoCommand.detect(directory: dir, archives: archives)
        XCTAssertEqual(run.result.stats.failedFiles, 0)
        XCTAssertEqual(run.report.fullFeedPeers["ipv4"], 6)
        XCTAssertEqual(run.report.fullFeedPeers["ipv6"], 6)
        assertNorthKoreaFindings(run.result, run.report)
        // No measurement gap: the simulated collector never loses data in this scenario.
        XCTAssertTrue(run.result.events.filter { $0.kind == .measurementGap }.isEmpty)
        // A second prepare reuses the cache.
        let again = try DemoCommand.prepare(directory: dir, log: { _ in })
        XCTAssertFalse(again.generated)
        XCTAssertEqual(again.archives, archives)
    }

    /// The same timeline on a 2,000-prefix world (fast in debug builds). Such a world is below the
    /// observatory's full-feed minimum (100,000 IPv4 prefixes), so that one setting is scaled to it;
    /// every other setting is the default.
    func testNorthKoreaSmallWorld() throws {
        let dir = Self.temporaryDirectory("small")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (archives, _) = try DemoCommand.prepare(directory: dir, worldSize: 2_000, log: { _ in })
        var config = ObservatoryConfig()
        config.fullFeedMinPrefixes[.ipv4] = 1_000
        let run = try DemoCommand.detect(directory: dir, archives: archives, config: config)
        XCTAssertEqual(run.report.fullFeedPeers["ipv4"], 6)
        assertNorthKoreaFindings(run.result, run.report)
    }

    /// The world taken from the real 2014-05-30 RouteViews RIB (one real full feed, five clones with
    /// their AS prepended) and APNIC's delegations: the same findings.
    func testNorthKoreaOnRealRIB() throws {
        let data = try SharedData.require()
        let dir = Self.temporaryDirectory("rib")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let registry = ["delegated-apnic-latest.20141009", "asnames_20140524.dat"].map {
            data.appendingPathComponent("registry/\($0)").path
        }
        let (archives, _) = try DemoCommand.prepare(
            directory: dir, rib: data.appendingPathComponent(ReportTests.rib).path, registryFiles: registry,
            log: { _ in })
        let run = try DemoCommand.detect(directory: dir, archives: archives)
        XCTAssertEqual(run.report.fullFeedPeers["ipv4"], 6)
        assertNorthKoreaFindings(run.result, run.report)
        XCTAssertTrue(run.report.text.contains("AS4837 (CHINA169-BACKBONE CNCGROUP China169 Backbone): 100 % of paths"))
    }
}
