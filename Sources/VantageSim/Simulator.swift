import ArchiveIO
import BGPWire
import Foundation
import VantageCore

/// Plays a ``Scenario`` on a world and writes what a RouteViews collector would have archived:
///
/// - `DIR/rib.YYYYMMDD.HHMM.bz2`: a TABLE_DUMP_V2 RIB (PEER_INDEX_TABLE, RIB_IPV4/IPV6_UNICAST) at
///   the scenario's start;
/// - `DIR/updates.YYYYMMDD.HHMM.bz2` every 15 minutes, each holding BGP4MP MESSAGE_AS4 and
///   STATE_CHANGE_AS4 records of [t, t + 15 min);
/// - `DIR/registry/`: the registry describing the world (RIR delegation statistics, AS names);
/// - `DIR/README.txt`: what the data is (simulated) and what happened in it.
///
/// How the simulation runs: every change (a peer's new path for a prefix, a withdrawal, a session
/// going down) is an entry in a time-ordered queue; processing one updates that peer's routing table
/// and, if its session is up, writes the UPDATE the collector would have received. Consecutive
/// changes of one peer in the same second with the same attributes share an UPDATE.
///
/// - Background churn, per session (Poisson): path changes that keep every origin's and country's
///   upstream (prepending, another transit in the middle), most reverted minutes later; withdrawals
///   re-announced after 20 s – 15 min; duplicate announcements; at least one update every 4–9 minutes
///   (peers are never silent for long at a real collector). Across all full-feed peers: origins
///   changing their prepending, and now and then a prefix of a large network withdrawn for minutes.
///   Prefixes targeted by scenario events get no background churn.
/// - Scenario events reach each peer after its own delay: withdrawals 2–12 s, announcements 12–36 s
///   (announcements wait for MRAI timers), and before a withdrawal some peers first try a longer
///   path (path hunting).
/// - Deterministic: the seed fixes every draw; the output is the same bytes on every run.
public enum Simulator {
    /// Bumped whenever the output for a given scenario and seed changes (the demo cache keys on it).
    public static let version = "vantage-sim 1"

    public struct Options: Sendable {
        public var outputDirectory: String
        public var seed: UInt64?
        public var ribPath: String?
        public var registry: Registry?
        public var registryPaths: [String] = []
        public init(outputDirectory: String, seed: UInt64? = nil) {
            self.outputDirectory = outputDirectory
            self.seed = seed
        }
    }

    public struct Result: Sendable {
        public var ribFile: String
        public var updateFiles: [String]
        public var missingFiles: [String]
        public var registryFiles: [String]
        public var worldSummary: String
        public var peers: [SimPeer]
        public var records = 0
        public var announcements = 0
        public var withdrawals = 0
        public var stateChanges = 0
        public var ribEntries = 0
        /// One line per scenario event, as it was played.
        public var eventLog: [String] = []
        /// Things the user should know (e.g. the world is below the observatory's full-feed size).
        public var notes: [String] = []
        public var seed: UInt64 = 0
        /// Every archive written, RIB first.
        public var archives: [String] { [ribFile] + updateFiles }
    }

    /// Runs the scenario and writes the archives. `log` receives progress lines.
    public static func run(_ scenario: Scenario, options: Options, log: (String) -> Void = { _ in }) throws -> Result {
        let seed = options.seed ?? scenario.seed
        let t0 = Date()
        let world: World
        switch (options.ribPath ?? scenario.world.rib, scenario.world.kind) {
        case (let rib?, _) where options.ribPath != nil || scenario.world.kind == .rib:
            guard let registry = options.registry else {
                throw ScenarioError("a RIB world needs --registry files (delegation statistics) to know countries")
            }
            log("reading \(rib)…")
            world = try RIBWorld.build(
                spec: scenario.world, ribPath: rib, registry: registry, registryPaths: options.registryPaths,
                onProblem: log)
        case (_, .rib):
            throw ScenarioError("world kind rib needs a RIB (--rib FILE or world.rib)")
        default:
            world = BuiltinWorld.build(scenario.world, seed: seed, start: scenario.start)
        }
        log(world.summary)
        let t1 = Date()
        var engine = Engine(world: world, scenario: scenario, seed: seed)
        try engine.schedule()
        engine.runQueue()
        let t2 = Date()
        let result = try engine.write(to: options.outputDirectory, log: log)
        // VANTAGE_SIM_TIMING=1: where the time goes.
        if ProcessInfo.processInfo.environment["VANTAGE_SIM_TIMING"] != nil {
            let f = { (a: Date, b: Date) in String(format: "%.2f s", a.timeIntervalSince(b)) }
            log("timing: world \(f(t1, t0)), simulation \(f(t2, t1)), encoding and compression \(f(Date(), t2))")
        }
        return result
    }

    /// `rib.20141220.0000.bz2`, `updates.20141220.0015.bz2` (RouteViews naming).
    public static func fileName(_ kind: String, _ t: UInt32) -> String {
        let (y, m, d, hh, mm, _) = UTC.components(t)
        return "\(kind).\(y)\(pad2(m))\(pad2(d)).\(pad2(hh))\(pad2(mm)).bz2"
    }

    public static let updateInterval: UInt32 = 900
}

// MARK: - Engine

struct Change {
    enum Kind: UInt8 {
        /// The peer's route becomes `value` (only while it has one).
        case setPath
        case withdraw
        /// Back to the peer's normal route.
        case restore
        /// The same route sent again.
        case duplicate
        /// The peer's normal route becomes `value` (and its current one, while it has one).
        case rebase
        /// A new route: normal and current become `value`.
        case originate
        /// The route goes away for good.
        case retire
        case sessionDown
        case sessionUp
        /// Table transfer after a session reset: prefixes `prefix..<value`.
        case transfer
    }
    var time: UInt32
    var seq: UInt32
    var peer: Int32
    var prefix: Int32
    var value: Int32
    var kind: Kind

    @inline(__always)
    static func before(_ a: Change, _ b: Change) -> Bool { a.time != b.time ? a.time < b.time : a.seq < b.seq }
}

/// A binary min-heap of changes by (time, insertion order).
struct ChangeQueue {
    private var heap: [Change] = []
    private var seq: UInt32 = 0
    var count: Int { heap.count }

    mutating func push(_ time: UInt32, _ kind: Change.Kind, peer: Int, prefix: Int32 = -1, value: Int32 = -1) {
        heap.append(Change(time: time, seq: seq, peer: Int32(peer), prefix: prefix, value: value, kind: kind))
        seq &+= 1
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Change.before(heap[i], heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Change? {
        guard !heap.isEmpty else { return nil }
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1
                let r = l + 1
                var m = i
                if l < heap.count && Change.before(heap[l], heap[m]) { m = l }
                if r < heap.count && Change.before(heap[r], heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}

struct Engine {
    let world: World
    let scenario: Scenario
    let seed: UInt64
    var queue = ChangeQueue()
    var rng: SimRandom
    /// What each peer holds now (path id or -1), and whether its session is up.
    var current: [[Int32]]
    var up: [Bool]
    /// Per-peer propagation delays: base withdrawal and announcement delay (seconds).
    var withdrawDelay: [UInt32] = []
    var announceDelay: [UInt32] = []
    /// Prefixes under scenario control (no background churn).
    var controlled = Set<Int32>()
    var missing = Set<Int>()
    var eventLog: [String] = []

    // Output.
    var files: [WireWriter]
    var stats = (records: 0, announcements: 0, withdrawals: 0, stateChanges: 0)
    var pending: Pending?

    struct Pending {
        var time: UInt32
        var peer: Int
        var withdraw: Bool
        var path: Int32
        var originCode: UInt8
        var prefixes: [IPPrefix]
        var bytes: Int
    }

    init(world: World, scenario: Scenario, seed: UInt64) {
        self.world = world
        self.scenario = scenario
        self.seed = seed
        rng = SimRandom(seed: seed).fork(0x4556_454E_54)  // "EVENT"
        current = world.base
        up = Array(repeating: true, count: world.peers.count)
        let n = Int((scenario.end - scenario.start + Simulator.updateInterval - 1) / Simulator.updateInterval)
        files = Array(repeating: WireWriter(), count: n)
        var d = SimRandom(seed: seed).fork(0x44_454C_4159)  // "DELAY"
        for _ in world.peers {
            withdrawDelay.append(d.seconds(2...9))
            announceDelay.append(d.seconds(12...30))
        }
    }

    var fullFeedSessions: [Int] { world.peers.indices.filter { world.peers[$0].fullFeed } }

    func holds(_ peer: Int, _ prefixes: [Int32]) -> Bool { prefixes.contains { world.base[peer][Int($0)] >= 0 } }

    mutating func wDelay(_ peer: Int) -> UInt32 { withdrawDelay[peer] + rng.seconds(0...3) }
    mutating func aDelay(_ peer: Int) -> UInt32 { announceDelay[peer] + rng.seconds(0...6) }

    // MARK: Scheduling

    mutating func schedule() throws {
        let start = scenario.start
        let end = scenario.end
        // Resolve targets first: controlled prefixes get no churn.
        var targets: [[Int32]] = []
        for e in scenario.events {
            let t = e.target.map { world.resolve($0) } ?? []
            if e.target != nil && t.isEmpty && e.action != .announce {
                throw ScenarioError(
                    "\(e.action.rawValue) at \(UTC.iso8601(e.at)): target \(e.target!.description) matches no prefix of the world"
                )
            }
            targets.append(t)
            controlled.formUnion(t)
        }
        // Scenario-added prefixes (announce) grew the world: grow every table to match.
        for i in current.indices where current[i].count < world.prefixes.count {
            current[i] += Array(repeating: -1, count: world.prefixes.count - current[i].count)
        }
        for (e, t) in zip(scenario.events, targets) { try scheduleEvent(e, targets: t) }
        scheduleChurn(start: start, end: end)
        world.initial = world.base
    }

    mutating func chooseSessions(_ prefixes: [Int32], reach: ClosedRange<Double>?) -> [Int] {
        let holders = world.peers.indices.filter { holds($0, prefixes) }
        guard let reach else { return holders }
        let r = rng.double(reach)
        if r >= 1 { return holders }
        var chosen: [Int] = []
        for afi in [AFI.ipv4, AFI.ipv6] {
            let full = holders.filter { world.peers[$0].fullFeed && world.peers[$0].afi == afi }
            guard !full.isEmpty else { continue }
            let k = max(1, min(full.count, Int((r * Double(full.count)).rounded())))
            chosen += rng.sample(k, of: full.count).map { full[$0] }
        }
        for p in holders where !world.peers[p].fullFeed && rng.chance(r) { chosen.append(p) }
        return chosen.sorted()
    }

    /// Withdraws `prefixes` at `sessions` from `at` (each after its delay, some after path hunting)
    /// and, when `until` is given, re-announces them then.
    mutating func withdrawal(_ prefixes: [Int32], sessions: [Int], at: UInt32, until: UInt32?, hunting: Bool) {
        for p in sessions {
            let own = prefixes.filter { world.base[p][Int($0)] >= 0 }
            guard !own.isEmpty else { continue }
            let tw = at + wDelay(p)
            if hunting && rng.chance(0.4) {
                // Path hunting: a longer path through another transit first, withdrawn a moment later.
                let hunt = tw - min(tw - at, rng.seconds(1...2))
                var tried: [Int32: Int32?] = [:]
                for x in own {
                    let b = world.base[p][Int(x)]
                    if tried[b] == nil { tried[b] = world.variant(of: b, using: &rng, longerOnly: true) }
                    if let v = tried[b]! { queue.push(hunt, .setPath, peer: p, prefix: x, value: v) }
                }
            }
            for x in own { queue.push(tw, .withdraw, peer: p, prefix: x) }
            if let until {
                let ta = until + aDelay(p)
                for x in own { queue.push(ta, .restore, peer: p, prefix: x) }
            }
        }
    }

    mutating func scheduleEvent(_ e: ScenarioEvent, targets: [Int32]) throws {
        let what = e.target?.description ?? ""
        let window = "\(UTC.iso8601(e.at))" + (e.until.map { " → \(UTC.iso8601($0))" } ?? "")
        switch e.action {
        case .withdraw:
            let sessions = chooseSessions(targets, reach: e.reach)
            withdrawal(targets, sessions: sessions, at: e.at, until: e.until, hunting: true)
            eventLog.append("\(window)  withdraw \(what): \(targets.count) prefixes at \(sessions.count) sessions")
        case .flap:
            let until = e.until!
            var t = e.at
            var n = 0
            while t < until {
                let period = rng.seconds(e.period!)
                let sessions = chooseSessions(targets, reach: e.reach)
                withdrawal(targets, sessions: sessions, at: t, until: min(t + period, until), hunting: false)
                n += 1
                t += max(period + 60, rng.seconds(e.interval!))
            }
            let reach =
                e.reach.map { r in
                    " (each time at \(Int((r.lowerBound * 100).rounded()))"
                        + (r.upperBound > r.lowerBound ? "–\(Int((r.upperBound * 100).rounded()))" : "")
                        + " % of the full-feed sessions)"
                } ?? ""
            eventLog.append(
                "\(window)  flap \(what): \(targets.count) prefixes withdrawn and re-announced \(n) times\(reach)")
        case .rehome:
            let newUp = e.newUpstream!
            var changed = 0
            for p in world.peers.indices where holds(p, targets) {
                var via: [UInt32: Int32] = [:]
                for x in targets where world.base[p][Int(x)] >= 0 {
                    let old = world.base[p][Int(x)]
                    let o = world.origin[Int(x)]
                    let path: Int32
                    if let known = via[o] {
                        path = known
                    } else {
                        let oldPath = world.store[old]
                        let prepend = oldPath.count - 1 - World.upstreamIndex(oldPath) - 1
                        path = world.store.id(
                            world.pathVia(peer: p, upstream: newUp, origin: o, prepend: max(0, prepend)))
                        via[o] = path
                    }
                    queue.push(e.at + aDelay(p), .rebase, peer: p, prefix: x, value: path)
                    if let until = e.until { queue.push(until + aDelay(p), .rebase, peer: p, prefix: x, value: old) }
                    changed += 1
                }
            }
            eventLog.append("\(window)  rehome \(what) behind AS\(newUp): \(targets.count) prefixes, \(changed) routes")
        case .announce:
            var n = 0
            for x in targets {
                var o = e.origin ?? world.origin[Int(x)]
                if o == 0 {
                    throw ScenarioError(
                        "announce at \(UTC.iso8601(e.at)): \(world.prefixes[Int(x)]) is new: give `origin`")
                }
                if e.origin != nil { o = e.origin! }
                for p in world.peers.indices where world.peers[p].afi == world.prefixes[Int(x)].afi {
                    if !world.peers[p].fullFeed && SimRandom.hash(UInt64(x), UInt64(p), seed) % 2 == 0 { continue }
                    let path: [UInt32]
                    if let u = e.upstream {
                        path = world.pathVia(peer: p, upstream: u, origin: o)
                    } else if let same = world.prefixes.indices.first(where: {
                        world.origin[$0] == o && world.base[p][$0] >= 0
                    }) {
                        path = world.store[world.base[p][same]]
                    } else {
                        path = world.peers[p].asn == o ? [o] : [world.peers[p].asn, o]
                    }
                    let id = world.store.id(path)
                    queue.push(e.at + aDelay(p), .originate, peer: p, prefix: x, value: id)
                    if let until = e.until { queue.push(until + wDelay(p), .retire, peer: p, prefix: x) }
                    n += 1
                }
                world.origin[Int(x)] = o
            }
            eventLog.append("\(window)  announce \(what): \(targets.count) prefixes, \(n) routes")
        case .peerReset:
            let sessions = try resolvePeer(e.peer!)
            let back = e.until ?? (e.at + (e.duration ?? 120))
            for p in sessions {
                queue.push(e.at, .sessionDown, peer: p)
                queue.push(back, .sessionUp, peer: p)
            }
            let names = sessions.map { "AS\(world.peers[$0].asn) \(world.peers[$0].address)" }.joined(separator: ", ")
            eventLog.append(
                "\(UTC.iso8601(e.at)) → \(UTC.iso8601(back))  peer-reset \(names): session down, then up and table re-sent"
            )
        case .missingFile:
            let last = e.until.map { $0 - 1 } ?? e.at
            let first = Int((e.at - scenario.start) / Simulator.updateInterval)
            let lastIndex = Int((min(last, scenario.end - 1) - scenario.start) / Simulator.updateInterval)
            for i in first...max(first, lastIndex) { missing.insert(i) }
            eventLog.append(
                "\(window)  missing-file: \(lastIndex - first + 1) update file(s) not written, from "
                    + Simulator.fileName("updates", scenario.start + UInt32(first) * Simulator.updateInterval))
        }
    }

    func resolvePeer(_ text: String) throws -> [Int] {
        var s = text
        if s.uppercased().hasPrefix("AS") { s = String(s.dropFirst(2)) }
        if let asn = UInt32(s) {
            let out = world.peers.indices.filter { world.peers[$0].asn == asn }
            if !out.isEmpty { return out }
        } else if let a = IPAddress(s) {
            let out = world.peers.indices.filter { world.peers[$0].address == a }
            if !out.isEmpty { return out }
        }
        let known = Set(world.peers.map { "AS\($0.asn)" }).sorted().joined(separator: ", ")
        throw ScenarioError("peer-reset: no peer \(text) (peers: \(known))")
    }

    // MARK: Background churn

    mutating func scheduleChurn(start: UInt32, end: UInt32) {
        let churn = scenario.world.churn
        let hours = Double(end - start) / 3600
        // Per-session pools of prefixes it holds, not under scenario control.
        var pools: [[Int32]] = []
        for p in world.peers.indices {
            var pool: [Int32] = []
            let t = world.base[p]
            for i in t.indices where t[i] >= 0 && !controlled.contains(Int32(i)) { pool.append(Int32(i)) }
            pools.append(pool)
        }
        for p in world.peers.indices {
            var r = SimRandom(seed: seed).fork(0x4348_5552_4E00 | UInt64(p))  // "CHURN" + session
            let pool = pools[p]
            let peer = world.peers[p]
            // Liveness: a real peer never stays silent for long.
            var t = start + r.seconds(0...240)
            while t < end, !pool.isEmpty {
                queue.push(t, .duplicate, peer: p, prefix: r.pick(pool))
                t += r.seconds(240...540)
            }
            guard churn > 0, !pool.isEmpty else { continue }
            let scale = churn * (peer.fullFeed ? 1 : 0.5) * (peer.afi == .ipv4 ? 1 : 0.3)
            // Path changes (most reverted), withdrawals (re-announced), duplicates, per hour.
            for (kind, perHour) in [(0, 120.0), (1, 16.0), (2, 20.0)] {
                let rate = perHour * scale
                guard rate > 0 else { continue }
                var t = start + r.exponential(mean: 3600 / rate)
                let count = Int(hours * rate * 1.5) + 10
                for _ in 0..<count {
                    guard t < end else { break }
                    let x = r.pick(pool)
                    switch kind {
                    case 0:
                        if let v = world.variant(of: world.base[p][Int(x)], using: &r) {
                            queue.push(t, .setPath, peer: p, prefix: x, value: v)
                            if r.chance(0.6) { queue.push(t + r.exponential(mean: 1200), .restore, peer: p, prefix: x) }
                        }
                    case 1:
                        queue.push(t, .withdraw, peer: p, prefix: x)
                        queue.push(t + r.seconds(20...900), .restore, peer: p, prefix: x)
                    default:
                        queue.push(t, .duplicate, peer: p, prefix: x)
                    }
                    t += r.exponential(mean: 3600 / rate)
                }
            }
        }
        guard churn > 0 else { return }
        // World-wide: an origin changes its prepending (every full-feed peer sees it, seconds apart).
        var g = SimRandom(seed: seed).fork(0x474C_4F42_414C)  // "GLOBAL"
        let full = fullFeedSessions
        guard let first = full.first else { return }
        let candidates = pools[first]
        if !candidates.isEmpty {
            var t = start + g.exponential(mean: 3600 / (20 * churn))
            while t < end {
                let x = g.pick(candidates)
                let adding = g.chance(0.6)
                for p in world.peers.indices where world.base[p][Int(x)] >= 0 {
                    var path = world.store[world.base[p][Int(x)]]
                    let prepends = path.count - 1 - World.upstreamIndex(path)
                    if adding { path.append(path.last!) } else if prepends > 1 { path.removeLast() } else { continue }
                    let d = withdrawDelay[p] + g.seconds(0...20)
                    queue.push(t + d, .setPath, peer: p, prefix: x, value: world.store.id(path))
                    if g.chance(0.5) { queue.push(t + d + g.exponential(mean: 3600), .restore, peer: p, prefix: x) }
                }
                t += g.exponential(mean: 3600 / (20 * churn))
            }
        }
        // World-wide: now and then a small prefix of a large network is withdrawn for minutes.
        var byOrigin: [UInt32: Int] = [:]
        for x in candidates { byOrigin[world.origin[Int(x)], default: 0] += 1 }
        let big = candidates.filter { byOrigin[world.origin[Int($0)]]! >= 40 && world.prefixes[Int($0)].length >= 22 }
        if !big.isEmpty {
            var t = start + g.exponential(mean: 3600 * 12 / churn)
            while t < end {
                let x = g.pick(big)
                let back = t + g.seconds(120...1800)
                withdrawalWith(&g, [x], at: t, until: back)
                t += g.exponential(mean: 3600 * 12 / churn)
            }
        }
    }

    /// A world-wide withdrawal drawn from another generator (so churn never shifts scenario draws).
    mutating func withdrawalWith(_ g: inout SimRandom, _ prefixes: [Int32], at: UInt32, until: UInt32) {
        let saved = rng
        rng = g
        withdrawal(
            prefixes, sessions: world.peers.indices.filter { holds($0, prefixes) }, at: at, until: until, hunting: false
        )
        g = rng
        rng = saved
    }

    // MARK: Running

    mutating func runQueue() {
        let end = scenario.end
        while let c = queue.pop() {
            guard c.time < end else { continue }
            let p = Int(c.peer)
            let x = Int(c.prefix)
            switch c.kind {
            case .setPath:
                guard current[p][x] >= 0, current[p][x] != c.value else { continue }
                current[p][x] = c.value
                if up[p] { emit(c.time, p, x, withdraw: false) }
            case .withdraw:
                guard current[p][x] >= 0 else { continue }
                current[p][x] = -1
                if up[p] { emit(c.time, p, x, withdraw: true) }
            case .restore:
                let b = world.base[p][x]
                guard b >= 0, current[p][x] != b else { continue }
                current[p][x] = b
                if up[p] { emit(c.time, p, x, withdraw: false) }
            case .duplicate:
                if up[p] && current[p][x] >= 0 { emit(c.time, p, x, withdraw: false) }
            case .rebase:
                world.base[p][x] = c.value
                guard current[p][x] >= 0, current[p][x] != c.value else { continue }
                current[p][x] = c.value
                if up[p] { emit(c.time, p, x, withdraw: false) }
            case .originate:
                world.base[p][x] = c.value
                current[p][x] = c.value
                if up[p] { emit(c.time, p, x, withdraw: false) }
            case .retire:
                world.base[p][x] = -1
                guard current[p][x] >= 0 else { continue }
                current[p][x] = -1
                if up[p] { emit(c.time, p, x, withdraw: true) }
            case .sessionDown:
                guard up[p] else { continue }
                flush()
                up[p] = false
                write(c.time, MRTEncoder.stateChange(world.peers[p], time: c.time, old: 6, new: 1))
                stats.stateChanges += 1
            case .sessionUp:
                guard !up[p] else { continue }
                flush()
                // Idle → Connect → OpenSent → OpenConfirm → Established (RFC 4271 §8.2.2).
                for (old, new) in [(1, 2), (2, 4), (4, 5), (5, 6)] as [(UInt16, UInt16)] {
                    write(c.time, MRTEncoder.stateChange(world.peers[p], time: c.time, old: old, new: new))
                    stats.stateChanges += 1
                }
                up[p] = true
                // The table follows over about a minute per 100k routes, a chunk per second.
                let n = world.prefixes.count
                let chunk = 2_000
                var s = 0
                var t = c.time + 1
                while s < n {
                    queue.push(t, .transfer, peer: p, prefix: Int32(s), value: Int32(min(n, s + chunk)))
                    s += chunk
                    t += 1
                }
            case .transfer:
                guard up[p] else { continue }
                // Routes with the same attributes travel together.
                var routes: [(path: Int32, prefix: Int)] = []
                for i in x..<Int(c.value) where current[p][i] >= 0 { routes.append((current[p][i], i)) }
                routes.sort { ($0.path, $0.prefix) < ($1.path, $1.prefix) }
                for r in routes { emit(c.time, p, r.prefix, withdraw: false) }
            }
        }
        flush()
    }

    /// Adds one route change to the UPDATE being built, or starts a new one.
    mutating func emit(_ time: UInt32, _ peer: Int, _ prefix: Int, withdraw: Bool) {
        let path: Int32 = withdraw ? -1 : current[peer][prefix]
        let code = withdraw ? 0 : world.originCode[prefix]
        let pfx = world.prefixes[prefix]
        let size = MRTEncoder.prefixBytes(pfx)
        if let p = pending, p.time == time, p.peer == peer, p.withdraw == withdraw, p.path == path,
            p.originCode == code,
            p.bytes + size <= MRTEncoder.nlriBudget(pathLength: withdraw ? 0 : world.store[path].count)
        {
            pending!.prefixes.append(pfx)
            pending!.bytes += size
        } else {
            flush()
            pending = Pending(
                time: time, peer: peer, withdraw: withdraw, path: path, originCode: code, prefixes: [pfx], bytes: size)
        }
        if withdraw { stats.withdrawals += 1 } else { stats.announcements += 1 }
    }

    mutating func flush() {
        guard let p = pending else { return }
        pending = nil
        let file = Int((p.time - scenario.start) / Simulator.updateInterval)
        guard file < files.count else { return }
        stats.records += 1
        MRTEncoder.update(
            &files[file], time: p.time, peer: world.peers[p.peer], withdrawn: p.withdraw ? p.prefixes : [],
            announced: p.withdraw ? [] : p.prefixes, path: p.withdraw ? [] : world.store[p.path],
            originCode: p.originCode)
    }

    mutating func write(_ time: UInt32, _ bytes: [UInt8]) {
        let file = Int((time - scenario.start) / Simulator.updateInterval)
        guard file < files.count else { return }
        stats.records += 1
        files[file].append(bytes)
    }

    // MARK: Files

    /// The RIB at the start: every peer's table as it was before any event.
    func ribBytes() -> (bytes: [UInt8], entries: Int) {
        let t = scenario.start
        let peers = world.peers
        var w = WireWriter(capacity: world.prefixes.count * (16 + 40 * max(1, peers.count)))
        w.append(MRTEncoder.peerIndexTable(peers, time: t))
        var seq: UInt32 = 0
        var entries = 0
        var holders: [Int] = []
        for x in world.prefixes.indices {
            holders.removeAll(keepingCapacity: true)
            for p in peers.indices where world.initialBase(p, x) >= 0 { holders.append(p) }
            guard !holders.isEmpty else { continue }
            let prefix = world.prefixes[x]
            let subtype = prefix.afi == .ipv4 ? TableDumpV2Subtype.ribIPv4Unicast : TableDumpV2Subtype.ribIPv6Unicast
            MRTEncoder.record(&w, time: t, type: .tableDumpV2, subtype: subtype) { b in
                b.u32(seq)
                b.prefix(prefix)
                b.u16(UInt16(holders.count))
                for p in holders {
                    b.u16(UInt16(p))
                    // When the route was learned: some time in the month before the dump.
                    b.u32(t - UInt32(SimRandom.hash(UInt64(p), UInt64(x), seed) % (30 * 86400)))
                    b.lengthPrefixed(.u16, "RIB entry attribute length") { a in
                        MRTEncoder.attributes(
                            &a, peer: peers[p], path: world.store[world.initialBase(p, x)],
                            originCode: world.originCode[x], ribIPv6: true)
                    }
                }
            }
            entries += holders.count
            seq += 1
        }
        return (w.bytes, entries)
    }

    func write(to dir: String, log: (String) -> Void) throws -> Simulator.Result {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/registry", withIntermediateDirectories: true)
        // Old archives of an earlier run would mix with these: remove them (only our own names).
        for name in (try? fm.contentsOfDirectory(atPath: dir)) ?? []
        where (name.hasPrefix("rib.") || name.hasPrefix("updates.")) && name.hasSuffix(".bz2") {
            try fm.removeItem(atPath: dir + "/" + name)
        }
        let rib = ribBytes()
        var jobs: [(path: String, bytes: [UInt8])] = [
            (dir + "/" + Simulator.fileName("rib", scenario.start), rib.bytes)
        ]
        var updateFiles: [String] = []
        var missingFiles: [String] = []
        for (i, f) in files.enumerated() {
            let path = dir + "/" + Simulator.fileName("updates", scenario.start + UInt32(i) * Simulator.updateInterval)
            if missing.contains(i) {
                missingFiles.append(path)
                continue
            }
            jobs.append((path, f.bytes))
            updateFiles.append(path)
        }
        log(
            "compressing \(jobs.count) files (\(grouped(jobs.reduce(0) { $0 + $1.bytes.count } / 1_000_000)) MB of MRT)…"
        )
        let failures = Failures()
        parallelForEach(jobs.count) { [jobs] i in
            do { try Bzip2Writer.write(jobs[i].bytes, to: jobs[i].path) } catch {
                failures.add("\(jobs[i].path): \(error)")
            }
        }
        if let first = failures.first { throw ScenarioError(first) }
        var registryFiles: [String] = []
        for (name, bytes) in world.registryFiles {
            let path = dir + "/registry/" + name
            guard fm.createFile(atPath: path, contents: Data(bytes)) else {
                throw ScenarioError("\(path): cannot write")
            }
            registryFiles.append(path)
        }
        var result = Simulator.Result(
            ribFile: jobs[0].path, updateFiles: updateFiles, missingFiles: missingFiles, registryFiles: registryFiles,
            worldSummary: world.summary, peers: world.peers)
        result.records = stats.records + 1 + (rib.entries > 0 ? world.prefixes.count : 0)
        result.announcements = stats.announcements
        result.withdrawals = stats.withdrawals
        result.stateChanges = stats.stateChanges
        result.ribEntries = rib.entries
        result.eventLog = eventLog
        result.seed = seed
        let config = ObservatoryConfig()
        for afi in [AFI.ipv4, AFI.ipv6] {
            let full = world.peers.indices.filter { world.peers[$0].fullFeed && world.peers[$0].afi == afi }
            guard let p = full.first else { continue }
            let size = world.base[p].indices.filter { world.initialBase(p, $0) >= 0 }.count
            let floor = config.fullFeedMinPrefixes[afi] ?? 0
            if size < floor {
                result.notes.append(
                    "full-feed \(afi) tables hold \(grouped(size)) prefixes, below the observatory's full-feed minimum of "
                        + "\(grouped(floor)) (ObservatoryConfig.fullFeedMinPrefixes): with default settings `vantage detect` sees "
                        + "no \(afi) full-feed peer in these archives")
            }
        }
        var readme =
            "SIMULATED DATA — written by `vantage simulate` (\(Simulator.version)), not recorded at any collector.\n\n"
        readme += "Scenario: \(scenario.name), seed \(seed)\n"
        if !scenario.description.isEmpty {
            readme += scenario.description.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
        }
        readme += "\nWindow: \(UTC.iso8601(scenario.start)) → \(UTC.iso8601(scenario.end))\n\(world.summary)\n"
        readme += "Peers (\(world.peers.count) sessions):\n"
        for (i, p) in world.peers.enumerated() {
            let n = world.base[i].indices.filter { world.initialBase(i, $0) >= 0 }.count
            readme +=
                "  AS\(p.asn) \(p.address)  \(p.fullFeed ? "full feed" : "partial")\(p.synthetic ? " (cloned)" : "")  \(grouped(n)) routes\n"
        }
        readme += "Events:\n" + eventLog.map { "  \($0)\n" }.joined()
        readme +=
            "\nIn this folder: vantage detect " + world.registryFiles.map { "--registry registry/\($0.name) " }.joined()
            + "*.bz2\n"
        _ = fm.createFile(atPath: dir + "/README.txt", contents: Data(readme.utf8))
        return result
    }
}

extension World {
    /// The route a peer held at the start (before any scenario event changed `base`).
    func initialBase(_ peer: Int, _ prefix: Int) -> Int32 { initial[peer][prefix] }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ s: String) {
        lock.lock()
        list.append(s)
        lock.unlock()
    }
    var first: String? { all.first }
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return list
    }
}

/// Runs `body(0..<count)` on one thread per core, items taken in order (the first, largest, first).
func parallelForEach(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let threads = max(1, min(count, ProcessInfo.processInfo.activeProcessorCount))
    let next = Counter()
    let done = DispatchSemaphore(value: 0)
    for _ in 0..<threads {
        let t = Thread {
            while let i = next.take(below: count) { body(i) }
            done.signal()
        }
        t.stackSize = 1 << 22
        t.start()
    }
    for _ in 0..<threads { done.wait() }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take(below n: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < n else { return nil }
        value += 1
        return value - 1
    }
}
