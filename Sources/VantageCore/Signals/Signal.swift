import BGPWire

/// What a signal or an event is about.
public enum Scope: String, Sendable, Hashable, Codable, Comparable {
    case country, asn, prefix
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// An entity and address family: `KP`/ipv4, `AS131279`/ipv4, `175.45.176.0/24`/ipv4.
public struct EntityKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var scope: Scope
    /// `KP`, `AS131279`, `175.45.176.0/24`.
    public var id: String
    /// "ipv4" or "ipv6".
    public var family: String

    public init(scope: Scope, id: String, family: String) {
        self.scope = scope
        self.id = id
        self.family = family
    }
    public static func country(_ cc: String, _ afi: AFI) -> Self { Self(scope: .country, id: cc, family: afi.description) }
    public static func asn(_ asn: UInt32, _ afi: AFI) -> Self { Self(scope: .asn, id: "AS\(asn)", family: afi.description) }
    public static func prefix(_ p: IPPrefix) -> Self { Self(scope: .prefix, id: p.description, family: p.afi.description) }

    public static func < (a: Self, b: Self) -> Bool { (a.scope, a.id, a.family) < (b.scope, b.id, b.family) }
    public var description: String { "\(scope.rawValue):\(id)/\(family)" }
}

/// One entity's measurements over one time bin.
public struct EntitySignal: Sendable, Hashable, Codable {
    /// Prefixes visible at the end of the bin (seen by more than the visibility threshold of full-feed peers).
    public var visiblePrefixes: Int = 0
    /// Visible address space at the end of the bin, in /24 equivalents for IPv4 and /48 for IPv6.
    public var visibleSpace: Double = 0
    /// Mean, over the entity's known prefixes, of the share of full-feed peers that see each one.
    public var peerShare: Double = 0
    /// Minimum visible space reached inside the bin (an outage shorter than a bin still shows).
    public var minVisibleSpace: Double = 0
    /// Update activity in the bin, counted per (peer, prefix) from full-feed peers.
    public var announcements: Int = 0
    public var withdrawals: Int = 0
    /// Withdrawn and re-announced within the bin by the same peer.
    public var flaps: Int = 0
    /// Timestamp of the update that last took visible space down, and up, within the bin.
    public var lastDrop: UInt32?
    public var lastRise: UInt32?
    /// Upstream ASes (first AS outside the entity on the paths of full-feed peers) at the end of the bin.
    public var upstreams: [UInt32] = []

    public init() {}

    /// The same state in a bin where nothing happened: no activity, no drop or rise.
    public var quiet: EntitySignal {
        var s = self
        (s.announcements, s.withdrawals, s.flaps, s.lastDrop, s.lastRise) = (0, 0, 0, nil, nil)
        s.minVisibleSpace = s.visibleSpace
        return s
    }
}

/// Whether a bin's data can be trusted: "no data" is never "zero routes".
public struct BinHealth: Sendable, Hashable, Codable {
    /// Full-feed peers up (session established, table complete, not stale) at the end of the bin, per family.
    public var fullFeedPeersUp: [String: Int] = [:]
    /// Full-feed peers that went down or were reset during the bin.
    public var peersWentDown: Int = 0
    /// The bin is covered by input data (false for gaps between update files).
    public var dataPresent: Bool = true

    public init() {}

    /// Good enough to score outages for `family`.
    public func isGood(family: String, minPeers: Int) -> Bool {
        dataPresent && peersWentDown == 0 && (fullFeedPeersUp[family] ?? 0) >= minPeers
    }
}

/// Every entity's signal for one bin.
public struct BinSnapshot: Sendable {
    /// Start of the bin, Unix seconds; the bin covers [start, start + width).
    public var start: UInt32
    public var width: UInt32
    public var health: BinHealth
    public var signals: [EntityKey: EntitySignal]
    /// Evidence material: for each entity, its prefixes seen at some point, the full-feed peers and the
    /// last AS paths seen for them (filled for countries and ASes).
    public var evidence: [EntityKey: EntityEvidence]

    public init(start: UInt32, width: UInt32, health: BinHealth, signals: [EntityKey: EntitySignal], evidence: [EntityKey: EntityEvidence] = [:]) {
        self.start = start
        self.width = width
        self.health = health
        self.signals = signals
        self.evidence = evidence
    }
}

/// Facts attached to events so a reader can check them.
public struct EntityEvidence: Sendable, Hashable, Codable {
    /// Prefixes of the entity that lost visibility during the bin.
    public var prefixesLost: [String] = []
    /// Prefixes of the entity that regained visibility during the bin.
    public var prefixesRegained: [String] = []
    /// Peers ("AS30844 196.223.14.55") that withdrew the entity's prefixes during the bin.
    public var withdrawingPeers: [String] = []
    /// Last AS paths seen for the entity's prefixes (one per prefix, most recent first), kept through withdrawals.
    public var lastPaths: [String] = []
    public init() {}
}
