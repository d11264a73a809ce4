import BGPWire
import Foundation
import TestSupport
import VantageCLI
import VantageCore

// Synthetic worlds written as real MRT files (TABLE_DUMP_V2 RIB + BGP4MP_AS4 update files) with the
// BGPWire encoders, for ScenarioTests. Everything is deterministic: a seeded generator, no clock.

typealias SeededGenerator = SplitMix64

/// Countries with /16 blocks split into /24s, origin ASes, one upstream AS per country; 4 full-feed
/// peers carrying every prefix and 2 partial peers carrying a quarter each.
struct SimWorld {
    struct Country {
        var code: String
        /// The country's address block is `firstOctet.10.0.0/16`.
        var firstOctet: UInt8
        var origins: [UInt32]
        /// The upstream every path to the country goes through (AS "A" of the upstream-change case).
        var upstream: UInt32
        /// A second upstream, unused until a scenario re-homes the country to it (AS "B").
        var alternateUpstream: UInt32
    }
    struct Peer {
        var address: IPv4Address
        var asn: UInt32
        var fullFeed: Bool
        /// Prefix numbers the peer carries, ascending.
        var carries: [Int]
    }

    static let collector = "route-views.sim"
    static let collectorAddress = IPv4Address(128, 223, 51, 102)
    static let collectorAS: UInt32 = 6447
    /// Transit ASes between the peers and the upstreams; background churn moves paths between them.
    static let transits: [UInt32] = [174, 3356, 1299]

    var countries: [Country] = []
    var prefixes: [IPPrefix] = []
    var originOf: [UInt32] = []
    var countryOf: [Int] = []
    var peers: [Peer] = []

    /// 10 countries × 4 origin ASes × 50 /24s = 2,000 prefixes, 40 origin ASes (4-byte ASNs).
    static func standard(countries codes: [String] = ["KP", "CU", "SY", "IR", "VE", "MM", "NL", "BR", "UA", "EG"], originsPerCountry: Int = 4, prefixesPerOrigin: Int = 50) -> SimWorld {
        var w = SimWorld()
        for (c, code) in codes.enumerated() {
            let origins = (0..<originsPerCountry).map { UInt32(200_000 + c * 100 + $0) }
            w.countries.append(
                Country(
                    code: code, firstOctet: UInt8(21 + c), origins: origins, upstream: UInt32(30_000 + c),
                    alternateUpstream: UInt32(31_000 + c)))
            for (k, origin) in origins.enumerated() {
                for j in 0..<prefixesPerOrigin {
                    let third = k * prefixesPerOrigin + j
                    precondition(third < 256)
                    w.prefixes.append(IPPrefix(.v4(IPv4Address(UInt8(21 + c), 10, UInt8(third), 0)), 24))
                    w.originOf.append(origin)
                    w.countryOf.append(c)
                }
            }
        }
        let all = Array(w.prefixes.indices)
        let ffASNs: [UInt32] = [7018, 6939, 3257, 2914]
        for (k, asn) in ffASNs.enumerated() {
            w.peers.append(Peer(address: IPv4Address(198, 51, 100, UInt8(k + 1)), asn: asn, fullFeed: true, carries: all))
        }
        for k in 0..<2 {
            w.peers.append(
                Peer(
                    address: IPv4Address(203, 0, 113, UInt8(k + 1)), asn: UInt32(64_700 + k), fullFeed: false,
                    carries: all.filter { $0 % 4 == k }))
        }
        return w
    }

    var fullFeedPeers: [Int] { peers.indices.filter { peers[$0].fullFeed } }

    func country(_ code: String) -> Country { countries.first { $0.code == code }! }

    /// Prefix numbers of a country, ascending.
    func prefixes(ofCountry code: String) -> [Int] {
        let c = countries.firstIndex { $0.code == code }!
        return prefixes.indices.filter { countryOf[$0] == c }
    }

    func prefixes(ofOrigin asn: UInt32) -> [Int] { prefixes.indices.filter { originOf[$0] == asn } }

    /// RIR delegation text: each country's /16 and origin ASes, the upstreams and transits in US.
    var delegationText: String {
        var lines: [String] = []
        for c in countries {
            lines.append("apnic|\(c.code)|ipv4|\(c.firstOctet).10.0.0|65536|20100101|allocated")
            lines.append("apnic|\(c.code)|asn|\(c.origins[0])|\(c.origins.count)|20100101|allocated")
            lines.append("arin|US|asn|\(c.upstream)|1|20000101|assigned")
            lines.append("arin|US|asn|\(c.alternateUpstream)|1|20000101|assigned")
        }
        for t in Self.transits { lines.append("arin|US|asn|\(t)|1|19900101|assigned") }
        return lines.joined(separator: "\n") + "\n"
    }

    var registry: Registry { Registry(delegations: [DelegationFile(bytes: Array(delegationText.utf8))]) }

    /// The path (without the peer's own AS) peer `peer` uses for prefix `i` through `upstream`.
    func path(peer: Int, prefix i: Int, upstream: UInt32) -> [UInt32] {
        [Self.transits[(i + peer) % Self.transits.count], upstream, originOf[i]]
    }
}

/// A timeline over a ``SimWorld``: background churn plus scenario actions, written as one RIB at t0
/// and 15-minute update files.
struct Scenario {
    /// 2014-12-21 00:00:00 UTC, a multiple of 900.
    static let t0: UInt32 = 1_419_120_000
    static let binSeconds: UInt32 = 300
    static let fileSeconds: UInt32 = 900

    /// Start of bin `bin` plus `second`.
    static func at(bin: Int, second: Int = 0) -> UInt32 { t0 + UInt32(bin) * binSeconds + UInt32(second) }

    enum Op {
        case announce(peer: Int, prefixes: [Int])
        case withdraw(peer: Int, prefixes: [Int])
        case setUpstream(prefixes: [Int], upstream: UInt32)
        case state(peer: Int, old: UInt16, new: UInt16)
        case churnAnnounce(peer: Int, pick: UInt64)
        case churnWithdraw(pair: Int, peer: Int, pick: UInt64)
        case churnRestore(pair: Int)
    }

    let world: SimWorld
    var hours: Int
    var seed: UInt64 = 20_141_221
    /// Background churn: every minute each peer that is up re-announces one random route it holds
    /// (sometimes through another transit: path changes, same upstream); once per bin one random
    /// peer withdraws one random route and re-announces it 20 s later.
    var churn = true
    /// Prefixes the churn never withdraws (the scenario's own prefixes).
    var protected: Set<Int> = []
    /// Update files (numbered from 0 at t0) that are not written: missing data.
    var skippedFiles: Set<Int> = []
    private(set) var ops: [(time: UInt32, op: Op)] = []

    init(world: SimWorld = .standard(), hours: Int) {
        self.world = world
        self.hours = hours
    }

    var end: UInt32 { Self.t0 + UInt32(hours) * 3600 }

    // MARK: Scenario actions

    /// Peer number `k` of `peers` (all peers, full-feed first, by default) withdraws `prefixes` at
    /// `time + k × spacing` seconds, each peer in one UPDATE per 300 prefixes.
    mutating func withdraw(_ prefixes: [Int], at time: UInt32, peers: [Int]? = nil, spacing: UInt32 = 1) {
        protected.formUnion(prefixes)
        for (k, p) in (peers ?? Array(world.peers.indices)).enumerated() {
            ops.append((time + UInt32(k) * spacing, .withdraw(peer: p, prefixes: prefixes)))
        }
    }

    /// Like ``withdraw(_:at:peers:spacing:)``: each peer announces those of `prefixes` it carries,
    /// along its usual path through the prefix's current upstream.
    mutating func announce(_ prefixes: [Int], at time: UInt32, peers: [Int]? = nil, spacing: UInt32 = 1) {
        protected.formUnion(prefixes)
        for (k, p) in (peers ?? Array(world.peers.indices)).enumerated() {
            ops.append((time + UInt32(k) * spacing, .announce(peer: p, prefixes: prefixes)))
        }
    }

    /// Re-homes `prefixes` to `upstream`: from `time` every peer announces them through it.
    mutating func rehome(_ prefixes: [Int], to upstream: UInt32, at time: UInt32) {
        ops.append((time, .setUpstream(prefixes: prefixes, upstream: upstream)))
        announce(prefixes, at: time)
    }

    /// BGP4MP STATE_CHANGE_AS4 from `old` to `new` for `peer` (leaving Established empties its table).
    mutating func stateChange(peer: Int, from old: UInt16, to new: UInt16, at time: UInt32) {
        ops.append((time, .state(peer: peer, old: old, new: new)))
    }

    /// `peer` announces its whole table again, one UPDATE per origin AS, one second apart from `time`.
    mutating func resendTable(peer: Int, at time: UInt32) {
        var byOrigin: [UInt32: [Int]] = [:]
        for i in world.peers[peer].carries { byOrigin[world.originOf[i], default: []].append(i) }
        for (k, origin) in byOrigin.keys.sorted().enumerated() {
            ops.append((time + UInt32(k), .announce(peer: peer, prefixes: byOrigin[origin]!)))
        }
    }

    // MARK: Generation

    /// Every record in time order, with the update-file number of each (-1: the RIB file).
    func records() -> [(file: Int, time: UInt32, record: MRTRecord)] {
        var rng = SeededGenerator(seed: seed)
        var timeline: [(time: UInt32, seq: Int, op: Op)] = []
        for (k, o) in ops.enumerated() { timeline.append((o.time, k, o.op)) }
        if churn {
            var seq = ops.count
            var pair = 0
            var t = Self.t0
            while t < end {
                let minute = (t - Self.t0) / 60
                for p in world.peers.indices {
                    timeline.append((t + 5 + 7 * UInt32(p), seq, .churnAnnounce(peer: p, pick: rng.next())))
                    seq += 1
                }
                if minute % 5 == 1 {
                    let p = Int(rng.next() % UInt64(world.peers.count))
                    timeline.append((t + 44, seq, .churnWithdraw(pair: pair, peer: p, pick: rng.next())))
                    timeline.append((t + 64, seq + 1, .churnRestore(pair: pair)))
                    seq += 2
                    pair += 1
                }
                t += 60
            }
        }
        timeline.sort { ($0.time, $0.seq) < ($1.time, $1.seq) }

        var out: [(Int, UInt32, MRTRecord)] = []
        let t0 = Self.t0
        // The RIB at t0: every peer's table.
        var routes: [[Int: [UInt32]]] = world.peers.indices.map { p in
            var r: [Int: [UInt32]] = [:]
            for i in world.peers[p].carries { r[i] = world.path(peer: p, prefix: i, upstream: world.countries[world.countryOf[i]].upstream) }
            return r
        }
        var upstreamOf = world.prefixes.indices.map { world.countries[world.countryOf[$0]].upstream }
        let carried = world.peers.map { Set($0.carries) }
        let table = PeerIndexTable(
            collectorID: SimWorld.collectorAddress, viewName: [],
            peers: world.peers.map { PeerEntry(peerType: 2, bgpID: $0.address, address: .v4($0.address), asn: $0.asn) })
        out.append((-1, t0, MRTRecord(timestamp: t0, message: .peerIndexTable(table))!))
        for i in world.prefixes.indices {
            var entries: [RIBEntry] = []
            for p in world.peers.indices {
                guard let path = routes[p][i] else { continue }
                entries.append(
                    RIBEntry(
                        peerIndex: UInt16(p), originatedTime: t0 - 86_400, attributes: attributes(peer: p, path: path),
                        family: (.ipv4, .unicast)))
            }
            let rib = RIBRecord(sequence: UInt32(i), prefix: world.prefixes[i], entries: entries)
            out.append((-1, t0, MRTRecord(timestamp: t0, message: .rib(rib))!))
        }

        var pairs: [Int: (peer: Int, prefix: Int, path: [UInt32])] = [:]
        func file(_ t: UInt32) -> Int { Int((t - t0) / Self.fileSeconds) }
        func emitAnnounce(_ p: Int, _ prefixes: [Int], at t: UInt32) {
            // One UPDATE per path, at most 300 prefixes each.
            var byPath: [[UInt32]: [Int]] = [:]
            var order: [[UInt32]] = []
            for i in prefixes {
                let path = routes[p][i]!
                if byPath[path] == nil { order.append(path) }
                byPath[path, default: []].append(i)
            }
            for path in order {
                let list = byPath[path]!
                for chunk in stride(from: 0, to: list.count, by: 300) {
                    let nlri = list[chunk..<min(chunk + 300, list.count)].map { NLRI(world.prefixes[$0]) }
                    let u = BGPUpdate(withdrawn: [], attributes: attributes(peer: p, path: path), announced: nlri, context: MessageContext(asnWidth: .four))
                    out.append((file(t), t, message(peer: p, .update(u), at: t)))
                }
            }
        }
        func emitWithdraw(_ p: Int, _ prefixes: [Int], at t: UInt32) {
            for chunk in stride(from: 0, to: prefixes.count, by: 300) {
                let nlri = prefixes[chunk..<min(chunk + 300, prefixes.count)].map { NLRI(world.prefixes[$0]) }
                let u = BGPUpdate(withdrawn: nlri, attributes: [], announced: [], context: MessageContext(asnWidth: .four))
                out.append((file(t), t, message(peer: p, .update(u), at: t)))
            }
        }
        /// Deterministic choice among the peer's carried prefixes that satisfy `ok`.
        func pick(_ p: Int, _ r: UInt64, _ ok: (Int) -> Bool) -> Int? {
            let list = world.peers[p].carries
            let start = Int(r % UInt64(list.count))
            for k in 0..<list.count {
                let i = list[(start + k) % list.count]
                if ok(i) { return i }
            }
            return nil
        }

        for (t, _, op) in timeline where t < end {
            switch op {
            case .announce(let p, let prefixes):
                let mine = prefixes.filter { carried[p].contains($0) }
                guard !mine.isEmpty else { continue }
                for i in mine { routes[p][i] = world.path(peer: p, prefix: i, upstream: upstreamOf[i]) }
                emitAnnounce(p, mine, at: t)
            case .withdraw(let p, let prefixes):
                let held = prefixes.filter { routes[p][$0] != nil }
                guard !held.isEmpty else { continue }
                for i in held { routes[p][i] = nil }
                emitWithdraw(p, held, at: t)
            case .setUpstream(let prefixes, let upstream):
                for i in prefixes { upstreamOf[i] = upstream }
            case .state(let p, let old, let new):
                let s = BGP4MPStateChange(
                    peerAS: world.peers[p].asn, localAS: SimWorld.collectorAS, interfaceIndex: 0, afi: .ipv4,
                    peerAddress: .v4(world.peers[p].address), localAddress: .v4(SimWorld.collectorAddress),
                    oldState: old, newState: new, isAS4: true)
                out.append((file(t), t, MRTRecord(timestamp: t, message: .bgp4mpStateChange(s))!))
                if new != BGP4MPStateChange.established { routes[p] = [:] }
            case .churnAnnounce(let p, let r):
                guard let i = pick(p, r, { routes[p][$0] != nil }) else { continue }
                var path = routes[p][i]!
                path[0] = SimWorld.transits[Int((r >> 32) % UInt64(SimWorld.transits.count))]
                routes[p][i] = path
                emitAnnounce(p, [i], at: t)
            case .churnWithdraw(let n, let p, let r):
                guard let i = pick(p, r, { routes[p][$0] != nil && !protected.contains($0) }) else { continue }
                pairs[n] = (p, i, routes[p][i]!)
                routes[p][i] = nil
                emitWithdraw(p, [i], at: t)
            case .churnRestore(let n):
                guard let (p, i, path) = pairs[n], routes[p][i] == nil, carried[p].contains(i) else { continue }
                routes[p][i] = path
                emitAnnounce(p, [i], at: t)
            }
        }
        return out
    }

    private func attributes(peer p: Int, path: [UInt32]) -> [PathAttribute] {
        [
            PathAttribute(.origin(.igp))!,
            PathAttribute(.asPath(ASPath([ASPathSegment(.sequence, [world.peers[p].asn] + path)])))!,
            PathAttribute(.nextHop(world.peers[p].address))!,
        ]
    }

    private func message(peer p: Int, _ m: BGPMessage, at t: UInt32) -> MRTRecord {
        let msg = BGP4MPMessage(
            peerAS: world.peers[p].asn, localAS: SimWorld.collectorAS, peerAddress: .v4(world.peers[p].address),
            localAddress: .v4(SimWorld.collectorAddress), message: m)
        return MRTRecord(timestamp: t, message: .bgp4mpMessage(msg))!
    }

    /// Writes the RIB and the update files (skipping `skippedFiles`) into `dir`; returns their paths.
    func write(to dir: URL) throws -> [String] {
        var files: [Int: [UInt8]] = [:]
        for (f, _, r) in records() where !skippedFiles.contains(f) { files[f, default: []].append(contentsOf: r.encode()) }
        var paths: [String] = []
        for (f, bytes) in files.sorted(by: { $0.key < $1.key }) {
            let name =
                f < 0
                ? "\(SimWorld.collector).ribs.\(Self.t0).mrt"
                : "\(SimWorld.collector).updates.\(Self.t0 + UInt32(f) * Self.fileSeconds).mrt"
            let url = dir.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            paths.append(url.path)
        }
        return paths
    }

    /// Config for these small worlds: full feed from 100 prefixes, the defaults otherwise (5-minute
    /// bins, threshold 0.5, 3 baseline bins).
    static var config: ObservatoryConfig {
        var c = ObservatoryConfig()
        c.fullFeedMinPrefixes = [.ipv4: 100, .ipv6: 100]
        return c
    }

    /// Writes the files to a fresh temporary folder and runs ``Pipeline`` over them.
    func run(config: ObservatoryConfig = Scenario.config, track: Set<EntityKey> = []) throws -> (result: Pipeline.Result, problems: [String]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-scenario-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let paths = try write(to: dir)
        final class Box: @unchecked Sendable { var problems: [String] = [] }
        let box = Box()
        var pipeline = Pipeline(registry: world.registry)
        pipeline.config = config
        pipeline.track = track
        pipeline.onProblem = { box.problems.append($0) }
        // Files in a scrambled (but fixed) order: Replay must merge them by time.
        let result = pipeline.run(paths.reversed())
        return (result, box.problems)
    }
}
