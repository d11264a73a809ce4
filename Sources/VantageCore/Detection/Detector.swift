/// Turns the stream of ``BinSnapshot``s into outage, instability, upstream-change and
/// measurement-gap ``Event``s. No I/O, no randomness, no clock: the same snapshots give the same events.
///
/// Every threshold comes from ``ObservatoryConfig``; the few fixed numbers that are not configuration
/// are the `static let`s below. The rules, in the order they run for each entity of a bin:
///
/// **Input.** Snapshots arrive in increasing `start` order (a snapshot whose start is not after the
/// previous one is ignored). An entity missing from a snapshot after it has appeared once is
/// *unchanged*: its last visible space and upstreams carry forward with no activity (the routing
/// state reports countries every bin but ASes and prefixes only when something happened to them;
/// an entity that lost its routes is reported, with visible space 0). Health is judged per family
/// with `BinHealth.isGood(family:minPeers: config.minFullFeedPeers)`.
///
/// 1. **Baseline** (per entity): median of `visibleSpace` over the last `baselineBins` bins that
///    had good health and in which the entity was not in an outage at any moment (the bins where an
///    outage opens, is open or closes are left out). No outage is scored before `minBaselineBins`
///    such bins exist; an entity seen for the first time has none.
/// 2. **Outage.** In a good bin, with a baseline B: opens when
///    `min(minVisibleSpace, visibleSpace) < (1 − outageDropFraction) × B`; start = the signal's
///    `lastDrop` (bin start when nil). Worst = lowest visible space seen while open; severity =
///    `1 − worst / B` clamped to 0…1; state `.updated` each time severity grows. Closes in the first
///    good bin with `visibleSpace ≥ recoveryFraction × B`; end = the recovery time seen in an unhealthy
///    bin in between (see 3) if any, else that bin's `lastRise`, else its start (never before the
///    start). The check for closing also runs in the opening bin, so a drop that recovers inside
///    one bin is opened and closed at once: start = `lastDrop`, end = `lastRise`. B is fixed while
///    the outage is open.
/// 3. **Bad health is never an outage.** In a bin that is not good for a family (data missing,
///    a full-feed peer went down, fewer than `minFullFeedPeers` full-feed peers) nothing is opened,
///    updated or closed, and no history is recorded. Instead, one `measurement-gap` event per family
///    (entity ``EntityKey/measurement(_:)``: scope `.country`, id `"*"`, meaning "the whole
///    measurement") covers each continuous run of unhealthy or missing bins: it opens when data is
///    missing (a snapshot starting after the previous one's end, or `dataPresent == false`) or when
///    some entity with a baseline, not already in an outage, dropped below the outage threshold in
///    an unhealthy bin. start = start of the first unhealthy (or missing) bin of the run, end = start
///    of the first good bin. Severity = largest share of the family's scored entities that looked
///    down in one bin of the run (1 for missing data). An outage already open stays open through the
///    gap; if its visibility is back in an unhealthy bin, that time is kept as the recovery time and
///    used when a good bin confirms it.
/// 4. **Instability.** activity = withdrawals + flaps; its baseline is the median over the last
///    `baselineBins` good bins that were not themselves unstable (so 24 h of flapping does not become
///    the norm, as outage bins don't for rule 1), and at least `minBaselineBins` bins are needed.
///    Unstable: `activity ≥ instabilityMinEvents`, `activity ≥ instabilityFactor × max(baseline, 1)` and
///    `activity ≥ instabilityMinShare × visiblePrefixes × fullFeedPeersUp` (churn wide across the entity).
///    Opens at the start of the first unstable bin, except in a bin where an outage of the same
///    entity opens or closes (those withdrawals and re-announcements *are* the outage). An unstable
///    bin at whose end the entity has less visible space than at the end of the previous good bin
///    (routes went away and stayed away) may be a step of a withdrawal: while an outage is open it
///    opens nothing (the outage deepening); otherwise it is *held*, not opened. Held bins open the
///    event, with start = the first held bin, at the next unstable bin that did not lose
///    visibility, or at the next good bin in which visibility rose (`lastRise`: routes came back,
///    so they were flapping; that bin is the event's first quiet bin). They are dropped when an
///    outage of the entity opens or is open (they were its lead-in: a gradual withdrawal is not
///    instability), or after `instabilityQuietBins` good bins with neither. Severity =
///    `min(1, activity / (4 × instabilityFactor × max(baseline, 1)))`: 0.25 at the threshold, 1 at
///    four times it; `.updated` when it grows. Baseline and worst hold the activity baseline and the
///    peak activity. Closes after `instabilityQuietBins` consecutive good bins below the threshold;
///    end = start of the first of them. Unhealthy bins neither count as quiet nor break the run.
/// 5. **Upstream change** (countries and ASes): over good bins where the entity has visible space
///    (no visible space is an outage, not an upstream change), a new upstream set becomes the stable
///    set once it held for `upstreamConfirmBins` consecutive such bins. When it replaces an earlier
///    stable set, an `upstream-change` event is emitted opened and closed at once: start = end = start
///    of the first bin with the new set, upstreamsBefore/After = old and new sets, severity =
///    Jaccard distance `1 − |before ∩ after| / |before ∪ after|`.
/// 6. **Outage classification**, first match wins (set at open, recomputed when the worst point moves):
///    - `instability-then-withdrawal`: an instability event of the same entity was open when the
///      outage started, or closed within `instabilityLookback` (24 h) before its start;
///    - `upstream-loss`: partial (below) and an upstream AS present at baseline is missing from the
///      upstreams at the worst point (only observable while some of the entity is still visible);
///    - `partial`: severity < `partialSeverity` (0.9): some of the entity stayed visible;
///    - `gradual-withdrawal`: visibility fell in each of ≥ `gradualMinBins` consecutive good bins
///      ending with the bin that crossed the threshold, and was already below
///      `recoveryFraction × B` before that bin (noise-sized dips don't count);
///    - `abrupt-withdrawal` otherwise.
/// 7. **Evidence.** The bin's ``EntityEvidence`` is attached at open and merged in at each update and
///    at close (order kept, duplicates dropped, newest paths first, lists capped at `evidenceCap`);
///    `fullFeedPeersUp` = full-feed peers up for the family when the event opened; outages carry
///    baseline and worst visible space, `upstreamsBefore` = upstreams in the last baseline bin and
///    `upstreamsAfter` = upstreams at the worst point.
/// 8. **Output.** `consume` returns each event changed by the bin once, in its latest state (an event
///    opened and closed in the same bin comes back once, `.closed`), sorted by start, entity, kind.
///    Work per bin is O(entities tracked); history per entity is a run-length ring (``RunHistory``).
public struct Detector: Sendable {
    public let config: ObservatoryConfig

    /// How far back an instability event classifies an outage as instability-then-withdrawal (24 h).
    public static let instabilityLookback: UInt32 = 86_400
    /// Consecutive bins a new upstream set must hold before it counts.
    public static let upstreamConfirmBins = 2
    /// Below this severity an outage is partial.
    public static let partialSeverity = 0.9
    /// Consecutive declining bins (including the one crossing the threshold) for a gradual withdrawal.
    public static let gradualMinBins = 3
    /// Longest evidence list kept on an event.
    public static let evidenceCap = 50

    // Entities ever seen, in order of first appearance (internal only: outputs are sorted).
    var keys: [EntityKey] = []
    var index: [EntityKey: Int] = [:]
    var tracks: [Track] = []
    /// Upstream tracking, for countries and ASes only (`Track.upstreamSlot`).
    var upstreamStates: [UpstreamState] = []
    /// Open outages and instabilities by entity number.
    var openOutages: [Int: OpenOutage] = [:]
    var openInstabilities: [Int: OpenInstability] = [:]
    /// Unstable bins that lost visibility, held until they prove to be flapping (rule 4).
    var heldInstabilities: [Int: HeldInstability] = [:]
    var book = EventBook()

    var families: [String] = []
    var familyIndex: [String: Int] = [:]
    var gaps: [GapState] = []
    var lastFullFeedPeers: [String: Int] = [:]
    var lastPeerChange: [String: UInt32] = [:]
    /// Bins after a change in the full-feed peer set during which no upstream change is reported.
    public static let upstreamSettleBins = 3

    var serial: UInt32 = 0
    var lastStart: UInt32?
    var lastEnd: UInt32?

    public init(config: ObservatoryConfig) {
        self.config = config
    }

    /// Every event seen so far, latest version of each, sorted by start then entity.
    public var events: [Event] { book.store.sorted(by: Self.order) }

    /// Ends the stream: returns events still open (state .opened/.updated, end == nil), sorted like
    /// ``events``. They stay open: the detector can go on consuming.
    public mutating func finish() -> [Event] {
        book.store.filter { $0.end == nil }.sorted(by: Self.order)
    }

    static func order(_ a: Event, _ b: Event) -> Bool {
        if a.start != b.start { return a.start < b.start }
        if a.entity != b.entity { return a.entity < b.entity }
        return a.kind.rawValue < b.kind.rawValue
    }

    /// Feeds one bin (bins arrive in increasing `start` order; a missing bin between two snapshots means no data).
    /// Returns the event changes this bin caused (opened / updated / closed), in a deterministic order.
    public mutating func consume(_ snapshot: BinSnapshot) -> [Event] {
        if let last = lastStart, snapshot.start <= last { return [] }
        serial &+= 1
        var ctx = BinContext(snapshot: snapshot, minPeers: config.minFullFeedPeers)
        for f in families.indices { ctx.addFamily(families[f]) }

        // Rule 5: while the set of full-feed peers changes (a reset, a peer gone or back) and for
        // `Self.upstreamSettleBins` bins after, upstream sets reflect the measurement, not the entity.
        for (family, peers) in snapshot.health.fullFeedPeersUp {
            if snapshot.health.peersWentDown > 0 || peers != lastFullFeedPeers[family] {
                lastPeerChange[family] = snapshot.start
            }
            lastFullFeedPeers[family] = peers
            if let t = lastPeerChange[family], snapshot.start - t <= UInt32(Self.upstreamSettleBins) * snapshot.width {
                ctx.settling.insert(family)
            }
        }

        // Rule 3: bins missing between the previous snapshot and this one are a measurement gap
        // for every family measured so far (a family is measured once one of its entities appeared).
        if let end = lastEnd, snapshot.start > end {
            for f in families.indices {
                if gaps[f].runStart == nil { gaps[f].runStart = end }
                openOrGrowGap(family: f, severity: 1, peers: 0)
            }
        }

        // Entities in the snapshot, then entities not in it (unchanged since their last signal).
        for (key, signal) in snapshot.signals {
            let i: Int
            if let known = index[key] {
                i = known
            } else {
                i = tracks.count
                let f = family(key.family, &ctx)
                var slot: Int32 = -1
                if key.scope != .prefix {
                    slot = Int32(upstreamStates.count)
                    upstreamStates.append(UpstreamState())
                }
                keys.append(key)
                index[key] = i
                tracks.append(Track(family: UInt8(truncatingIfNeeded: f), upstreamSlot: slot))
            }
            tracks[i].seen = serial
            step(entity: i, signal: signal, ctx: &ctx)
        }
        for i in tracks.indices where tracks[i].seen != serial {
            var carried = EntitySignal()
            carried.visibleSpace = tracks[i].lastVisible
            carried.minVisibleSpace = tracks[i].lastVisible
            carried.upstreams = tracks[i].lastUpstreams
            step(entity: i, signal: carried, ctx: &ctx)
        }

        // Rule 3: open, grow or close each family's measurement gap.
        for f in families.indices {
            if ctx.good[f] {
                if let e = gaps[f].event {
                    book.modify(e) {
                        $0.end = max($0.start, snapshot.start)
                        $0.state = .closed
                    }
                }
                gaps[f] = GapState()
            } else {
                if gaps[f].runStart == nil { gaps[f].runStart = snapshot.start }
                if !snapshot.health.dataPresent {
                    openOrGrowGap(family: f, severity: 1, peers: snapshot.health.fullFeedPeersUp[families[f]] ?? 0)
                } else if ctx.drops[f] > 0 {
                    let share = Double(ctx.drops[f]) / Double(max(ctx.scored[f], ctx.drops[f]))
                    openOrGrowGap(family: f, severity: share, peers: snapshot.health.fullFeedPeersUp[families[f]] ?? 0)
                }
            }
        }

        lastStart = snapshot.start
        lastEnd = snapshot.start &+ snapshot.width
        return book.drainChanges().sorted(by: Self.order)
    }

    // MARK: - Families and gaps

    mutating func family(_ name: String, _ ctx: inout BinContext) -> Int {
        if let f = familyIndex[name] { return f }
        let f = families.count
        families.append(name)
        familyIndex[name] = f
        gaps.append(GapState())
        ctx.addFamily(name)
        return f
    }

    mutating func openOrGrowGap(family f: Int, severity: Double, peers: Int) {
        if let e = gaps[f].event {
            if severity > book.store[e].severity {
                book.modify(e) {
                    $0.severity = severity
                    $0.state = .updated
                }
            }
        } else {
            let event = Event(
                kind: .measurementGap, entity: .measurement(families[f]), start: gaps[f].runStart ?? 0,
                severity: severity, fullFeedPeersUp: peers)
            gaps[f].event = book.add(event)
        }
    }
}

extension EntityKey {
    /// The whole measurement for a family (scope `.country`, id `"*"`): the entity of measurement-gap events.
    public static func measurement(_ family: String) -> EntityKey {
        EntityKey(scope: .country, id: "*", family: family)
    }
    /// True for the measurement-gap entity.
    public var isMeasurement: Bool { scope == .country && id == "*" }
}
