import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import VantageCLI
import VantageServer
import VantageStore
import XCTest

/// A store filled once per test run from real files in ../shared/data: the 2014-05-30 RouteViews
/// jinx RIB and the update dump that follows it, with the RIR delegations and AS names.
enum RealStore {
    struct Built: @unchecked Sendable {
        let store: SQLiteStore
        let outcome: StoreIngest.Outcome
        let digestAfterFirst: String
        let secondIngest: StoreIngest.Outcome
        let digestAfterSecond: String
    }

    static let mrt = ["routeviews.route-views.jinx.ribs.1401487200.bz2", "routeviews.route-views.jinx.updates.1401493500.bz2"]
    static let registry = [
        "delegated-apnic-latest.20141009", "delegated-ripencc-latest.20140520", "delegated-arin-latest.20130813",
        "delegated-lacnic-latest.20141008", "delegated-afrinic-extended.20260505", "asnames_20140524.dat",
    ]

    nonisolated(unsafe) private static var cached: Result<Built, Error>?
    private static let lock = NSLock()

    static func get() throws -> Built {
        let data = try SharedDataRoot.require()
        lock.lock()
        defer { lock.unlock() }
        if let cached { return try cached.get() }
        let result = Result { try build(data) }
        cached = result
        return try result.get()
    }

    private static func build(_ data: URL) throws -> Built {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-real-\(UUID().uuidString)").path
        let store = try SQLiteStore(path: dir + "/real.db")
        var ingest = StoreIngest(store: store)
        ingest.registryFiles = registry.map { data.appendingPathComponent("registry/\($0)").path }
        ingest.onProblem = { _ in }
        let files = mrt.map { data.appendingPathComponent("mrt/\($0)").path }
        let outcome = try ingest.ingest(files)
        let first = try store.contentDigest()
        // The same files again: nothing new, nothing changes.
        let second = try ingest.ingest(files)
        return Built(
            store: store, outcome: outcome, digestAfterFirst: first, secondIngest: second,
            digestAfterSecond: try store.contentDigest())
    }
}

struct Got {
    var status: HTTPResponse.Status
    var body: String
    var contentType: String
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
    var object: [String: Any] { (json as? [String: Any]) ?? [:] }
}

extension TestClientProtocol {
    func get(_ uri: String) async throws -> Got {
        try await execute(uri: uri, method: .get) { r in
            Got(status: r.status, body: String(buffer: r.body), contentType: r.headers[.contentType] ?? "")
        }
    }
}
