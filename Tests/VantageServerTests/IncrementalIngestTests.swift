import Foundation
import VantageCLI
import VantageCore
import VantageStore
import XCTest

/// `keepState` (what `serve --watch` uses): files that arrive later continue the kept routing state and
/// cost only their own replay, with the same results as replaying everything.
final class IncrementalIngestTests: XCTestCase {
    func testLaterFilesContinueTheKeptStateWithTheSameResults() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-incr-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (archives, _) = try DemoCommand.prepare(directory: dir, worldSize: 2_000, log: { _ in })
        let stamp = { (p: String) in String((p as NSString).lastPathComponent.split(separator: ".").dropFirst().prefix(2).joined(separator: ".")) }
        let first = archives.filter { stamp($0) <= "20141222.1800" }
        let middle = archives.filter { stamp($0) > "20141222.1800" && stamp($0) <= "20141223.0600" }
        let rest = archives.filter { stamp($0) > "20141223.0600" }
        let registry = try FileManager.default.contentsOfDirectory(atPath: dir + "/registry").sorted().map { dir + "/registry/" + $0 }

        func ingester(_ name: String, keep: Bool) throws -> StoreIngest {
            var i = StoreIngest(store: try SQLiteStore(path: dir + "/\(name).db"))
            i.registryFiles = registry
            i.baseConfig.fullFeedMinPrefixes[.ipv4] = 1_000  // a 2,000-prefix world (see DemoTests)
            i.keepState = keep
            i.onProblem = { _ in }
            return i
        }
        let live = try ingester("live", keep: true)
        let a = try live.ingest(first)
        XCTAssertEqual(a.replayed.count, first.count)
        let b = try live.ingest(middle)
        XCTAssertEqual(b.replayed, middle.map { URL(fileURLWithPath: $0).standardizedFileURL.path }, "only the new files are replayed")
        let c = try live.ingest(rest)
        XCTAssertEqual(c.replayed.count, rest.count)
        XCTAssertFalse(try live.ingest(archives).changed)
        // Files older than the kept state: back to a full replay of everything.
        let late = try ingester("late", keep: true)
        _ = try late.ingest(middle)
        XCTAssertEqual(try late.ingest(first).replayed.count, first.count + middle.count)

        let whole = try ingester("whole", keep: false)
        _ = try whole.ingest(archives)

        let liveStore = live.store
        let wholeStore = whole.store
        XCTAssertEqual(try liveStore.files().count, archives.count)
        func facts(_ s: any ObservatoryStore) throws -> [String] {
            var q = EventQuery()
            q.limit = 100_000
            return try s.events(q).map { "\($0.event.id) \($0.event.end.map(String.init) ?? "open") \($0.event.severity) \($0.event.classification?.rawValue ?? "")" }.sorted()
        }
        XCTAssertEqual(try facts(liveStore), try facts(wholeStore))
        XCTAssertTrue(try facts(liveStore).contains { $0.hasPrefix("outage:country:KP:ipv4:") })
        // Every bin but the last (kept open by the live state until later data closes it) is identical.
        for key in [EntityKey.country("KP", .ipv4), .asn(131279, .ipv4), .asn(4837, .ipv4)] {
            let l = try liveStore.series(key, from: nil, to: nil)
            let w = try wholeStore.series(key, from: nil, to: nil)
            XCTAssertEqual(l.count, w.count - 1, "\(key)")
            XCTAssertEqual(l, Array(w.dropLast()), "\(key)")
            XCTAssertEqual(try liveStore.upstreams(key), try wholeStore.upstreams(key), "\(key)")
        }
    }
}
