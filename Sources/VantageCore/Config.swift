import BGPWire

/// Every domain constant of the observatory in one place, each with where it comes from.
/// Commands build one from defaults and flags; nothing else hard-codes these numbers.
public struct ObservatoryConfig: Sendable {
    /// Width of a signal time bin in seconds. IODA publishes BGP signals in 5-minute bins.
    public var binSeconds: UInt32 = 300

    /// A peer is full-feed for a family when its table holds at least this fraction of the largest
    /// table seen for that family (the rule libbgpstream/bgpview use with an absolute 400k cut-off;
    /// a ratio keeps working for IPv6 and for old archives).
    public var fullFeedRatio: Double = 0.9
    /// ...and at least this many prefixes, so that a collector with only small peers has no full feed.
    public var fullFeedMinPrefixes: [AFI: Int] = [.ipv4: 100_000, .ipv6: 5_000]

    /// A prefix is visible when more than this fraction of the full-feed peers that are up see it
    /// (IODA: visible if seen by more than 50 % of full-feed peers).
    public var visibilityThreshold: Double = 0.5

    /// A peer that sent nothing (no update, no state change, no RIB) for this long is stale and its
    /// table stops counting until it speaks again. RouteViews/RIS peers send updates every minute.
    public var peerStaleSeconds: UInt32 = 3600

    /// Keep signals and detect events per prefix too (one entity per routed prefix: ~500k on a full
    /// table, so off unless asked for). Countries and origin ASes are always tracked.
    public var trackPrefixes = false

    /// Prefixes shorter than this are not attributed to countries (a default route spans them all).
    public var minCountryPrefixLength = (ipv4: 8, ipv6: 16)

    /// Measurement health: fewer full-feed peers up than this makes a bin unknown (never an outage).
    public var minFullFeedPeers: Int = 1

    /// Outage: visibility (in /24 or /48 equivalents) below this fraction of the baseline.
    public var outageDropFraction: Double = 0.5
    /// Baseline: rolling median over this many previous bins with good health (24 h of 5-minute bins).
    public var baselineBins: Int = 288
    /// Bins needed before the baseline is trusted.
    public var minBaselineBins: Int = 3
    /// An outage ends when visibility is back above this fraction of the baseline.
    public var recoveryFraction: Double = 0.9

    /// Instability: flaps + withdrawals in a bin at least this many times the baseline rate and at
    /// least `instabilityMinEvents`.
    public var instabilityFactor: Double = 5
    public var instabilityMinEvents: Int = 4
    /// ...and touching at least this share of the entity's routes (visible prefixes × full-feed peers)
    /// in the bin: a handful of busy prefixes in a large country is background churn, not instability.
    public var instabilityMinShare: Double = 0.04
    /// Quiet bins that close an instability event.
    public var instabilityQuietBins: Int = 6

    public init() {}
}
