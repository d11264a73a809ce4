import BGPWire
import Foundation
import VantageCore
import XCTest

/// Timings, meaningful in a release build only: run with VANTAGE_BENCH=1, e.g.
/// `VANTAGE_BENCH=1 swift test -c release --scratch-path .build-core --filter RegistryBenchmarkTests`.
final class RegistryBenchmarkTests: XCTestCase {
    func requireBench() throws {
        guard ProcessInfo.processInfo.environment["VANTAGE_BENCH"] == "1" else {
            throw XCTSkip("set VANTAGE_BENCH=1 (and build with -c release) to run benchmarks")
        }
    }

    /// Wall-clock seconds of `body`; its CPU seconds (this thread) are appended to `cpuLog`, since other
    /// processes on a shared machine inflate wall time.
    func seconds(_ body: () throws -> Void) rethrows -> Double {
        func cpu() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let startCPU = cpu()
        try body()
        cpuLog.append(cpu() - startCPU)
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    var cpuLog: [Double] = []
    func cpuSeconds() -> String {
        defer { cpuLog = [] }; return cpuLog.map { String(format: "%.3f", $0) }.joined(separator: ", ")
    }

    func testTrieMillionInsertionsAndLookups() throws {
        try requireBench()
        var rng = PrefixTrieRNG(state: 42)
        for v6 in [false, true] {
            let prefixes: [IPPrefix] = (0..<1_000_000).map { _ in
                let r = rng.next()
                return v6
                    ? IPPrefix(
                        .v6(IPv6Address(high: 0x2000_0000_0000_0000 | r >> 4, low: 0)),
                        UInt8.random(in: 19...64, using: &rng)
                    ).masked
                    : IPPrefix(.v4(IPv4Address(UInt32(truncatingIfNeeded: r))), UInt8.random(in: 8...24, using: &rng))
                        .masked
            }
            let addresses: [IPAddress] = (0..<1_000_000).map { _ in
                v6
                    ? .v6(IPv6Address(high: 0x2000_0000_0000_0000 | rng.next() >> 4, low: rng.next()))
                    : .v4(IPv4Address(UInt32(truncatingIfNeeded: rng.next())))
            }
            var trie = PrefixTrie<Int>()
            let insert = seconds { for (i, p) in prefixes.enumerated() { trie.insert(p, i) } }
            var found = 0
            let lookup = seconds { for a in addresses where trie.longestMatch(a) != nil { found += 1 } }
            let exact = seconds { for p in prefixes where trie.value(at: p) != nil { found += 1 } }
            let family = v6 ? "IPv6" : "IPv4"
            print(
                "trie \(family): 1M random inserts \(insert)s (\(trie.count) distinct, \(trie.nodeCount) nodes);"
                    + " 1M address longest matches \(lookup)s; 1M exact lookups \(exact)s; \(found) found")
            print("  (CPU seconds: \(cpuSeconds()))")
            XCTAssertGreaterThan(found, 1_000_000)
        }
    }

    func testLoadRegistryAndShareAllRoutedPrefixes() throws {
        try requireBench()
        let delegationTexts = try RegistryData.delegationFiles.map(RegistryData.text)
        let namesText = try RegistryData.text(RegistryData.asNames)
        let pfx2asText = try RegistryData.gunzip(RegistryData.pfx2as)
        let relText = try RegistryData.text(RegistryData.asRel)
        var files: [DelegationFile] = []
        var registry = Registry()
        let tParse = seconds { files = delegationTexts.map { DelegationFile($0) } }
        let tBuild = seconds { registry = Registry(delegations: files) }
        let tNames = seconds { registry.asNames = ASNames(namesText) }
        let tOrigins = seconds { registry.prefixOrigins = PrefixOrigins(pfx2asText) }
        let tRel = seconds { registry.relationships = ASRelationships(relText) }
        let prefixes = registry.prefixOrigins.trie.map(\.prefix)
        var countries = 0
        var multi = 0
        let tShares = seconds {
            for p in prefixes {
                let s = registry.countryShares(of: p)
                countries += s.count
                if s.count > 1 { multi += 1 }
            }
        }
        let tCountry = seconds { for p in prefixes where registry.country(of: p.address) != nil { countries += 1 } }
        print(
            """
            registry: parse 6 delegation files \(tParse)s (\(files.map(\.records.count).reduce(0, +)) records), \
            build \(tBuild)s (\(registry.addressSpace.count) prefixes); AS names \(tNames)s; \
            pfx2as \(tOrigins)s (\(registry.prefixOrigins.count) prefixes); as-rel \(tRel)s; \
            total load \(tParse + tBuild + tNames + tOrigins + tRel)s
            countryShares of \(prefixes.count) pfx2as prefixes: \(tShares)s (\(multi) span several countries); \
            country(of: address) for each: \(tCountry)s
              (CPU seconds, same order: \(cpuSeconds()))
            """)
    }
}
