/// The per-entity rules of ``Detector`` (numbered as in its documentation).
extension Detector {
    /// Runs rules 1–7 for entity `i` with its signal for the current bin.
    mutating func step(entity i: Int, signal s: EntitySignal, ctx: inout BinContext) {
        let f = Int(tracks[i].family)
        let binStart = ctx.snapshot.start
        let visible = Self.clean(s.visibleSpace)
        // The lowest point of the bin: an outage shorter than a bin still shows.
        let level = min(Self.clean(s.minVisibleSpace), visible)
        defer {
            tracks[i].lastVisible = visible
            tracks[i].lastUpstreams = s.upstreams
        }

        guard ctx.good[f] else {
            // Rule 3: nothing opens, updates or closes in an unhealthy bin, and no history is kept;
            // entities that look down feed the measurement-gap event instead.
            if tracks[i].hasOutage {
                var o = openOutages[i]!
                if visible >= config.recoveryFraction * o.baseline {
                    if o.pendingRecovery == nil { o.pendingRecovery = s.lastRise ?? binStart }
                } else {
                    o.pendingRecovery = nil
                }
                openOutages[i] = o
            } else if Int(tracks[i].space.count) >= config.minBaselineBins {
                ctx.scored[f] += 1
                if droppedBaseline(i, level: level) != nil { ctx.drops[f] += 1 }
            }
            return
        }

        // Rule 4 needs whether visibility fell over this bin, before rule 1 moves `prevGoodVisible` on.
        let prev = tracks[i].prevGoodVisible
        let lostVisibility = prev >= 0 && visible < prev
        let outageEdge = stepOutage(i, s, visible: visible, level: level, ctx: ctx)
        stepInstability(i, s, outageEdge: outageEdge, lostVisibility: lostVisibility, ctx: ctx)
        if tracks[i].upstreamSlot >= 0, visible > 0 { stepUpstreams(i, s, visible: visible, ctx: ctx) }
    }

    /// Rules 1, 2, 6, 7 in a good bin. Returns true when an outage opened or closed in this bin.
    private mutating func stepOutage(_ i: Int, _ s: EntitySignal, visible: Double, level: Double, ctx: BinContext) -> Bool {
        let snapshot = ctx.snapshot
        let binStart = snapshot.start
        var inOutage = tracks[i].hasOutage
        var edge = false

        if tracks[i].hasOutage {
            var o = openOutages[i]!
            var merged = false
            if level < o.worst {
                // Rule 2: worse than before — severity grows, classification is refined.
                o.worst = level
                let severity = Self.outageSeverity(level, baseline: o.baseline)
                let after = Self.normalized(s.upstreams)
                let evidence = snapshot.evidence[keys[i]]
                book.modify(o.event) { e in
                    e.worst = level
                    e.severity = severity
                    e.upstreamsAfter = after
                    e.classification = Self.classify(
                        instabilityBefore: o.instabilityBefore, gradual: o.gradual, severity: severity,
                        upstreamsBefore: e.upstreamsBefore, upstreamsAtWorst: after)
                    e.state = .updated
                    if let evidence { e.evidence.merge(evidence, cap: Self.evidenceCap) }
                }
                merged = true
            }
            if visible >= config.recoveryFraction * o.baseline {
                // Rule 2: recovered. A recovery first seen in an unhealthy bin keeps its time (rule 3).
                let end = o.pendingRecovery ?? s.lastRise ?? binStart
                let evidence = merged ? nil : snapshot.evidence[keys[i]]
                book.modify(o.event) { e in
                    e.end = max(e.start, end)
                    e.state = .closed
                    if let evidence { e.evidence.merge(evidence, cap: Self.evidenceCap) }
                }
                openOutages[i] = nil
                tracks[i].hasOutage = false
                edge = true
            } else {
                o.pendingRecovery = nil
                openOutages[i] = o
            }
        } else if Int(tracks[i].space.count) >= config.minBaselineBins, let baseline = droppedBaseline(i, level: level) {
            // Rule 2: a drop below the outage threshold opens an outage at the time of the drop.
            let start = s.lastDrop ?? binStart
            let severity = Self.outageSeverity(level, baseline: baseline)
            let lookFrom = start >= Self.instabilityLookback ? start - Self.instabilityLookback : 0
            let instabilityBefore = tracks[i].hasInstability || (tracks[i].lastInstabilityEnd.map { $0 >= lookFrom } ?? false)
            let prev = tracks[i].prevGoodVisible
            let gradual = prev >= 0 && level < prev
                && Int(tracks[i].declineRun) + 1 >= Self.gradualMinBins
                && prev < config.recoveryFraction * baseline
            let before = Self.normalized(tracks[i].baselineUpstreams)
            let after = Self.normalized(s.upstreams)
            var event = Event(
                kind: .outage, entity: keys[i], start: start, severity: severity,
                classification: Self.classify(
                    instabilityBefore: instabilityBefore, gradual: gradual, severity: severity,
                    upstreamsBefore: before, upstreamsAtWorst: after),
                baseline: baseline, worst: level, upstreamsBefore: before, upstreamsAfter: after,
                evidence: (snapshot.evidence[keys[i]] ?? EntityEvidence()).capped(Self.evidenceCap),
                fullFeedPeersUp: snapshot.health.fullFeedPeersUp[keys[i].family] ?? 0)
            if visible >= config.recoveryFraction * baseline {
                // Rule 2: dropped and recovered inside the bin.
                event.end = max(start, s.lastRise ?? binStart)
                event.state = .closed
                _ = book.add(event)
            } else {
                let e = book.add(event)
                openOutages[i] = OpenOutage(
                    event: e, baseline: baseline, worst: level, instabilityBefore: instabilityBefore, gradual: gradual)
                tracks[i].hasOutage = true
            }
            inOutage = true
            edge = true
        }

        // Rule 1: only good bins free of any outage moment build the baseline.
        if !inOutage {
            tracks[i].space.push(visible, capacity: config.baselineBins)
            if visible > 0 { tracks[i].baselineUpstreams = s.upstreams }
        }
        // Rule 6 (gradual): consecutive good bins in which visibility fell.
        let prev = tracks[i].prevGoodVisible
        tracks[i].declineRun = prev >= 0 && visible < prev ? tracks[i].declineRun + 1 : 0
        tracks[i].prevGoodVisible = visible
        return edge
    }

    /// Rule 4: the churn touches a real share of the entity — at least `instabilityMinShare` of its
    /// (visible prefix, full-feed peer) routes — so a few busy prefixes of a large country are not
    /// that country's instability.
    private func churnIsWide(_ activity: Double, _ s: EntitySignal, _ key: EntityKey, _ ctx: BinContext) -> Bool {
        let peers = max(1, ctx.snapshot.health.fullFeedPeersUp[key.family] ?? 1)
        return activity >= config.instabilityMinShare * Double(max(1, s.visiblePrefixes) * peers)
    }

    /// Rule 4 in a good bin.
    private mutating func stepInstability(_ i: Int, _ s: EntitySignal, outageEdge: Bool, lostVisibility: Bool, ctx: BinContext) {
        let snapshot = ctx.snapshot
        let activity = max(0, s.withdrawals) + max(0, s.flaps)
        let value = Double(activity)

        if tracks[i].hasInstability {
            var st = openInstabilities[i]!
            let base = tracks[i].activity.median() ?? 0
            let threshold = config.instabilityFactor * max(base, 1)
            if activity >= config.instabilityMinEvents && value >= threshold && churnIsWide(value, s, keys[i], ctx) {
                st.quietBins = 0
                let severity = Self.instabilitySeverity(value, baseline: base, factor: config.instabilityFactor)
                if severity > book.store[st.event].severity {
                    let evidence = snapshot.evidence[keys[i]]
                    book.modify(st.event) { e in
                        e.severity = severity
                        e.worst = max(e.worst, value)
                        e.state = .updated
                        if let evidence { e.evidence.merge(evidence, cap: Self.evidenceCap) }
                    }
                }
                openInstabilities[i] = st
            } else {
                if st.quietBins == 0 { st.firstQuietStart = snapshot.start }
                st.quietBins += 1
                tracks[i].activity.push(value, capacity: config.baselineBins)
                if st.quietBins >= config.instabilityQuietBins {
                    let end = st.firstQuietStart
                    book.modify(st.event) { e in
                        e.end = max(e.start, end)
                        e.state = .closed
                    }
                    tracks[i].lastInstabilityEnd = end
                    tracks[i].hasInstability = false
                    openInstabilities[i] = nil
                } else {
                    openInstabilities[i] = st
                }
            }
            return
        }

        // Cheap test first: with a baseline ≥ 0 the threshold is at least `instabilityFactor`.
        var base = 0.0
        var unstable = false
        if Int(tracks[i].activity.count) >= config.minBaselineBins,
            activity >= config.instabilityMinEvents, value >= config.instabilityFactor
        {
            base = tracks[i].activity.median() ?? 0
            unstable = value >= config.instabilityFactor * max(base, 1) && churnIsWide(value, s, keys[i], ctx)
        }
        // Held bins were the lead-in of an outage once one opens (rule 4).
        if outageEdge || tracks[i].hasOutage { heldInstabilities[i] = nil }
        guard unstable else {
            let before = heldInstabilities[i] == nil ? 0 : tracks[i].activity.median() ?? 0
            tracks[i].activity.push(value, capacity: config.baselineBins)
            if var held = heldInstabilities[i] {
                if s.lastRise != nil {
                    // Routes came back: the held withdrawals were flapping after all. This bin is
                    // the event's first quiet bin.
                    openInstability(i, from: held, activity: value, baseline: before, quietFrom: snapshot.start, ctx: ctx)
                } else {
                    held.quietBins += 1
                    heldInstabilities[i] = held.quietBins >= config.instabilityQuietBins ? nil : held
                }
            }
            return
        }
        // Unstable bins stay out of the activity baseline; an outage's own edges open nothing.
        guard !outageEdge else { return }
        if lostVisibility {
            // Routes went away and stayed away: maybe the first steps of a (gradual) withdrawal, held
            // until routes come back or activity without a loss follows; while an outage is open,
            // the outage deepening.
            guard !tracks[i].hasOutage else { return }
            var held = heldInstabilities[i] ?? HeldInstability(start: snapshot.start)
            held.worst = max(held.worst, value)
            held.quietBins = 0
            if let e = snapshot.evidence[keys[i]] { held.evidence.merge(e, cap: Self.evidenceCap) }
            heldInstabilities[i] = held
            return
        }
        openInstability(
            i, from: heldInstabilities[i] ?? HeldInstability(start: snapshot.start), activity: value, baseline: base,
            quietFrom: nil, ctx: ctx)
    }

    /// Rule 4: opens an instability event that started with `held` (the first unstable bin), taking
    /// this bin's activity and evidence in; `quietFrom` when this bin is already below the threshold.
    private mutating func openInstability(
        _ i: Int, from held: HeldInstability, activity: Double, baseline base: Double, quietFrom: UInt32?,
        ctx: BinContext
    ) {
        let snapshot = ctx.snapshot
        heldInstabilities[i] = nil
        let worst = max(held.worst, activity)
        var evidence = held.evidence
        if let e = snapshot.evidence[keys[i]] { evidence.merge(e, cap: Self.evidenceCap) }
        let event = Event(
            kind: .instability, entity: keys[i], start: held.start,
            severity: Self.instabilitySeverity(worst, baseline: base, factor: config.instabilityFactor),
            baseline: base, worst: worst, upstreamsBefore: Self.normalized(tracks[i].baselineUpstreams),
            evidence: evidence.capped(Self.evidenceCap),
            fullFeedPeersUp: snapshot.health.fullFeedPeersUp[keys[i].family] ?? 0)
        let e = book.add(event)
        guard let quietFrom else {
            openInstabilities[i] = OpenInstability(event: e)
            tracks[i].hasInstability = true
            return
        }
        if config.instabilityQuietBins <= 1 {
            book.modify(e) { ev in
                ev.end = max(ev.start, quietFrom)
                ev.state = .closed
            }
            tracks[i].lastInstabilityEnd = quietFrom
        } else {
            openInstabilities[i] = OpenInstability(event: e, quietBins: 1, firstQuietStart: quietFrom)
            tracks[i].hasInstability = true
        }
    }

    /// Rule 5 in a good bin where the entity has visible space.
    private mutating func stepUpstreams(_ i: Int, _ s: EntitySignal, visible: Double, ctx: BinContext) {
        let slot = Int(tracks[i].upstreamSlot)
        let set = Self.normalized(s.upstreams)
        var u = upstreamStates[slot]
        if let stable = u.stable, stable == set {
            u.candidate = nil
            u.candidateBins = 0
        } else if let candidate = u.candidate, candidate == set {
            u.candidateBins += 1
        } else {
            u.candidate = set
            u.candidateBins = 1
            u.candidateStart = ctx.snapshot.start
            u.candidateDuringPeerChange = false
        }
        let peers = ctx.snapshot.health.fullFeedPeersUp[keys[i].family] ?? 0
        if u.candidate != nil && (peers != u.stablePeers || ctx.settling.contains(keys[i].family)) {
            u.candidateDuringPeerChange = true
        }
        if u.candidate != nil, u.candidateBins >= Self.upstreamConfirmBins {
            if let before = u.stable, !u.candidateDuringPeerChange {
                let b = Set(before), a = Set(set)
                let union = b.union(a).count
                let severity = union == 0 ? 0 : 1 - Double(b.intersection(a).count) / Double(union)
                let event = Event(
                    kind: .upstreamChange, entity: keys[i], start: u.candidateStart, end: u.candidateStart,
                    severity: severity, state: .closed, baseline: tracks[i].space.median() ?? 0, worst: visible,
                    upstreamsBefore: before, upstreamsAfter: set,
                    evidence: (ctx.snapshot.evidence[keys[i]] ?? EntityEvidence()).capped(Self.evidenceCap),
                    fullFeedPeersUp: ctx.snapshot.health.fullFeedPeersUp[keys[i].family] ?? 0)
                _ = book.add(event)
            }
            u.stable = set
            u.stablePeers = peers
            u.candidate = nil
            u.candidateBins = 0
        }
        upstreamStates[slot] = u
    }

    // MARK: - Helpers

    /// Rule 2: the baseline when `level` is below the outage threshold, else nil. Compares with the
    /// largest sample first, so the median is only computed for entities that may have dropped.
    func droppedBaseline(_ i: Int, level: Double) -> Double? {
        let keep = 1 - config.outageDropFraction
        guard let top = tracks[i].space.maximum(), level < keep * top,
            let baseline = tracks[i].space.median(), level < keep * baseline
        else { return nil }
        return baseline
    }

    /// Rule 6, first match wins.
    static func classify(
        instabilityBefore: Bool, gradual: Bool, severity: Double, upstreamsBefore: [UInt32], upstreamsAtWorst: [UInt32]
    ) -> OutageClass {
        if instabilityBefore { return .instabilityThenWithdrawal }
        if severity < partialSeverity {
            let now = Set(upstreamsAtWorst)
            if upstreamsBefore.contains(where: { !now.contains($0) }) { return .upstreamLoss }
            return .partial
        }
        return gradual ? .gradualWithdrawal : .abruptWithdrawal
    }

    static func outageSeverity(_ worst: Double, baseline: Double) -> Double {
        guard baseline > 0 else { return 0 }
        return min(1, max(0, 1 - worst / baseline))
    }

    static func instabilitySeverity(_ activity: Double, baseline: Double, factor: Double) -> Double {
        let scale = 4 * factor * max(baseline, 1)
        guard scale > 0 else { return 1 }
        return min(1, max(0, activity / scale))
    }

    static func clean(_ x: Double) -> Double { x.isFinite && x > 0 ? x : 0 }

    static func normalized(_ upstreams: [UInt32]) -> [UInt32] {
        var sorted = true
        for k in upstreams.indices.dropFirst() where upstreams[k - 1] >= upstreams[k] {
            sorted = false
            break
        }
        return sorted ? upstreams : Array(Set(upstreams)).sorted()
    }
}
