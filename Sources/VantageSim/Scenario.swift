import BGPWire
import Foundation
import VantageCore
import Yams

/// A scenario: a time window, a world, and what happens to it.
///
/// ## YAML schema
///
/// ```yaml
/// name: north-korea-2014              # required; used in messages only
/// description: >                      # free text, printed by `vantage simulate`
///   What this scenario shows, and where its facts come from.
/// start: 2014-12-20T00:00:00Z         # ISO-8601 UTC; the RIB dump is written at this time
/// end: 2014-12-24T00:00:00Z           # ISO-8601 UTC, exclusive; update dumps cover [start, end)
/// seed: 20141222                      # optional (default 1); `--seed` overrides it
/// world:                              # optional; or just `world: builtin`
///   kind: builtin                     # builtin (generated) | rib (from a real RIB: `rib:`, `registry:`)
///   ipv4_prefixes: 110000             # builtin size knobs (defaults shown)
///   ipv6_prefixes: 6000
///   ases: 700                         # tier-1s, transit and stubs together (at least 100)
///   countries: 40                     # 30 … 45 (the built-in country list)
///   full_feed_peers: 6                # peers with the whole table, each with an IPv4 and an IPv6 session
///   partial_peers: 4                  # peers with part of the table (customer cone and some more)
///   churn: 1.0                        # background churn multiplier (0 = none)
///   rib: path/to/rib.bz2              # kind rib: TABLE_DUMP_V2 RIB giving prefixes, paths and peers
///   registry: [delegated-apnic-latest] # kind rib: registry files (RIR delegation stats, AS names)
/// events:                             # any number, any order
///   - at: 2014-12-22T16:15:00Z        # when it happens (UTC)
///     until: 2014-12-23T01:46:00Z     # when it stops (withdraw, flap, rehome, announce, missing-file)
///     action: withdraw                # withdraw | flap | rehome | peer-reset | missing-file | announce
///     target: {country: KP}           # or {asn: 131279} or {prefixes: [175.45.176.0/24, …]};
///                                     #   `share: 0.5` keeps that fraction of the target's prefixes
///     interval: 8m-25m                # flap: time between two withdrawals (a range or one value)
///     period: 1m-5m                   # flap: how long each withdrawal lasts
///     reach: 0.34                     # flap/withdraw: fraction of the full-feed peers that lose the
///                                     #   routes (default 1: all of them; a range draws per flap)
///     new_upstream: 20485             # rehome: the target's origins are reached through this AS
///     peer: 3356                      # peer-reset: peer AS (all its sessions) or session address
///     duration: 3m                    # peer-reset: time the session stays down (default 2m)
///     origin: 64500                   # announce: origin AS (default: the prefixes' current origin)
///     upstream: 4837                  # announce: the origin's upstream (default: none, peers direct)
/// ```
///
/// Durations are `45s`, `5m`, `2h`, `1h30m`, `1d` or plain seconds; ranges are `MIN-MAX`. Every peer
/// reacts to an event a few seconds after the others (withdrawals 1–15 s, announcements 5–40 s, as
/// route propagation and MRAI timers spread them), so archives look like a collector's.
public struct Scenario: Sendable {
    public var name: String
    public var description: String
    public var start: UInt32
    public var end: UInt32
    public var seed: UInt64
    public var world: WorldSpec
    public var events: [ScenarioEvent]

    public init(
        name: String, description: String = "", start: UInt32, end: UInt32, seed: UInt64 = 1,
        world: WorldSpec = WorldSpec(), events: [ScenarioEvent] = []
    ) {
        self.name = name
        self.description = description
        self.start = start
        self.end = end
        self.seed = seed
        self.world = world
        self.events = events
    }
}

/// The world a scenario runs in.
public struct WorldSpec: Sendable, Hashable {
    public enum Kind: String, Sendable { case builtin, rib }
    public var kind: Kind = .builtin
    public var ipv4Prefixes = 110_000
    public var ipv6Prefixes = 6_000
    public var ases = 700
    public var countries = 40
    public var fullFeedPeers = 6
    public var partialPeers = 4
    public var churn = 1.0
    public var rib: String?
    public var registry: [String] = []
    public init() {}
}

/// What is hit by an event.
public struct Target: Sendable, Hashable {
    public var country: String?
    public var asn: UInt32?
    public var prefixes: [IPPrefix] = []
    /// Keep only this fraction of the matching prefixes, spread evenly in address order.
    public var share: Double?
    public init(country: String? = nil, asn: UInt32? = nil, prefixes: [IPPrefix] = [], share: Double? = nil) {
        self.country = country
        self.asn = asn
        self.prefixes = prefixes
        self.share = share
    }
    public var description: String {
        var s = country.map { "country \($0)" } ?? asn.map { "AS\($0)" } ?? "\(prefixes.count) prefixes"
        if let share { s += " (\(Int((share * 100).rounded())) %)" }
        return s
    }
}

public struct ScenarioEvent: Sendable, Hashable {
    public enum Action: String, Sendable, CaseIterable {
        case withdraw, flap, rehome, announce
        case peerReset = "peer-reset"
        case missingFile = "missing-file"
    }
    public var at: UInt32
    public var until: UInt32?
    public var action: Action
    public var target: Target?
    public var interval: ClosedRange<UInt32>?
    public var period: ClosedRange<UInt32>?
    public var reach: ClosedRange<Double>?
    public var newUpstream: UInt32?
    public var peer: String?
    public var duration: UInt32?
    public var origin: UInt32?
    public var upstream: UInt32?

    public init(at: UInt32, until: UInt32? = nil, action: Action, target: Target? = nil) {
        self.at = at
        self.until = until
        self.action = action
        self.target = target
    }
}

public struct ScenarioError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

// MARK: - Parsing

extension Scenario {
    /// Parses the YAML described in the type's documentation.
    public static func parse(yaml: String) throws -> Scenario {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ScenarioError("scenario: not valid YAML: \(error)")
        }
        guard let root, root.mapping != nil else {
            throw ScenarioError("scenario: expected a mapping at the top level")
        }
        try checkKeys(root, ["name", "description", "start", "end", "seed", "world", "events"], "scenario")
        guard let name = root["name"]?.string, !name.isEmpty else {
            throw ScenarioError("scenario: `name` is required")
        }
        let start = try time(root["start"], "start")
        let end = try time(root["end"], "end")
        guard end > start else { throw ScenarioError("scenario: `end` must be after `start`") }
        var s = Scenario(name: name, description: root["description"]?.string ?? "", start: start, end: end)
        if let seed = root["seed"] {
            guard let v = seed.string.flatMap({ UInt64($0) }) else {
                throw ScenarioError("scenario: `seed` must be a whole number")
            }
            s.seed = v
        }
        if let w = root["world"] { s.world = try parseWorld(w) }
        if let events = root["events"] {
            guard let seq = events.sequence else { throw ScenarioError("scenario: `events` must be a list") }
            for (i, e) in seq.enumerated() { s.events.append(try parseEvent(e, index: i + 1, window: start..<end)) }
        }
        return s
    }

    static func checkKeys(_ node: Node, _ allowed: Set<String>, _ context: String) throws {
        guard let m = node.mapping else { return }
        for (k, _) in m {
            guard let key = k.string else { continue }
            if !allowed.contains(key) {
                throw ScenarioError(
                    "\(context): unknown key `\(key)` (expected one of: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
    }

    static func parseWorld(_ node: Node) throws -> WorldSpec {
        var w = WorldSpec()
        if let kind = node.string {
            guard let k = WorldSpec.Kind(rawValue: kind) else {
                throw ScenarioError("world: expected builtin or rib, got \(kind)")
            }
            w.kind = k
            return w
        }
        guard node.mapping != nil else { throw ScenarioError("world: expected `builtin`, `rib` or a mapping") }
        try checkKeys(
            node,
            [
                "kind", "ipv4_prefixes", "ipv6_prefixes", "ases", "countries", "full_feed_peers", "partial_peers",
                "churn", "rib", "registry",
            ],
            "world")
        if let kind = node["kind"]?.string {
            guard let k = WorldSpec.Kind(rawValue: kind) else {
                throw ScenarioError("world.kind: expected builtin or rib, got \(kind)")
            }
            w.kind = k
        }
        func int(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let n = node[key] else { return nil }
            guard let v = n.string.flatMap({ Int($0.replacingOccurrences(of: "_", with: "")) }), range.contains(v)
            else {
                throw ScenarioError("world.\(key): expected a whole number in \(range.lowerBound)…\(range.upperBound)")
            }
            return v
        }
        if let v = try int("ipv4_prefixes", 100...5_000_000) { w.ipv4Prefixes = v }
        if let v = try int("ipv6_prefixes", 0...1_000_000) { w.ipv6Prefixes = v }
        if let v = try int("ases", 100...20_000) { w.ases = v }
        if let v = try int("countries", 30...BuiltinWorld.countryTable.count) { w.countries = v }
        if let v = try int("full_feed_peers", 1...12) { w.fullFeedPeers = v }
        if let v = try int("partial_peers", 0...12) { w.partialPeers = v }
        if let c = node["churn"] {
            guard let v = c.string.flatMap(Double.init), v >= 0, v <= 20 else {
                throw ScenarioError("world.churn: expected a number 0…20")
            }
            w.churn = v
        }
        w.rib = node["rib"]?.string
        if let r = node["registry"] {
            if let one = r.string { w.registry = [one] } else { w.registry = r.sequence?.compactMap(\.string) ?? [] }
        }
        return w
    }

    static func parseEvent(_ node: Node, index: Int, window: Range<UInt32>) throws -> ScenarioEvent {
        let ctx = "events[\(index)]"
        guard node.mapping != nil else { throw ScenarioError("\(ctx): expected a mapping") }
        try checkKeys(
            node,
            [
                "at", "until", "action", "target", "interval", "period", "reach", "new_upstream", "peer", "duration",
                "origin", "upstream",
            ],
            ctx)
        guard let actionText = node["action"]?.string else { throw ScenarioError("\(ctx): `action` is required") }
        guard let action = ScenarioEvent.Action(rawValue: actionText) else {
            throw ScenarioError(
                "\(ctx): unknown action `\(actionText)` (expected \(ScenarioEvent.Action.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        var e = ScenarioEvent(at: try time(node["at"], "\(ctx).at"), action: action)
        if let u = node["until"] {
            let t = try time(u, "\(ctx).until")
            guard t > e.at else { throw ScenarioError("\(ctx): `until` must be after `at`") }
            e.until = t
        }
        guard window.contains(e.at) else { throw ScenarioError("\(ctx): `at` is outside the scenario's start…end") }
        if let t = node["target"] { e.target = try parseTarget(t, ctx: "\(ctx).target") }
        if let v = node["interval"]?.string { e.interval = try durationRange(v, "\(ctx).interval") }
        if let v = node["period"]?.string { e.period = try durationRange(v, "\(ctx).period") }
        if let v = node["duration"]?.string { e.duration = try duration(v, "\(ctx).duration") }
        if let v = node["reach"]?.string {
            let parts = v.split(separator: "-").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(parts.count), parts.allSatisfy({ $0 != nil && $0! > 0 && $0! <= 1 }) else {
                throw ScenarioError("\(ctx).reach: expected a fraction in (0, 1] or a range like 0.2-0.5")
            }
            e.reach = parts[0]!...parts[parts.count - 1]!
        }
        e.newUpstream = try asn(node["new_upstream"], "\(ctx).new_upstream")
        e.origin = try asn(node["origin"], "\(ctx).origin")
        e.upstream = try asn(node["upstream"], "\(ctx).upstream")
        e.peer = node["peer"]?.string
        switch action {
        case .withdraw, .flap, .rehome, .announce:
            guard e.target != nil else { throw ScenarioError("\(ctx): \(action.rawValue) needs a `target`") }
        case .peerReset:
            guard e.peer != nil else {
                throw ScenarioError("\(ctx): peer-reset needs a `peer` (AS number or session address)")
            }
        case .missingFile: break
        }
        if action == .flap {
            guard e.until != nil else { throw ScenarioError("\(ctx): flap needs `until`") }
            if e.interval == nil { e.interval = 20 * 60...60 * 60 }
            if e.period == nil { e.period = 60...300 }
        }
        if action == .rehome && e.newUpstream == nil { throw ScenarioError("\(ctx): rehome needs `new_upstream`") }
        if action == .announce && e.target?.prefixes.isEmpty != false {
            throw ScenarioError("\(ctx): announce needs `target: {prefixes: [...]}`")
        }
        return e
    }

    static func parseTarget(_ node: Node, ctx: String) throws -> Target {
        guard node.mapping != nil else {
            throw ScenarioError("\(ctx): expected {country: CC}, {asn: N} or {prefixes: [...]}")
        }
        try checkKeys(node, ["country", "asn", "prefixes", "share"], ctx)
        var t = Target()
        t.country = node["country"]?.string?.uppercased()
        t.asn = try asn(node["asn"], "\(ctx).asn")
        if let p = node["prefixes"] {
            let items = p.sequence?.compactMap(\.string) ?? p.string.map { [$0] } ?? []
            for s in items {
                guard let prefix = IPPrefix(s) else { throw ScenarioError("\(ctx).prefixes: not a prefix: \(s)") }
                t.prefixes.append(prefix.masked)
            }
        }
        if let s = node["share"] {
            guard let v = s.string.flatMap(Double.init), v > 0, v <= 1 else {
                throw ScenarioError("\(ctx).share: expected a fraction in (0, 1]")
            }
            t.share = v
        }
        let kinds = (t.country != nil ? 1 : 0) + (t.asn != nil ? 1 : 0) + (t.prefixes.isEmpty ? 0 : 1)
        guard kinds == 1 else { throw ScenarioError("\(ctx): give exactly one of country, asn, prefixes") }
        return t
    }

    static func asn(_ node: Node?, _ ctx: String) throws -> UInt32? {
        guard let node else { return nil }
        guard var s = node.string else { throw ScenarioError("\(ctx): expected an AS number") }
        if s.uppercased().hasPrefix("AS") { s = String(s.dropFirst(2)) }
        guard let v = UInt32(s) else { throw ScenarioError("\(ctx): expected an AS number, got \(s)") }
        return v
    }

    /// `2014-12-22T16:15:00Z`, `2014-12-22T16:15Z`, `2014-12-22 16:15:00` (UTC), or `2014-12-22`.
    public static func parseTime(_ text: String) -> UInt32? {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        if s.hasSuffix("Z") || s.hasSuffix("z") { s = s.dropLast() }
        if s.hasSuffix("+00:00") { s = s.dropLast(6) }
        let halves = s.split(maxSplits: 1, whereSeparator: { $0 == "T" || $0 == "t" || $0 == " " })
        guard let datePart = halves.first else { return nil }
        let d = datePart.split(separator: "-").map { Int($0) }
        guard d.count == 3, let y = d[0], let m = d[1], let day = d[2], (1970...2105).contains(y), (1...12).contains(m),
            (1...31).contains(day)
        else { return nil }
        var hh = 0
        var mm = 0
        var ss = 0
        if halves.count == 2 {
            let t = halves[1].split(separator: ":").map { Int($0.split(separator: ".").first ?? "") }
            guard (2...3).contains(t.count), let h = t[0], let mi = t[1], (0...23).contains(h), (0...59).contains(mi)
            else { return nil }
            hh = h
            mm = mi
            if t.count == 3 {
                guard let sec = t[2], (0...60).contains(sec) else { return nil }
                ss = sec
            }
        }
        return UTC.time(y, m, day, hh, mm, ss)
    }

    static func time(_ node: Node?, _ ctx: String) throws -> UInt32 {
        guard let text = node?.string else {
            throw ScenarioError("\(ctx): a time is required (ISO-8601 UTC, e.g. 2014-12-22T16:15:00Z)")
        }
        guard let t = parseTime(text) else { throw ScenarioError("\(ctx): not an ISO-8601 UTC time: \(text)") }
        return t
    }

    /// `45s`, `5m`, `2h`, `1h30m`, `1d`, or plain seconds.
    public static func parseDuration(_ text: String) -> UInt32? {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let plain = UInt32(s) { return plain }
        var total: UInt32 = 0
        var number = ""
        var sawUnit = false
        for c in s {
            if c.isNumber {
                number.append(c)
                continue
            }
            let unit: UInt32
            switch c {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86400
            case " ": continue
            default: return nil
            }
            guard let n = UInt32(number) else { return nil }
            total += n * unit
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit else { return nil }
        return total
    }

    static func duration(_ text: String, _ ctx: String) throws -> UInt32 {
        guard let d = parseDuration(text), d > 0 else {
            throw ScenarioError("\(ctx): not a duration (like 45s, 5m, 1h30m): \(text)")
        }
        return d
    }

    static func durationRange(_ text: String, _ ctx: String) throws -> ClosedRange<UInt32> {
        let parts = text.split(separator: "-")
        guard (1...2).contains(parts.count) else {
            throw ScenarioError("\(ctx): expected a duration or a range like 20m-60m")
        }
        let lo = try duration(String(parts[0]), ctx)
        let hi = try duration(String(parts[parts.count - 1]), ctx)
        guard lo <= hi else { throw ScenarioError("\(ctx): range minimum above maximum") }
        return lo...hi
    }
}
