import ArchiveIO
import BGPWire
import Foundation
import VantageCore

/// A world taken from a real TABLE_DUMP_V2 RIB: its prefixes, AS paths (AS4 merged, AS_SETs left
/// out) and ORIGIN codes are the table, its peers are the peers. When it has fewer full-feed peers
/// of a family than asked for, the missing ones are synthesised by cloning its largest full table
/// with the clone's AS prepended; clones use the documentation AS numbers 64496+ (RFC 5398) and
/// addresses 192.0.2.0/24 and 2001:db8::/32, so they cannot be mistaken for real peers. Countries
/// come from the registry files given with the RIB, which are copied beside the archives.
enum RIBWorld {
    static let cloneASBase: UInt32 = 64496

    static func build(
        spec: WorldSpec, ribPath: String, registry: Registry, registryPaths: [String], onProblem: (String) -> Void
    ) throws -> World {
        let world = World()
        var prefixIndex: [IPPrefix: Int32] = [:]
        var entries: [(prefix: Int32, peer: UInt16, path: Int32)] = []
        var table: PeerIndexTable?
        let problems = Failures()
        defer {
            for p in problems.all { onProblem("vantage: \(p)") }
        }
        let collect: (ArchiveProblem) -> Void = { problems.add("\($0)") }
        try MRTFile.forEachRecord(path: ribPath, threads: 0, onProblem: collect) { record in
            switch record.message {
            case .peerIndexTable(let t):
                table = t
            case .rib(let r) where r.safi == .unicast && !r.isAddPath:
                let prefix = r.prefix.masked
                let pid: Int32
                if let known = prefixIndex[prefix] {
                    pid = known
                } else {
                    pid = Int32(world.prefixes.count)
                    prefixIndex[prefix] = pid
                    world.prefixes.append(prefix)
                    world.origin.append(0)
                    world.originCode.append(0)
                }
                for e in r.entries {
                    var flat: [UInt32] = []
                    for seg in e.attributes.effectiveASPath?.segments ?? [] where seg.type == .sequence {
                        flat += seg.asns
                    }
                    guard let o = flat.last else { continue }
                    if world.origin[Int(pid)] == 0 {
                        world.origin[Int(pid)] = o
                        world.originCode[Int(pid)] = min(2, e.attributes.origin?.rawValue ?? 0)
                    }
                    entries.append((pid, e.peerIndex, world.store.id(flat)))
                }
            default:
                break
            }
        }
        guard let table else { throw ScenarioError("\(ribPath): no PEER_INDEX_TABLE: not a TABLE_DUMP_V2 RIB") }

        // Peers with their tables.
        let n = world.prefixes.count
        var tables = [[Int32]](repeating: [Int32](repeating: -1, count: n), count: table.peers.count)
        var counts = [[Int]](repeating: [0, 0], count: table.peers.count)
        for e in entries where Int(e.peer) < tables.count {
            if tables[Int(e.peer)][Int(e.prefix)] < 0 {
                counts[Int(e.peer)][world.prefixes[Int(e.prefix)].afi == .ipv4 ? 0 : 1] += 1
            }
            tables[Int(e.peer)][Int(e.prefix)] = e.path
        }
        entries = []
        let config = ObservatoryConfig()
        let minimum = [config.fullFeedMinPrefixes[.ipv4] ?? 0, config.fullFeedMinPrefixes[.ipv6] ?? 0]
        let largest = [0, 1].map { f in counts.map { $0[f] }.max() ?? 0 }
        var fullCount = [0, 0]
        var source: [Int?] = [nil, nil]
        for (i, p) in table.peers.enumerated() {
            let f = p.address.afi == .ipv4 ? 0 : 1
            // A session carries the family of its address (RouteViews practice); its other family is dropped.
            let full = counts[i][f] >= minimum[f] && Double(counts[i][f]) >= config.fullFeedRatio * Double(largest[f])
            if full {
                fullCount[f] += 1
                if source[f] == nil || counts[i][f] > counts[source[f]!][f] { source[f] = i }
            }
            if counts[i][f] == 0 { continue }
            var t = tables[i]
            for k in 0..<n where t[k] >= 0 && world.prefixes[k].afi != p.address.afi { t[k] = -1 }
            world.peers.append(
                SimPeer(
                    asn: p.asn, address: p.address, bgpID: p.bgpID, fullFeed: full, synthetic: false,
                    tagsCommunities: false, sendsMED: false))
            world.base.append(t)
        }

        // Clones of the largest full table, AS prepended, up to the number of full-feed peers asked for.
        var clone = 0
        for f in 0..<2 {
            guard let src = source[f], fullCount[f] < spec.fullFeedPeers else { continue }
            let srcTable = tables[src]
            for _ in fullCount[f]..<spec.fullFeedPeers {
                let asn = cloneASBase + UInt32(clone)
                let address: IPAddress =
                    f == 0
                    ? .v4(IPv4Address(192, 0, 2, UInt8(10 + clone)))
                    : .v6(IPv6Address(high: 0x2001_0db8_0000_0000, low: UInt64(0x10 + clone)))
                var prepended: [Int32: Int32] = [:]
                var t = [Int32](repeating: -1, count: n)
                for k in 0..<n where srcTable[k] >= 0 && (world.prefixes[k].afi == .ipv4) == (f == 0) {
                    let id = srcTable[k]
                    if let c = prepended[id] {
                        t[k] = c
                    } else {
                        let c = world.store.id([asn] + world.store[id])
                        prepended[id] = c
                        t[k] = c
                    }
                }
                world.peers.append(
                    SimPeer(
                        asn: asn, address: address, bgpID: IPv4Address(192, 0, 2, UInt8(10 + clone)), fullFeed: true,
                        synthetic: true,
                        tagsCommunities: false, sendsMED: false))
                world.base.append(t)
                clone += 1
            }
        }
        tables = []

        // Core ASes for churn: the busiest second hops of the full tables.
        var second: [UInt32: Int] = [:]
        for (i, p) in world.peers.enumerated() where p.fullFeed && !p.synthetic {
            for k in stride(from: 0, to: n, by: 7) where world.base[i][k] >= 0 {
                let path = world.store[world.base[i][k]]
                if path.count >= 3 { second[path[1], default: 0] += 1 }
            }
        }
        world.core = second.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(12).map(\.key)
        if world.core.isEmpty { world.core = BuiltinWorld.tier1s.map(\.asn) }

        world.countryOfPrefix = { registry.country(of: $0) ?? registry.countryShares(of: $0).first?.country }
        world.countryOfASN = { registry.country(ofASN: $0) }
        for path in registryPaths {
            let name = (path as NSString).lastPathComponent
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ScenarioError("\(path): cannot read")
            }
            world.registryFiles.append((name, [UInt8](data)))
        }
        let v4 = world.prefixes.filter { $0.afi == .ipv4 }.count
        let real = world.peers.filter { !$0.synthetic }.count
        world.summary =
            "world from \((ribPath as NSString).lastPathComponent): \(grouped(v4)) IPv4 and \(grouped(n - v4)) IPv6 prefixes, "
            + "\(real) real peers (\(fullCount[0]) IPv4 and \(fullCount[1]) IPv6 full feeds) and \(clone) cloned full-feed peers"
        return world
    }
}
