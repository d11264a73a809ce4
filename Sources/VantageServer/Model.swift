import Foundation
import VantageCore
import VantageStore

/// What the API returns, as Codable values (keys in snake_case on the wire).
enum DTO {
    struct Links: Codable {
        var api: String
        var series: String?
        var events: String?
        var upstreams: String?
        var dashboard: String?
    }

    struct Entity: Codable {
        var scope: String
        var id: String
        var name: String?
        var country: String?
        var family: String
        var status: String
        var visiblePrefixes: Int
        var visibleSlash24s: Double?
        var visibleSlash48s: Double?
        var openEvents: Int
        var eventCount: Int
        var asOf: String?
        var links: Links
    }

    struct EntityList: Codable {
        var dataUntil: String?
        var fullFeedPeersUp: [String: Int]
        /// Entities matching the filters, and how many of them this page holds.
        var total: Int
        var count: Int
        var entities: [Entity]
    }

    struct Upstream: Codable {
        var asn: UInt32
        var name: String?
        var pathShare: Double
        var spaceShare: Double
    }

    struct UpstreamList: Codable {
        var scope: String
        var id: String
        var family: String
        var asOf: String?
        var single: Bool
        var upstreams: [Upstream]
    }

    struct EntityDetail: Codable {
        var scope: String
        var id: String
        var name: String?
        var country: String?
        var families: [Entity]
        var recentEvents: [Event]
    }

    struct Point: Codable {
        var time: String
        var unix: UInt32
        /// The bin's width; a long run of bins without data is one unknown point this long.
        var seconds: UInt32
        var known: Bool
        var fullFeedPeersUp: Int
        var visiblePrefixes: Int?
        var visibleSpace: Double?
        var minVisibleSpace: Double?
        var peerShare: Double?
        var announcements: Int?
        var withdrawals: Int?
        var flaps: Int?
        var upstreams: [UInt32]?
    }

    struct Series: Codable {
        var scope: String
        var id: String
        var family: String
        var spaceUnit: String
        var from: String?
        var to: String?
        var binSeconds: UInt32?
        var points: [Point]
    }

    struct Evidence: Codable {
        var prefixesLost: [String]
        var prefixesRegained: [String]
        var withdrawingPeers: [String]
        var lastPaths: [String]
    }

    struct Event: Codable {
        var id: String
        var kind: String
        var scope: String
        var entity: String
        var family: String
        var start: String
        var end: String?
        var durationSeconds: UInt32?
        var severity: Double
        var classification: String?
        var state: String
        var baseline: Double
        var worst: Double
        var upstreamsBefore: [UInt32]
        var upstreamsAfter: [UInt32]
        var fullFeedPeersUp: Int
        var narrative: String
        var evidence: Evidence?
        var links: Links
    }

    struct EventList: Codable {
        var count: Int
        var limit: Int
        var offset: Int
        var events: [Event]
    }

    struct ErrorBody: Codable {
        struct Inner: Codable {
            var status: Int
            var message: String
        }
        var error: Inner
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static func round(_ x: Double, _ digits: Double = 1000) -> Double { (x * digits).rounded() / digits }

    static func path(_ key: EntityKey) -> String {
        switch key.scope {
        case .country: return "countries/\(key.id)"
        case .asn: return "ases/\(key.id.dropFirst(2))"
        case .prefix: return "prefixes/\(Web.pathEscape(key.id))"
        }
    }

    static func page(_ scope: Scope, _ id: String) -> String {
        switch scope {
        case .country: return "/country/\(id)"
        case .asn: return "/as/\(id.hasPrefix("AS") ? String(id.dropFirst(2)) : id)"
        case .prefix: return "/prefix/\(Web.pathEscape(id))"
        }
    }

    static func entity(_ s: EntitySummary) -> Entity {
        let v4 = s.key.family == "ipv4"
        let p = path(s.key)
        return Entity(
            scope: s.key.scope.rawValue, id: s.key.id, name: s.info.name, country: s.info.country, family: s.key.family,
            status: s.status.rawValue, visiblePrefixes: s.visiblePrefixes,
            visibleSlash24s: v4 ? round(s.visibleSpace) : nil, visibleSlash48s: v4 ? nil : round(s.visibleSpace),
            openEvents: s.openEvents, eventCount: s.eventCount, asOf: s.lastTime.map(UTC.iso8601),
            links: Links(
                api: "/api/v1/\(p)", series: "/api/v1/\(p)/series?family=\(s.key.family)",
                events: "/api/v1/events?scope=\(s.key.scope.rawValue)&entity=\(Web.queryEscape(s.key.id))&family=\(s.key.family)",
                upstreams: "/api/v1/\(p)/upstreams?family=\(s.key.family)", dashboard: page(s.key.scope, s.key.id)))
    }

    static func event(_ s: StoredEvent, evidence: Bool) -> Event {
        let e = s.event
        let ev = e.evidence
        return Event(
            id: e.id, kind: e.kind.rawValue, scope: e.entity.scope.rawValue, entity: e.entity.id, family: e.entity.family,
            start: UTC.iso8601(e.start), end: e.end.map(UTC.iso8601), durationSeconds: e.duration,
            severity: round(e.severity), classification: e.classification?.rawValue, state: e.end == nil ? "open" : "closed",
            baseline: round(e.baseline), worst: round(e.worst), upstreamsBefore: e.upstreamsBefore,
            upstreamsAfter: e.upstreamsAfter, fullFeedPeersUp: e.fullFeedPeersUp, narrative: s.narrative,
            evidence: evidence
                ? Evidence(
                    prefixesLost: ev.prefixesLost, prefixesRegained: ev.prefixesRegained,
                    withdrawingPeers: ev.withdrawingPeers, lastPaths: ev.lastPaths) : nil,
            links: Links(
                api: "/api/v1/events/\(Web.pathEscape(e.id))", dashboard: "/event/\(Web.pathEscape(e.id))"))
    }

    static func point(_ p: SeriesPoint) -> Point {
        let s = p.signal
        return Point(
            time: UTC.iso8601(p.time), unix: p.time, seconds: p.width, known: p.known, fullFeedPeersUp: p.fullFeedPeersUp,
            visiblePrefixes: p.known ? s?.visiblePrefixes : nil, visibleSpace: p.known ? s.map { round($0.visibleSpace) } : nil,
            minVisibleSpace: p.known ? s.map { round($0.minVisibleSpace) } : nil,
            peerShare: p.known ? s.map { round($0.peerShare) } : nil, announcements: s?.announcements,
            withdrawals: s?.withdrawals, flaps: s?.flaps, upstreams: p.known ? s?.upstreams : nil)
    }
}

/// Escaping and small helpers shared by the API and the dashboard.
enum Web {
    static func pathEscape(_ s: String) -> String { percentEncodedPathSegment(s) }

    static func queryEscape(_ s: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#%/")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    static func html(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// One CSV field (RFC 4180 quoting).
    static func csv(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// A time parameter: Unix seconds, `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM[:SS]Z` (UTC).
    static func parseTime(_ s: String) -> UInt32? {
        if !s.isEmpty, s.allSatisfy(\.isNumber) { return UInt32(s) }
        let u = Array(s.utf8)
        func num(_ a: Int, _ n: Int) -> Int? {
            guard a + n <= u.count else { return nil }
            var v = 0
            for i in a..<(a + n) {
                guard u[i] >= 48, u[i] <= 57 else { return nil }
                v = v * 10 + Int(u[i] - 48)
            }
            return v
        }
        guard u.count >= 10, let y = num(0, 4), u[4] == 45, let m = num(5, 2), u[7] == 45, let d = num(8, 2),
            (1970...2105).contains(y), (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        var hh = 0
        var mm = 0
        var ss = 0
        if u.count > 10 {
            guard u[10] == 84 || u[10] == 32, let h = num(11, 2), u.count > 13, u[13] == 58, let mi = num(14, 2),
                h < 24, mi < 60
            else { return nil }
            (hh, mm) = (h, mi)
            var i = 16
            if u.count > 16, u[16] == 58 {
                guard let sec = num(17, 2), sec < 61 else { return nil }
                ss = sec
                i = 19
            }
            guard i == u.count || (i == u.count - 1 && u[i] == 90) else { return nil }
        }
        return UTC.time(y, m, d, hh, mm, ss)
    }
}
