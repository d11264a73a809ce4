import Foundation
import VantageCore
import VantageStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One notification to send: an event's transition to one webhook.
public struct AlertNotice: Sendable, Hashable {
    public enum Transition: String, Sendable, Hashable {
        case opened
        case severity = "severity-changed"
        case recovered
    }
    public var transition: Transition
    public var event: StoredEvent
    /// Severity bucket in percent (0, 10, …, 100) at the time of the notice.
    public var level: Int
    public var webhook: AlertConfig.Webhook
}

/// Decides which notices are due: every matching event's opening, each later change of its severity
/// bucket, and its recovery — each once per webhook, whatever the number of ingests. A notice whose
/// delivery failed stays due and is tried again on the next dispatch.
public enum AlertPlanner {
    public static func level(_ severity: Double) -> Int { Int((min(max(severity, 0), 1) * 10).rounded()) * 10 }

    public static func due(events: [StoredEvent], log: [AlertRecord], config: AlertConfig) -> [AlertNotice] {
        var delivered: [String: [AlertRecord]] = [:]
        for r in log where r.delivered { delivered[r.eventID, default: []].append(r) }
        var out: [AlertNotice] = []
        for stored in events.sorted(by: { ($0.event.start, $0.event.id) < ($1.event.start, $1.event.id) }) {
            let e = stored.event
            let lvl = level(e.severity)
            for hook in config.webhooks where hook.matches(e) {
                let sent = (delivered[e.id] ?? []).filter { $0.target == hook.name }
                let opened = sent.first { $0.transition == AlertNotice.Transition.opened.rawValue }
                if opened == nil {
                    out.append(AlertNotice(transition: .opened, event: stored, level: lvl, webhook: hook))
                } else {
                    // The last level told to this webhook: the latest severity notice, else the opening's.
                    let told = sent.filter { $0.transition == AlertNotice.Transition.severity.rawValue }.max { $0.at < $1.at }?.level
                        ?? opened!.level
                    if told != lvl && e.end == nil {
                        out.append(AlertNotice(transition: .severity, event: stored, level: lvl, webhook: hook))
                    }
                }
                if e.end != nil && !sent.contains(where: { $0.transition == AlertNotice.Transition.recovered.rawValue }) {
                    out.append(AlertNotice(transition: .recovered, event: stored, level: lvl, webhook: hook))
                }
            }
        }
        return out
    }
}

/// The JSON body of a notice. Every alert states the measurement health and the evidence.
public struct AlertPayload: Codable, Sendable, Hashable {
    public struct Measurement: Codable, Sendable, Hashable {
        public var fullFeedPeersUp: Int
        public var note: String
        enum CodingKeys: String, CodingKey {
            case fullFeedPeersUp = "full_feed_peers_up"
            case note
        }
    }
    public struct EventBody: Codable, Sendable, Hashable {
        public var id: String
        public var kind: String
        public var scope: String
        public var entity: String
        public var family: String
        public var start: String
        public var end: String?
        public var durationSeconds: UInt32?
        public var severity: Double
        public var classification: String?
        public var upstreamsBefore: [UInt32]
        public var upstreamsAfter: [UInt32]
        enum CodingKeys: String, CodingKey {
            case id, kind, scope, entity, family, start, end, severity, classification
            case durationSeconds = "duration_seconds"
            case upstreamsBefore = "upstreams_before"
            case upstreamsAfter = "upstreams_after"
        }
    }
    public var type: String
    public var webhook: String
    public var summary: String
    public var event: EventBody
    public var narrative: String
    public var measurement: Measurement
    public var evidence: EntityEvidence
    public var url: String?

    public init(_ n: AlertNotice, dashboardURL: String?) {
        let e = n.event.event
        type = n.transition.rawValue
        webhook = n.webhook.name
        event = EventBody(
            id: e.id, kind: e.kind.rawValue, scope: e.entity.scope.rawValue, entity: e.entity.id, family: e.entity.family,
            start: UTC.iso8601(e.start), end: e.end.map(UTC.iso8601), durationSeconds: e.duration,
            severity: (e.severity * 100).rounded() / 100, classification: e.classification?.rawValue,
            upstreamsBefore: e.upstreamsBefore, upstreamsAfter: e.upstreamsAfter)
        narrative = n.event.narrative
        measurement = Measurement(
            fullFeedPeersUp: e.fullFeedPeersUp,
            note: e.fullFeedPeersUp == 0
                ? "no full-feed peer was up: treat with caution"
                : "measured with \(e.fullFeedPeersUp) full-feed peer\(e.fullFeedPeersUp == 1 ? "" : "s") up")
        evidence = e.evidence
        url = dashboardURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }.map {
            $0 + "/event/" + percentEncodedPathSegment(e.id)
        }
        let verb: String
        switch n.transition {
        case .opened: verb = "started"
        case .severity: verb = "changed severity to \(n.level) %"
        case .recovered: verb = "recovered"
        }
        summary = "\(e.kind.rawValue) \(e.entity.scope.rawValue) \(e.entity.id) \(e.entity.family) \(verb)"
            + " (start \(UTC.short(e.start))" + (e.end.map { ", end \(UTC.short($0))" } ?? "") + ")"
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    public func json() -> Data { (try? Self.encoder.encode(self)) ?? Data("{}".utf8) }

    /// A Slack-compatible body (`text` with mrkdwn), carrying the same facts.
    public func slack() -> Data {
        var text = "*Vantage*: \(summary)\n\(narrative)\n_\(measurement.note)_"
        if !evidence.prefixesLost.isEmpty {
            text += "\nPrefixes lost: " + evidence.prefixesLost.prefix(10).joined(separator: ", ")
        }
        if !evidence.withdrawingPeers.isEmpty {
            text += "\nWithdrawn by: " + evidence.withdrawingPeers.prefix(5).joined(separator: ", ")
        }
        if let url { text += "\n<\(url)|Open in Vantage>" }
        return (try? JSONSerialization.data(withJSONObject: ["text": text], options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }
}

/// Sends one HTTP POST and returns the status code.
public protocol WebhookTransport: Sendable {
    func post(_ url: URL, body: Data, headers: [String: String], timeout: Double) async throws -> Int
}

/// POST through Foundation's URLSession (libcurl on Linux: http and https).
public struct URLSessionTransport: WebhookTransport {
    public init() {}
    public func post(_ url: URL, body: Data, headers: [String: String], timeout: Double) async throws -> Int {
        var req = URLRequest(url: url, timeoutInterval: timeout)
        req.httpMethod = "POST"
        req.httpBody = body
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        req.setValue("vantage-alerts/1", forHTTPHeaderField: "User-Agent")
        for (k, v) in headers { req.setValue(v, forHTTPHeaderField: k) }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (_, response) = try await session.data(for: req)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}

/// Delivers due notices with retries and exponential backoff, and records each outcome in the store.
public struct AlertDispatcher: Sendable {
    public var config: AlertConfig
    public var store: any ObservatoryStore
    public var transport: any WebhookTransport
    public var log: @Sendable (String) -> Void
    /// Sleeps between attempts (tests pass a short one).
    public var sleep: @Sendable (Double) async -> Void = { s in
        if s > 0 { try? await Task.sleep(nanoseconds: UInt64(s * 1e9)) }
    }

    public init(
        config: AlertConfig, store: any ObservatoryStore, transport: any WebhookTransport = URLSessionTransport(),
        log: @escaping @Sendable (String) -> Void
    ) {
        self.config = config
        self.store = store
        self.transport = transport
        self.log = log
    }

    public struct Summary: Sendable, Hashable {
        public var delivered = 0
        public var failed = 0
        public var attempts = 0
    }

    /// Sends every notice due for the store's current events.
    @discardableResult
    public func dispatch() async throws -> Summary {
        var q = EventQuery()
        q.limit = 1_000_000
        let events = try store.events(q)
        let notices = AlertPlanner.due(events: events, log: try store.alerts(eventID: nil), config: config)
        var summary = Summary()
        for n in notices {
            let ok = await deliver(n, summary: &summary)
            if ok { summary.delivered += 1 } else { summary.failed += 1 }
        }
        return summary
    }

    func deliver(_ n: AlertNotice, summary: inout Summary) async -> Bool {
        let payload = AlertPayload(n, dashboardURL: config.dashboardURL)
        let body = n.webhook.format == .slack ? payload.slack() : payload.json()
        var lastError: String?
        var attempts = 0
        for attempt in 1...config.retry.attempts {
            await sleep(config.retry.backoff(before: attempt))
            attempts = attempt
            summary.attempts += 1
            do {
                let status = try await transport.post(
                    n.webhook.url, body: body, headers: n.webhook.headers, timeout: config.retry.timeout)
                if (200..<300).contains(status) {
                    lastError = nil
                    break
                }
                lastError = "HTTP \(status)"
                // 4xx other than 408/429 will not get better by retrying.
                if (400..<500).contains(status) && status != 408 && status != 429 { break }
            } catch {
                lastError = "\(error.localizedDescription)"
            }
        }
        let ok = lastError == nil
        let record = AlertRecord(
            eventID: n.event.event.id, transition: n.transition.rawValue,
            level: n.level, target: n.webhook.name, attempts: attempts, delivered: ok,
            at: Int64(Date().timeIntervalSince1970), lastError: lastError)
        do { try store.recordAlert(record) } catch { log("vantage: alert log: \(error)") }
        log(
            ok
                ? "alert \(payload.type) \(n.event.event.id) → \(n.webhook.name) (attempt \(attempts))"
                : "alert \(payload.type) \(n.event.event.id) → \(n.webhook.name) failed after \(attempts) attempts: \(lastError ?? "")")
        return ok
    }
}
