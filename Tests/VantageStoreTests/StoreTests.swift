import Foundation
import VantageCore
import VantageStore
import XCTest

/// The SQLite store on its own: schema, rebuild, sparse series, statuses, event filters, alert log.
final class StoreTests: XCTestCase {
    var dir = ""

    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-store-\(UUID().uuidString)").path
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Shipped migrations are never edited: their digests are pinned here. Add a migration instead.
    func testShippedMigrationsAreUnchanged() {
        let pinned = ["0001_initial": "1802ed1416cea1cf"]
        XCTAssertEqual(Migrations.all.map(\.name), ["0001_initial"])
        for m in Migrations.all {
            XCTAssertEqual(Migrations.digest(m.sql), pinned[m.name], "migration \(m.name) was edited after it shipped")
        }
    }

    func testOpenCreatesWALStoreWithMigrations() throws {
        let store = try SQLiteStore(path: dir + "/sub/v.db")
        XCTAssertEqual(try store.journalMode(), "wal")
        XCTAssertEqual(try store.appliedMigrations(), ["0001_initial"])
        XCTAssertTrue(try store.files().isEmpty)
        XCTAssertEqual(try store.totals().events, 0)
        // Re-opening applies nothing twice.
        let again = try SQLiteStore(path: dir + "/sub/v.db")
        XCTAssertEqual(try again.appliedMigrations(), ["0001_initial"])
    }

    func testNotADatabaseIsATypedError() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/garbage.db"
        _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x41, count: 4096))
        XCTAssertThrowsError(try SQLiteStore(path: path)) { error in
            XCTAssertTrue("\(error)".contains(path), "\(error)")
        }
    }

    static let t0: UInt32 = 1_419_264_000  // 2014-12-22 16:00 UTC

    static func health(peers: Int, down: Int = 0) -> BinHealth {
        var h = BinHealth()
        h.fullFeedPeersUp = ["ipv4": peers, "ipv6": peers]
        h.peersWentDown = down
        return h
    }

    static func signal(_ prefixes: Int, withdrawals: Int = 0) -> EntitySignal {
        var s = EntitySignal()
        s.visiblePrefixes = prefixes
        s.visibleSpace = Double(prefixes)
        s.minVisibleSpace = Double(prefixes)
        s.peerShare = prefixes > 0 ? 1 : 0
        s.announcements = 3
        s.withdrawals = withdrawals
        s.upstreams = prefixes > 0 ? [4837] : []
        return s
    }

    /// Five bins; KP changes in bins 0 and 3 only; bin 2 has a peer reset (unknown).
    func filled(lastBinHealthy: Bool = true) throws -> SQLiteStore {
        let store = try SQLiteStore(path: dir + "/v.db")
        let kp = EntityKey.country("KP", .ipv4)
        let outage = Event(
            kind: .outage, entity: kp, start: Self.t0 + 906, severity: 1, classification: .instabilityThenWithdrawal,
            baseline: 4, worst: 0, upstreamsBefore: [4837], fullFeedPeersUp: 6)
        let inst = Event(kind: .instability, entity: kp, start: Self.t0 - 86_400, end: Self.t0 + 1200, severity: 1)
        let change = Event(
            kind: .upstreamChange, entity: .asn(131279, .ipv4), start: Self.t0 + 300, end: Self.t0 + 300, severity: 0.5,
            upstreamsBefore: [4837], upstreamsAfter: [9808])
        try store.rebuild(
            files: [StoredFile(path: "/a/rib.bz2", size: 10, modified: 1, fingerprint: "f1")],
            settings: ["bin_seconds": "300", "min_full_feed_peers": "1"]
        ) { w in
            for i in 0..<5 {
                let healthy = i != 2 && (i != 4 || lastBinHealthy)
                try w.addBin(start: Self.t0 + UInt32(i) * 300, width: 300, health: Self.health(peers: 6, down: healthy ? 0 : 1))
            }
            try w.addSignal(kp, at: Self.t0, Self.signal(4))
            try w.addSignal(kp, at: Self.t0 + 900, Self.signal(0, withdrawals: 24))
            try w.addSignal(.country("NL", .ipv4), at: Self.t0, Self.signal(100))
            try w.addSignal(.asn(131279, .ipv4), at: Self.t0, Self.signal(4))
            for e in [outage, inst, change] { try w.addEvent(StoredEvent(event: e, narrative: "about \(e.kind)")) }
            try w.addEntity(EntityInfo(scope: .country, id: "KP", name: "North Korea"))
            try w.addEntity(EntityInfo(scope: .asn, id: "AS4837", name: "CHINA169-BACKBONE", country: "CN"))
            try w.setUpstreams(kp, [UpstreamShare(asn: 4837, pathShare: 1, spaceShare: 1)])
        }
        return store
    }

    func testSparseSeriesIsForwardFilledAndUnknownBinsAreMarked() throws {
        let store = try filled()
        let s = try store.series(.country("KP", .ipv4), from: nil, to: nil)
        XCTAssertEqual(s.map(\.time), (0..<5).map { Self.t0 + UInt32($0) * 300 })
        XCTAssertEqual(s.map(\.known), [true, true, false, true, true])
        XCTAssertEqual(s.map { $0.signal?.visiblePrefixes }, [4, 4, 4, 0, 0])
        // Repeated bins carry the state, not the activity.
        XCTAssertEqual(s.map { $0.signal?.announcements }, [3, 0, 0, 3, 0])
        XCTAssertEqual(s[3].signal?.withdrawals, 24)
        XCTAssertEqual(s[1].signal?.upstreams, [4837])
        // A window that starts after the last change still knows the state.
        let late = try store.series(.country("KP", .ipv4), from: Self.t0 + 1200, to: nil)
        XCTAssertEqual(late.count, 1)
        XCTAssertEqual(late[0].signal?.visiblePrefixes, 0)
        // Before the entity was first seen there is no signal (not zero).
        let nl6 = try store.series(.country("NL", .ipv6), from: nil, to: nil)
        XCTAssertEqual(nl6.count, 5)
        XCTAssertTrue(nl6.allSatisfy { $0.signal == nil })
    }

    func testStatusesFollowOpenEventsAndMeasurementHealth() throws {
        let store = try filled()
        let countries = try store.entities(scope: .country)
        XCTAssertEqual(countries.map(\.key.id), ["KP", "NL"])
        let kp = countries[0]
        XCTAssertEqual(kp.status, .outage)
        XCTAssertEqual(kp.info.name, "North Korea")
        XCTAssertEqual(kp.visiblePrefixes, 0)
        XCTAssertEqual(kp.openEvents, 1)
        XCTAssertEqual(kp.eventCount, 2)
        XCTAssertEqual(kp.lastTime, Self.t0 + 1200)
        XCTAssertEqual(countries[1].status, .normal)
        XCTAssertEqual(try store.entity(scope: .asn, id: "AS131279").first?.status, .normal)
        XCTAssertTrue(try store.entity(scope: .asn, id: "AS1").isEmpty)
        // A last bin that cannot be trusted makes entities without an open outage unknown.
        try FileManager.default.removeItem(atPath: dir)
        let unhealthy = try filled(lastBinHealthy: false)
        let again = try unhealthy.entities(scope: .country)
        XCTAssertEqual(again.map(\.status), [.outage, .unknown])
    }

    func testEventFilters() throws {
        let store = try filled()
        var q = EventQuery()
        XCTAssertEqual(try store.events(q).count, 3)
        q.state = .open
        XCTAssertEqual(try store.events(q).map(\.event.kind), [.outage])
        q.state = .closed
        XCTAssertEqual(Set(try store.events(q).map(\.event.kind)), [.instability, .upstreamChange])
        q = EventQuery()
        q.kind = .upstreamChange
        let change = try store.events(q)
        XCTAssertEqual(change.first?.event.upstreamsAfter, [9808])
        q = EventQuery()
        q.scope = .country
        q.entity = "KP"
        q.from = Self.t0 + 1500  // overlaps only the still-open outage
        XCTAssertEqual(try store.events(q).map(\.event.kind), [.outage])
        q.from = nil
        q.to = Self.t0 - 1  // starts before: only the instability
        XCTAssertEqual(try store.events(q).map(\.event.kind), [.instability])
        q = EventQuery()
        q.limit = 1
        q.offset = 1
        XCTAssertEqual(try store.events(q).count, 1)
        let id = "outage:country:KP:ipv4:\(Self.t0 + 906)"
        let one = try XCTUnwrap(store.event(id: id))
        XCTAssertEqual(one.event.classification, .instabilityThenWithdrawal)
        XCTAssertEqual(one.event.upstreamsBefore, [4837])
        XCTAssertEqual(one.event.fullFeedPeersUp, 6)
        XCTAssertEqual(one.narrative, "about outage")
        XCTAssertNil(try store.event(id: "nope"))
        XCTAssertEqual(try store.upstreams(.country("KP", .ipv4)).map(\.asn), [4837])
        XCTAssertEqual(try store.info(scope: .asn, ids: ["AS4837"])["AS4837"]?.country, "CN")
    }

    func testRebuildReplacesResultsButKeepsTheAlertLog() throws {
        let store = try filled()
        try store.recordAlert(
            AlertRecord(eventID: "x", transition: "opened", level: 100, target: "hook", attempts: 2, delivered: true, at: 5))
        let before = try store.contentDigest()
        XCTAssertEqual(try store.contentDigest(), before, "reading changes nothing")
        try store.rebuild(files: [], settings: [:]) { w in
            try w.addBin(start: Self.t0, width: 300, health: Self.health(peers: 2))
        }
        XCTAssertNotEqual(try store.contentDigest(), before)
        XCTAssertEqual(try store.totals().events, 0)
        XCTAssertEqual(try store.totals().bins, 1)
        XCTAssertTrue(try store.entities(scope: .country).isEmpty)
        XCTAssertEqual(try store.alerts(eventID: "x").map(\.attempts), [2])
        XCTAssertEqual(try store.totals().alertsDelivered, 1)
    }

    func testRunsAndTotals() throws {
        let store = try filled()
        try store.recordRun(
            RunRecord(startedAt: 10, finishedAt: 13, files: 1, failedFiles: 0, records: 500, elements: 900, firstTime: Self.t0, lastTime: Self.t0 + 1499))
        let t = try store.totals()
        XCTAssertEqual(t.records, 500)
        XCTAssertEqual(t.elements, 900)
        XCTAssertEqual(t.lastBin, Self.t0 + 1200)
        XCTAssertEqual(t.openEvents[.outage], 1)
        XCTAssertEqual(t.openEvents[.instability], 0)
        XCTAssertEqual(t.fullFeedPeersUp["ipv4"], 6)
        XCTAssertEqual(t.signals, 4)
        XCTAssertEqual(try store.files().map(\.path), ["/a/rib.bz2"])
        XCTAssertEqual(try store.settings()["bin_seconds"], "300")
    }

    func testFingerprintChangesWithContent() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/f.bin"
        _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 1, count: 200_000))
        let a = try FileFingerprint.of(path: path)
        XCTAssertEqual(a.size, 200_000)
        XCTAssertEqual(try FileFingerprint.of(path: path), a)
        var bytes = [UInt8](repeating: 1, count: 200_000)
        bytes[199_999] = 2
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        XCTAssertNotEqual(try FileFingerprint.of(path: path).fingerprint, a.fingerprint)
        XCTAssertThrowsError(try FileFingerprint.of(path: dir + "/missing"))
    }
}

extension StoreTests {
    /// Bins with no input at all (never closed by the observatory) come back as unknown points.
    func testMissingBinsAreUnknown() throws {
        let store = try SQLiteStore(path: dir + "/gap.db")
        try store.rebuild(files: [], settings: [:]) { w in
            for i in [0, 1, 4] {
                try w.addBin(start: Self.t0 + UInt32(i) * 300, width: 300, health: Self.health(peers: 3))
            }
            try w.addSignal(.country("KP", .ipv4), at: Self.t0, Self.signal(4))
        }
        let s = try store.series(.country("KP", .ipv4), from: nil, to: nil)
        XCTAssertEqual(s.map(\.time), (0..<5).map { Self.t0 + UInt32($0) * 300 })
        XCTAssertEqual(s.map(\.known), [true, true, false, false, true])
        XCTAssertEqual(s.map(\.fullFeedPeersUp), [3, 3, 0, 0, 3])
    }
}

extension StoreTests {
    /// A gap of years between archives is one unknown point spanning it, not millions of bins.
    func testLongGapIsOneUnknownPoint() throws {
        let store = try SQLiteStore(path: dir + "/longgap.db")
        let later = Self.t0 + 3 * 365 * 86_400
        try store.rebuild(files: [], settings: [:]) { w in
            try w.addBin(start: Self.t0, width: 300, health: Self.health(peers: 3))
            try w.addBin(start: later, width: 300, health: Self.health(peers: 3))
            try w.addSignal(.country("KP", .ipv4), at: Self.t0, Self.signal(4))
        }
        let s = try store.series(.country("KP", .ipv4), from: nil, to: nil)
        XCTAssertEqual(s.map(\.time), [Self.t0, Self.t0 + 300, later])
        XCTAssertEqual(s.map(\.width), [300, later - Self.t0 - 300, 300])
        XCTAssertEqual(s.map(\.known), [true, false, true])
    }
}
