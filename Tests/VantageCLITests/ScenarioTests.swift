import BGPWire
import Foundation
import VantageCLI
import VantageCore
import XCTest

/// End-to-end scenarios: synthetic worlds written as real MRT files (see ScenarioBuilder.swift), read
/// back through `Replay` → `Observatory` → `Detector` by `Pipeline`, and the events checked exactly.
///
/// The world: 10 countries × 4 origin ASes × 50 /24s (2,000 prefixes), 4 full-feed peers and 2
/// partial peers, background churn (every minute each peer re-announces a random route, sometimes
/// through another transit; once per bin one peer withdraws a route and re-announces it 20 s
/// later). Bins of 300 s starting at t0 = 2014-12-21 00:00 UTC; the RIB is at t0.
///
/// Timing rule used throughout: a prefix is visible while MORE than 50 % of the full-feed peers
/// (`visibilityThreshold` 0.5, 4 peers) see it, i.e. by at least 3 of 4. When peer k (k = 0…3)
/// withdraws at T + k seconds, the prefix becomes invisible at T + 1 (2 of 4 left is not more
/// than half); when peer k re-announces at T2 + k, it is visible again at T2 + 2 (3 of 4).
final class ScenarioTests: XCTestCase {
    let world = SimWorld.standard()

    // MARK: Helpers

    static func describe(_ e: Event) -> String {
        var s = "\(e.kind.rawValue) \(e.entity) \(e.start)-\(e.end.map(String.init) ?? "open")"
        if let c = e.classification { s += " \(c.rawValue)" }
        if e.kind == .upstreamChange { s += " \(e.upstreamsBefore)->\(e.upstreamsAfter)" }
        return s
    }

    /// The country and each of its origin ASes.
    func entities(_ cc: String) -> [EntityKey] {
        [.country(cc, .ipv4)] + world.country(cc).origins.map { .asn($0, .ipv4) }
    }

    func outages(_ cc: String, start: UInt32, end: UInt32, _ cls: OutageClass) -> [String] {
        entities(cc).map { "outage \($0) \(start)-\(end) \(cls.rawValue)" }
    }

    /// Events must be exactly `expected` (order ignored), measurement gaps included.
    func check(_ result: Pipeline.Result, _ expected: [String], file: StaticString = #filePath, line: UInt = #line) {
        let got = result.events.map(Self.describe).sorted()
        XCTAssertEqual(got, expected.sorted(), file: file, line: line)
    }

    /// Prefix numbers of `cc` whose position in their origin AS's block is in `slices` (mod 5).
    func slices(_ cc: String, _ slices: Set<Int>) -> [Int] {
        world.prefixes(ofCountry: cc).filter { slices.contains(($0 % 50) % 5) }
    }

    // MARK: Cases

    /// All of KP withdrawn by every peer within seconds, restored an hour later: one abrupt outage
    /// for the country and for each of its origin ASes, start and end to the second.
    func testAbruptWithdrawal() throws {
        var s = Scenario(world: world, hours: 3)
        let kp = world.prefixes(ofCountry: "KP")
        let t = Scenario.at(bin: 12, second: 150)
        let t2 = Scenario.at(bin: 24, second: 100)
        s.withdraw(kp, at: t)
        s.announce(kp, at: t2)
        let (r, problems) = try s.run()
        XCTAssertEqual(problems, [])
        check(r, outages("KP", start: t + 1, end: t2 + 2, .abruptWithdrawal))
        let e = try XCTUnwrap(r.events.first { $0.entity == .country("KP", .ipv4) })
        XCTAssertEqual(e.severity, 1)
        XCTAssertEqual(e.baseline, 200)
        XCTAssertEqual(e.worst, 0)
        XCTAssertEqual(e.state, .closed)
        XCTAssertEqual(e.fullFeedPeersUp, 4)
        XCTAssertEqual(e.upstreamsBefore, [world.country("KP").upstream])
        XCTAssertEqual(e.evidence.prefixesLost.count, Detector.evidenceCap)
        // Every full-feed peer that withdrew, in order (the partial peers do not count).
        XCTAssertEqual(
            e.evidence.withdrawingPeers,
            ["AS7018 198.51.100.1", "AS6939 198.51.100.2", "AS3257 198.51.100.3", "AS2914 198.51.100.4"].map { $0 + " @route-views.sim" })
        XCTAssertEqual(r.stats.files, 13)
        XCTAssertEqual(r.stats.failedFiles, 0)
    }

    /// CU withdrawn one fifth per bin over 5 bins: the outage opens in the bin that crosses 50 %
    /// (the third), at the second peer's withdrawal of that group, and ends up gradual.
    func testGradualWithdrawal() throws {
        var s = Scenario(world: world, hours: 3)
        let cu = world.prefixes(ofCountry: "CU")
        for g in 0..<5 { s.withdraw(slices("CU", [g]), at: Scenario.at(bin: 12 + g, second: 150)) }
        let t2 = Scenario.at(bin: 24, second: 100)
        s.announce(cu, at: t2)
        let (r, problems) = try s.run()
        XCTAssertEqual(problems, [])
        check(r, outages("CU", start: Scenario.at(bin: 14, second: 151), end: t2 + 2, .gradualWithdrawal))
        for e in r.events { XCTAssertEqual(e.severity, 1, Self.describe(e)) }
    }

    /// 60 % of SY's space withdrawn (30 of each origin AS's 50 prefixes): partial outages, severity 0.6.
    func testPartialWithdrawal() throws {
        var s = Scenario(world: world, hours: 3)
        let part = slices("SY", [0, 1, 2])
        XCTAssertEqual(part.count, 120)
        let t = Scenario.at(bin: 12, second: 150)
        let t2 = Scenario.at(bin: 24, second: 100)
        s.withdraw(part, at: t)
        s.announce(part, at: t2)
        let (r, problems) = try s.run()
        XCTAssertEqual(problems, [])
        check(r, outages("SY", start: t + 1, end: t2 + 2, .partial))
        for e in r.events { XCTAssertEqual(e.severity, 0.6, accuracy: 1e-9, Self.describe(e)) }
    }

    /// IR flaps for two hours (every bin each full-feed peer withdraws 2 prefixes per origin AS and
    /// re-announces them 30 s later), goes quiet, then is withdrawn entirely an hour later: an
    /// instability event per entity, then outages classified instability-then-withdrawal.
    func testInstabilityThenWithdrawal() throws {
        var s = Scenario(world: world, hours: 5)
        let ir = world.prefixes(ofCountry: "IR")
        let ff = world.fullFeedPeers
        for b in 12..<36 {
            let flapping = ir.filter { [(2 * b) % 50, (2 * b + 1) % 50].contains($0 % 50) }
            XCTAssertEqual(flapping.count, 8)
            s.withdraw(flapping, at: Scenario.at(bin: b, second: 100), peers: ff)
            s.announce(flapping, at: Scenario.at(bin: b, second: 130), peers: ff)
        }
        let t = Scenario.at(bin: 48, second: 150)
        let t2 = Scenario.at(bin: 54, second: 100)
        s.withdraw(ir, at: t)
        s.announce(ir, at: t2)
        let (r, problems) = try s.run()
        XCTAssertEqual(problems, [])
        let instability = entities("IR").map { "instability \($0) \(Scenario.at(bin: 12))-\(Scenario.at(bin: 36))" }
        check(r, instability + outages("IR", start: t + 1, end: t2 + 2, .instabilityThenWithdrawal))
    }

    /// Slow flapping: MM's routes go away in one bin and come back in the next, for two hours. Each
    /// withdrawal bin loses visibility (held: it could be a withdrawal starting), the next bin's
    /// return confirms flapping: one instability per entity from the first withdrawal bin to the
    /// first bin of the quiet run.
    func testSlowFlappingAcrossBinsIsInstability() throws {
        var s = Scenario(world: world, hours: 4)
        let mm = world.prefixes(ofCountry: "MM")
        for b in stride(from: 12, to: 36, by: 2) {
            let flapping = mm.filter { [(2 * b) % 50, (2 * b + 1) % 50].contains($0 % 50) }
            s.withdraw(flapping, at: Scenario.at(bin: b, second: 200), peers: world.fullFeedPeers)
            s.announce(flapping, at: Scenario.at(bin: b + 1, second: 100), peers: world.fullFeedPeers)
        }
        let (r, problems) = try s.run()
        XCTAssertEqual(problems, [])
        check(r, entities("MM").map { "instability \($0) \(Scenario.at(bin: 12))-\(Scenario.at(bin: 35))" })
    }

    /// A fifth of EG withdrawn once and for good (not enough for an outage): a loss, not instability.
    func testOneShotPartialLossIsNoEvent() throws {
        var s = Scenario(world: world, hours: 3)
        s.withdraw(slices("EG", [0]), at: Scenario.at(bin: 12, second: 150))
        let (r, problems) = try s.run()
        XCTAssertEqual(problems, [])
        check(r, [])
        XCTAssertEqual(r.observatory.prefixes(of: .country("EG", .ipv4)).filter(\.visible).count, 160)
    }

    /// VE's prefixes move from upstream A to upstream B (every peer re-announces them within
    /// seconds): one upstream-change per entity, at the start of the bin of the move.
    func testUpstreamChange() throws {
        var s = Scenario(world: world, hours: 3)
        let ve = world.country("VE")
        s.rehome(world.prefixes(ofCountry: "VE"), to: ve.alternateUpstream, at: Scenario.at(bin: 24, second: 150))
        let (r, problems) = try s.run()
        XCTAssertEqual(problems, [])
        let t = Scenario.at(bin: 24)
        check(r, entities("VE").map { "upstream-change \($0) \(t)-\(t) [\(ve.upstream)]->[\(ve.alternateUpstream)]" })
    }

    /// One full-feed peer's session goes Established → Idle (its table is emptied) and comes back
    /// 20 minutes later, then re-sends its table: no outage (nothing fell below the threshold, so
    /// not even a measurement gap), and once its table is complete again it counts again.
    func testPeerSessionReset() throws {
        var s = Scenario(world: world, hours: 3)
        let idle: UInt16 = 1
        s.stateChange(peer: 1, from: BGP4MPStateChange.established, to: idle, at: Scenario.at(bin: 12, second: 150))
        s.stateChange(peer: 1, from: idle, to: BGP4MPStateChange.established, at: Scenario.at(bin: 16, second: 100))
        s.resendTable(peer: 1, at: Scenario.at(bin: 16, second: 110))
        let (r, problems) = try s.run()
        XCTAssertEqual(problems, [])
        check(r, [])  // not even a measurement gap: nothing dropped below the threshold
        var peersUp: [UInt32: Int] = [:]
        var wentDown: [UInt32: Int] = [:]
        for h in r.health {
            peersUp[h.time] = h.health.fullFeedPeersUp["ipv4"]
            wentDown[h.time] = h.health.peersWentDown
        }
        XCTAssertEqual(peersUp[Scenario.at(bin: 11)], 4)
        XCTAssertEqual(peersUp[Scenario.at(bin: 12)], 3)
        XCTAssertEqual(wentDown[Scenario.at(bin: 12)], 1)
        XCTAssertEqual(peersUp[Scenario.at(bin: 15)], 3)
        XCTAssertEqual(peersUp[Scenario.at(bin: 16)], 4, "counts again once its table is complete")
        XCTAssertEqual(peersUp[Scenario.at(bin: 35)], 4)
        XCTAssertEqual(r.observatory.fullFeedPeers["ipv4"]?.count, 4)
        XCTAssertTrue(r.observatory.prefixes(of: .country("KP", .ipv4)).allSatisfy(\.visible))
    }

    /// A full-feed peer's session drops and, in the same bin, two more peers withdraw KP for good
    /// (1 of the 3 peers still up sees it). The drop happens in an unhealthy bin (a peer went
    /// down), so that bin is a measurement gap, never an outage (rule 3); the outage opens in the
    /// next, good, bin. Its exact drop second (bin 12 + 160 s) was seen in the unhealthy bin only,
    /// so its start is that good bin's start (rule 2: bin start when the bin has no drop).
    func testWithdrawalDuringSessionResetIsAGapThenAnOutage() throws {
        var s = Scenario(world: world, hours: 3)
        let idle: UInt16 = 1
        let kp = world.prefixes(ofCountry: "KP")
        s.stateChange(peer: 0, from: BGP4MPStateChange.established, to: idle, at: Scenario.at(bin: 12, second: 150))
        s.withdraw(kp, at: Scenario.at(bin: 12, second: 160), peers: [1, 2])
        let (r, problems) = try s.run()
        XCTAssertEqual(problems, [])
        let gap = "measurement-gap country:*/ipv4 \(Scenario.at(bin: 12))-\(Scenario.at(bin: 13))"
        let open = entities("KP").map { "outage \($0) \(Scenario.at(bin: 13))-open abrupt-withdrawal" }
        check(r, [gap] + open)
    }

    /// An hour of update files is missing (4 files of 15 min): a measurement gap over exactly the
    /// missing bins, no outage.
    func testMissingDataWindow() throws {
        var s = Scenario(world: world, hours: 3)
        s.skippedFiles = [4, 5, 6, 7]
        let (r, problems) = try s.run()
        XCTAssertEqual(problems, [])
        XCTAssertEqual(r.stats.files, 9)
        check(r, ["measurement-gap country:*/ipv4 \(Scenario.at(bin: 12))-\(Scenario.at(bin: 24))"])
        XCTAssertFalse(r.health.contains { $0.time >= Scenario.at(bin: 12) && $0.time < Scenario.at(bin: 24) })
    }

    /// Background churn only: no events at all.
    func testQuietChurn() throws {
        let s = Scenario(world: world, hours: 3)
        let (r, problems) = try s.run()
        XCTAssertEqual(problems, [])
        check(r, [])
        XCTAssertEqual(r.health.count, 36)
        XCTAssertTrue(r.health.dropFirst().allSatisfy { $0.health.fullFeedPeersUp["ipv4"] == 4 && $0.health.isGood(family: "ipv4", minPeers: 1) })
        // RIB: 4 × 2,000 + 2 × 500 entries; churn: 6 re-announcements a minute for 180 minutes and
        // one withdrawal + re-announcement per bin.
        XCTAssertEqual(r.stats.elements, 9_000 + 6 * 180 + 2 * 36)
    }
}
