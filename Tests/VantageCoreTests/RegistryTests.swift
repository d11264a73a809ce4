import BGPWire
import VantageCore
import XCTest

/// Parsers and the registry on small hand-written inputs.
final class RegistryTests: XCTestCase {
    func p(_ s: String) -> IPPrefix { IPPrefix(s)! }
    func a(_ s: String) -> IPAddress { IPAddress(s)! }

    func testCIDRBlocksOfNonPowerOfTwoRanges() {
        func blocks(_ first: String, _ count: UInt64) -> [String] {
            DelegationRecord.cidrBlocks(first: IPv4Address(first)!, count: count).map(\.description)
        }
        XCTAssertEqual(blocks("1.0.0.0", 768), ["1.0.0.0/23", "1.0.2.0/24"])
        XCTAssertEqual(blocks("1.0.1.0", 768), ["1.0.1.0/24", "1.0.2.0/23"])
        XCTAssertEqual(blocks("1.0.0.0", 256), ["1.0.0.0/24"])
        XCTAssertEqual(
            blocks("10.0.0.0", 1000),
            [
                "10.0.0.0/23", "10.0.2.0/24", "10.0.3.0/25", "10.0.3.128/26",
                "10.0.3.192/27", "10.0.3.224/29",
            ])
        XCTAssertEqual(blocks("0.0.0.0", 1 << 32), ["0.0.0.0/0"])
        XCTAssertEqual(blocks("255.255.255.255", 5), ["255.255.255.255/32"], "clamped at the end of the space")
        XCTAssertEqual(blocks("1.2.3.4", 0), [])
        // Property: contiguous, aligned blocks adding up to the count.
        var rng = PrefixTrieRNG(state: 7)
        for _ in 0..<2000 {
            let first = UInt32.random(in: 0...UInt32.max, using: &rng)
            let count = UInt64.random(in: 1...(1 << 32) - UInt64(first), using: &rng)
            var next = UInt64(first)
            for b in DelegationRecord.cidrBlocks(first: IPv4Address(first), count: count) {
                guard case .v4(let start) = b.address else { return XCTFail("not IPv4") }
                XCTAssertEqual(UInt64(start.value), next)
                XCTAssertEqual(b.masked, b, "aligned")
                next += 1 << (32 - UInt64(b.length))
            }
            XCTAssertEqual(next - UInt64(first), count)
        }
    }

    func testDelegationFileFormats() {
        let text = """
            # comment
            2.3|testnic|20200102|7|19850101|20200101|+0000
            testnic|*|ipv4|*|4|summary
            testnic|*|ipv6|*|1|summary
            testnic|*|asn|*|2|summary
            testnic|NL|ipv4|10.0.0.0|768|20100101|allocated|abc123|e1|e2
            testnic|be|ipv4|10.1.0.0|256|00000000|ASSIGNED
            testnic||ipv4|10.2.0.0|256||reserved|
            testnic|DE|ipv6|2001:db8::|32|20110101|allocated
            testnic|ZZ|asn|64500|10|20120101|available
            testnic|FR|asn|4294967295|1|20120101|allocated
            testnic|FR|ipv4|10.3.0.0|256|20100101|leased
            testnic|FR|ipv4|10.3.0.300|256|20100101|allocated
            testnic|FR|ipv6|2001:db8::1|32|20100101|allocated
            testnic|FR|asn|4294967295|2|20120101|allocated
            testnic|FR|asn|1|1|2012|allocated
            testnic|FR|ipv4|10.3.0.0
            testnic|FR|mpls|1|1|20120101|allocated
            testnic|*|ipv4|*|x|summary
            2|testnic|again|0|0|0|0
            """
        let f = DelegationFile(text)
        XCTAssertEqual(f.header?.version, "2.3")
        XCTAssertEqual(f.header?.records, 7)
        XCTAssertEqual(f.date, 20_200_102)
        XCTAssertTrue(f.isExtended)
        XCTAssertEqual(f.summary, [.ipv4: 4, .ipv6: 1, .asn: 2])
        XCTAssertEqual(f.records.count, 6)
        XCTAssertEqual(f.records.map(\.line), [6, 7, 8, 9, 10, 11])
        let nl = f.records[0]
        XCTAssertEqual(nl.country, "NL")
        XCTAssertEqual(nl.resource, .ipv4(first: IPv4Address("10.0.0.0")!, count: 768))
        XCTAssertEqual(nl.prefixes, [p("10.0.0.0/23"), p("10.0.2.0/24")])
        XCTAssertEqual(nl.opaqueID, "abc123")
        XCTAssertEqual(nl.extensions, ["e1", "e2"])
        XCTAssertEqual(f.records[1].country, "BE")
        XCTAssertEqual(f.records[1].status, .assigned)
        XCTAssertNil(f.records[1].date)
        XCTAssertEqual(f.records[2].country, "")
        XCTAssertNil(f.records[2].opaqueID)
        XCTAssertEqual(f.records[3].resource, .ipv6(p("2001:db8::/32")))
        XCTAssertEqual(f.records[4].resource, .asn(first: 64500, count: 10))
        XCTAssertEqual(f.records[5].resource, .asn(first: 4_294_967_295, count: 1))
        XCTAssertEqual(f.problems.map(\.line), [12, 13, 14, 15, 16, 17, 18, 19, 20, 2, 3], "\(f.problems)")
        XCTAssertTrue(f.problems[0].message.contains("unknown status"))
        XCTAssertTrue(f.problems[9].message.contains("declares 7 records, found 6"))
        XCTAssertTrue(f.problems[10].message.contains("declares 4 ipv4 records, found 3"))
        XCTAssertTrue(DelegationFile("").records.isEmpty)
        XCTAssertTrue(DelegationFile(bytes: Array("a|b\n\n|||\r\n".utf8)).problems.map(\.line) == [1, 3])
    }

    func file(_ date: String, _ lines: [String]) -> DelegationFile {
        DelegationFile((["2|t|\(date)|\(lines.count)|0|\(date)|+0000"] + lines).joined(separator: "\n"))
    }

    func testRegistryCombinesFilesAndSplitsShares() {
        let old = file(
            "20100101",
            [
                "t|NL|ipv4|10.0.0.0|65536|20000101|allocated",
                "t|BE|ipv4|10.1.0.0|256|20000101|allocated",
                "t|LU|ipv4|10.2.0.0|256|20000101|allocated",
                "t|US|asn|100|100|20000101|allocated",
                "t|US|asn|300|1|20000101|allocated",
                "t|GB|ipv6|2001:db8::|32|20000101|allocated",
            ])
        let new = file(
            "20200101",
            [
                "t|DE|ipv4|10.0.128.0|32768|20150101|assigned",
                "t|FR|ipv4|10.1.0.0|256|20150101|allocated",
                "t|ZZ|ipv4|10.2.0.0|256||available",
                "t|DE|asn|150|1|20150101|allocated",
                "t|CA|asn|300|1|20150101|allocated",
                "t|IE|ipv6|2001:db8:8000::|33|20150101|allocated",
            ])
        for files in [[old, new], [new, old]] {
            let r = Registry(delegations: files)
            XCTAssertEqual(r.country(of: a("10.0.0.1")), "NL")
            XCTAssertEqual(r.country(of: a("10.0.200.1")), "DE", "most specific")
            XCTAssertEqual(r.country(of: a("10.1.0.1")), "FR", "same space: the later file")
            XCTAssertNil(r.country(of: a("10.2.0.1")), "available in the later file")
            XCTAssertNil(r.country(of: a("11.0.0.1")))
            XCTAssertEqual(r.country(of: p("10.0.0.0/16")), "NL")
            XCTAssertEqual(r.delegation(of: a("10.0.200.1"))?.prefix, p("10.0.128.0/17"))
            XCTAssertEqual(r.delegation(of: a("10.0.200.1"))?.delegation.status, .assigned)
            let shares = r.countryShares(of: p("10.0.0.0/16"))
            XCTAssertEqual(shares.map(\.country), ["DE", "NL"])
            XCTAssertEqual(shares.map(\.addresses), [32768, 32768])
            let wide = r.countryShares(of: p("10.0.0.0/14"))
            XCTAssertEqual(wide.map(\.country), ["??", "DE", "NL", "FR"])
            XCTAssertEqual(wide.map(\.addresses), [262144 - 65536 - 256, 32768, 32768, 256])
            XCTAssertEqual(r.countryShares(of: p("10.0.1.0/24")).map(\.country), ["NL"])
            XCTAssertEqual(r.countryShares(of: p("12.0.0.0/8")).map(\.addresses), [16_777_216])
            let v6 = r.countryShares(of: p("2001:db8::/32"))
            XCTAssertEqual(v6.map(\.country), ["GB", "IE"])
            XCTAssertEqual(v6.map(\.addresses), [32768, 32768], "IPv6 in /48s")
            XCTAssertEqual(r.countryShares(of: p("2001:db8::/64")).map(\.addresses), [1.0 / 65536])
            XCTAssertEqual(r.country(ofASN: 100), "US")
            XCTAssertEqual(r.country(ofASN: 150), "DE", "smallest range")
            XCTAssertEqual(r.country(ofASN: 199), "US")
            XCTAssertNil(r.country(ofASN: 200))
            XCTAssertEqual(r.country(ofASN: 300), "CA", "same range: the later file")
            XCTAssertNil(r.country(ofASN: 99))
        }
    }

    func testASNamesPrefixOriginsRelationships() {
        let names = ASNames(
            "AS1\tLVLT-1 - Level 3\nAS2.1999  Two Dot \nbogus\n\nAS7  \nAS4837  CHINA169-BACKBONE CNCGROUP")
        XCTAssertEqual(names[1], "LVLT-1 - Level 3")
        XCTAssertEqual(names[2 * 65536 + 1999], "Two Dot")
        XCTAssertEqual(names[4837], "CHINA169-BACKBONE CNCGROUP")
        XCTAssertEqual(names.count, 3)
        XCTAssertEqual(names.problems.map(\.line), [3, 5])

        let origins = PrefixOrigins(
            "1.0.0.0\t24\t15169\n1.93.0.0\t16\t4808_4847\n5.128.0.0\t14\t31200_50923,65500_50923\n"
                + "2001:db8::\t32\t64500\n1.0.0.0\t33\t1\n9.9.9.0\t24\tx\n1.0.0.0 8 3356\n")
        XCTAssertEqual(origins.count, 5)
        XCTAssertEqual(origins.problems.map(\.line), [5, 6])
        XCTAssertEqual(origins.origins(of: p("1.93.0.0/16")), [4808, 4847])
        XCTAssertEqual(origins.origins(of: p("5.128.0.0/14")), [31200, 50923, 65500])
        XCTAssertEqual(origins.origins(of: p("1.0.0.0/16")), [])
        XCTAssertEqual(origins.longestMatch(a("1.0.0.9"))?.origins, [15169])
        XCTAssertEqual(origins.longestMatch(a("1.0.1.9"))?.prefix, p("1.0.0.0/8"))
        XCTAssertEqual(origins.longestMatch(p("2001:db8:1::/48"))?.origins, [64500])

        let rel = ASRelationships("# source\n4837|131279|-1\n22351|131279|0\n131279|51040|-1\n1|2|7\n3|x|0\n")
        XCTAssertEqual(rel.providers(of: 131_279), [4837])
        XCTAssertEqual(rel.customers(of: 131_279), [51040])
        XCTAssertEqual(rel.peers(of: 131_279), [22351])
        XCTAssertEqual(rel.peers(of: 22351), [131_279])
        XCTAssertEqual(rel.relationship(4837, 131_279), .providerOf)
        XCTAssertEqual(rel.relationship(131_279, 4837), .customerOf)
        XCTAssertEqual(rel.relationship(131_279, 22351), .peer)
        XCTAssertNil(rel.relationship(4837, 22351))
        XCTAssertEqual(rel.problems.map(\.line), [5, 6])
    }
}
