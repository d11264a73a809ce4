import XCTest

@testable import VantageCore

// Synthetic snapshot streams for ``Detector``: 5-minute bins from 2014-12-21 00:00 UTC, default
// ``ObservatoryConfig`` (baseline 288 bins, 3 needed; drop 50 %, recovery 90 %; instability ×5, ≥ 4
// events, 6 quiet bins).

private let t0: UInt32 = 1_419_120_000
private let width: UInt32 = 300
private let kp = EntityKey(scope: .country, id: "KP", family: "ipv4")
private let as131279 = EntityKey(scope: .asn, id: "AS131279", family: "ipv4")
private let gap4 = EntityKey.measurement("ipv4")

/// Start of bin `n`.
private func t(_ n: Int) -> UInt32 { t0 + UInt32(n) * width }

private func sig(
    _ space: Double, min: Double? = nil, withdrawals: Int = 0, flaps: Int = 0,
    drop: UInt32? = nil, rise: UInt32? = nil, up: [UInt32] = [4837]
) -> EntitySignal {
    var s = EntitySignal()
    s.visibleSpace = space
    s.minVisibleSpace = min ?? space
    s.visiblePrefixes = Int(space)
    s.withdrawals = withdrawals
    s.flaps = flaps
    s.lastDrop = drop
    s.lastRise = rise
    s.upstreams = up
    return s
}

private func health(peers: Int = 20, down: Int = 0, present: Bool = true) -> BinHealth {
    var h = BinHealth()
    h.fullFeedPeersUp = ["ipv4": peers, "ipv6": peers]
    h.peersWentDown = down
    h.dataPresent = present
    return h
}

private func bin(
    _ n: Int, _ signals: [EntityKey: EntitySignal], health h: BinHealth = health(),
    evidence: [EntityKey: EntityEvidence] = [:]
) -> BinSnapshot {
    BinSnapshot(start: t(n), width: width, health: h, signals: signals, evidence: evidence)
}

/// Feeds the bins; returns the changes of each bin (aligned with `bins`) and the detector.
/// The hand-built bins below carry few withdrawals for 20 peers; the breadth rule (instabilityMinShare)
/// is exercised by `testNarrowChurnIsNotInstability` and the scenario tests.
private let unitConfig: ObservatoryConfig = {
    var c = ObservatoryConfig()
    c.instabilityMinShare = 0
    return c
}()

private func detect(_ bins: [BinSnapshot], config: ObservatoryConfig = unitConfig) -> ([[Event]], Detector) {
    var d = Detector(config: config)
    let changes = bins.map { d.consume($0) }
    return (changes, d)
}

/// Indices of the bins whose change list is not empty.
private func active(_ changes: [[Event]]) -> [Int] { changes.indices.filter { !changes[$0].isEmpty } }

private func outage(
    _ entity: EntityKey, start: UInt32, end: UInt32?, severity: Double, _ cls: OutageClass, state: EventState,
    baseline: Double, worst: Double, before: [UInt32] = [4837], after: [UInt32] = [],
    evidence: EntityEvidence = EntityEvidence(), peers: Int = 20
) -> Event {
    Event(
        kind: .outage, entity: entity, start: start, end: end, severity: severity, classification: cls, state: state,
        baseline: baseline, worst: worst, upstreamsBefore: before, upstreamsAfter: after, evidence: evidence,
        fullFeedPeersUp: peers)
}

private func assertSame(_ a: [Event], _ b: [Event], file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(a) vs \(b)", file: file, line: line)
    for (x, y) in zip(a, b) {
        var x2 = x, y2 = y
        XCTAssertEqual(x.severity, y.severity, accuracy: 1e-9, "\(x.id)", file: file, line: line)
        x2.severity = 0
        y2.severity = 0
        XCTAssertEqual(x2, y2, file: file, line: line)
    }
}

final class DetectorTests: XCTestCase {

    func testAbruptDropAndRecovery() {
        var lost = EntityEvidence()
        lost.prefixesLost = ["175.45.176.0/24", "175.45.177.0/24", "175.45.176.0/24"]
        lost.withdrawingPeers = ["AS30844 196.223.14.55"]
        lost.lastPaths = ["30844 3356 1239 4837 131279"]
        var bins = (0..<10).map { bin($0, [kp: sig(100)]) }
        // The withdrawals of the drop bin are the outage, not instability.
        bins.append(bin(10, [kp: sig(0, withdrawals: 40, drop: t(10) + 123, up: [])], evidence: [kp: lost]))
        bins += (11...13).map { bin($0, [kp: sig(0, up: [])]) }
        bins.append(bin(14, [kp: sig(100, rise: t(14) + 45)]))
        bins += (15...16).map { bin($0, [kp: sig(100)]) }
        let (changes, d) = detect(bins)

        var ev = EntityEvidence()
        ev.prefixesLost = ["175.45.176.0/24", "175.45.177.0/24"]
        ev.withdrawingPeers = ["AS30844 196.223.14.55"]
        ev.lastPaths = ["30844 3356 1239 4837 131279"]
        XCTAssertEqual(active(changes), [10, 14])
        assertSame(changes[10], [outage(kp, start: t(10) + 123, end: nil, severity: 1, .abruptWithdrawal, state: .opened, baseline: 100, worst: 0, evidence: ev)])
        let closed = outage(kp, start: t(10) + 123, end: t(14) + 45, severity: 1, .abruptWithdrawal, state: .closed, baseline: 100, worst: 0, evidence: ev)
        assertSame(changes[14], [closed])
        assertSame(d.events, [closed])
        XCTAssertEqual(closed.duration, 4 * 300 - 123 + 45)
        XCTAssertEqual(closed.id, "outage:country:KP:ipv4:\(t(10) + 123)")
    }

    func testDropInsideOneBin() {
        var bins = (0..<5).map { bin($0, [kp: sig(100)]) }
        bins.append(bin(5, [kp: sig(100, min: 0, withdrawals: 4, flaps: 4, drop: t(5) + 60, rise: t(5) + 200)]))
        bins += (6...8).map { bin($0, [kp: sig(100)]) }
        let (changes, d) = detect(bins)

        let e = outage(kp, start: t(5) + 60, end: t(5) + 200, severity: 1, .abruptWithdrawal, state: .closed, baseline: 100, worst: 0, after: [4837])
        XCTAssertEqual(active(changes), [5])
        assertSame(changes[5], [e])
        assertSame(d.events, [e])
    }

    func testGradualDeclineRefinedOnUpdate() {
        var bins = (0..<10).map { bin($0, [kp: sig(100)]) }
        bins.append(bin(10, [kp: sig(75, drop: t(10) + 1)]))
        bins.append(bin(11, [kp: sig(55, drop: t(11) + 2)]))
        bins.append(bin(12, [kp: sig(20, drop: t(12) + 3)]))  // crosses 50: opens as partial (80 % lost)
        bins.append(bin(13, [kp: sig(0, drop: t(13) + 4, up: [])]))  // all gone: refined to gradual
        bins.append(bin(14, [kp: sig(0, up: [])]))
        bins.append(bin(15, [kp: sig(100, rise: t(15) + 7)]))
        let (changes, d) = detect(bins)

        XCTAssertEqual(active(changes), [12, 13, 15])
        assertSame(changes[12], [outage(kp, start: t(12) + 3, end: nil, severity: 0.8, .partial, state: .opened, baseline: 100, worst: 20, after: [4837])])
        assertSame(changes[13], [outage(kp, start: t(12) + 3, end: nil, severity: 1, .gradualWithdrawal, state: .updated, baseline: 100, worst: 0)])
        let closed = outage(kp, start: t(12) + 3, end: t(15) + 7, severity: 1, .gradualWithdrawal, state: .closed, baseline: 100, worst: 0)
        assertSame(changes[15], [closed])
        assertSame(d.events, [closed])
    }

    func testTwoBinFallIsAbrupt() {
        var bins = (0..<10).map { bin($0, [kp: sig(100)]) }
        bins.append(bin(10, [kp: sig(60)]))
        bins.append(bin(11, [kp: sig(0, up: [])]))
        bins.append(bin(12, [kp: sig(100)]))
        let (_, d) = detect(bins)
        XCTAssertEqual(d.events.map(\.classification), [.abruptWithdrawal])
        XCTAssertEqual(d.events.map(\.start), [t(11)])
        XCTAssertEqual(d.events.map(\.end), [t(12)])
    }

    func testPartialAndUpstreamLoss() {
        // KP keeps its upstream and loses 60 % of its space: partial.
        // AS131279 loses 60 % and its upstream AS9002 with it: upstream-loss (plus the upstream changes).
        var bins = (0..<6).map { bin($0, [kp: sig(10), as131279: sig(10, up: [4837, 9002])]) }
        bins += (6...8).map { bin($0, [kp: sig(4, drop: $0 == 6 ? t(6) + 10 : nil), as131279: sig(4, drop: $0 == 6 ? t(6) + 20 : nil)]) }
        bins += (9...11).map { bin($0, [kp: sig(10, rise: $0 == 9 ? t(9) + 30 : nil), as131279: sig(10, rise: $0 == 9 ? t(9) + 40 : nil, up: [4837, 9002])]) }
        let (changes, d) = detect(bins)

        let partial = outage(kp, start: t(6) + 10, end: t(9) + 30, severity: 0.6, .partial, state: .closed, baseline: 10, worst: 4, after: [4837])
        let loss = outage(as131279, start: t(6) + 20, end: t(9) + 40, severity: 0.6, .upstreamLoss, state: .closed, baseline: 10, worst: 4, before: [4837, 9002], after: [4837])
        let lostUpstream = Event(
            kind: .upstreamChange, entity: as131279, start: t(6), end: t(6), severity: 0.5, state: .closed,
            baseline: 10, worst: 4, upstreamsBefore: [4837, 9002], upstreamsAfter: [4837], fullFeedPeersUp: 20)
        let regained = Event(
            kind: .upstreamChange, entity: as131279, start: t(9), end: t(9), severity: 0.5, state: .closed,
            baseline: 10, worst: 10, upstreamsBefore: [4837], upstreamsAfter: [4837, 9002], fullFeedPeersUp: 20)
        XCTAssertEqual(active(changes), [6, 7, 9, 10])
        XCTAssertEqual(changes[6].map(\.classification), [.partial, .upstreamLoss])
        assertSame(d.events, [lostUpstream, partial, loss, regained])
    }

    /// North Korea, December 2014: a day of flapping behind AS4837, then all four /24s withdrawn
    /// for 9 h 31 min.
    func testInstabilityThenWithdrawal() {
        let drop = t(300) + 131
        let rise = drop + 9 * 3600 + 31 * 60
        var bins = (0..<12).map { bin($0, [kp: sig(4)]) }
        bins += (12..<300).map { bin($0, [kp: sig(4, min: 3, withdrawals: 2, flaps: 6, drop: t($0) + 30, rise: t($0) + 90)]) }
        bins.append(bin(300, [kp: sig(0, withdrawals: 8, drop: drop, up: [])]))
        bins += (301...413).map { bin($0, [kp: sig(0, up: [])]) }
        XCTAssertEqual(Int(rise - t(414)), 191)
        bins.append(bin(414, [kp: sig(4, rise: rise)]))
        bins += (415...420).map { bin($0, [kp: sig(4)]) }
        let (changes, d) = detect(bins)

        let instability = Event(
            kind: .instability, entity: kp, start: t(12), end: t(301), severity: 0.4, state: .closed,
            baseline: 0, worst: 8, upstreamsBefore: [4837], fullFeedPeersUp: 20)
        let withdrawal = outage(kp, start: drop, end: rise, severity: 1, .instabilityThenWithdrawal, state: .closed, baseline: 4, worst: 0)
        XCTAssertEqual(active(changes), [12, 300, 306, 414])
        XCTAssertEqual(changes[12].map(\.state), [.opened])
        XCTAssertEqual(changes[300].map(\.kind), [.outage])
        XCTAssertEqual(changes[306].map(\.kind), [.instability])
        assertSame(d.events, [instability, withdrawal])
        XCTAssertEqual(withdrawal.duration, 34_260)
    }

    func testNarrowChurnIsNotInstability() {
        // 2 withdrawals a bin over 4 prefixes × 20 peers is 2.5 % of the routes: below the 4 % breadth.
        var bins = (0..<12).map { bin($0, [kp: sig(4)]) }
        bins += (12..<24).map { bin($0, [kp: sig(4, withdrawals: 2)]) }
        var config = ObservatoryConfig()
        config.instabilityMinEvents = 1
        XCTAssertEqual(detect(bins, config: config).1.events, [])
        // 40 withdrawals a bin (half the routes) is instability.
        bins = (0..<12).map { bin($0, [kp: sig(4)]) } + (12..<24).map { bin($0, [kp: sig(4, withdrawals: 40)]) }
        XCTAssertEqual(detect(bins, config: config).1.events.map(\.kind), [.instability])
    }

    func testInstabilityOlderThanADayDoesNotClassify() {
        var bins = (0..<12).map { bin($0, [kp: sig(4)]) }
        bins += (12..<24).map { bin($0, [kp: sig(4, withdrawals: 10)]) }
        bins += (24..<(24 + 300)).map { bin($0, [kp: sig(4)]) }  // 25 h quiet
        bins.append(bin(324, [kp: sig(0, drop: t(324) + 5, up: [])]))
        let (_, d) = detect(bins)
        XCTAssertEqual(d.events.map(\.kind), [.instability, .outage])
        XCTAssertEqual(d.events[0].end, t(24))
        XCTAssertEqual(d.events[1].classification, .abruptWithdrawal)
    }

    func testUpstreamChangeNeedsTwoBins() {
        var bins = (0..<5).map { bin($0, [as131279: sig(4)]) }
        bins.append(bin(5, [as131279: sig(4, up: [1234, 4837])]))  // one bin only: noise
        bins += (6...7).map { bin($0, [as131279: sig(4)]) }
        bins.append(bin(8, [as131279: sig(0, up: [])]))  // no visible space: an outage, not an upstream change
        bins += (9...12).map { bin($0, [as131279: sig(4, up: [9002, 4837])]) }
        let (changes, d) = detect(bins)

        let change = Event(
            kind: .upstreamChange, entity: as131279, start: t(9), end: t(9), severity: 0.5, state: .closed,
            baseline: 4, worst: 4, upstreamsBefore: [4837], upstreamsAfter: [4837, 9002], fullFeedPeersUp: 20)
        XCTAssertEqual(active(changes), [8, 9, 10])
        XCTAssertEqual(changes[8].map(\.kind), [.outage])
        XCTAssertEqual(changes[9].map(\.state), [.closed])
        assertSame(changes[10], [change])
        XCTAssertEqual(d.events.filter { $0.kind == .upstreamChange }, [change])
    }

    func testPeersDownCoincidingWithDropIsAMeasurementGap() {
        var bins = (0..<10).map { bin($0, [kp: sig(100)]) }
        bins.append(bin(10, [kp: sig(0, withdrawals: 50, drop: t(10) + 9, up: [])], health: health(peers: 19, down: 1)))
        bins.append(bin(11, [kp: sig(0, up: [])], health: health(peers: 19, down: 0, present: true)) )
        bins.append(bin(12, [kp: sig(100, rise: t(12) + 100)]))
        // Unhealthy without any drop: no event.
        bins.append(bin(13, [kp: sig(100)], health: health(down: 2)))
        bins += (14...16).map { bin($0, [kp: sig(100)]) }
        var config = unitConfig
        config.minFullFeedPeers = 20  // bin 11 has 19 full-feed peers: still unhealthy
        let (changes, d) = detect(bins, config: config)

        let gap = Event(kind: .measurementGap, entity: gap4, start: t(10), end: t(12), severity: 1, state: .closed, fullFeedPeersUp: 19)
        XCTAssertEqual(active(changes), [10, 12])
        XCTAssertEqual(changes[10].map(\.state), [.opened])
        assertSame(changes[12], [gap])
        assertSame(d.events, [gap])
        XCTAssertEqual(gap.entity.description, "country:*/ipv4")
    }

    func testMissingBinsAreAMeasurementGap() {
        var bins = (0..<10).map { bin($0, [kp: sig(100)]) }
        bins.append(bin(13, [kp: sig(100)]))  // bins 10, 11, 12 missing
        bins += (14...16).map { bin($0, [kp: sig(100)]) }
        // dataPresent == false is a gap too, even without a drop.
        bins.append(bin(17, [kp: sig(100)], health: health(present: false)))
        bins.append(bin(18, [kp: sig(100)]))
        let (changes, d) = detect(bins)

        let missing = Event(kind: .measurementGap, entity: gap4, start: t(10), end: t(13), severity: 1, state: .closed)
        let absent = Event(kind: .measurementGap, entity: gap4, start: t(17), end: t(18), severity: 1, state: .closed, fullFeedPeersUp: 20)
        XCTAssertEqual(active(changes), [10, 14, 15])
        assertSame(changes[10], [missing])
        assertSame(d.events, [missing, absent])
    }

    func testQuietChurnRaisesNothing() {
        let space: [Double] = [100, 97, 99, 96, 100, 98]
        var bins: [BinSnapshot] = []
        for n in 0..<60 {
            bins.append(bin(n, [
                kp: sig(space[n % 6], min: space[n % 6] - 30, withdrawals: n % 4, flaps: n % 3 == 0 ? 1 : 0, up: n % 7 == 0 ? [4837, 1] : [4837]),
                as131279: sig(4, withdrawals: n == 40 ? 4 : 1),  // 4 vs a baseline of 1: below ×5
            ]))
        }
        let (changes, d) = detect(bins)
        XCTAssertEqual(active(changes), [])
        XCTAssertEqual(d.events, [])
    }

    func testOutageStaysOpenThroughAGap() {
        var bins = (0..<10).map { bin($0, [kp: sig(100)]) }
        bins.append(bin(10, [kp: sig(0, drop: t(10) + 50, up: [])]))
        bins += (11...12).map { bin($0, [kp: sig(0, up: [])]) }
        // 13–16 missing.
        bins.append(bin(17, [kp: sig(0, up: [])]))
        // Back during an unhealthy bin: confirmed by the next good bin, with the earlier time.
        bins.append(bin(18, [kp: sig(100, rise: t(18) + 20)], health: health(down: 1)))
        bins.append(bin(19, [kp: sig(100)]))
        let (changes, d) = detect(bins)

        let out = outage(kp, start: t(10) + 50, end: t(18) + 20, severity: 1, .abruptWithdrawal, state: .closed, baseline: 100, worst: 0)
        let gap = Event(kind: .measurementGap, entity: gap4, start: t(13), end: t(17), severity: 1, state: .closed)
        // Array positions: 13 is bin 17 (gap opened and closed), 15 is bin 19 (outage closed).
        XCTAssertEqual(active(changes), [10, 13, 15])
        XCTAssertEqual(changes[13].map(\.kind), [.measurementGap])
        XCTAssertEqual(changes[15].map(\.kind), [.outage])
        assertSame(d.events, [out, gap])
    }

    func testFinishReturnsOpenEvents() {
        var bins = (0..<10).map { bin($0, [kp: sig(100), as131279: sig(4)]) }
        bins.append(bin(10, [kp: sig(0, drop: t(10) + 7, up: [])]))  // AS131279 absent: unchanged
        bins.append(bin(11, [as131279: sig(4)]))  // KP absent: still 0
        var d = detect(bins).1
        let open = outage(kp, start: t(10) + 7, end: nil, severity: 1, .abruptWithdrawal, state: .opened, baseline: 100, worst: 0)
        assertSame(d.finish(), [open])
        assertSame(d.events, [open])
    }

    func testOutOfOrderSnapshotIsIgnored() {
        var d = Detector(config: ObservatoryConfig())
        for n in 0..<5 { _ = d.consume(bin(n, [kp: sig(100)])) }
        XCTAssertEqual(d.consume(bin(2, [kp: sig(0, up: [])])), [])
        XCTAssertEqual(d.events, [])
    }

    /// Scaling every visible space by a constant changes nothing but baseline and worst.
    func testScaleInvariance() {
        func stream(_ k: Double) -> [BinSnapshot] {
            let a = EntityKey(scope: .asn, id: "AS1", family: "ipv6")
            let p = EntityKey(scope: .prefix, id: "175.45.176.0/24", family: "ipv4")
            var bins: [BinSnapshot] = []
            for n in 0..<80 {
                var h = health()
                if n == 50 { h.peersWentDown = 1 }
                if n == 62 { h.dataPresent = false }
                var s: [EntityKey: EntitySignal] = [:]
                // KP: gradual then abrupt; flapping before.
                let kpSpace: Double = n < 20 ? 1024 : n < 23 ? 1024 - Double(n - 19) * 200 : n < 30 ? 3 : 1024
                s[kp] = sig(kpSpace * k, min: (n == 40 ? 7 : kpSpace) * k, withdrawals: (8...15).contains(n) ? 9 : 0,
                            drop: t(n) + UInt32(n), rise: t(n) + UInt32(2 * n), up: n < 23 ? [4837] : [])
                // AS1/ipv6: partial losses of varied depth.
                let aSpace: Double = (35...45).contains(n) ? 0.37 + Double(n % 3) * 0.11 : 1.3
                s[a] = sig(aSpace * k, up: aSpace < 1 ? [3] : [3, 7])
                // A prefix that goes dark during a health problem, then for real.
                let pSpace: Double = n == 50 || (66...70).contains(n) ? 0 : 1
                s[p] = sig(pSpace * k, up: [4837])
                bins.append(bin(n, s, health: h))
            }
            return bins
        }
        let (_, base) = detect(stream(1))
        XCTAssertGreaterThanOrEqual(Set(base.events.map(\.kind)).count, 3)
        XCTAssertGreaterThanOrEqual(base.events.filter { $0.kind == .outage }.count, 4)
        for k in [3.0, 0.01, 1e6] {
            let (_, scaled) = detect(stream(k))
            let normalized = scaled.events.map { e -> Event in
                var e = e
                if e.kind == .outage || e.kind == .upstreamChange {
                    e.baseline /= k
                    e.worst /= k
                }
                return e
            }
            XCTAssertEqual(normalized.count, base.events.count, "scale \(k)")
            for (x, y) in zip(normalized, base.events) {
                XCTAssertEqual(x.baseline, y.baseline, accuracy: 1e-9)
                XCTAssertEqual(x.worst, y.worst, accuracy: 1e-9)
                var x2 = x, y2 = y
                x2.baseline = 0; x2.worst = 0; y2.baseline = 0; y2.worst = 0
                XCTAssertEqual(x2.severity, y2.severity, accuracy: 1e-9)
                x2.severity = 0; y2.severity = 0
                XCTAssertEqual(x2, y2, "scale \(k)")
            }
        }
    }

    func testRunHistoryMatchesNaiveWindow() {
        var h = RunHistory()
        var window: [Double] = []
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for step in 0..<5000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let r = Int(state >> 33)
            // Long flat stretches with occasional changes, like a visibility series.
            let v = step % 97 < 60 ? 10.0 : Double(r % 7)
            let cap = step < 2500 ? 288 : 17
            h.push(v, capacity: cap)
            window.append(v)
            if window.count > cap { window.removeFirst(window.count - cap) }
            let sorted = window.sorted()
            let n = sorted.count
            XCTAssertEqual(Int(h.count), n)
            XCTAssertEqual(h.median(), (sorted[(n - 1) / 2] + sorted[n / 2]) / 2)
            XCTAssertEqual(h.maximum(), sorted.last)
        }
    }
}
