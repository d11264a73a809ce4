/// Per-entity and per-bin state of ``Detector``. Kept small: one `Track` per entity ever seen,
/// the rarer open events in side tables.

/// What the detector remembers of one entity.
struct Track: Sendable {
    /// Rule 1: visible space in good, outage-free bins.
    var space = RunHistory()
    /// Rule 4: activity (withdrawals + flaps) in good, not unstable bins.
    var activity = RunHistory()
    /// Last signal (carried forward when the entity is absent from a snapshot).
    var lastVisible: Double = 0
    var lastUpstreams: [UInt32] = []
    /// Upstreams in the last baseline bin with visible space (rules 6, 7).
    var baselineUpstreams: [UInt32] = []
    /// Visible space at the end of the previous good bin (-1: none) and the number of consecutive
    /// good bins in which it fell (rule 6, gradual).
    var prevGoodVisible: Double = -1
    var declineRun: Int32 = 0
    /// End of the last closed instability event (rule 6).
    var lastInstabilityEnd: UInt32?
    /// Detector serial of the last snapshot that carried the entity.
    var seen: UInt32 = 0
    var family: UInt8
    var hasOutage = false
    var hasInstability = false
    /// Index into `Detector.upstreamStates`, -1 for prefixes.
    var upstreamSlot: Int32

    init(family: UInt8, upstreamSlot: Int32) {
        self.family = family
        self.upstreamSlot = upstreamSlot
    }
}

struct OpenOutage: Sendable {
    var event: Int
    var baseline: Double
    var worst: Double
    var instabilityBefore: Bool
    var gradual: Bool
    /// Rule 3: when visibility came back during an unhealthy bin.
    var pendingRecovery: UInt32?
}

struct OpenInstability: Sendable {
    var event: Int
    var quietBins: Int = 0
    var firstQuietStart: UInt32 = 0
}

/// Rule 4: unstable bins in which the entity lost visibility, not yet known to be flapping rather
/// than the first steps of a withdrawal.
struct HeldInstability: Sendable {
    /// Start of the first held bin: the instability's start if it is confirmed.
    var start: UInt32
    var worst: Double = 0
    var evidence = EntityEvidence()
    /// Consecutive good bins since, below the threshold and with nothing coming back.
    var quietBins = 0
}

struct UpstreamState: Sendable {
    var stable: [UInt32]?
    /// Full-feed peers up when `stable` was set: a set seen by a different number of peers reflects the
    /// measurement (a peer reset or gone), not the entity, and is adopted without an event.
    var stablePeers = 0
    /// The candidate was seen while the number of full-feed peers differed from `stablePeers`.
    var candidateDuringPeerChange = false
    var candidate: [UInt32]?
    var candidateBins = 0
    var candidateStart: UInt32 = 0
}

struct GapState: Sendable {
    /// Start of the current run of unhealthy or missing bins.
    var runStart: UInt32?
    /// The open measurement-gap event, if the run raised one.
    var event: Int?
}

/// All events, and which ones the current bin changed.
struct EventBook: Sendable {
    var store: [Event] = []
    private var changed: [Int] = []
    private var changedMark: [Bool] = []

    mutating func add(_ e: Event) -> Int {
        store.append(e)
        changedMark.append(false)
        mark(store.count - 1)
        return store.count - 1
    }

    mutating func modify(_ i: Int, _ body: (inout Event) -> Void) {
        body(&store[i])
        mark(i)
    }

    private mutating func mark(_ i: Int) {
        if !changedMark[i] {
            changedMark[i] = true
            changed.append(i)
        }
    }

    mutating func drainChanges() -> [Event] {
        defer {
            for i in changed { changedMark[i] = false }
            changed.removeAll(keepingCapacity: true)
        }
        return changed.map { store[$0] }
    }
}

/// Facts about the bin being consumed.
struct BinContext {
    let snapshot: BinSnapshot
    let minPeers: Int
    /// Per family (detector family number): health is good; entities scored; entities that dropped.
    var good: [Bool] = []
    var scored: [Int] = []
    var drops: [Int] = []
    /// Families whose full-feed peer set changed recently (rule 5).
    var settling: Set<String> = []

    init(snapshot: BinSnapshot, minPeers: Int) {
        self.snapshot = snapshot
        self.minPeers = minPeers
    }

    mutating func addFamily(_ name: String) {
        good.append(snapshot.health.isGood(family: name, minPeers: minPeers))
        scored.append(0)
        drops.append(0)
    }
}

extension EntityEvidence {
    /// Rule 7: merges a later bin's evidence; order kept, duplicates dropped, newest paths first,
    /// every list capped at `cap`.
    mutating func merge(_ later: EntityEvidence, cap: Int) {
        prefixesLost = Self.union(prefixesLost, later.prefixesLost, cap: cap)
        prefixesRegained = Self.union(prefixesRegained, later.prefixesRegained, cap: cap)
        withdrawingPeers = Self.union(withdrawingPeers, later.withdrawingPeers, cap: cap)
        lastPaths = Self.union(later.lastPaths, lastPaths, cap: cap)
    }

    func capped(_ cap: Int) -> EntityEvidence {
        var e = EntityEvidence()
        e.merge(self, cap: cap)
        return e
    }

    private static func union(_ a: [String], _ b: [String], cap: Int) -> [String] {
        if a.isEmpty && b.isEmpty { return [] }
        var seen = Set<String>()
        var out: [String] = []
        for s in a where out.count < cap && seen.insert(s).inserted { out.append(s) }
        for s in b where out.count < cap && seen.insert(s).inserted { out.append(s) }
        return out
    }
}
