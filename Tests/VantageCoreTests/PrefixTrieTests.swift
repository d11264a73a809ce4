import BGPWire
import Foundation
import VantageCore
import XCTest

/// A deterministic generator (PrefixTrieRNG) so failures reproduce.
struct PrefixTrieRNG: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

final class PrefixTrieTests: XCTestCase {
    func p(_ s: String) -> IPPrefix { IPPrefix(s)! }
    func a(_ s: String) -> IPAddress { IPAddress(s)! }

    /// Whether `outer` contains `inner` (both masked, same family).
    static func contains(_ outer: IPPrefix, _ inner: IPPrefix) -> Bool {
        guard outer.afi == inner.afi, outer.length <= inner.length else { return false }
        return IPPrefix(inner.address, outer.length).masked == outer
    }

    func testBasics() {
        var t = PrefixTrie<String>()
        t.insert(p("10.0.0.0/8"), "a")
        t.insert(p("10.1.0.0/16"), "b")
        t.insert(p("10.1.2.0/24"), "c")
        t.insert(p("10.1.2.3/32"), "d")
        t.insert(p("0.0.0.0/0"), "default")
        t.insert(p("2001:db8::/32"), "v6")
        t.insert(p("10.1.0.0/16"), "b2")  // replaces
        XCTAssertEqual(t.count, 6)
        XCTAssertEqual(t.value(at: p("10.1.0.0/16")), "b2")
        XCTAssertNil(t.value(at: p("10.2.0.0/16")))
        XCTAssertEqual(t.longestMatch(a("10.1.2.3"))?.value, "d")
        XCTAssertEqual(t.longestMatch(a("10.1.2.4"))?.prefix, p("10.1.2.0/24"))
        XCTAssertEqual(t.longestMatch(a("10.9.9.9"))?.value, "a")
        XCTAssertEqual(t.longestMatch(a("11.0.0.0"))?.value, "default")
        XCTAssertEqual(t.longestMatch(p("10.1.2.0/23"))?.value, "b2")
        XCTAssertEqual(t.longestMatch(p("10.1.2.0/24"))?.value, "c")
        XCTAssertEqual(t.longestMatch(a("2001:db8::1"))?.value, "v6")
        XCTAssertNil(t.longestMatch(a("2001:db9::1")))
        XCTAssertEqual(t.covered(by: p("10.1.0.0/16")).map(\.value), ["b2", "c", "d"])
        XCTAssertEqual(t.value(at: IPPrefix(a("10.1.2.99"), 24)), "c", "host bits are ignored")
        XCTAssertEqual(
            t.map(\.prefix.description),
            [
                "0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "2001:db8::/32",
            ])
        XCTAssertEqual(t.remove(p("10.1.2.0/24")), "c")
        XCTAssertNil(t.remove(p("10.1.2.0/24")))
        XCTAssertEqual(t.longestMatch(a("10.1.2.4"))?.value, "b2")
        XCTAssertEqual(t.longestMatch(a("10.1.2.3"))?.value, "d")
        t[p("10.1.2.3/32")] = nil
        t.remove(p("0.0.0.0/0"))
        XCTAssertEqual(t.count, 3)
        XCTAssertNil(t.longestMatch(a("11.0.0.0")))
    }

    func testCoverage() {
        var t = PrefixTrie<String>()
        t.insert(p("10.0.0.0/17"), "x")
        t.insert(p("10.0.128.0/17"), "y")
        t.insert(p("10.0.0.0/24"), "z")
        let shares = t.coverage(of: p("10.0.0.0/16")).map { ($0.match?.value ?? "-", $0.size) }
        XCTAssertEqual(shares.map(\.0), ["y", "x", "z"])
        XCTAssertEqual(shares.map(\.1), [32768, 32768 - 256, 256])
        let wider = t.coverage(of: p("10.0.0.0/15"))
        XCTAssertEqual(wider.first.map { $0.match == nil ? $0.size : -1 }, 65536)
        XCTAssertEqual(t.coverage(of: p("10.0.0.128/25")).map(\.size), [128])
        XCTAssertEqual(t.coverage(of: p("10.0.0.128/25")).first?.match?.value, "z")
        var v6 = PrefixTrie<Int>()
        v6.insert(p("2001:db8::/32"), 1)
        v6.insert(p("2001:db8::/48"), 2)
        let s = v6.coverage(of: p("2001:db8::/32"), unitLength: 48)
        XCTAssertEqual(s.map(\.size), [65535, 1])
        XCTAssertEqual(v6.coverage(of: p("2001:db8::/64"), unitLength: 48).map(\.size), [1.0 / 65536])
    }

    /// Random prefixes against a brute-force model (a dictionary; longest match by trying every length,
    /// covered-by by a linear scan): exact, longest match (address and prefix), covered-by, coverage,
    /// removal, count and iteration order, checked while the trie grows past the size at which it
    /// builds its 16-bit index and while it shrinks again.
    func checkAgainstModel(v6: Bool, seed: UInt64) {
        var rng = PrefixTrieRNG(state: seed)
        let maxLen = v6 ? 128 : 32
        // Few distinct high bits so that prefixes nest and share paths.
        func randomAddress() -> IPAddress {
            let top = UInt64.random(in: 0..<16, using: &rng) << 60 | UInt64.random(in: 0..<4, using: &rng) << 40
            let r = rng.next()
            return v6
                ? .v6(IPv6Address(high: top | r >> 24 & 0xFF_FFFF, low: rng.next()))
                : .v4(IPv4Address(UInt32(truncatingIfNeeded: top >> 32 | r >> 40)))
        }
        func randomPrefix() -> IPPrefix {
            IPPrefix(randomAddress(), UInt8.random(in: 0...UInt8(maxLen), using: &rng)).masked
        }
        var trie = PrefixTrie<Int>()
        var model: [IPPrefix: Int] = [:]
        func longest(_ q: IPPrefix) -> (prefix: IPPrefix, value: Int)? {
            for l in stride(from: Int(q.length), through: 0, by: -1) {
                let c = IPPrefix(q.address, UInt8(l)).masked
                if let v = model[c] { return (c, v) }
            }
            return nil
        }
        func check(_ queries: Int, scans: Int) {
            for i in 0..<queries {
                let q = randomPrefix()
                XCTAssertEqual(trie.value(at: q), model[q])
                let got = trie.longestMatch(q)
                let best = longest(q)
                XCTAssertEqual(got?.prefix, best?.prefix, "longestMatch(\(q))")
                XCTAssertEqual(got?.value, best?.value)
                XCTAssertEqual(
                    trie.longestMatch(q.address)?.prefix, longest(IPPrefix(q.address, UInt8(maxLen)))?.prefix)
                if i < scans || q.length >= maxLen / 4 {  // (short prefixes cover much of the trie: slow in debug)
                    let size = Double(sign: .plus, exponent: maxLen - Int(q.length), significand: 1)
                    let total = trie.coverage(of: q).reduce(0) { $0 + $1.size }
                    XCTAssertEqual(total, size, accuracy: size * 1e-12, "Double sums are exact only within 53 bits")
                }
                if i < scans {
                    XCTAssertEqual(
                        trie.covered(by: q).map(\.prefix), model.keys.filter { Self.contains(q, $0) }.sorted())
                }
            }
        }
        var inserted: [IPPrefix] = []
        for i in 0..<8000 {
            if i % 4 == 3, let victim = inserted.randomElement(using: &rng) {
                XCTAssertEqual(trie.remove(victim), model.removeValue(forKey: victim))
            }
            let q = randomPrefix()
            trie.insert(q, i)
            model[q] = i
            inserted.append(q)
            if i % 1000 == 999 { check(100, scans: 5) }
        }
        XCTAssertGreaterThan(trie.nodeCount, 4096, "large enough for the 16-bit index")
        // Churn of prefixes shorter than the index's 16 bits, above and between the existing ones.
        for i in 0..<3000 {
            let q = IPPrefix(randomAddress(), UInt8.random(in: 0...17, using: &rng)).masked
            if i % 3 == 2 {
                XCTAssertEqual(trie.remove(q), model.removeValue(forKey: q))
            } else {
                trie.insert(q, -i)
                model[q] = -i
            }
            if i % 300 == 299 { check(30, scans: 0) }
        }
        XCTAssertEqual(trie.count, model.count)
        XCTAssertEqual(trie.map(\.prefix), model.keys.sorted())
        XCTAssertEqual(trie.map(\.value), model.keys.sorted().map { model[$0]! })
        check(2000, scans: 200)
        for (i, q) in model.keys.shuffled(using: &rng).enumerated() {
            XCTAssertNotNil(trie.remove(q))
            model[q] = nil
            if i % 1000 == 999 { check(100, scans: 5) }
        }
        XCTAssertEqual(trie.count, 0)
        XCTAssertEqual(trie.nodeCount, 0)
        XCTAssertNil(trie.longestMatch(randomAddress()))
    }

    /// Short prefixes added above, between and below the nodes that the 16-bit index starts from.
    func testIndexFollowsChangesAboveIt() {
        var t = PrefixTrie<String>()
        for x in 0..<256 {
            t.insert(p("10.0.\(x).0/24"), "a")
            t.insert(p("10.8.\(x).0/24"), "b")
        }
        for x in 0..<4000 { t.insert(p("20.\(x / 256).\(x % 256).0/24"), "c") }
        XCTAssertGreaterThan(t.nodeCount, 4096)
        XCTAssertNil(t.longestMatch(a("10.1.0.1")))
        t.insert(p("10.0.0.0/11"), "x")  // above the glue at 10.0.0.0/12
        XCTAssertEqual(t.longestMatch(a("10.1.0.1"))?.prefix, p("10.0.0.0/11"))
        XCTAssertEqual(t.longestMatch(p("10.1.0.0/16"))?.value, "x")
        t.insert(p("10.0.0.0/14"), "y")  // below the glue
        XCTAssertEqual(t.longestMatch(a("10.1.0.1"))?.value, "y")
        XCTAssertEqual(t.longestMatch(a("10.8.0.1"))?.value, "b")
        XCTAssertEqual(t.longestMatch(a("10.8.255.1"))?.value, "b")
        XCTAssertEqual(t.longestMatch(a("10.12.0.1"))?.value, "x")
        t.insert(p("8.0.0.0/6"), "z")  // above everything in 10/8
        t.insert(p("0.0.0.0/0"), "default")
        XCTAssertEqual(t.longestMatch(a("11.0.0.1"))?.value, "z")
        XCTAssertEqual(t.longestMatch(a("30.0.0.1"))?.value, "default")
        t.remove(p("10.0.0.0/14"))
        XCTAssertEqual(t.longestMatch(a("10.1.0.1"))?.value, "x")
        t.remove(p("10.0.0.0/11"))
        XCTAssertEqual(t.longestMatch(a("10.1.0.1"))?.value, "z")
        t.remove(p("8.0.0.0/6"))
        XCTAssertEqual(t.longestMatch(a("10.1.0.1"))?.value, "default")
        for x in 0..<256 { t.remove(p("10.8.\(x).0/24")) }
        XCTAssertEqual(t.longestMatch(a("10.9.0.1"))?.value, "default")
        XCTAssertEqual(t.longestMatch(a("10.0.7.1"))?.value, "a")
        t.remove(p("0.0.0.0/0"))
        XCTAssertNil(t.longestMatch(a("10.9.0.1")))
        t.insert(p("10.9.0.0/16"), "d")
        XCTAssertEqual(t.longestMatch(a("10.9.0.1"))?.value, "d")
    }

    func testRandomIPv4AgainstLinearScan() { checkAgainstModel(v6: false, seed: 1) }
    func testRandomIPv6AgainstLinearScan() { checkAgainstModel(v6: true, seed: 2) }

    /// Coverage per address against brute force, on a small IPv4 region.
    func testCoverageAgainstPerAddressScan() {
        var rng = PrefixTrieRNG(state: 3)
        var trie = PrefixTrie<Int>()
        var model: [IPPrefix: Int] = [:]
        for i in 0..<60 {
            let q = IPPrefix(
                .v4(IPv4Address(0x0A00_0000 | UInt32.random(in: 0..<4096, using: &rng))),
                UInt8.random(in: 18...32, using: &rng)
            ).masked
            trie.insert(q, i)
            model[q] = i
        }
        let region = IPPrefix("10.0.0.0/20")!
        var expected: [Int: Double] = [:]
        for host in 0..<UInt32(4096) {
            let addr = IPPrefix(.v4(IPv4Address(0x0A00_0000 | host)), 32)
            let best = model.filter { Self.contains($0.key, addr) }.max { $0.key.length < $1.key.length }
            expected[best?.value ?? -1, default: 0] += 1
        }
        var got: [Int: Double] = [:]
        for part in trie.coverage(of: region) { got[part.match?.value ?? -1, default: 0] += part.size }
        XCTAssertEqual(got, expected)
    }
}
