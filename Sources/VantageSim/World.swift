import BGPWire
import VantageCore

/// One BGP session of the simulated collector: a peer AS seen over one address (IPv4 sessions carry
/// IPv4 routes, IPv6 sessions IPv6 routes, as at RouteViews).
public struct SimPeer: Sendable, Hashable {
    public var asn: UInt32
    public var address: IPAddress
    public var bgpID: IPv4Address
    /// Holds the whole table of its family (as opposed to a customer cone or a regional view).
    public var fullFeed: Bool
    /// Real or synthetic (a clone of a real full feed, in worlds built from a RIB).
    public var synthetic: Bool
    /// Tags its routes with communities `asn:n` (16-bit peer ASNs only).
    var tagsCommunities: Bool
    /// Sends MULTI_EXIT_DISC.
    var sendsMED: Bool
    public var afi: AFI { address.afi }
}

/// AS paths (flat AS sequences, peer first, origin last), interned to 32-bit ids.
struct PathStore {
    private(set) var paths: [[UInt32]] = []
    private var index: [[UInt32]: Int32] = [:]

    mutating func id(_ p: [UInt32]) -> Int32 {
        if let i = index[p] { return i }
        let i = Int32(paths.count)
        paths.append(p)
        index[p] = i
        return i
    }

    subscript(id: Int32) -> [UInt32] { paths[Int(id)] }
    var count: Int { paths.count }
}

/// The routing world: every prefix, its origin, and the route each peer holds when nothing happens.
/// Built by ``BuiltinWorld`` or ``RIBWorld``; the ``Simulator`` plays scenarios on it.
final class World {
    var prefixes: [IPPrefix] = []
    /// Origin AS of each prefix.
    var origin: [UInt32] = []
    /// ORIGIN attribute of each prefix (0 IGP, 1 EGP, 2 INCOMPLETE).
    var originCode: [UInt8] = []
    var peers: [SimPeer] = []
    var store = PathStore()
    /// `base[peer][prefix]`: the path id the peer holds for the prefix, -1 when it has no route.
    var base: [[Int32]] = []
    /// `base` as it was when the scenario started (events change `base`; the RIB shows this).
    var initial: [[Int32]] = []
    /// ASes that can stand in the middle of a path in place of another (churn): tier-1s, or the
    /// busiest transit ASes of a real table.
    var core: [UInt32] = []
    /// Registry files describing the world, written to `DIR/registry/`.
    var registryFiles: [(name: String, bytes: [UInt8])] = []
    /// AS names for messages (not exhaustive).
    var names: [UInt32: String] = [:]
    /// Country of an AS and of a prefix (from the world's own registry).
    var countryOfASN: (UInt32) -> String? = { _ in nil }
    var countryOfPrefix: (IPPrefix) -> String? = { _ in nil }
    /// One line saying what the world is.
    var summary = ""
    private var asnCountryCache: [UInt32: String] = [:]

    func country(ofASN asn: UInt32) -> String? {
        if let c = asnCountryCache[asn] { return c.isEmpty ? nil : c }
        let c = countryOfASN(asn)
        asnCountryCache[asn] = c ?? ""
        return c
    }

    // MARK: Targets

    /// Prefix indices hit by `target`, in address order. Prefixes given explicitly that the world
    /// does not know are added (without routes) so that `announce` can bring them in.
    func resolve(_ target: Target) -> [Int32] {
        var out: [Int32] = []
        if let cc = target.country {
            for i in prefixes.indices where countryOfPrefix(prefixes[i]) == cc { out.append(Int32(i)) }
        } else if let asn = target.asn {
            for i in prefixes.indices where origin[i] == asn { out.append(Int32(i)) }
        } else {
            var known: [IPPrefix: Int32] = [:]
            let wanted = Set(target.prefixes)
            for i in prefixes.indices where wanted.contains(prefixes[i]) { known[prefixes[i]] = Int32(i) }
            for p in target.prefixes {
                if let i = known[p] {
                    out.append(i)
                } else {
                    out.append(addPrefix(p, origin: 0))
                    known[p] = out.last!
                }
            }
        }
        out.sort { prefixes[Int($0)] < prefixes[Int($1)] }
        var seen = Set<Int32>()
        out = out.filter { seen.insert($0).inserted }
        if let share = target.share {
            // Spread evenly in address order (every other prefix for 0.5), at least one.
            let kept = out.indices.filter { j in
                (Double(j + 1) * share).rounded(.down) > (Double(j) * share).rounded(.down)
            }
            out = kept.isEmpty ? [out[0]] : kept.map { out[$0] }
        }
        return out
    }

    func addPrefix(_ p: IPPrefix, origin asn: UInt32) -> Int32 {
        prefixes.append(p)
        origin.append(asn)
        originCode.append(0)
        for i in base.indices { base[i].append(-1) }
        return Int32(prefixes.count - 1)
    }

    // MARK: Paths

    /// Index of the AS just before the origin's run at the end of `path` (its upstream), -1 if none.
    static func upstreamIndex(_ path: [UInt32]) -> Int {
        guard let o = path.last else { return -1 }
        var i = path.count - 1
        while i >= 0 && path[i] == o { i -= 1 }
        return i
    }

    /// Index of the first AS outside the origin's country walking from the origin (the country's
    /// upstream on this path), -1 if none.
    func countryBorderIndex(_ path: [UInt32]) -> Int {
        guard let o = path.last, let cc = country(ofASN: o) else { return Self.upstreamIndex(path) }
        var i = path.count - 1
        while i >= 0 && country(ofASN: path[i]) == cc { i -= 1 }
        return i
    }

    /// A different path to the same prefix as seen by the same peer, that keeps the origin AS's
    /// upstream and the origin country's upstream (so background churn never looks like a re-homing):
    /// the origin prepends once more or once less, a core AS on the peer's side of both borders is
    /// replaced by another, or one is inserted there (path hunting; only these two when `longerOnly`).
    /// Nil when none applies.
    func variant(of id: Int32, using rng: inout SimRandom, longerOnly: Bool = false) -> Int32? {
        let path = store[id]
        guard path.count >= 2, let o = path.last else { return nil }
        let up = Self.upstreamIndex(path)
        let border = countryBorderIndex(path)
        let safeEnd = min(up, border)  // indices 1..<safeEnd may change; insertions at 1...safeEnd
        let prepends = path.count - 1 - up
        var options: [Int] = longerOnly ? [] : [0]
        if prepends > 1 && !longerOnly { options.append(1) }
        if safeEnd > 1 { options += [2, 2] }
        if safeEnd >= 1 { options.append(3) }
        guard !options.isEmpty else { return nil }
        for _ in 0..<4 {
            var p = path
            switch rng.pick(options) {
            case 0:
                guard prepends < 4 else { continue }
                p.append(o)
            case 1:
                p.removeLast()
            case 2:
                let k = rng.int(1...(safeEnd - 1))
                let alt = rng.pick(core)
                guard !p.contains(alt) else { continue }
                p[k] = alt
            default:
                let alt = rng.pick(core)
                guard !p.contains(alt) else { continue }
                p.insert(alt, at: rng.int(1...safeEnd))
            }
            if p != path { return store.id(p) }
        }
        return nil
    }

    /// The path `peer` would use to reach `originAS` through `upstream`: its path to a prefix the
    /// upstream originates, extended by the origin; else its path to any prefix whose path crosses
    /// the upstream, cut there; else peer, upstream, origin.
    func pathVia(peer: Int, upstream: UInt32, origin originAS: UInt32, prepend: Int = 0) -> [UInt32] {
        let me = peers[peer].asn
        var tail = [originAS]
        tail += Array(repeating: originAS, count: prepend)
        if me == upstream { return [me] + tail }
        if me == originAS { return [me] }
        let table = base[peer]
        var best: [UInt32]?
        for i in prefixes.indices where table[i] >= 0 && origin[i] == upstream {
            let p = store[table[i]]
            if !p.contains(originAS), best == nil || p.count < best!.count { best = p }
            if best?.count ?? 99 <= 2 { break }
        }
        if let best {
            var p = best
            while p.count > 1 && p.last == upstream { p.removeLast() }
            return p + [upstream] + tail
        }
        for i in prefixes.indices where table[i] >= 0 {
            let p = store[table[i]]
            if let k = p.firstIndex(of: upstream), !p.contains(originAS) { return Array(p[...k]) + tail }
        }
        return [me, upstream] + tail
    }
}
