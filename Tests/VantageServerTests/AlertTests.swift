import Foundation
import Hummingbird
import HummingbirdTesting
import VantageAlerts
import VantageCLI
import VantageCore
import VantageStore
import XCTest

/// Webhooks end to end: the North Korea reconstruction (small world) ingested in two steps — up to
/// 2014-12-22 18:00, while the outage is open, then the rest — with a local HTTP server receiving
/// the alerts. The first delivery gets a 500 and must be retried.
final class AlertTests: XCTestCase {
    /// StoreIngest is used from one task at a time here.
    final class Runner: @unchecked Sendable {
        let ingest: StoreIngest
        init(_ i: StoreIngest) { ingest = i }
    }

    actor Inbox {
        var received: [(path: String, body: Data)] = []
        var failuresLeft: [String: Int] = ["/hook": 1]
        func take(_ path: String, _ data: Data) -> HTTPResponse.Status {
            received.append((path, data))
            if path == "/gone" { return .notFound }
            if let n = failuresLeft[path], n > 0 {
                failuresLeft[path] = n - 1
                return .internalServerError
            }
            return .ok
        }
        func raw(_ path: String) -> [Data] { received.filter { $0.path == path }.map(\.body) }
        nonisolated func bodies(_ path: String) async -> [[String: Any]] {
            await raw(path).map { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] ?? [:] }
        }
    }

    func receiver(_ inbox: Inbox) -> some ApplicationProtocol {
        let router = Router()
        for path in ["hook", "slack", "gone"] {
            router.post(RouterPath(path)) { req, _ -> Response in
                let buffer = try await req.body.collect(upTo: 1 << 20)
                return Response(status: await inbox.take("/" + path, Data(buffer: buffer)))
            }
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    func testWebhooksOnOpenSeverityAndRecoveryWithRetries() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-alerts-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (archives, _) = try DemoCommand.prepare(directory: dir, worldSize: 2_000, log: { _ in })
        // Archives are named rib.YYYYMMDD.HHMM.bz2 / updates.YYYYMMDD.HHMM.bz2.
        let stamp = { (p: String) in String((p as NSString).lastPathComponent.split(separator: ".").dropFirst().prefix(2).joined(separator: ".")) }
        let first = archives.filter { stamp($0) <= "20141222.1800" }
        let rest = archives.filter { stamp($0) > "20141222.1800" }
        XCTAssertEqual(first.count + rest.count, archives.count)
        XCTAssertFalse(rest.isEmpty)

        let store = try SQLiteStore(path: dir + "/v.db")
        var ingest = StoreIngest(store: store)
        ingest.registryFiles = try FileManager.default.contentsOfDirectory(atPath: dir + "/registry").sorted().map {
            dir + "/registry/" + $0
        }
        ingest.baseConfig.fullFeedMinPrefixes[.ipv4] = 1_000  // a 2,000-prefix world (see DemoTests)
        ingest.onProblem = { _ in }

        let runner = Runner(ingest)
        let inbox = Inbox()
        try await receiver(inbox).test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let yaml = """
                dashboard_url: http://vantage.test:8080/
                retry: { attempts: 3, initial_backoff_seconds: 0.01, max_backoff_seconds: 0.05, timeout_seconds: 5 }
                webhooks:
                  - name: noc
                    url: http://127.0.0.1:\(port)/hook
                    kinds: [outage]
                    entities: [KP]
                  - name: chat
                    url: http://127.0.0.1:\(port)/slack
                    format: slack
                    kinds: [outage]
                    scopes: [country]
                    entities: [KP]
                  - name: broken
                    url: http://127.0.0.1:\(port)/gone
                    kinds: [outage]
                    entities: [KP]
                """
            let config = try AlertConfig.parse(yaml)
            let dispatcher = AlertDispatcher(config: config, store: store, log: { _ in })

            // Step 1: the outage of 2014-12-22 16:15 is open.
            _ = try runner.ingest.ingest(first)
            let open = try store.events(EventQuery()).filter { $0.event.kind == .outage && $0.event.entity == .country("KP", .ipv4) }
            XCTAssertEqual(open.count, 1)
            XCTAssertNil(open[0].event.end)
            let s1 = try await dispatcher.dispatch()
            XCTAssertEqual(s1.delivered, 2)  // noc (after a retry) and chat
            XCTAssertEqual(s1.failed, 1)  // broken: 404, not retried
            var hook = await inbox.bodies("/hook")
            XCTAssertEqual(hook.count, 2, "one failed delivery (500), then the retry")
            XCTAssertEqual(hook.map { $0["type"] as? String }, ["opened", "opened"])
            let opened = hook[1]
            let event = try XCTUnwrap(opened["event"] as? [String: Any])
            XCTAssertEqual(event["kind"] as? String, "outage")
            XCTAssertEqual(event["entity"] as? String, "KP")
            XCTAssertEqual(event["start"] as? String, "2014-12-22T16:15:06Z")
            XCTAssertNil(event["end"] as? String)
            XCTAssertEqual(event["upstreams_before"] as? [Int], [4837])
            let measurement = try XCTUnwrap(opened["measurement"] as? [String: Any])
            XCTAssertEqual(measurement["full_feed_peers_up"] as? Int, 6)
            let evidence = try XCTUnwrap(opened["evidence"] as? [String: Any])
            XCTAssertEqual(
                evidence["prefixes_lost"] as? [String], ["175.45.176.0/24", "175.45.177.0/24", "175.45.178.0/24", "175.45.179.0/24"])
            XCTAssertFalse((evidence["withdrawing_peers"] as? [String] ?? []).isEmpty)
            XCTAssertTrue((opened["narrative"] as? String ?? "").contains("AS4837"))
            XCTAssertEqual(opened["url"] as? String, "http://vantage.test:8080/event/outage:country:KP:ipv4:1419264906")
            let records = try store.alerts(eventID: open[0].event.id)
            XCTAssertEqual(records.first { $0.target == "noc" }?.attempts, 2)
            XCTAssertEqual(records.first { $0.target == "broken" }?.attempts, 1)
            XCTAssertEqual(records.first { $0.target == "broken" }?.delivered, false)
            let slack = await inbox.bodies("/slack")
            XCTAssertEqual(slack.count, 1)
            let text = try XCTUnwrap(slack[0]["text"] as? String)
            XCTAssertTrue(text.contains("outage country KP ipv4 started"), text)
            XCTAssertTrue(text.contains("measured with 6 full-feed peers up"), text)

            // Nothing new: nothing sent, except the failed webhook, which is tried again.
            let s2 = try await dispatcher.dispatch()
            XCTAssertEqual(s2.delivered, 0)
            XCTAssertEqual(s2.failed, 1)
            hook = await inbox.bodies("/hook")
            XCTAssertEqual(hook.count, 2)

            // Step 2: the rest of the data — recovery at 01:46, and the second outage (opened and recovered).
            _ = try runner.ingest.ingest(rest)
            _ = try await dispatcher.dispatch()
            hook = await inbox.bodies("/hook")
            let after = hook.dropFirst(2).map { ($0["type"] as? String ?? "", ($0["event"] as? [String: Any])?["start"] as? String ?? "") }
            XCTAssertEqual(after.map(\.0), ["recovered", "opened", "recovered"])
            XCTAssertEqual(after.map(\.1), ["2014-12-22T16:15:06Z", "2014-12-23T15:41:07Z", "2014-12-23T15:41:07Z"])
            let recovered = try XCTUnwrap(hook[2]["event"] as? [String: Any])
            // Published recovery 01:46 (the full-size demo finds 01:46:31); this small world's timing is within a minute.
            let end = try XCTUnwrap(recovered["end"] as? String)
            XCTAssertTrue(end.hasPrefix("2014-12-23T01:46:") || end.hasPrefix("2014-12-23T01:47:"), end)
            XCTAssertEqual(Double(recovered["duration_seconds"] as? Int ?? 0), 34_285, accuracy: 60)
            let slackCount = await inbox.bodies("/slack").count
            XCTAssertEqual(slackCount, 4)

            // Idempotent: the same data again sends nothing to the working webhooks.
            _ = try runner.ingest.ingest(archives)
            let s3 = try await dispatcher.dispatch()
            XCTAssertEqual(s3.delivered, 0)
            let hookCount = await inbox.bodies("/hook").count
            XCTAssertEqual(hookCount, 5)
        }
    }

    func testSeverityChangeIsNotifiedOnce() throws {
        var config = AlertConfig()
        config.webhooks = [AlertConfig.Webhook(name: "w", url: URL(string: "http://127.0.0.1:1/")!)]
        let key = EntityKey.country("KP", .ipv4)
        var e = Event(kind: .outage, entity: key, start: 100, severity: 0.5)
        let stored = StoredEvent(event: e, narrative: "n")
        XCTAssertEqual(AlertPlanner.due(events: [stored], log: [], config: config).map(\.transition), [.opened])
        let log = [AlertRecord(eventID: e.id, transition: "opened", level: 50, target: "w", attempts: 1, delivered: true, at: 1)]
        XCTAssertTrue(AlertPlanner.due(events: [stored], log: log, config: config).isEmpty)
        e.severity = 1
        let worse = AlertPlanner.due(events: [StoredEvent(event: e, narrative: "n")], log: log, config: config)
        XCTAssertEqual(worse.map(\.transition), [.severity])
        XCTAssertEqual(worse.first?.level, 100)
        let told = log + [AlertRecord(eventID: e.id, transition: "severity-changed", level: 100, target: "w", attempts: 1, delivered: true, at: 2)]
        XCTAssertTrue(AlertPlanner.due(events: [StoredEvent(event: e, narrative: "n")], log: told, config: config).isEmpty)
        e.end = 500
        XCTAssertEqual(AlertPlanner.due(events: [StoredEvent(event: e, narrative: "n")], log: told, config: config).map(\.transition), [.recovered])
    }

    func testBackoffDoublesUpToTheCap() {
        var r = AlertConfig.Retry()
        r.initialBackoff = 1
        r.maxBackoff = 5
        XCTAssertEqual((1...6).map { r.backoff(before: $0) }, [0, 1, 2, 4, 5, 5])
    }

    func testConfigErrorsNameTheField() {
        for (yaml, fragment) in [
            ("webhooks: []", "webhooks"),
            ("webhooks:\n  - url: ftp://x/", "webhooks[0].url"),
            ("webhooks:\n  - url: http://x/\n    kinds: [storm]", "unknown kind 'storm'"),
            ("webhooks:\n  - url: http://x/\n    format: xml", "webhooks[0].format"),
            ("webhooks:\n  - url: http://x/\n    min_severity: 2", "min_severity"),
            ("webhooks:\n  - url: http://x/\n    colour: red", "unknown key 'colour'"),
            ("retry: {attempts: 0}\nwebhooks:\n  - url: http://x/", "retry.attempts"),
            ("hooks: []", "unknown key 'hooks'"),
            ("webhooks: [", "not valid YAML"),
        ] {
            XCTAssertThrowsError(try AlertConfig.parse(yaml), yaml) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(error) should mention \(fragment)")
            }
        }
        let ok = try? AlertConfig.parse("webhooks:\n  - url: https://hooks.example.net/x\n    headers: {Authorization: Bearer t}")
        XCTAssertEqual(ok?.webhooks.first?.headers["Authorization"], "Bearer t")
        XCTAssertEqual(ok?.webhooks.first?.kinds, [.outage, .instability, .upstreamChange])
    }
}
