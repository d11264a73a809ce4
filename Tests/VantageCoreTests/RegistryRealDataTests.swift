import BGPWire
import Foundation
import VantageCore
import XCTest

/// The registry parsers on the real files of ../shared/data/registry; expected values come from the
/// files through awk (a separate reading) or are well-known facts.
final class RegistryRealDataTests: XCTestCase {
    struct Loaded: Sendable {
        var files: [String: DelegationFile]
        var names: ASNames
        var origins: PrefixOrigins
        var relationships: ASRelationships
        var registry: Registry
    }

    /// Everything parsed once for all tests (nil when the data is absent).
    static let loaded: Loaded? = {
        guard (try? RegistryData.path("")) != nil else { return nil }
        var files: [String: DelegationFile] = [:]
        for name in RegistryData.delegationFiles { files[name] = DelegationFile(try! RegistryData.text(name)) }
        let names = ASNames(try! RegistryData.text(RegistryData.asNames))
        let origins = PrefixOrigins(try! RegistryData.gunzip(RegistryData.pfx2as))
        let relationships = ASRelationships(try! RegistryData.text(RegistryData.asRel))
        let registry = Registry(
            delegations: RegistryData.delegationFiles.map { files[$0]! }, asNames: names, prefixOrigins: origins,
            relationships: relationships)
        return Loaded(files: files, names: names, origins: origins, relationships: relationships, registry: registry)
    }()

    func data() throws -> Loaded {
        _ = try RegistryData.path("")
        return try XCTUnwrap(Self.loaded)
    }

    func p(_ s: String) -> IPPrefix { IPPrefix(s)! }
    func a(_ s: String) -> IPAddress { IPAddress(s)! }

    func testDelegationRecordCountsEqualSummaryLines() throws {
        let d = try data()
        for name in RegistryData.delegationFiles {
            let f = try XCTUnwrap(d.files[name])
            XCTAssertEqual(f.problems, [], name)
            let declared = RegistryData.table(
                try RegistryData.awk(#"$2 == "*" && $6 == "summary" { print $3, $5 }"#, name))
            let counted = RegistryData.table(
                try RegistryData.awk(
                    #"$1 !~ /^(#|[0-9])/ && $2 != "*" && NF >= 7 { n[$3]++ } END { for (k in n) print k, n[k] }"#, name)
            )
            XCTAssertEqual(declared.count, 3, name)
            for type in DelegationType.allCases {
                XCTAssertEqual(f.count(type), f.summary[type], "\(name) \(type)")
                XCTAssertEqual(Double(f.count(type)), declared[type.rawValue], "\(name) \(type)")
                XCTAssertEqual(Double(f.count(type)), counted[type.rawValue], "\(name) \(type)")
            }
            XCTAssertEqual(f.header?.records, f.records.count, name)
            XCTAssertEqual(f.isExtended, name.contains("extended"), name)
            XCTAssertEqual(f.date, UInt32(name.split(separator: ".").last!), name)
            XCTAssertEqual(Set(f.records.map(\.registry)), [f.header!.registry], name)
        }
    }

    /// IPv4 addresses (and IPv6 /48s) per country: the parsed records, a registry built from that file
    /// alone, and awk's sums over the same lines agree.
    func testCountryTotalsEqualSumsOverFileLines() throws {
        let d = try data()
        let cases = [
            ("delegated-apnic-latest.20141009", ["KP", "CN", "JP"]),
            ("delegated-ripencc-latest.20140520", ["NL", "DE"]),
            ("delegated-lacnic-latest.20141008", ["BR"]), ("delegated-lacnic-extended.20181012", ["BR", "AR"]),
            ("delegated-afrinic-extended.20260505", ["ZA", "EG"]), ("delegated-arin-latest.20130813", ["US", "CA"]),
        ]
        for (name, countries) in cases {
            let f = try XCTUnwrap(d.files[name])
            let registry = Registry(delegations: [f])
            let whole = Dictionary(
                uniqueKeysWithValues: registry.countryShares(of: p("0.0.0.0/0")).map { ($0.country, $0.addresses) })
            let whole6 = Dictionary(
                uniqueKeysWithValues: registry.countryShares(of: p("::/0")).map { ($0.country, $0.addresses) })
            let v4 = RegistryData.table(
                try RegistryData.awk(
                    #"$3 == "ipv4" && ($7 == "allocated" || $7 == "assigned") { s[$2] += $5 } "#
                        + #"END { for (k in s) printf "%s %.0f\n", k, s[k] }"#,
                    name))
            let v6 = RegistryData.table(
                try RegistryData.awk(
                    #"$3 == "ipv6" && ($7 == "allocated" || $7 == "assigned") { s[$2] += 2 ^ (48 - $5) } "#
                        + #"END { for (k in s) printf "%s %.8f\n", k, s[k] }"#,
                    name))
            for cc in countries {
                let fromRecords = f.records.reduce(0.0) { sum, r in
                    guard r.country == cc, r.status.isDelegated, case .ipv4(_, let n) = r.resource else { return sum }
                    return sum + Double(n)
                }
                let expected = try XCTUnwrap(v4[cc], "\(name) \(cc)")
                XCTAssertGreaterThan(expected, 0)
                XCTAssertEqual(fromRecords, expected, "\(name) \(cc)")
                XCTAssertEqual(whole[cc], expected, "\(name) \(cc)")
                XCTAssertEqual(whole6[cc] ?? 0, v6[cc] ?? 0, accuracy: 1e-6, "\(name) \(cc) IPv6 /48s")
            }
            // Within one file no records overlap: all delegated space is accounted for.
            let delegated = v4.values.reduce(0, +)
            XCTAssertEqual(whole.filter { $0.key != "??" }.values.reduce(0, +), delegated, name)
            XCTAssertEqual(whole.values.reduce(0, +), 4_294_967_296, name)
        }
        XCTAssertEqual(
            RegistryData.table(
                try RegistryData.awk(
                    #"$2 == "KP" && $3 == "ipv4" { s += $5 } END { print "KP", s }"#,
                    "delegated-apnic-latest.20141009"))["KP"], 1024)
    }

    /// A prefix spanning several delegations: shares per country equal awk's sums over the records
    /// starting inside it (the rest, undelegated, is "??").
    func testCountrySharesOfPrefixesSpanningDelegations() throws {
        let d = try data()
        let name = "delegated-ripencc-latest.20140520"
        let registry = Registry(delegations: [try XCTUnwrap(d.files[name])])
        for (prefix, test) in [
            ("2.0.0.0/11", "o[1] == 2 && o[2] < 32"), ("5.0.0.0/8", "o[1] == 5"), ("46.0.0.0/8", "o[1] == 46"),
        ] {
            var expected = RegistryData.table(
                try RegistryData.awk(
                    #"$3 == "ipv4" { split($4, o, "."); if ("# + test
                        + #") s[$2] += $5 } END { for (k in s) printf "%s %.0f\n", k, s[k] }"#, name))
            let size = Double(1 << (32 - Int(p(prefix).length)))
            let undelegated = size - expected.values.reduce(0, +)
            if undelegated > 0 { expected["??"] = undelegated }
            let shares = registry.countryShares(of: p(prefix))
            XCTAssertEqual(
                Dictionary(uniqueKeysWithValues: shares.map { ($0.country, $0.addresses) }), expected, prefix)
            XCTAssertGreaterThan(shares.count, 1, prefix)
            XCTAssertEqual(shares.map(\.addresses), shares.map(\.addresses).sorted(by: >))
        }
        // 2.0.0.0/11: 2.0.0.0/12 FR, 2.16.0.0/13 EU, 2.24.0.0/13 GB.
        XCTAssertEqual(registry.countryShares(of: p("2.0.0.0/11")).map(\.country), ["FR", "EU", "GB"])
        XCTAssertEqual(registry.countryShares(of: p("2.0.0.0/11")).map(\.addresses), [1_048_576, 524_288, 524_288])
    }

    func testNorthKoreaAndChinaUnicom() throws {
        let d = try data()
        let apnic = try XCTUnwrap(d.files["delegated-apnic-latest.20141009"])
        let kp = apnic.records.filter { $0.country == "KP" }
        XCTAssertEqual(
            kp.map(\.resource),
            [.asn(first: 131_279, count: 1), .ipv4(first: IPv4Address(175, 45, 176, 0), count: 1024)])
        XCTAssertEqual(kp[1].prefixes, [p("175.45.176.0/22")])
        XCTAssertEqual(kp[1].date, 20_091_221)
        let r = d.registry
        for third in 176...179 { XCTAssertEqual(r.country(of: a("175.45.\(third).1")), "KP") }
        XCTAssertNotEqual(r.country(of: a("175.45.180.1")), "KP")
        XCTAssertNotEqual(r.country(of: a("175.45.175.255")), "KP")
        XCTAssertEqual(r.countryShares(of: p("175.45.176.0/22")).map(\.country), ["KP"])
        XCTAssertEqual(r.countryShares(of: p("175.45.176.0/22")).map(\.addresses), [1024])
        let slash24s = d.origins.trie.covered(by: p("175.45.176.0/22"))
        XCTAssertEqual(
            slash24s.map(\.prefix.description),
            ["175.45.176.0/24", "175.45.177.0/24", "175.45.178.0/24", "175.45.179.0/24"])
        XCTAssertEqual(Set(slash24s.map(\.value)), [[131_279]])
        XCTAssertEqual(r.origins(of: p("175.45.176.0/24")), [131_279])
        XCTAssertEqual(r.originMatch(a("175.45.178.20"))?.prefix, p("175.45.178.0/24"))
        XCTAssertEqual(r.country(ofASN: 131_279), "KP")
        XCTAssertEqual(r.country(ofASN: 4837), "CN")
        XCTAssertTrue(r.name(ofASN: 4837)?.contains("CHINA169") ?? false)
        XCTAssertEqual(r.providers(of: 131_279), [4837])
        XCTAssertEqual(r.relationship(4837, 131_279), .providerOf)
        XCTAssertEqual(r.relationship(131_279, 4837), .customerOf)
        XCTAssertEqual(r.relationship(22351, 131_279), .peer)
        XCTAssertEqual(r.country(ofASN: 3356), "US")
        XCTAssertEqual(r.country(ofASN: 1103), "EU")
    }

    func testPrefixToAS() throws {
        let d = try data()
        XCTAssertEqual(d.origins.problems, [])
        let text = try RegistryData.gunzip(RegistryData.pfx2as)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(
            d.origins.count, Set(lines.map { $0.split(separator: "\t").prefix(2).joined(separator: "/") }).count)
        XCTAssertEqual(d.origins.count, 541_262)
        XCTAssertEqual(d.origins.origins(of: p("1.93.0.0/16")), [4808, 4847])
        XCTAssertEqual(d.origins.origins(of: p("5.128.0.0/14")), [31200, 50923, 65500])
        XCTAssertEqual(d.origins.origins(of: p("41.196.28.0/22")), [37193, 64608, 64624])
        // Every multi-origin line (awk) has more than one origin after parsing.
        let moas = try RegistryData.run(
            "/usr/bin/env",
            ["sh", "-c", "/bin/gzip -dc '\(try RegistryData.path(RegistryData.pfx2as))' | awk '$3 ~ /[_,]/' | wc -l"])
        XCTAssertEqual(
            d.origins.trie.filter { $0.value.count > 1 }.count,
            Int(moas.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    func testASRelationshipsAndNames() throws {
        let d = try data()
        XCTAssertEqual(d.relationships.problems, [])
        let kinds = RegistryData.table(
            try RegistryData.awk(
                #"!/^#/ { k = $1 < $2 ? $1 "|" $2 : $2 "|" $1; if (!(k in seen)) { seen[k]; n[$3]++ } } "#
                    + #"END { for (k in n) print k, n[k] }"#,
                RegistryData.asRel))
        let transit = try XCTUnwrap(kinds["-1"])
        let peering = try XCTUnwrap(kinds["0"])
        XCTAssertEqual(Double(d.relationships.count), transit + peering)
        let ases = Set(
            try RegistryData.awk(#"!/^#/ { print $1; print $2 }"#, RegistryData.asRel).split(separator: "\n")
        ).compactMap { UInt32($0) }
        XCTAssertEqual(Double(ases.reduce(0) { $0 + d.relationships.customers(of: $1).count }), transit)
        XCTAssertEqual(Double(ases.reduce(0) { $0 + d.relationships.providers(of: $1).count }), transit)
        XCTAssertEqual(Double(ases.reduce(0) { $0 + d.relationships.peers(of: $1).count }), 2 * peering)

        XCTAssertEqual(d.names.problems, [])
        let count = try RegistryData.awk("END { print NR }", RegistryData.asNames, separator: " ")
        XCTAssertEqual(d.names.count, Int(count.trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertEqual(d.names[4837], "CHINA169-BACKBONE CNCGROUP China169 Backbone")
        XCTAssertEqual(d.names[1], "LVLT-1 - Level 3 Communications, Inc.")
        XCTAssertEqual(d.names[1945], "FR-LYRES Lyon Recherche et Enseignement Supérieur (LyRES)")
        XCTAssertEqual(d.names[4_294_967_295], "-Reserved AS-", "AS65535.65535 (asdot)")
        XCTAssertEqual(d.names[65536 * 6 + 6], "BLUEFIN-TRADING - Bluefin Trading, LLC")
    }

    /// All files together: later/more specific records win; country lookups stay consistent.
    func testAllFilesTogether() throws {
        let r = try data().registry
        XCTAssertEqual(r.country(of: a("8.8.8.8")), "US")
        XCTAssertEqual(r.country(of: a("193.0.0.1")), "NL")
        XCTAssertEqual(r.country(of: a("200.160.0.1")), "BR")
        XCTAssertEqual(r.country(of: a("196.216.2.1")), "ZA")
        XCTAssertNil(r.country(of: a("10.0.0.1")))
        XCTAssertEqual(r.country(of: a("2001:500:1::1")), "US")
        XCTAssertEqual(r.delegation(ofASN: 4837)?.registry, "apnic")
        XCTAssertEqual(r.countryShares(of: p("0.0.0.0/0")).reduce(0) { $0 + $1.addresses }, 4_294_967_296)
    }
}
