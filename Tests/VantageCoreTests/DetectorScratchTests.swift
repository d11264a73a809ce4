import XCTest
@testable import VantageCore

final class DetectorScratchTests: XCTestCase {
    func testPerf() {
        var keys: [EntityKey] = []
        for i in 0..<250 { keys.append(EntityKey(scope: .country, id: "C\(i)", family: "ipv4")) }
        for i in 0..<50_000 { keys.append(EntityKey(scope: .asn, id: "AS\(i)", family: "ipv4")) }
        for i in 0..<500_000 { keys.append(EntityKey(scope: .prefix, id: "10.\(i / 65536).\(i / 256 % 256).\(i % 256)/24", family: "ipv4")) }
        var h = BinHealth(); h.fullFeedPeersUp = ["ipv4": 20]
        var d = Detector(config: ObservatoryConfig())
        let clock = ContinuousClock()
        var full: [EntityKey: EntitySignal] = [:]
        for (n, k) in keys.enumerated() { var s = EntitySignal(); s.visibleSpace = Double(n % 17 + 1); s.minVisibleSpace = s.visibleSpace; s.upstreams = [UInt32(n % 5)]; full[k] = s }
        var total = Duration.zero
        var events = 0
        for b in 0..<20 {
            var sigs: [EntityKey: EntitySignal]
            if b == 0 { sigs = full } else {
                sigs = [:]
                for c in 0..<250 { sigs[keys[c]] = full[keys[c]] }
                for j in 0..<5000 { let k = keys[(j * 97 + b * 13) % keys.count]; var s = full[k]!; s.withdrawals = j % 9; if j % 50 == 0 && b > 5 { s.visibleSpace = 0; s.minVisibleSpace = 0 }; sigs[k] = s }
            }
            let snap = BinSnapshot(start: 1_000_000 + UInt32(b) * 300, width: 300, health: h, signals: sigs)
            let t = clock.now
            events += d.consume(snap).count
            let el = clock.now - t
            total += el
            print("bin", b, el)
        }
        print("total", total, "events", events)
    }
}
