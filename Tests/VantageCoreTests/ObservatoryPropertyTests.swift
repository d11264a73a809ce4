import TestSupport
import BGPWire
import XCTest

@testable import VantageCore

// Property tests of ``Observatory`` over seeded random sequences of route elements. Elements are
// never built directly: each comes from an MRT record made with the BGPWire encoders, encoded to
// bytes, decoded again and expanded by `elements(peerTable:)`, as Replay does.
//
// (a) announcing routes a peer did not have and withdrawing them again restores the state
//     (visibility signals and `prefixes(of:)` visible flags);
// (b) announcement and withdrawal counts are additive over bins (1-minute bins sum to the 5-minute
//     ones) and the visible space at the end does not depend on the bin width;
// (c) a stricter visibility threshold (0.75) never shows more than a looser one (0.25).


/// A random small world: 6 countries with /16 blocks cut into /22–/24 prefixes, 3 origin ASes each,
/// 5 full-feed peers (each missing a few prefixes, so they can announce them) and 1 partial peer.
private struct World {
    static let t0: UInt32 = 1_419_120_000
    static let collector = "rrc00"
    static let transits: [UInt32] = [174, 3356, 1299, 2914]
    static let countries = ["KP", "CU", "NL", "BR", "IR", "SY"]

    var prefixes: [IPPrefix] = []
    var originOf: [UInt32] = []
    var upstreamOf: [UInt32] = []
    var allOrigins: [UInt32] = []
    var table: PeerIndexTable
    /// The peers' initial tables: prefix number → path (without the peer's AS).
    var initial: [[Int: [UInt32]]] = []
    let fullFeed: [Bool] = [true, true, true, true, true, false]
    let registry: Registry

    init(rng: inout SplitMix64) {
        var delegations: [String] = []
        for (c, cc) in Self.countries.enumerated() {
            let first = UInt8(31 + c)
            delegations.append("ripencc|\(cc)|ipv4|\(first).0.0.0|65536|20100101|allocated")
            let origins = (0..<3).map { UInt32(210_000 + c * 10 + $0) }
            allOrigins += origins
            delegations.append("ripencc|\(cc)|asn|\(origins[0])|3|20100101|allocated")
            delegations.append("arin|US|asn|\(40_000 + c)|1|20000101|assigned")
            var third = 0
            while prefixes.count < (c + 1) * 50 {
                let length = [22, 23, 24, 24, 24][rng.below(5)]
                let size = 1 << (24 - length)
                third = (third + size - 1) / size * size  // aligned
                prefixes.append(IPPrefix(.v4(IPv4Address(first, UInt8(third >> 8), UInt8(third & 0xFF), 0)), UInt8(length)))
                originOf.append(origins[rng.below(3)])
                upstreamOf.append(UInt32(40_000 + c))
                third += size
            }
        }
        registry = Registry(delegations: [DelegationFile(delegations.joined(separator: "\n") + "\n")])
        var peers: [PeerEntry] = []
        for k in 0..<6 {
            let address = IPv4Address(192, 0, 2, UInt8(k + 1))
            let asn: UInt32 = k == 0 ? 400_000 : UInt32(65_001 + k)
            peers.append(PeerEntry(peerType: 2, bgpID: address, address: .v4(address), asn: asn))
        }
        table = PeerIndexTable(collectorID: IPv4Address(193, 0, 4, 28), viewName: Array("rrc00".utf8), peers: peers)
        for k in 0..<6 {
            var t: [Int: [UInt32]] = [:]
            for i in prefixes.indices where rng.chance(fullFeed[k] ? 0.97 : 0.3) { t[i] = path(i, rng: &rng) }
            initial.append(t)
        }
    }

    /// A usual path to prefix `i`, or with probability `foreignOrigin` one ending at another origin AS.
    func path(_ i: Int, rng: inout SplitMix64, foreignOrigin: Double = 0) -> [UInt32] {
        var origin = originOf[i]
        if rng.chance(foreignOrigin) { origin = allOrigins[rng.below(allOrigins.count)] }
        let upstream = rng.chance(0.2) ? UInt32(41_000 + rng.below(3)) : upstreamOf[i]
        return [Self.transits[rng.below(Self.transits.count)], upstream, origin]
    }

    /// Encodes `record`, decodes the bytes and returns its route elements.
    func elements(_ record: MRTRecord, peerTable: PeerIndexTable? = nil) -> [RouteElement] {
        let bytes = record.encode()
        let decoded = try! MRTRecord(decoding: bytes[...])
        return decoded.elements(peerTable: peerTable)
    }

    private func attributes(_ peer: Int, _ path: [UInt32]) -> [PathAttribute] {
        let p = table.peers[peer]
        guard case .v4(let nh) = p.address else { fatalError() }
        return [
            PathAttribute(.origin(.igp))!,
            PathAttribute(.asPath(ASPath([ASPathSegment(.sequence, [p.asn] + path)])))!,
            PathAttribute(.nextHop(nh))!,
        ]
    }

    private func message(_ peer: Int, _ m: BGPMessage, at t: UInt32) -> MRTRecord {
        let p = table.peers[peer]
        let msg = BGP4MPMessage(
            peerAS: p.asn, localAS: 12654, peerAddress: p.address, localAddress: .v4(IPv4Address(193, 0, 4, 28)), message: m)
        return MRTRecord(timestamp: t, message: .bgp4mpMessage(msg))!
    }

    /// The RIB at t0 (PEER_INDEX_TABLE, then one RIB_IPV4_UNICAST record per prefix).
    func ribElements() -> [RouteElement] {
        var out: [RouteElement] = []
        XCTAssertTrue(elements(MRTRecord(timestamp: Self.t0, message: .peerIndexTable(table))!).isEmpty)
        for i in prefixes.indices {
            var entries: [RIBEntry] = []
            for k in initial.indices {
                guard let path = initial[k][i] else { continue }
                entries.append(
                    RIBEntry(peerIndex: UInt16(k), originatedTime: Self.t0 - 3600, attributes: attributes(k, path), family: (.ipv4, .unicast)))
            }
            let r = MRTRecord(timestamp: Self.t0, message: .rib(RIBRecord(sequence: UInt32(i), prefix: prefixes[i], entries: entries)))!
            out += elements(r, peerTable: table)
        }
        return out
    }

    func announce(_ peer: Int, _ prefixes: [Int], path: [UInt32], at t: UInt32) -> [RouteElement] {
        let u = BGPUpdate(
            withdrawn: [], attributes: attributes(peer, path), announced: prefixes.map { NLRI(self.prefixes[$0]) },
            context: MessageContext(asnWidth: .four))
        return elements(message(peer, .update(u), at: t))
    }

    func withdraw(_ peer: Int, _ prefixes: [Int], at t: UInt32) -> [RouteElement] {
        let u = BGPUpdate(
            withdrawn: prefixes.map { NLRI(self.prefixes[$0]) }, attributes: [], announced: [],
            context: MessageContext(asnWidth: .four))
        return elements(message(peer, .update(u), at: t))
    }

    func stateChange(_ peer: Int, up: Bool, at t: UInt32) -> [RouteElement] {
        let p = table.peers[peer]
        let s = BGP4MPStateChange(
            peerAS: p.asn, localAS: 12654, interfaceIndex: 0, afi: .ipv4, peerAddress: p.address,
            localAddress: .v4(IPv4Address(193, 0, 4, 28)), oldState: up ? 1 : 6, newState: up ? 6 : 1, isAS4: true)
        return elements(MRTRecord(timestamp: t, message: .bgp4mpStateChange(s))!)
    }
}

/// An observatory with the world's RIB loaded and the RIB's bin closed (full-feed peers decided),
/// keeping every entity's latest signal (an entity absent from a snapshot is unchanged).
private final class Run {
    let observatory: Observatory
    var latest: [EntityKey: EntitySignal] = [:]
    /// Announcements and withdrawals summed over the bins closed after `startCounting`.
    var totals: [EntityKey: (announcements: Int, withdrawals: Int)] = [:]
    var counting = false
    /// Every closed bin: its start and the latest signal of every entity after it.
    var bins: [(start: UInt32, signals: [EntityKey: EntitySignal])] = []
    var keepBins = false

    init(_ world: World, config: ObservatoryConfig, keepBins: Bool = false) {
        observatory = Observatory(config: config, registry: world.registry)
        self.keepBins = keepBins
        observatory.beginRIB(collector: World.collector, time: World.t0)
        for e in world.ribElements() { observatory.apply(e, collector: World.collector) }
        observatory.endRIB(collector: World.collector, time: World.t0)
        observatory.advance(to: World.t0 + 300)
        take(observatory.takeSnapshots())
    }

    func apply(_ elements: [RouteElement]) {
        for e in elements {
            observatory.apply(e, collector: World.collector)
            take(observatory.takeSnapshots())
        }
    }

    func advance(to t: UInt32) {
        observatory.advance(to: t)
        take(observatory.takeSnapshots())
    }

    func finish() { take(observatory.finish()) }

    private func take(_ snapshots: [BinSnapshot]) {
        for s in snapshots {
            for (k, v) in s.signals {
                latest[k] = v
                if counting {
                    totals[k, default: (0, 0)].announcements += v.announcements
                    totals[k, default: (0, 0)].withdrawals += v.withdrawals
                }
            }
            if keepBins { bins.append((s.start, latest)) }
        }
    }

    /// Visible flags of every entity's prefixes.
    var visibleFlags: [EntityKey: [String: Bool]] {
        var out: [EntityKey: [String: Bool]] = [:]
        for key in Set(latest.keys).union(observatory.entityKeys) {
            let list = observatory.prefixes(of: key)
            if !list.isEmpty { out[key] = Dictionary(uniqueKeysWithValues: list.map { ($0.prefix.description, $0.visible) }) }
        }
        return out
    }
}

/// The routing state part of a signal (what must not depend on how the input was binned).
private struct Level: Equatable, CustomStringConvertible {
    var visibleSpace: Double
    var visiblePrefixes: Int
    var peerShare: Double
    var upstreams: [UInt32]
    init(_ s: EntitySignal?) {
        visibleSpace = s?.visibleSpace ?? 0
        visiblePrefixes = s?.visiblePrefixes ?? 0
        peerShare = s?.peerShare ?? 0
        upstreams = s?.upstreams ?? []
    }
    static func == (a: Self, b: Self) -> Bool {
        abs(a.visibleSpace - b.visibleSpace) < 1e-9 && a.visiblePrefixes == b.visiblePrefixes
            && abs(a.peerShare - b.peerShare) < 1e-9 && a.upstreams == b.upstreams
    }
    var description: String { "space \(visibleSpace), prefixes \(visiblePrefixes), share \(peerShare), upstreams \(upstreams)" }
}

/// The model of who holds what, to draw valid random operations.
private struct Holdings {
    var routes: [[Int: [UInt32]]]
    var up: [Bool]
    let size: Int
    let fullFeed: [Bool]
    init(_ w: World) {
        routes = w.initial
        up = Array(repeating: true, count: w.initial.count)
        size = w.prefixes.count
        fullFeed = w.fullFeed
    }
    /// Withdrawals that keep a full-feed peer above 93 % of the prefixes (so the full-feed set is stable).
    func canLose(_ peer: Int, _ n: Int) -> Bool {
        !fullFeed[peer] || Double(routes[peer].count - n) >= 0.93 * Double(size)
    }
}

/// A random stream of announcements and withdrawals (and optionally session resets), applied to every
/// run in `runs`; `start` is the time of the first element. Returns the time after the last and who
/// holds what then.
@discardableResult
private func randomTraffic(
    _ w: World, _ rng: inout SplitMix64, runs: [Run], start: UInt32, operations: Int, sessions: Bool,
    foreignOrigin: Double
) -> (end: UInt32, holdings: Holdings) {
    var h = Holdings(w)
    var t = start
    var pendingReturn: [Int: UInt32] = [:]
    func feed(_ e: [RouteElement]) { for r in runs { r.apply(e) } }
    for _ in 0..<operations {
        t += UInt32(rng.below(25))
        // Sessions that went down come back, then resend their table.
        for (p, at) in pendingReturn.sorted(by: { $0.key < $1.key }) where at <= t {
            feed(w.stateChange(p, up: true, at: t))
            h.up[p] = true
            h.routes[p] = w.initial[p]
            for i in w.initial[p].keys.sorted() { feed(w.announce(p, [i], path: w.initial[p][i]!, at: t)) }
            pendingReturn[p] = nil
        }
        let p = rng.below(h.routes.count)
        guard h.up[p] else { continue }
        let roll = rng.below(100)
        if roll < 40 {
            // (Re-)announce one prefix.
            let i = rng.below(w.prefixes.count)
            let path = w.path(i, rng: &rng, foreignOrigin: foreignOrigin)
            h.routes[p][i] = path
            feed(w.announce(p, [i], path: path, at: t))
        } else if roll < 75 {
            // Withdraw one prefix (held or not: withdrawing an unknown route is a no-op).
            let i = rng.below(w.prefixes.count)
            guard h.routes[p][i] == nil || h.canLose(p, 1) else { continue }
            h.routes[p][i] = nil
            feed(w.withdraw(p, [i], at: t))
        } else if roll < 90 {
            // Several full-feed peers withdraw a block of a country, then re-announce it later.
            let first = rng.below(w.prefixes.count - 8)
            let block = Array(first..<(first + 8))
            for q in 0..<5 where h.up[q] && rng.chance(0.7) {
                let held = block.filter { h.routes[q][$0] != nil }
                guard h.canLose(q, held.count) else { continue }
                for i in held { h.routes[q][i] = nil }
                feed(w.withdraw(q, block, at: t))
                t += UInt32(rng.below(3))
            }
        } else if roll < 97 {
            // Peers re-announce their initial routes to a block.
            let first = rng.below(w.prefixes.count - 8)
            for q in 0..<6 where h.up[q] {
                let mine = (first..<(first + 8)).filter { w.initial[q][$0] != nil }
                for i in mine {
                    h.routes[q][i] = w.initial[q][i]
                    feed(w.announce(q, [i], path: w.initial[q][i]!, at: t))
                }
            }
        } else if sessions {
            // A session reset: down now, back in 1–15 minutes.
            feed(w.stateChange(p, up: false, at: t))
            h.up[p] = false
            h.routes[p] = [:]
            pendingReturn[p] = t + 60 + UInt32(rng.below(840))
        }
    }
    for (p, _) in pendingReturn.sorted(by: { $0.key < $1.key }) {
        t += 1
        feed(w.stateChange(p, up: true, at: t))
        h.up[p] = true
        h.routes[p] = w.initial[p]
        for i in w.initial[p].keys.sorted() { feed(w.announce(p, [i], path: w.initial[p][i]!, at: t)) }
    }
    return (t + 1, h)
}

private func config(binSeconds: UInt32 = 300, threshold: Double = 0.5) -> ObservatoryConfig {
    var c = ObservatoryConfig()
    c.binSeconds = binSeconds
    c.visibilityThreshold = threshold
    c.fullFeedMinPrefixes = [.ipv4: 10, .ipv6: 10]
    c.peerStaleSeconds = 86_400
    return c
}

final class ObservatoryPropertyTests: XCTestCase {
    static let trials = 20

    /// (a) From any state, routes announced by peers that did not have them and then withdrawn leave
    /// every entity's visibility, peer share, upstreams and prefix visibility as they were. Paths
    /// may change transit and upstream, and with `foreignOrigin` end at another origin AS (a
    /// short-lived hijack or MOAS announcement) for prefixes that some peer still routes to their
    /// origin (an unrouted prefix takes the origin of the next route: nothing is left to keep it).
    func testAnnounceThenWithdrawRestores() { checkAnnounceThenWithdraw(foreignOrigin: 0) }

    func testAnnounceThenWithdrawRestoresWithForeignOrigins() { checkAnnounceThenWithdraw(foreignOrigin: 0.3) }

    private func checkAnnounceThenWithdraw(foreignOrigin: Double) {
        for seed in 1...UInt64(Self.trials) {
            var rng = SplitMix64(seed: seed)
            let w = World(rng: &rng)
            let run = Run(w, config: config())
            // Some history first (usual origins), then a bin boundary: the state to come back to.
            let (end, holdings) = randomTraffic(w, &rng, runs: [run], start: World.t0 + 310, operations: 60, sessions: false, foreignOrigin: 0)
            let t = end - end % 300 + 300
            run.advance(to: t)
            let before = run.latest.mapValues(Level.init)
            let flagsBefore = run.visibleFlags
            // Routes the announcing peer does not have (other peers may have them, or nobody).
            var added: [(peer: Int, prefix: Int)] = []
            let wanted = 5 + rng.below(30)
            for _ in 0..<10_000 where added.count < wanted {
                let p = rng.below(6)
                let i = rng.below(w.prefixes.count)
                guard holdings.routes[p][i] == nil, !added.contains(where: { $0 == (p, i) }) else { continue }
                // A prefix nobody routes takes the origin of whatever route comes next (there is no
                // route left to the old one); the restore property is about routed prefixes there.
                if foreignOrigin > 0, !holdings.routes.contains(where: { $0[i] != nil }) { continue }
                added.append((p, i))
            }
            XCTAssertFalse(added.isEmpty)
            var time = t + 1
            var order = added.map { (true, $0) } + added.map { (false, $0) }
            // A random interleaving in which each withdrawal follows its announcement.
            order.shuffle(using: &rng)
            var announced = Set<Int>()
            var postponed: [(Bool, (peer: Int, prefix: Int))] = []
            for (isAnnounce, a) in order {
                let key = a.peer * 100_000 + a.prefix
                if isAnnounce {
                    run.apply(w.announce(a.peer, [a.prefix], path: w.path(a.prefix, rng: &rng, foreignOrigin: foreignOrigin), at: time))
                    announced.insert(key)
                } else if announced.contains(key) {
                    run.apply(w.withdraw(a.peer, [a.prefix], at: time))
                } else {
                    postponed.append((isAnnounce, a))
                }
                time += UInt32(rng.below(40))
            }
            for (_, a) in postponed { run.apply(w.withdraw(a.peer, [a.prefix], at: time)) }
            run.advance(to: time - time % 300 + 300)
            let after = run.latest.mapValues(Level.init)
            for key in Set(before.keys).union(after.keys).sorted() {
                let b = before[key] ?? Level(nil)
                let a = after[key] ?? Level(nil)
                XCTAssertEqual(a, b, "seed \(seed), \(key): \(added.count) routes announced and withdrawn")
            }
            let flagsAfter = run.visibleFlags
            for key in Set(flagsBefore.keys).union(flagsAfter.keys).sorted() {
                XCTAssertEqual(flagsAfter[key] ?? [:], flagsBefore[key] ?? [:], "seed \(seed), \(key): prefixes(of:)")
            }
        }
    }

    /// (b) The same input binned by 1 minute and by 5 minutes: announcements and withdrawals per
    /// entity summed over the bins are equal, and so is the visible state at the end.
    func testCountsAreAdditiveOverBins() {
        for seed in 101...UInt64(100 + Self.trials) {
            var rng = SplitMix64(seed: seed)
            let w = World(rng: &rng)
            let fine = Run(w, config: config(binSeconds: 60))
            let coarse = Run(w, config: config(binSeconds: 300))
            // Both runs have decided their full-feed peers (the RIB's bins are closed); count from here.
            fine.counting = true
            coarse.counting = true
            randomTraffic(w, &rng, runs: [fine, coarse], start: World.t0 + 301, operations: 250, sessions: false, foreignOrigin: 0.05)
            fine.finish()
            coarse.finish()
            XCTAssertGreaterThan(coarse.totals.values.reduce(0) { $0 + $1.withdrawals }, 0)
            for key in Set(fine.totals.keys).union(coarse.totals.keys).sorted() {
                let f = fine.totals[key] ?? (0, 0)
                let c = coarse.totals[key] ?? (0, 0)
                XCTAssertEqual(f.announcements, c.announcements, "seed \(seed), \(key): announcements")
                XCTAssertEqual(f.withdrawals, c.withdrawals, "seed \(seed), \(key): withdrawals")
            }
            for key in Set(fine.latest.keys).union(coarse.latest.keys).sorted() {
                XCTAssertEqual(Level(fine.latest[key]), Level(coarse.latest[key]), "seed \(seed), \(key): end of period")
            }
            XCTAssertEqual(fine.visibleFlags, coarse.visibleFlags, "seed \(seed)")
        }
    }

    /// (c) With session resets too: in every bin, every entity's visible space and visible prefixes
    /// at threshold 0.75 are at most those at 0.25.
    func testStricterThresholdNeverShowsMore() {
        for seed in 201...UInt64(200 + Self.trials) {
            var rng = SplitMix64(seed: seed)
            let w = World(rng: &rng)
            let strict = Run(w, config: config(threshold: 0.75), keepBins: true)
            let loose = Run(w, config: config(threshold: 0.25), keepBins: true)
            randomTraffic(w, &rng, runs: [strict, loose], start: World.t0 + 301, operations: 300, sessions: true, foreignOrigin: 0.05)
            strict.finish()
            loose.finish()
            XCTAssertEqual(strict.bins.map(\.start), loose.bins.map(\.start))
            var strictlyLess = 0
            for (s, l) in zip(strict.bins, loose.bins) {
                for key in Set(s.signals.keys).union(l.signals.keys) {
                    let a = s.signals[key] ?? EntitySignal()
                    let b = l.signals[key] ?? EntitySignal()
                    XCTAssertLessThanOrEqual(a.visibleSpace, b.visibleSpace + 1e-9, "seed \(seed), bin \(s.start), \(key)")
                    XCTAssertLessThanOrEqual(a.visiblePrefixes, b.visiblePrefixes, "seed \(seed), bin \(s.start), \(key)")
                    if a.visibleSpace < b.visibleSpace { strictlyLess += 1 }
                }
            }
            XCTAssertGreaterThan(strictlyLess, 0, "seed \(seed): the thresholds never made a difference")
        }
    }
}
