/// What happened.
public enum EventKind: String, Sendable, Hashable, Codable {
    case outage
    case instability
    case upstreamChange = "upstream-change"
    /// The data could not tell: peers went down or input was missing while visibility dropped.
    case measurementGap = "measurement-gap"
}

/// How an outage unfolded.
public enum OutageClass: String, Sendable, Hashable, Codable {
    /// Visibility fell within one bin.
    case abruptWithdrawal = "abrupt-withdrawal"
    /// Visibility fell over several bins.
    case gradualWithdrawal = "gradual-withdrawal"
    /// Instability (flapping) in the hours before the withdrawal: the North Korea 2014 pattern.
    case instabilityThenWithdrawal = "instability-then-withdrawal"
    /// Some, not most, of the entity stayed visible.
    case partial
    /// The entity's only (or main) upstream disappeared from its paths when visibility fell.
    case upstreamLoss = "upstream-loss"
}

public enum EventState: String, Sendable, Hashable, Codable {
    case opened, updated, closed
}

/// An event with its lifecycle and evidence. Times are Unix seconds.
public struct Event: Sendable, Hashable, Codable {
    /// Stable identifier: kind, entity, family and start.
    public var id: String
    public var kind: EventKind
    public var entity: EntityKey
    /// The moment visibility fell (timestamp of the update, not just the bin), or the bin start when
    /// no finer time is known.
    public var start: UInt32
    /// Recovery time; nil while the event is open.
    public var end: UInt32?
    /// Fraction lost at the worst point (outage), or activity relative to baseline capped to 1 (instability).
    public var severity: Double
    public var classification: OutageClass?
    public var state: EventState
    /// Visible space of the entity at baseline and at the worst point.
    public var baseline: Double
    public var worst: Double
    /// Upstream ASes before and (for upstream changes) after.
    public var upstreamsBefore: [UInt32]
    public var upstreamsAfter: [UInt32]
    public var evidence: EntityEvidence
    /// Full-feed peers up when the event opened (measurement health, stated in every alert).
    public var fullFeedPeersUp: Int

    public init(
        kind: EventKind, entity: EntityKey, start: UInt32, end: UInt32? = nil, severity: Double,
        classification: OutageClass? = nil, state: EventState = .opened, baseline: Double = 0, worst: Double = 0,
        upstreamsBefore: [UInt32] = [], upstreamsAfter: [UInt32] = [], evidence: EntityEvidence = EntityEvidence(),
        fullFeedPeersUp: Int = 0
    ) {
        self.id = "\(kind.rawValue):\(entity.scope.rawValue):\(entity.id):\(entity.family):\(start)"
        self.kind = kind
        self.entity = entity
        self.start = start
        self.end = end
        self.severity = severity
        self.classification = classification
        self.state = state
        self.baseline = baseline
        self.worst = worst
        self.upstreamsBefore = upstreamsBefore
        self.upstreamsAfter = upstreamsAfter
        self.evidence = evidence
        self.fullFeedPeersUp = fullFeedPeersUp
    }

    /// Duration in seconds, when closed.
    public var duration: UInt32? { end.map { $0 >= start ? $0 - start : 0 } }
}
