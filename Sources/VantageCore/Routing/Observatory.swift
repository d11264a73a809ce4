import BGPWire

/// A BGP session seen by a collector.
public struct PeerID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var collector: String
    public var address: IPAddress
    public var asn: UInt32
    public init(collector: String, address: IPAddress, asn: UInt32) {
        self.collector = collector
        self.address = address
        self.asn = asn
    }
    public static func < (a: Self, b: Self) -> Bool { (a.collector, a.address, a.asn) < (b.collector, b.address, b.asn) }
    public var description: String { "AS\(asn) \(address)" + (collector.isEmpty ? "" : " @\(collector)") }
}

/// Routing state per (collector, peer), and visibility signals per time bin.
///
/// Feed it route elements in time order (``apply(_:collector:)``), RIB dumps bracketed by
/// ``beginRIB(collector:time:)`` / ``endRIB(collector:time:)``; it closes a ``BinSnapshot`` each time a bin
/// ends. The same code serves archives now and live feeds later.
///
/// Rules (constants in ``ObservatoryConfig``):
/// - a state change out of Established empties the peer's table and marks it down; the bin is unhealthy;
/// - a peer counts only once its table is complete: at the end of a RIB dump that contained it, at an
///   End-of-RIB marker, or once it holds a full feed again after a session reset;
/// - a peer silent for `peerStaleSeconds` is stale and stops counting until it speaks;
/// - full-feed peers are decided per family by one rule (`fullFeedRatio` of the largest table and at
///   least `fullFeedMinPrefixes`), re-evaluated at each bin end;
/// - a prefix is visible when more than `visibilityThreshold` of the counting full-feed peers see it.
public final class Observatory {
    public let config: ObservatoryConfig
    public let registry: Registry?

    // MARK: Interning
    private(set) var prefixes: [IPPrefix] = []
    private var prefixIndex: [IPPrefix: Int32] = [:]
    private(set) var paths: [[UInt32]] = [[]]
    private var pathIndex: [[UInt32]: Int32] = [[]: 0]

    // MARK: Per prefix (indexed by prefix id)
    /// Full-feed, counting peers that have a route.
    private var ffCount: [Int32] = []
    private var visible: [Bool] = []
    /// /24 (IPv4) or /48 (IPv6) equivalents.
    private var space: [Double] = []
    /// Entities the prefix belongs to, with the fraction of its space in each (countries split by
    /// delegation; its origin AS and itself whole).
    private var memberships: [[(entity: Int32, fraction: Double)]] = []
    private var originOf: [UInt32] = []
    /// Routes to the prefix held by any peer, and how many of them end at `originOf` (the origin
    /// moves only when none is left: see ``announce(_:_:_:counting:)``).
    private var routeCount: [Int32] = []
    private var originRoutes: [Int32] = []
    /// Last path seen for the prefix from any peer (kept through withdrawals, for evidence).
    private var lastPath: [Int32] = []

    // MARK: Peers
    final class Peer {
        let id: PeerID
        var routes: [Int32: Int32] = [:]
        var count: [Int] = [0, 0]  // ipv4, ipv6
        var established = true
        var complete = false
        var lastSeen: UInt32 = 0
        var fullFeed: [Bool] = [false, false]
        /// Prefixes withdrawn in the current bin (for flap counting).
        var withdrawnInBin: Set<Int32> = []
        /// `id.description`, made once (evidence names withdrawing peers).
        lazy var name = id.description
        init(id: PeerID) { self.id = id }
    }
    private var peers: [PeerID: Peer] = [:]
    private var loadingRIB: [String: Set<PeerID>] = [:]

    // MARK: Entities
    private(set) var entityKeys: [EntityKey] = []
    private var entityIndex: [EntityKey: Int32] = [:]
    struct EntityState {
        var visibleSpace: Double = 0
        var visiblePrefixes = 0
        var knownPrefixes = 0
        var sumCount: Double = 0
        var minSpace: Double = 0
        var lastDrop: UInt32?
        var lastRise: UInt32?
        var announcements = 0
        var withdrawals = 0
        var flaps = 0
        var dirty = true
        /// (upstream ASN → number of (prefix, peer) routes through it), counting peers only.
        var upstreams: [UInt32: Int] = [:]
        var evidence = EntityEvidence()
    }
    private var entities: [EntityState] = []
    private var prefixesOfEntity: [[Int32]] = []
    private var asnCountry: [UInt32: String] = [:]

    // MARK: Bins
    private var binStart: UInt32?
    private var binHasData = false
    private var peersWentDown = 0
    private var ffSetDirty = true
    private var maxTable: [Int] = [0, 0]

    public init(config: ObservatoryConfig = ObservatoryConfig(), registry: Registry? = nil) {
        self.config = config
        self.registry = registry
    }

    // MARK: Input

    /// A RIB dump from `collector` starts: the peers it contains become complete when it ends.
    public func beginRIB(collector: String, time: UInt32) {
        advance(to: time)
        loadingRIB[collector] = []
    }

    public func endRIB(collector: String, time: UInt32) {
        for id in loadingRIB[collector] ?? [] {
            if let p = peers[id] { p.complete = true }
        }
        loadingRIB[collector] = nil
        ffSetDirty = true
    }

    /// Applies one route element. Elements must come in time order across all inputs.
    public func apply(_ e: RouteElement, collector: String) {
        advance(to: e.timestamp)
        binHasData = true
        let id = PeerID(collector: collector, address: e.peerAddress, asn: e.peerASN)
        let peer = peers[id] ?? {
            let p = Peer(id: id)
            peers[id] = p
            return p
        }()
        if peer.lastSeen != 0 && e.timestamp - min(e.timestamp, peer.lastSeen) > config.peerStaleSeconds && peer.complete {
            ffSetDirty = true  // a stale peer speaks again
        }
        peer.lastSeen = e.timestamp
        switch e.kind {
        case .peerState:
            let established = e.newState == BGP4MPStateChange.established
            if peer.established && !established {
                sessionDown(peer, at: e.timestamp)
            } else if !peer.established && established {
                peer.established = true
                peer.complete = false
            }
        case .ribEntry:
            guard let prefix = e.prefix else { return }
            loadingRIB[collector]?.insert(id)
            announce(peer, prefix, e, counting: false)
        case .announcement:
            guard let prefix = e.prefix else { return }
            if !peer.established { peer.established = true }
            announce(peer, prefix, e, counting: true)
        case .withdrawal:
            guard let prefix = e.prefix, let pid = prefixIndex[prefix.masked] else { return }
            withdraw(peer, pid, at: e.timestamp)
        }
    }

    /// End-of-RIB (RFC 4724) from a peer: its table is complete.
    public func endOfRIB(peer id: PeerID) {
        if let p = peers[id], !p.complete {
            p.complete = true
            ffSetDirty = true
        }
    }

    // MARK: Routes

    private func familyIndex(_ p: IPPrefix) -> Int { p.afi == .ipv4 ? 0 : 1 }

    private func counts(_ peer: Peer, _ family: Int) -> Bool {
        peer.established && peer.complete && peer.fullFeed[family]
    }

    private func internPrefix(_ p: IPPrefix) -> Int32 {
        if let id = prefixIndex[p] { return id }
        let id = Int32(prefixes.count)
        prefixes.append(p)
        prefixIndex[p] = id
        ffCount.append(0)
        visible.append(false)
        let v4 = p.afi == .ipv4
        space.append(v4 ? (p.length >= 24 ? 1 : Double(1 << (24 - Int(p.length)))) : (p.length >= 48 ? 1 : Double(sign: .plus, exponent: 48 - Int(p.length), significand: 1)))
        originOf.append(0)
        routeCount.append(0)
        originRoutes.append(0)
        lastPath.append(0)
        var members: [(Int32, Double)] = config.trackPrefixes ? [(entity(.prefix(p)), 1)] : []
        // Default routes and very short prefixes (shorter than /8, or /16 for IPv6) span many countries
        // and say nothing about any of them: they are not attributed to countries.
        if let registry, Int(p.length) >= (v4 ? config.minCountryPrefixLength.ipv4 : config.minCountryPrefixLength.ipv6) {
            let shares = registry.countryShares(of: p)
            let total = shares.reduce(0) { $0 + $1.addresses }
            if total > 0 { for s in shares where s.country != "??" { members.append((entity(.country(s.country, p.afi)), s.addresses / total)) } }
        }
        memberships.append(members)
        for (e, _) in members {
            entities[Int(e)].knownPrefixes += 1
            prefixesOfEntity[Int(e)].append(id)
        }
        return id
    }

    private func entity(_ key: EntityKey) -> Int32 {
        if let i = entityIndex[key] { return i }
        let i = Int32(entityKeys.count)
        entityKeys.append(key)
        entityIndex[key] = i
        entities.append(EntityState())
        prefixesOfEntity.append([])
        return i
    }

    private func internPath(_ path: [UInt32]) -> Int32 {
        if let id = pathIndex[path] { return id }
        let id = Int32(paths.count)
        paths.append(path)
        pathIndex[path] = id
        return id
    }

    /// Flattened AS sequence of the element (AS4 merged); sets and confederations are dropped.
    private func flatPath(_ e: RouteElement) -> [UInt32] {
        guard let path = e.attributes?.effectiveASPath else { return [] }
        var out: [UInt32] = []
        for seg in path.segments where seg.type == .sequence { out.append(contentsOf: seg.asns) }
        return out
    }

    private func countryOf(asn: UInt32) -> String? {
        if let c = asnCountry[asn] { return c.isEmpty ? nil : c }
        let c = registry?.country(ofASN: asn)
        asnCountry[asn] = c ?? ""
        return c
    }

    /// The first AS outside `entity` walking from the origin towards the peer.
    private func upstream(of path: [UInt32], for key: EntityKey) -> UInt32? {
        guard !path.isEmpty else { return nil }
        var i = path.count - 1
        switch key.scope {
        case .asn:
            let origin = path[i]
            while i >= 0 && path[i] == origin { i -= 1 }
        case .country:
            while i >= 0 && countryOf(asn: path[i]) == key.id { i -= 1 }
        case .prefix:
            let origin = path[i]
            while i >= 0 && path[i] == origin { i -= 1 }
        }
        return i >= 0 ? path[i] : nil
    }

    private func adjustUpstreams(_ pid: Int32, path: Int32, by delta: Int) {
        guard path != 0 else { return }
        let p = paths[Int(path)]
        for (e, _) in memberships[Int(pid)] {
            let key = entityKeys[Int(e)]
            guard let up = upstream(of: p, for: key) else { continue }
            let before = entities[Int(e)].upstreams[up, default: 0]
            entities[Int(e)].upstreams[up] = before + delta == 0 ? nil : before + delta
            // The set of upstreams changed: the entity's next signal must carry it.
            if before == 0 || before + delta == 0 { entities[Int(e)].dirty = true }
        }
    }

    private func announce(_ peer: Peer, _ prefix: IPPrefix, _ e: RouteElement, counting: Bool) {
        let pid = internPrefix(prefix.masked)
        let fam = familyIndex(prefix)
        let flat = flatPath(e)
        let path = internPath(flat)
        // The prefix keeps its origin AS while some peer still routes it there: an announcement from
        // another origin (MOAS, a short-lived hijack) does not move it; it moves when no route to the
        // old origin is left.
        let i = Int(pid)
        if let previous = peer.routes[pid] {
            if let o = paths[Int(previous)].last, o == originOf[i] { originRoutes[i] -= 1 }
        } else {
            routeCount[i] += 1
        }
        if let origin = flat.last {
            if origin == originOf[i] {
                originRoutes[i] += 1
            } else if originRoutes[i] == 0 {
                setOrigin(pid, origin, afi: prefix.afi)
                originRoutes[i] = 1
            }
        }
        lastPath[Int(pid)] = path
        let old = peer.routes.updateValue(path, forKey: pid)
        let isCounting = counts(peer, fam)
        if isCounting {
            if let old { adjustUpstreams(pid, path: old, by: -1) }
            adjustUpstreams(pid, path: path, by: 1)
        }
        if old == nil {
            peer.count[fam] += 1
            if isCounting { changeCount(pid, by: 1, at: e.timestamp) }
        }
        guard counting, isCounting else { return }
        // A flap is one withdrawal followed by a re-announcement; a second announcement is not another.
        let flapped = peer.withdrawnInBin.remove(pid) != nil
        for (ent, _) in memberships[Int(pid)] {
            entities[Int(ent)].announcements += 1
            if flapped { entities[Int(ent)].flaps += 1 }
            entities[Int(ent)].dirty = true
        }
    }

    private func withdraw(_ peer: Peer, _ pid: Int32, at time: UInt32) {
        guard let old = peer.routes.removeValue(forKey: pid) else { return }
        let fam = familyIndex(prefixes[Int(pid)])
        peer.count[fam] -= 1
        defer { routeRemoved(pid, path: old) }
        guard counts(peer, fam) else { return }
        adjustUpstreams(pid, path: old, by: -1)
        peer.withdrawnInBin.insert(pid)
        for (ent, _) in memberships[Int(pid)] {
            entities[Int(ent)].withdrawals += 1
            entities[Int(ent)].dirty = true
            // Every full-feed peer that withdrew the entity's prefixes, not only the one whose
            // withdrawal took a prefix below the threshold.
            let names = entities[Int(ent)].evidence.withdrawingPeers
            if names.count < 50, names.last != peer.name, !names.contains(peer.name) {
                entities[Int(ent)].evidence.withdrawingPeers.append(peer.name)
            }
        }
        changeCount(pid, by: -1, at: time)
    }

    /// A route to `pid` is gone (its peer's table no longer holds it, and its counts and upstreams
    /// are already taken out). When it was the last one to the prefix's origin AS while routes to
    /// other origins remain, the prefix moves to the most common of those (ties: lowest ASN).
    private func routeRemoved(_ pid: Int32, path: Int32) {
        let i = Int(pid)
        routeCount[i] -= 1
        guard let o = paths[Int(path)].last, o == originOf[i] else { return }
        originRoutes[i] -= 1
        guard originRoutes[i] == 0, routeCount[i] > 0 else { return }
        var tally: [UInt32: Int32] = [:]
        for p in peers.values {
            if let r = p.routes[pid], let origin = paths[Int(r)].last { tally[origin, default: 0] += 1 }
        }
        guard let best = tally.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) else { return }
        setOrigin(pid, best.key, afi: prefixes[i].afi)
        originRoutes[i] = best.value
    }

    /// The origin AS of a prefix changed: move its AS membership.
    private func setOrigin(_ pid: Int32, _ origin: UInt32, afi: AFI) {
        let old = originOf[Int(pid)]
        originOf[Int(pid)] = origin
        let newEntity = entity(.asn(origin, afi))
        var members = memberships[Int(pid)]
        // Upstream contributions of the routes counting now leave with the old membership and come
        // back with the new one.
        let fam = familyIndex(prefixes[Int(pid)])
        let counted = old == 0 ? [] : peers.values.compactMap { p in counts(p, fam) ? p.routes[pid] : nil }
        for r in counted { adjustUpstreams(pid, path: r, by: -1) }
        defer { for r in counted { adjustUpstreams(pid, path: r, by: 1) } }
        if old != 0, let oldEntity = entityIndex[.asn(old, afi)], let k = members.firstIndex(where: { $0.entity == oldEntity }) {
            // Move visibility, counts and upstream contributions from the old origin to the new one.
            if visible[Int(pid)] {
                entities[Int(oldEntity)].visibleSpace -= space[Int(pid)]
                entities[Int(oldEntity)].visiblePrefixes -= 1
                entities[Int(newEntity)].visibleSpace += space[Int(pid)]
                entities[Int(newEntity)].visiblePrefixes += 1
            }
            entities[Int(oldEntity)].sumCount -= Double(ffCount[Int(pid)])
            entities[Int(oldEntity)].knownPrefixes -= 1
            prefixesOfEntity[Int(oldEntity)].removeAll { $0 == pid }
            entities[Int(oldEntity)].dirty = true
            members.remove(at: k)
        } else if visible[Int(pid)] {
            entities[Int(newEntity)].visibleSpace += space[Int(pid)]
            entities[Int(newEntity)].visiblePrefixes += 1
        }
        entities[Int(newEntity)].sumCount += Double(ffCount[Int(pid)])
        entities[Int(newEntity)].knownPrefixes += 1
        entities[Int(newEntity)].dirty = true
        prefixesOfEntity[Int(newEntity)].append(pid)
        members.append((newEntity, 1))
        memberships[Int(pid)] = members
    }

    private var denominators: [Int] = [0, 0]

    private func isVisible(count: Int32, family: Int) -> Bool {
        let d = denominators[family]
        return d > 0 && Double(count) > config.visibilityThreshold * Double(d)
    }

    private func changeCount(_ pid: Int32, by delta: Int32, at time: UInt32) {
        let i = Int(pid)
        ffCount[i] += delta
        let fam = familyIndex(prefixes[i])
        for (e, f) in memberships[i] { entities[Int(e)].sumCount += Double(delta) * f }
        let now = isVisible(count: ffCount[i], family: fam)
        guard now != visible[i] else { return }
        visible[i] = now
        for (e, f) in memberships[i] {
            var ent = entities[Int(e)]
            ent.visibleSpace += (now ? 1 : -1) * space[i] * f
            ent.visiblePrefixes += now ? 1 : -1
            ent.dirty = true
            if now {
                ent.lastRise = time
                if ent.evidence.prefixesRegained.count < 50 { ent.evidence.prefixesRegained.append(prefixes[i].description) }
            } else {
                ent.lastDrop = time
                ent.minSpace = min(ent.minSpace, ent.visibleSpace)
                if ent.evidence.prefixesLost.count < 50 { ent.evidence.prefixesLost.append(prefixes[i].description) }
                let lp = lastPath[i]
                if lp != 0, ent.evidence.lastPaths.count < 50 {
                    ent.evidence.lastPaths.append("\(prefixes[i]): " + paths[Int(lp)].map(String.init).joined(separator: " "))
                }
            }
            entities[Int(e)] = ent
        }
    }

    private func sessionDown(_ peer: Peer, at time: UInt32) {
        if peer.fullFeed[0] || peer.fullFeed[1] { peersWentDown += 1 }
        let routes = peer.routes
        peer.routes.removeAll()
        for (pid, path) in routes {
            let fam = familyIndex(prefixes[Int(pid)])
            if counts(peer, fam) {
                adjustUpstreams(pid, path: path, by: -1)
                changeCount(pid, by: -1, at: time)
            }
            routeRemoved(pid, path: path)
        }
        peer.count = [0, 0]
        peer.established = false
        peer.complete = false
        ffSetDirty = true
    }

    // MARK: Bins

    /// Re-decides full-feed peers; when the set changes, recomputes every prefix's count.
    private func refreshFullFeed(now: UInt32) {
        for p in peers.values where p.established && p.complete == false && p.routes.count > 0 && loadingRIB[p.id.collector] == nil {
            // After a reset, a peer that again holds a full table is complete.
            for f in 0..<2 where maxTable[f] > 0 && Double(p.count[f]) >= config.fullFeedRatio * Double(maxTable[f]) {
                p.complete = true
            }
        }
        for f in 0..<2 { maxTable[f] = max(maxTable[f], peers.values.map { $0.count[f] }.max() ?? 0) }
        var changed = ffSetDirty
        let minimum = [config.fullFeedMinPrefixes[.ipv4] ?? 0, config.fullFeedMinPrefixes[.ipv6] ?? 0]
        for p in peers.values {
            let stale = now > p.lastSeen && now - p.lastSeen > config.peerStaleSeconds
            for f in 0..<2 {
                let ff = p.established && p.complete && !stale && p.count[f] >= minimum[f]
                    && Double(p.count[f]) >= config.fullFeedRatio * Double(maxTable[f])
                if ff != p.fullFeed[f] {
                    p.fullFeed[f] = ff
                    changed = true
                }
            }
        }
        ffSetDirty = false
        guard changed else { return }
        recomputeAll(at: now)
    }

    private func recomputeAll(at time: UInt32) {
        let counting = peers.values.filter { $0.established && $0.complete }
        denominators = [0, 1].map { f in counting.filter { $0.fullFeed[f] }.count }
        for i in entities.indices {
            entities[i].sumCount = 0
            entities[i].upstreams = [:]
            entities[i].dirty = true  // the peer set changed: every entity's signal is re-stated
        }
        var newCount = [Int32](repeating: 0, count: prefixes.count)
        for p in counting {
            for (pid, path) in p.routes where p.fullFeed[familyIndex(prefixes[Int(pid)])] {
                newCount[Int(pid)] += 1
                adjustUpstreams(pid, path: path, by: 1)
            }
        }
        for i in prefixes.indices {
            ffCount[i] = newCount[i]
            for (e, f) in memberships[i] { entities[Int(e)].sumCount += Double(newCount[i]) * f }
            let now = isVisible(count: newCount[i], family: familyIndex(prefixes[i]))
            if now != visible[i] {
                // Recount at a peer-set change: visibility moves, but it is not a route event.
                visible[i] = now
                for (e, f) in memberships[i] {
                    entities[Int(e)].visibleSpace += (now ? 1 : -1) * space[i] * f
                    entities[Int(e)].visiblePrefixes += now ? 1 : -1
                    entities[Int(e)].dirty = true
                }
            }
        }
        _ = time
    }

    /// Closes every bin that ends at or before `time`.
    public func advance(to time: UInt32) {
        let w = config.binSeconds
        let start = time - time % w
        guard let current = binStart else {
            binStart = start
            startBin()
            return
        }
        if start > current {
            pending.append(closeBin())
            binStart = start
            startBin()
        }
    }

    private var pending: [BinSnapshot] = []

    /// Snapshots closed since the last call.
    public func takeSnapshots() -> [BinSnapshot] {
        defer { pending.removeAll() }
        return pending
    }

    /// Closes the current bin (end of input) and returns the remaining snapshots.
    public func finish() -> [BinSnapshot] {
        if binStart != nil { pending.append(closeBin()) }
        binStart = nil
        return takeSnapshots()
    }

    private func startBin() {
        binHasData = false
        peersWentDown = 0
        for p in peers.values where !p.withdrawnInBin.isEmpty { p.withdrawnInBin.removeAll(keepingCapacity: true) }
        for i in entities.indices where entities[i].dirty || entities[i].announcements > 0 || entities[i].withdrawals > 0 {
            entities[i].minSpace = entities[i].visibleSpace
            entities[i].lastDrop = nil
            entities[i].lastRise = nil
            entities[i].announcements = 0
            entities[i].withdrawals = 0
            entities[i].flaps = 0
            entities[i].evidence = EntityEvidence()
            entities[i].dirty = false
        }
    }

    private func closeBin() -> BinSnapshot {
        let start = binStart!
        refreshFullFeed(now: start + config.binSeconds)
        var health = BinHealth()
        health.dataPresent = binHasData
        health.peersWentDown = peersWentDown
        health.fullFeedPeersUp = ["ipv4": denominators[0], "ipv6": denominators[1]]
        var signals: [EntityKey: EntitySignal] = [:]
        var evidence: [EntityKey: EntityEvidence] = [:]
        for i in entities.indices {
            let key = entityKeys[i]
            // Countries every bin; ASes and prefixes when something happened to them.
            guard key.scope == .country || entities[i].dirty else { continue }
            let ent = entities[i]
            var s = EntitySignal()
            s.visiblePrefixes = ent.visiblePrefixes
            s.visibleSpace = max(0, ent.visibleSpace)
            s.minVisibleSpace = max(0, min(ent.minSpace, ent.visibleSpace))
            let fam = key.family == "ipv4" ? 0 : 1
            s.peerShare = ent.knownPrefixes > 0 && denominators[fam] > 0
                ? ent.sumCount / (Double(ent.knownPrefixes) * Double(denominators[fam])) : 0
            s.announcements = ent.announcements
            s.withdrawals = ent.withdrawals
            s.flaps = ent.flaps
            s.lastDrop = ent.lastDrop
            s.lastRise = ent.lastRise
            s.upstreams = ent.upstreams.keys.sorted()
            signals[key] = s
            if key.scope != .prefix, ent.lastDrop != nil || ent.lastRise != nil { evidence[key] = ent.evidence }
        }
        return BinSnapshot(start: start, width: config.binSeconds, health: health, signals: signals, evidence: evidence)
    }
}

// MARK: Queries (for reports)

extension Observatory {
    /// Prefixes ever attributed to the entity, with whether each is visible now.
    public func prefixes(of key: EntityKey) -> [(prefix: IPPrefix, visible: Bool)] {
        guard let e = entityIndex[key] else { return [] }
        return prefixesOfEntity[Int(e)].map { (prefixes[Int($0)], visible[Int($0)]) }.sorted { $0.prefix < $1.prefix }
    }

    /// Origin ASes of the entity's prefixes, with how many prefixes each originates.
    public func origins(of key: EntityKey) -> [(asn: UInt32, prefixes: Int)] {
        guard let e = entityIndex[key] else { return [] }
        var counts: [UInt32: Int] = [:]
        for pid in prefixesOfEntity[Int(e)] where originOf[Int(pid)] != 0 { counts[originOf[Int(pid)], default: 0] += 1 }
        return counts.map { ($0.key, $0.value) }.sorted { ($0.prefixes, $1.asn) > ($1.prefixes, $0.asn) }
    }

    /// Upstream ASes of the entity now: share of (prefix, full-feed peer) paths through each, and
    /// share of the entity's visible address space reached through each.
    public func upstreamShares(of key: EntityKey) -> [(asn: UInt32, pathShare: Double, spaceShare: Double)] {
        guard let e = entityIndex[key] else { return [] }
        var pathCount: [UInt32: Int] = [:]
        var spaceBy: [UInt32: Double] = [:]
        var totalPaths = 0
        var totalSpace = 0.0
        for pid in prefixesOfEntity[Int(e)] {
            let fam = familyIndex(prefixes[Int(pid)])
            var ups: [UInt32: Int] = [:]
            var n = 0
            for p in peers.values where counts(p, fam) {
                guard let path = p.routes[pid], let up = upstream(of: paths[Int(path)], for: key) else { continue }
                ups[up, default: 0] += 1
                n += 1
            }
            guard n > 0 else { continue }
            let f = memberships[Int(pid)].first { $0.entity == e }?.fraction ?? 1
            totalPaths += n
            totalSpace += space[Int(pid)] * f
            for (up, c) in ups {
                pathCount[up, default: 0] += c
                spaceBy[up, default: 0] += space[Int(pid)] * f * Double(c) / Double(n)
            }
        }
        guard totalPaths > 0 else { return [] }
        return pathCount.keys.map { up in
            (up, Double(pathCount[up]!) / Double(totalPaths), spaceBy[up]! / totalSpace)
        }.sorted { ($0.pathShare, $1.asn) > ($1.pathShare, $0.asn) }
    }

    /// Full-feed peers counting now, per family ("ipv4", "ipv6").
    public var fullFeedPeers: [String: [PeerID]] {
        var out: [String: [PeerID]] = ["ipv4": [], "ipv6": []]
        for p in peers.values where p.established && p.complete {
            if p.fullFeed[0] { out["ipv4"]!.append(p.id) }
            if p.fullFeed[1] { out["ipv6"]!.append(p.id) }
        }
        return out.mapValues { $0.sorted() }
    }

    /// Every peer seen, with its table size per family.
    public var peerTables: [(peer: PeerID, ipv4: Int, ipv6: Int, fullFeed: Bool)] {
        peers.values.map { ($0.id, $0.count[0], $0.count[1], $0.fullFeed[0] || $0.fullFeed[1]) }.sorted { $0.peer < $1.peer }
    }
}
