import BGPWire
import Foundation
import VantageCore

/// The world the project generates: tier-1s in a full mesh, national transit networks below them,
/// stub networks below those (each with 1–3 upstreams), address space delegated per country.
///
/// Real facts kept: North Korea's 175.45.176.0/22 is delegated to KP, AS131279 (Star JV, KP) originates
/// its four /24s with AS4837 (China Unicom, CN) as its only upstream; the tier-1s and the national
/// carriers listed in ``countryTable`` carry their real AS numbers and names. Everything else is
/// synthetic and looks it: other ASes use the private-use range 4200000000+ (RFC 6996), peer sessions
/// the documentation ranges 192.0.2.0/24 and 2001:db8::/32, and address blocks are handed out in order.
enum BuiltinWorld {
    struct Country {
        var cc: String
        var rir: String
        /// Share of the world's prefixes (before normalising over the countries in use).
        var weight: Double
        /// National carriers with their real AS numbers and names (transit networks of the country).
        var carriers: [(asn: UInt32, name: String)]
    }

    /// Countries in order of inclusion (`world.countries` takes the first N); weights are roughly each
    /// country's share of the 2014 IPv4 table.
    static let countryTable: [Country] = [
        Country(
            cc: "US", rir: "arin", weight: 0.30,
            carriers: [
                (7922, "COMCAST-7922 - Comcast Cable Communications, Inc."), (209, "ASN-QWEST - Qwest"),
                (6939, "HURRICANE - Hurricane Electric, Inc."),
            ]),
        Country(
            cc: "CN", rir: "apnic", weight: 0.06,
            carriers: [
                (4837, "CHINA169-BACKBONE CNCGROUP China169 Backbone"),
                (4134, "CHINANET-BACKBONE No.31,Jin-rong Street"),
                (9808, "CMNET-GD Guangdong Mobile Communication Co.Ltd."),
            ]),
        Country(cc: "KP", rir: "apnic", weight: 0, carriers: []),
        Country(
            cc: "SY", rir: "ripencc", weight: 0.0006,
            carriers: [(29256, "STE-AS Syrian Telecommunication Establishment")]),
        Country(
            cc: "RU", rir: "ripencc", weight: 0.05,
            carriers: [
                (12389, "ROSTELECOM-AS JSC Rostelecom"), (20485, "TRANSTELECOM JSC Company TransTeleCom"),
                (8359, "COMSTAR COMSTAR-Direct Moscow region network"),
            ]),
        Country(
            cc: "EG", rir: "afrinic", weight: 0.003, carriers: [(8452, "TEDATA TEDATA"), (24863, "LINKdotNET-AS")]),
        Country(cc: "IR", rir: "ripencc", weight: 0.006, carriers: [(12880, "DCI-AS DCI Autonomous System")]),
        Country(
            cc: "CU", rir: "lacnic", weight: 0.0003, carriers: [(27725, "Empresa de Telecomunicaciones de Cuba, S.A.")]),
        Country(cc: "JP", rir: "apnic", weight: 0.045, carriers: [(2516, "KDDI KDDI CORPORATION")]),
        Country(
            cc: "DE", rir: "ripencc", weight: 0.04,
            carriers: [(3320, "DTAG Deutsche Telekom AG"), (8881, "VERSATEL Versatel Global Network")]),
        Country(
            cc: "GB", rir: "ripencc", weight: 0.035,
            carriers: [(2856, "BT-UK-AS BTnet UK Regional network"), (5089, "NTL NTL Group Limited")]),
        Country(
            cc: "BR", rir: "lacnic", weight: 0.05,
            carriers: [
                (28573, "NET Servicos de Comunicao S.A."), (4230, "Embratel"),
                (27699, "TELECOMUNICACOES DE SAO PAULO S/A - TELESP"),
            ]),
        Country(
            cc: "KR", rir: "apnic", weight: 0.02,
            carriers: [
                (4766, "KIXS-AS-KR Korea Telecom"), (9318, "HANARO-AS Hanaro Telecom Inc."),
                (3786, "LGDACOM LG DACOM Corporation"),
            ]),
        Country(
            cc: "FR", rir: "ripencc", weight: 0.025,
            carriers: [(3215, "AS3215 France Telecom - Orange"), (12322, "PROXAD AS for Proxad/Free ISP")]),
        Country(cc: "IT", rir: "ripencc", weight: 0.02, carriers: [(3269, "ASN-IBSNAZ TELECOM ITALIA")]),
        Country(cc: "CA", rir: "arin", weight: 0.025, carriers: []),
        Country(
            cc: "AU", rir: "apnic", weight: 0.025,
            carriers: [(1221, "ASN-TELSTRA Telstra Pty Ltd"), (7545, "TPG-INTERNET-AP TPG Internet Pty Ltd")]),
        Country(
            cc: "IN", rir: "apnic", weight: 0.035,
            carriers: [
                (9829, "BSNL-NIB National Internet Backbone"), (9498, "BBIL-AP BHARTI BT INTERNET LTD."),
                (4755, "VSNL-AS Videsh Sanchar Nigam Ltd. Autonomous System"),
            ]),
        Country(cc: "NL", rir: "ripencc", weight: 0.015, carriers: []),
        Country(
            cc: "ES", rir: "ripencc", weight: 0.012,
            carriers: [(3352, "TELEFONICA-DATA-ESPANA Internet Access Network of TDE")]),
        Country(
            cc: "PL", rir: "ripencc", weight: 0.02, carriers: [(5617, "TPNET Polish Telecom's commercial IP network")]),
        Country(cc: "UA", rir: "ripencc", weight: 0.02, carriers: [(6849, "UKRTELNET JSC UKRTELECOM")]),
        Country(cc: "SE", rir: "ripencc", weight: 0.01, carriers: []),
        Country(
            cc: "TR", rir: "ripencc", weight: 0.01,
            carriers: [(9121, "TTNET TTnet Autonomous System"), (16135, "TURKCELL-AS Turkcell A.S.")]),
        Country(cc: "MX", rir: "lacnic", weight: 0.01, carriers: [(8151, "Uninet S.A. de C.V.")]),
        Country(
            cc: "AR", rir: "lacnic", weight: 0.012,
            carriers: [(7303, "Telecom Argentina S.A."), (22927, "Telefonica de Argentina")]),
        Country(
            cc: "ID", rir: "apnic", weight: 0.02, carriers: [(7713, "TELKOMNET-AS-AP PT TELEKOMUNIKASI INDONESIA")]),
        Country(cc: "TW", rir: "apnic", weight: 0.012, carriers: [(3462, "HINET Data Communication Business Group")]),
        Country(cc: "VN", rir: "apnic", weight: 0.008, carriers: [(7552, "VIETEL-AS-AP Vietel Corporation")]),
        Country(cc: "ZA", rir: "afrinic", weight: 0.01, carriers: [(5713, "SAIX-NET")]),
        Country(
            cc: "HK", rir: "apnic", weight: 0.012, carriers: [(9304, "HUTCHISON-AS-AP Hutchison Global Communications")]
        ),
        Country(
            cc: "SG", rir: "apnic", weight: 0.008,
            carriers: [
                (7473, "SINGTEL-AS-AP Singapore Telecom"), (4657, "STARHUBINTERNET-AS Starhub Internet, Singapore"),
            ]),
        Country(
            cc: "CH", rir: "ripencc", weight: 0.008,
            carriers: [(3303, "SWISSCOM Swisscom Solutions Ltd"), (13030, "INIT7 Init Seven AG, Zurich, Switzerland")]),
        Country(
            cc: "IL", rir: "ripencc", weight: 0.006,
            carriers: [(8551, "BEZEQ-INTERNATIONAL-AS Bezeqint Internet Backbone")]),
        Country(
            cc: "CO", rir: "lacnic", weight: 0.006,
            carriers: [(19429, "ETB - Colombia"), (3816, "COLOMBIA TELECOMUNICACIONES S.A. ESP")]),
        Country(cc: "CL", rir: "lacnic", weight: 0.006, carriers: []),
        Country(cc: "TH", rir: "apnic", weight: 0.008, carriers: []),
        Country(
            cc: "MY", rir: "apnic", weight: 0.005, carriers: [(4788, "TMNET-AS-AP TM Net, Internet Service Provider")]),
        Country(
            cc: "PK", rir: "apnic", weight: 0.004,
            carriers: [(17557, "PKTELECOM-AS-PK Pakistan Telecommunication Company Limited")]),
        Country(
            cc: "SA", rir: "ripencc", weight: 0.004,
            carriers: [
                (25019, "SAUDINETSTC-AS Autonomus System Number for SaudiNet"),
                (39386, "STC-IGW-AS Saudi Telecom Company"),
            ]),
        Country(cc: "KE", rir: "afrinic", weight: 0.002, carriers: [(33771, "SAFARICOM-LIMITED")]),
        Country(cc: "NG", rir: "afrinic", weight: 0.002, carriers: []),
        Country(cc: "NZ", rir: "apnic", weight: 0.004, carriers: []),
        Country(
            cc: "AE", rir: "ripencc", weight: 0.003,
            carriers: [(15802, "DU-AS1 Emirates Integrated Telecommunications Company PJSC (EITC-DU)")]),
        Country(
            cc: "KZ", rir: "ripencc", weight: 0.003,
            carriers: [(9198, "KAZTELECOM-AS Kazakhtelecom Corporate Sales Administration")]),
        Country(
            cc: "UY", rir: "lacnic", weight: 0.002, carriers: [(6057, "Administracion Nacional de Telecomunicaciones")]),
        Country(cc: "SK", rir: "ripencc", weight: 0.003, carriers: [(6855, "SK SLOVAK TELECOM, AS6855")]),
        Country(cc: "KW", rir: "ripencc", weight: 0.001, carriers: [(9155, "QualityNet AS number")]),
        Country(cc: "SN", rir: "afrinic", weight: 0.0006, carriers: [(8346, "SONATEL-AS Autonomous System")]),
    ]

    /// Tier-1 networks (full mesh, no upstream), in the order full-feed peers are drawn from them.
    static let tier1s: [(asn: UInt32, cc: String, name: String)] = [
        (3356, "US", "LEVEL3 Level 3 Communications"), (1299, "SE", "TELIANET TeliaNet Global Network"),
        (2914, "US", "NTT-COMMUNICATIONS-2914 - NTT America, Inc."), (174, "US", "COGENT Cogent/PSI"),
        (3257, "DE", "TISCALI-BACKBONE Tiscali Intl Network BV"), (6762, "IT", "SEABONE-NET Telecom Italia Sparkle"),
        (7018, "US", "ATT-INTERNET4 - AT&T WorldNet Services"), (1239, "US", "SPRINTLINK - Sprint"),
        (6453, "US", "GLOBEINTERNET Teleglobe America Inc."),
        (701, "US", "UUNET - MCI Communications Services, Inc. d/b/a Verizon Business"),
    ]

    static let northKorea = (
        asn: UInt32(131279), name: "STAR-KP Star Joint Venture Co. Ltd.", block: IPv4Address(175, 45, 176, 0)
    )
    static let chinaUnicom: UInt32 = 4837
    /// China Unicom's upstreams (tier-1s that carried AS4837 in 2014 RouteViews tables).
    static let chinaUnicomUpstreams: [UInt32] = [1239, 3356, 1299, 2914, 6453, 174]
    /// First private-use 4-byte AS number (RFC 6996) for synthetic networks.
    static let syntheticASBase: UInt32 = 4_200_000_000
    /// Transit networks preferred as partial peers when present.
    static let partialPeerPreference: [UInt32] = [
        3320, 2516, 4766, 28573, 12389, 2856, 7922, 9829, 3215, 1221, 4134, 3269,
    ]

    struct AS {
        var asn: UInt32
        var cc: String
        var tier: Int  // 1 tier-1, 2 transit, 3 stub
        var name: String
        var ups: [UInt32] = []
        var prepend = 0
        var v4Count = 0
        var v6Count = 0
    }

    // MARK: - Generation

    static func build(_ spec: WorldSpec, seed: UInt64, start: UInt32) -> World {
        var rng = SimRandom(seed: seed).fork(0x5749_524C_44)  // "WORLD"
        let countries = Array(countryTable.prefix(max(30, min(spec.countries, countryTable.count))))
        let totalWeight = countries.reduce(0) { $0 + $1.weight }

        // ASes: tier-1s, national carriers, more transit, stubs.
        var ases: [AS] = tier1s.map { AS(asn: $0.asn, cc: $0.cc, tier: 1, name: $0.name) }
        var next = syntheticASBase + 1
        var byCountryTransit: [String: [UInt32]] = [:]
        let transitTarget = max(countries.count + 10, spec.ases / 8)
        let stubTarget = max(countries.count * 2, spec.ases - tier1s.count - transitTarget)
        var transitCount = 0
        for c in countries where c.cc != "KP" {
            for carrier in c.carriers {
                ases.append(AS(asn: carrier.asn, cc: c.cc, tier: 2, name: carrier.name))
                byCountryTransit[c.cc, default: []].append(carrier.asn)
                transitCount += 1
            }
        }
        // More transit where the country is big (at least one per country).
        for c in countries where c.cc != "KP" {
            let want = max(1, Int((Double(transitTarget) * c.weight / totalWeight).rounded()))
            var have = byCountryTransit[c.cc]?.count ?? 0
            while have < want || have == 0 {
                // Countries with one international gateway (SY, CU) keep it as their only transit.
                if have > 0 && (c.cc == "SY" || c.cc == "CU") { break }
                have += 1
                ases.append(
                    AS(
                        asn: next, cc: c.cc, tier: 2,
                        name: "SIM-TRANSIT-\(c.cc)-\(have) Simulated transit network, \(c.cc)"))
                byCountryTransit[c.cc, default: []].append(next)
                next += 1
                transitCount += 1
            }
        }
        // Transit upstreams: national carriers buy from 2–4 tier-1s; later transit of a big country
        // buys from a national carrier and a tier-1.
        let tier1ASNs = tier1s.map(\.asn)
        for i in ases.indices where ases[i].tier == 2 {
            if ases[i].asn == chinaUnicom {
                ases[i].ups = chinaUnicomUpstreams
                continue
            }
            let national = byCountryTransit[ases[i].cc] ?? []
            let rank = national.firstIndex(of: ases[i].asn) ?? 0
            if rank >= 2 && national.count >= 3 {
                ases[i].ups = [national[rng.below(2)], rng.pick(tier1ASNs)]
            } else {
                ases[i].ups = rng.sample(rng.int(2...4), of: tier1ASNs.count).map { tier1ASNs[$0] }
                rng.shuffle(&ases[i].ups)
            }
        }
        // Stubs per country, proportional to weight (North Korea: exactly one, AS131279).
        for c in countries {
            if c.cc == "KP" {
                ases.append(AS(asn: northKorea.asn, cc: "KP", tier: 3, name: northKorea.name, ups: [chinaUnicom]))
                continue
            }
            let n = max(2, Int((Double(stubTarget) * c.weight / totalWeight).rounded()))
            let transit = byCountryTransit[c.cc] ?? []
            for k in 1...n {
                var a = AS(asn: next, cc: c.cc, tier: 3, name: "SIM-STUB-\(c.cc)-\(k) Simulated network, \(c.cc)")
                next += 1
                let single = c.cc == "SY" || c.cc == "CU" || transit.count == 1
                let r = rng.unit()
                let count = single ? 1 : r < 0.45 ? 1 : r < 0.85 ? 2 : 3
                a.ups = rng.sample(min(count, transit.count), of: transit.count).map { transit[$0] }
                rng.shuffle(&a.ups)
                if !single && count > transit.count { a.ups.append(rng.pick(tier1ASNs)) }
                if rng.chance(0.1) { a.prepend = rng.int(1...3) }
                ases.append(a)
            }
        }
        var asIndex: [UInt32: Int] = [:]
        for (i, a) in ases.enumerated() { asIndex[a.asn] = i }

        // Prefix counts: per country by weight, per AS by a heavy-tailed draw (carriers largest).
        let v4Total = spec.ipv4Prefixes - 4  // North Korea's four /24s come on top
        for c in countries where c.cc != "KP" {
            let members = ases.indices.filter { ases[$0].cc == c.cc && ases[$0].tier >= 2 }
            let share = c.weight / totalWeight
            var weights: [Double] = []
            for (r, i) in members.enumerated() {
                let boost = ases[i].tier == 2 ? 4.0 : 1.0
                weights.append(boost * rng.double(0.3...1.7) / pow(Double(r % 40 + 1), 0.6))
            }
            let v4 = max(members.count, Int((Double(v4Total) * share).rounded()))
            let v6 = Int((Double(spec.ipv6Prefixes) * share).rounded())
            let v4Counts = apportion(v4, weights: weights, minimum: 1)
            let v6Counts = apportion(v6, weights: weights.map { $0 * rng.double(0.2...1.8) }, minimum: 0)
            for (k, i) in members.enumerated() {
                ases[i].v4Count = v4Counts[k]
                ases[i].v6Count = v6Counts[k]
            }
        }
        // Tier-1s originate a few prefixes of their own.
        for i in ases.indices where ases[i].tier == 1 {
            ases[i].v4Count = 20 + rng.below(40)
            ases[i].v6Count = 3 + rng.below(6)
        }

        // Address space: every AS gets an aligned block sized to its prefixes; prefixes are carved
        // from it, largest first. Blocks come from /8s in order, skipping special-use space and 175/8.
        let world = World()
        var ipv4Cursor: UInt64 = UInt64(2) << 24
        let skipped: Set<UInt64> = [0, 10, 100, 127, 169, 172, 175, 192, 198, 203]
        var ipv6Cursor: [String: UInt64] = [:]
        let ipv6Pools: [String: UInt64] = [
            "apnic": 0x2400, "arin": 0x2600, "ripencc": 0x2a00, "lacnic": 0x2800, "afrinic": 0x2c00,
        ]
        var delegations: [(kind: Int, key: [UInt64], line: String)] = []
        let rirOf = Dictionary(uniqueKeysWithValues: countryTable.map { ($0.cc, $0.rir) })
        func date(_ r: inout SimRandom) -> String {
            "\(1995 + r.below(19))\(pad2(1 + r.below(12)))\(pad2(1 + r.below(28)))"
        }
        var prefixOrigin: [(IPPrefix, UInt32, String)] = []
        for a in ases {
            let rir = rirOf[a.cc] ?? "arin"
            let registry = a.tier == 1 ? "arin" : rir
            if a.asn == northKorea.asn {
                delegations.append((0, [UInt64(a.asn)], "apnic|KP|asn|131279|1|20091221|allocated"))
                delegations.append(
                    (1, [UInt64(northKorea.block.value)], "apnic|KP|ipv4|175.45.176.0|1024|20091221|allocated"))
                for k in 0..<4 {
                    prefixOrigin.append(
                        (IPPrefix(.v4(IPv4Address(northKorea.block.value + UInt32(k) << 8)), 24), a.asn, "KP"))
                }
                continue
            }
            delegations.append((0, [UInt64(a.asn)], "\(registry)|\(a.cc)|asn|\(a.asn)|1|\(date(&rng))|allocated"))
            // IPv4: prefix lengths drawn from a 2014-like mix.
            var lengths: [UInt8] = []
            for _ in 0..<a.v4Count { lengths.append(drawLength(&rng)) }
            lengths.sort()
            let space = lengths.reduce(UInt64(0)) { $0 + (UInt64(1) << (32 - UInt64($1))) }
            var blockBits = 8
            while (UInt64(1) << UInt64(blockBits)) < space { blockBits += 1 }
            let blockSize = UInt64(1) << UInt64(blockBits)
            ipv4Cursor = (ipv4Cursor + blockSize - 1) / blockSize * blockSize
            while (ipv4Cursor >> 24...(ipv4Cursor + blockSize - 1) >> 24).contains(where: skipped.contains) {
                ipv4Cursor = max(ipv4Cursor + blockSize, ((ipv4Cursor >> 24) + 1) << 24)
                ipv4Cursor = (ipv4Cursor + blockSize - 1) / blockSize * blockSize
            }
            let blockStart = ipv4Cursor
            ipv4Cursor += blockSize
            precondition(ipv4Cursor < UInt64(224) << 24, "built-in world: IPv4 space exhausted")
            delegations.append(
                (
                    1, [blockStart],
                    "\(registry)|\(a.cc)|ipv4|\(IPv4Address(UInt32(blockStart)))|\(blockSize)|\(date(&rng))|allocated"
                ))
            var offset: UInt64 = 0
            for l in lengths {
                let size = UInt64(1) << (32 - UInt64(l))
                offset = (offset + size - 1) / size * size
                prefixOrigin.append((IPPrefix(.v4(IPv4Address(UInt32(blockStart + offset))), l), a.asn, a.cc))
                offset += size
            }
            // IPv6: a /32 per AS with IPv6 (a /29 for big ones), the block itself and more-specifics.
            if a.v6Count > 0 {
                let pool = ipv6Pools[registry] ?? 0x2600
                let bits: UInt64 = a.v6Count > 64 ? 29 : 32
                let units = UInt64(1) << (32 - bits)  // in /32s
                var cursor = ipv6Cursor[registry] ?? 0x10
                cursor = (cursor + units - 1) / units * units
                ipv6Cursor[registry] = cursor + units
                let high = (pool << 48) | (cursor << 32)
                let blockPrefix = IPPrefix(.v6(IPv6Address(high: high, low: 0)), UInt8(bits))
                delegations.append(
                    (2, [high], "\(registry)|\(a.cc)|ipv6|\(blockPrefix.address)|\(bits)|\(date(&rng))|allocated"))
                prefixOrigin.append((blockPrefix, a.asn, a.cc))
                var used = Set<UInt64>()
                for _ in 1..<a.v6Count {
                    let l = UInt64(rng.pick([36, 40, 44, 48, 48, 48]))
                    // A more-specific inside the block: choose its index below the block.
                    let slots = UInt64(1) << min(20, l - bits)
                    var idx = UInt64(rng.below(Int(slots)))
                    var tries: UInt64 = 0
                    while used.contains(l << 32 | idx) && tries < slots {
                        idx = (idx + 1) % slots
                        tries += 1
                    }
                    guard used.insert(l << 32 | idx).inserted else { continue }
                    let h = high | (idx << (64 - l))
                    prefixOrigin.append((IPPrefix(.v6(IPv6Address(high: h, low: 0)), UInt8(l)), a.asn, a.cc))
                }
            }
        }
        prefixOrigin.sort { $0.0 < $1.0 }
        var seenPrefix = Set<IPPrefix>()
        prefixOrigin = prefixOrigin.filter { seenPrefix.insert($0.0).inserted }

        // Peers: full feeds on tier-1s (then carriers), each with an IPv4 and an IPv6 session;
        // partial peers on carriers.
        var peerASNs: [(UInt32, Bool)] = []
        let fullCandidates = tier1ASNs + ases.filter { $0.tier == 2 }.map(\.asn)
        for asn in fullCandidates.prefix(spec.fullFeedPeers) { peerASNs.append((asn, true)) }
        var partial: [UInt32] = partialPeerPreference.filter { asIndex[$0] != nil && !peerASNs.map(\.0).contains($0) }
        partial += ases.filter { $0.tier == 2 && !partial.contains($0.asn) && !peerASNs.map(\.0).contains($0.asn) }.map(
            \.asn)
        for asn in partial.prefix(spec.partialPeers) { peerASNs.append((asn, false)) }
        var peers: [SimPeer] = []
        for (i, (asn, full)) in peerASNs.enumerated() {
            let v4 = IPv4Address(192, 0, 2, UInt8(full ? 10 + i : 100 + i))
            let tags = asn <= 0xFFFF && (i % 3 != 2)
            let med = i % 4 == 1
            peers.append(
                SimPeer(
                    asn: asn, address: .v4(v4), bgpID: v4, fullFeed: full, synthetic: false, tagsCommunities: tags,
                    sendsMED: med))
            if full || i % 2 == 0 {
                let v6 = IPv6Address(high: 0x2001_0db8_0000_0000, low: UInt64(full ? 0x10 + i : 0x100 + i))
                peers.append(
                    SimPeer(
                        asn: asn, address: .v6(v6), bgpID: v4, fullFeed: full, synthetic: false, tagsCommunities: tags,
                        sendsMED: med))
            }
        }

        // Routes: per peer and origin, a valley-free path (customer routes first, then shortest, ties
        // broken per peer so that multi-homed networks are reached through different upstreams).
        world.peers = peers
        world.prefixes = prefixOrigin.map(\.0)
        world.origin = prefixOrigin.map(\.1)
        world.originCode = world.prefixes.indices.map { i in
            // 8 % INCOMPLETE (redistributed static routes); North Korea's are IGP, as in real tables.
            world.origin[i] != northKorea.asn && SimRandom.hash(UInt64(i), seed) % 100 < 8 ? 2 : 0
        }
        let prefixCountry = Dictionary(prefixOrigin.map { ($0.0, $0.2) }, uniquingKeysWith: { a, _ in a })
        let asCountry = Dictionary(uniqueKeysWithValues: ases.map { ($0.asn, $0.cc) })
        world.countryOfPrefix = { prefixCountry[$0] }
        world.countryOfASN = { asCountry[$0] }
        world.core = tier1ASNs
        for a in ases { world.names[a.asn] = a.name }

        let router = Router(ases: ases, asIndex: asIndex, seed: seed)
        var pathCache: [UInt64: Int32] = [:]
        var cone: [UInt32: Set<UInt32>] = [:]  // peer AS → origins in its customer cone
        for p in Set(peers.map(\.asn)) {
            var set = Set<UInt32>()
            for a in ases where router.providerCone(of: a.asn).contains(p) { set.insert(a.asn) }
            cone[p] = set
        }
        for (pi, peer) in peers.enumerated() {
            var table = [Int32](repeating: -1, count: world.prefixes.count)
            let myCone = cone[peer.asn] ?? []
            for i in world.prefixes.indices where world.prefixes[i].afi == peer.afi {
                let o = world.origin[i]
                if !peer.fullFeed {
                    // Partial: its customer cone, plus about a quarter of the rest.
                    let keep = myCone.contains(o) || SimRandom.hash(UInt64(i), UInt64(pi), seed) % 100 < 25
                    if !keep { continue }
                }
                let key = UInt64(peer.asn) << 32 | UInt64(o)
                if let id = pathCache[key] {
                    table[i] = id
                    continue
                }
                var path = router.path(from: peer.asn, to: o)
                if let a = asIndex[o] { path += Array(repeating: o, count: ases[a].prepend) }
                let id = world.store.id(path)
                pathCache[key] = id
                table[i] = id
            }
            world.base.append(table)
        }

        // Registry files: RIR delegation format (one file for all registries) and AS names.
        delegations.sort { ($0.kind, $0.key[0]) < ($1.kind, $1.key[0]) }
        let counts = [0, 1, 2].map { k in delegations.filter { $0.kind == k }.count }
        let day = UTC.components(start)
        let stamp = "\(day.0)\(pad2(day.1))\(pad2(day.2))"
        var text = "# Delegations of the simulated world (vantage simulate): RIR delegation statistics format.\n"
        text += "# Synthetic, except North Korea's 175.45.176.0/22 and AS131279 (KP) as APNIC delegated them.\n"
        text += "2|sim|\(stamp)|\(delegations.count)|19830101|\(stamp)|+0000\n"
        text +=
            "sim|*|asn|*|\(counts[0])|summary\nsim|*|ipv4|*|\(counts[1])|summary\nsim|*|ipv6|*|\(counts[2])|summary\n"
        for d in delegations { text += d.line + "\n" }
        world.registryFiles.append(("delegated-sim.txt", Array(text.utf8)))
        var names = "# AS names of the simulated world (vantage simulate): AS<number> <name>.\n"
        for a in ases.sorted(by: { $0.asn < $1.asn }) { names += "AS\(a.asn) \(a.name)\n" }
        world.registryFiles.append(("asnames.txt", Array(names.utf8)))

        let v4 = world.prefixes.filter { $0.afi == .ipv4 }.count
        world.summary =
            "built-in world: \(grouped(v4)) IPv4 and \(grouped(world.prefixes.count - v4)) IPv6 prefixes, \(ases.count) ASes "
            + "(\(tier1s.count) tier-1, \(transitCount) transit, \(ases.count - tier1s.count - transitCount) stub) in \(countries.count) countries"
        return world
    }

    /// Integer shares of `total` proportional to `weights` (largest remainder), each at least `minimum`.
    static func apportion(_ total: Int, weights: [Double], minimum: Int) -> [Int] {
        guard !weights.isEmpty else { return [] }
        let sum = weights.reduce(0, +)
        let rest = max(0, total - minimum * weights.count)
        let exact = weights.map { sum > 0 ? Double(rest) * $0 / sum : 0 }
        var out = exact.map { Int($0) + minimum }
        var left = total - out.reduce(0, +)
        let order = exact.indices.sorted {
            (exact[$0] - exact[$0].rounded(.down), -$0) > (exact[$1] - exact[$1].rounded(.down), -$1)
        }
        var k = 0
        while left > 0 && !order.isEmpty {
            out[order[k % order.count]] += 1
            left -= 1
            k += 1
        }
        return out
    }

    /// IPv4 prefix length, roughly the 2014 table's mix (55 % /24).
    static func drawLength(_ rng: inout SimRandom) -> UInt8 {
        let r = rng.unit()
        let table: [(Double, UInt8)] = [
            (0.55, 24), (0.65, 23), (0.77, 22), (0.83, 21), (0.89, 20), (0.93, 19), (0.955, 18), (0.97, 17),
            (0.995, 16), (1.0, 15),
        ]
        for (p, l) in table where r < p { return l }
        return 24
    }

    /// Valley-free routing over the generated topology.
    struct Router {
        let ases: [AS]
        let asIndex: [UInt32: Int]
        let seed: UInt64
        let tier1: [UInt32]

        init(ases: [AS], asIndex: [UInt32: Int], seed: UInt64) {
            self.ases = ases
            self.asIndex = asIndex
            self.seed = seed
            self.tier1 = ases.filter { $0.tier == 1 }.map(\.asn)
        }

        func ups(_ a: UInt32) -> [UInt32] { asIndex[a].map { ases[$0].ups } ?? [] }

        /// Every AS above `origin` (following upstreams), with its distance.
        func providerConeDistances(of origin: UInt32) -> [UInt32: Int] {
            var dist: [UInt32: Int] = [origin: 0]
            var frontier = [origin]
            var d = 0
            while !frontier.isEmpty {
                d += 1
                var nextFrontier: [UInt32] = []
                for a in frontier {
                    for u in ups(a) where dist[u] == nil {
                        dist[u] = d
                        nextFrontier.append(u)
                    }
                }
                frontier = nextFrontier
            }
            return dist
        }

        func providerCone(of origin: UInt32) -> Set<UInt32> { Set(providerConeDistances(of: origin).keys) }

        /// From `top` (in the cone) down to the origin, choosing among equally short customers by a hash of `viewer`.
        func down(from top: UInt32, cone: [UInt32: Int], viewer: UInt32, origin: UInt32) -> [UInt32] {
            var path = [top]
            var cur = top
            while cur != origin {
                let d = cone[cur]!
                // Customers of `cur` one step closer to the origin, in AS order for determinism.
                let options = cone.filter { $0.value == d - 1 && ups($0.key).contains(cur) }.map(\.key).sorted()
                let choice = options[
                    Int(SimRandom.hash(UInt64(viewer), UInt64(cur), UInt64(origin), seed) % UInt64(options.count))]
                path.append(choice)
                cur = choice
            }
            return path
        }

        /// The AS path from `peer` to `origin` (peer first, origin last).
        func path(from peer: UInt32, to origin: UInt32) -> [UInt32] {
            let cone = providerConeDistances(of: origin)
            if cone[peer] != nil { return down(from: peer, cone: cone, viewer: peer, origin: origin) }
            // Up the peer's primary chain until an AS of the cone or a tier-1.
            var up = [peer]
            var cur = peer
            while asIndex[cur].map({ ases[$0].tier }) != 1, let u = ups(cur).first, !up.contains(u) {
                up.append(u)
                cur = u
                if cone[u] != nil { return up.dropLast() + down(from: u, cone: cone, viewer: peer, origin: origin) }
            }
            // Across the tier-1 mesh to the tier-1 of the cone closest to the origin.
            let tops = tier1.filter { cone[$0] != nil }.sorted { (cone[$0]!, $0) < (cone[$1]!, $1) }
            guard let best = tops.first else { return up + [origin] }
            let shortest = tops.filter { cone[$0] == cone[best] }
            let top = shortest[Int(SimRandom.hash(UInt64(peer), UInt64(origin), seed) % UInt64(shortest.count))]
            return up + down(from: top, cone: cone, viewer: peer, origin: origin)
        }
    }
}

func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

