import ArchiveIO
import BGPWire
import Foundation
import TestSupport
import VantageCore
import XCTest

@testable import VantageSim

/// The simulator on a small built-in world and a three-hour window holding one event of every kind:
/// determinism, clean decoding, bgpdump parity, and each event visible in the archives as specified.
final class SimulatorTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let allActions = """
        name: every-action
        start: 2015-01-01T00:00:00Z
        end: 2015-01-01T03:00:00Z
        seed: 42
        world: {kind: builtin, ipv4_prefixes: 3000, ipv6_prefixes: 400, ases: 150, countries: 30, full_feed_peers: 4, partial_peers: 2}
        events:
          - {at: 2015-01-01T00:20:00Z, until: 2015-01-01T00:40:00Z, action: withdraw, target: {country: KP}}
          - {at: 2015-01-01T00:50:00Z, until: 2015-01-01T01:20:00Z, action: flap, target: {asn: 131279}, interval: 5m-10m, period: 1m-2m, reach: 0.5}
          - {at: 2015-01-01T01:10:00Z, action: peer-reset, peer: 3356, duration: 3m}
          - {at: 2015-01-01T01:30:00Z, until: 2015-01-01T02:00:00Z, action: rehome, target: {asn: 131279}, new_upstream: 20485}
          - {at: 2015-01-01T02:00:00Z, until: 2015-01-01T02:15:00Z, action: missing-file}
          - {at: 2015-01-01T02:20:00Z, until: 2015-01-01T02:40:00Z, action: announce, target: {prefixes: [198.51.100.0/24]}, origin: 64500, upstream: 4837}
          - {at: 2015-01-01T02:30:00Z, until: 2015-01-01T02:50:00Z, action: withdraw, target: {prefixes: [175.45.177.0/24]}}
        """

    static let t0 = UTC.time(2015, 1, 1)

    /// One run shared by the tests that only read its output.
    nonisolated(unsafe) static var shared: (dir: String, result: Simulator.Result)?

    static func temporaryDirectory(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vantage-sim-\(name)-\(UUID().uuidString)"
        ).path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func run(seed: UInt64? = nil, name: String = "run") throws -> (dir: String, result: Simulator.Result) {
        let dir = temporaryDirectory(name)
        let scenario = try Scenario.parse(yaml: allActions)
        return (dir, try Simulator.run(scenario, options: Simulator.Options(outputDirectory: dir, seed: seed)))
    }

    override class func tearDown() {
        if let dir = shared?.dir { try? FileManager.default.removeItem(atPath: dir) }
        shared = nil
        super.tearDown()
    }

    func sharedRun() throws -> (dir: String, result: Simulator.Result) {
        if let s = Self.shared { return s }
        let s = try Self.run()
        Self.shared = s
        return s
    }

    /// Every record of an archive, with the decoder's statistics and problems.
    func decode(_ path: String) throws -> (records: [MRTRecord], stats: ScanStats, problems: [String]) {
        final class Box: @unchecked Sendable { var problems: [String] = [] }
        let box = Box()
        var records: [MRTRecord] = []
        let collect: (ArchiveProblem) -> Void = { box.problems.append("\($0)") }
        let stats = try MRTFile.forEachRecord(path: path, threads: 1, onProblem: collect) { records.append($0) }
        return (records, stats, box.problems)
    }

    func elements(_ path: String) throws -> [RouteElement] {
        var table: PeerIndexTable?
        var out: [RouteElement] = []
        for r in try decode(path).records {
            if case .peerIndexTable(let t) = r.message { table = t }
            out += r.elements(peerTable: table)
        }
        return out
    }

    // MARK: Scenario files

    func testScenarioFilesParseAndNorthKoreaMatchesTheBuiltIn() throws {
        let dir = Self.packageRoot.appendingPathComponent("scenarios")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }
            .sorted()
        XCTAssertEqual(
            names,
            [
                "national-shutdown.yaml", "north-korea-2014.yaml", "partial-as-outage.yaml", "peer-session-reset.yaml",
                "upstream-change.yaml",
            ])
        for name in names {
            let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            XCTAssertTrue(text.hasPrefix("#"), "\(name): the schema comment comes first")
            XCTAssertTrue(text.contains("Scenario schema"), name)
            let s = try Scenario.parse(yaml: text)
            XCTAssertEqual(s.name + ".yaml", name)
            XCTAssertFalse(s.events.isEmpty, name)
        }
        let file = try String(contentsOf: dir.appendingPathComponent("north-korea-2014.yaml"), encoding: .utf8)
        XCTAssertEqual(
            file, BuiltinScenarios.northKorea2014, "scenarios/north-korea-2014.yaml must be the embedded text")
        let nk = try Scenario.parse(yaml: BuiltinScenarios.northKorea2014)
        XCTAssertEqual(nk.start, UTC.time(2014, 12, 20))
        XCTAssertEqual(nk.end, UTC.time(2014, 12, 24))
        XCTAssertTrue(nk.description.contains("reconstruction from public reports (Dyn Research)"))
        XCTAssertTrue(nk.description.contains("not recorded data"))
        XCTAssertEqual(nk.events.map(\.action), [.flap, .withdraw, .withdraw])
        XCTAssertEqual(
            nk.events.map(\.at),
            [UTC.time(2014, 12, 21, 9), UTC.time(2014, 12, 22, 16, 15), UTC.time(2014, 12, 23, 15, 41)])
        XCTAssertEqual(
            nk.events.map(\.until),
            [UTC.time(2014, 12, 22, 16, 5), UTC.time(2014, 12, 23, 1, 46), UTC.time(2014, 12, 23, 16, 12)])
        XCTAssertTrue(nk.events.allSatisfy { $0.target == Target(country: "KP") })
        // More than 24 hours of instability before the outage.
        XCTAssertGreaterThan(nk.events[0].until! - nk.events[0].at, 86_400)
    }

    func testParsingReportsMistakes() {
        func message(_ yaml: String) -> String {
            do {
                _ = try Scenario.parse(yaml: yaml)
                return "parsed"
            } catch { return "\(error)" }
        }
        let head = "name: x\nstart: 2015-01-01T00:00:00Z\nend: 2015-01-02T00:00:00Z\n"
        XCTAssertTrue(message(head + "colour: red\n").contains("unknown key `colour`"))
        XCTAssertTrue(
            message(head + "events:\n  - {at: 2015-01-01T01:00:00Z, action: explode}\n").contains(
                "unknown action `explode`"))
        XCTAssertTrue(
            message(head + "events:\n  - {at: 2016-01-01T01:00:00Z, action: missing-file}\n").contains("outside"))
        XCTAssertTrue(
            message(head + "events:\n  - {at: 2015-01-01T01:00:00Z, action: withdraw}\n").contains("needs a `target`"))
        XCTAssertTrue(
            message(head + "events:\n  - {at: yesterday, action: missing-file}\n").contains("not an ISO-8601"))
        XCTAssertTrue(
            message(head + "events:\n  - {at: 2015-01-01T01:00:00Z, action: withdraw, target: {country: KP, asn: 1}}\n")
                .contains("exactly one"))
        XCTAssertEqual(message(head), "parsed")
        XCTAssertEqual(Scenario.parseDuration("1h30m"), 5400)
        XCTAssertEqual(Scenario.parseDuration("45s"), 45)
        XCTAssertEqual(Scenario.parseDuration("2d"), 172_800)
        XCTAssertEqual(Scenario.parseDuration("90"), 90)
        XCTAssertNil(Scenario.parseDuration("5 minutes"))
        XCTAssertEqual(Scenario.parseTime("2014-12-22T16:15:00Z"), UTC.time(2014, 12, 22, 16, 15))
        XCTAssertEqual(Scenario.parseTime("2014-12-22 16:15"), UTC.time(2014, 12, 22, 16, 15))
    }

    // MARK: Determinism and decoding

    func testSameSeedSameBytesOtherSeedOtherBytes() throws {
        let a = try sharedRun()
        let b = try Self.run(name: "again")
        let c = try Self.run(seed: 43, name: "other")
        defer {
            try? FileManager.default.removeItem(atPath: b.dir)
            try? FileManager.default.removeItem(atPath: c.dir)
        }
        let names = a.result.archives.map { ($0 as NSString).lastPathComponent }
        XCTAssertEqual(names, b.result.archives.map { ($0 as NSString).lastPathComponent })
        for name in names + ["registry/delegated-sim.txt", "registry/asnames.txt", "README.txt"] {
            let x = FileManager.default.contents(atPath: a.dir + "/" + name)
            XCTAssertNotNil(x, name)
            XCTAssertEqual(
                x, FileManager.default.contents(atPath: b.dir + "/" + name),
                "\(name) differs between two runs with seed 42")
        }
        let rib = names[0]
        XCTAssertNotEqual(
            FileManager.default.contents(atPath: a.dir + "/" + rib),
            FileManager.default.contents(atPath: c.dir + "/" + rib))
    }

    func testEveryFileDecodesWithNothingSkipped() throws {
        let (dir, result) = try sharedRun()
        XCTAssertEqual(result.ribFile, dir + "/rib.20150101.0000.bz2")
        // 12 quarter hours, 02:00 missing by design.
        XCTAssertEqual(result.updateFiles.count, 11)
        XCTAssertEqual(result.missingFiles, [dir + "/updates.20150101.0200.bz2"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/updates.20150101.0200.bz2"))
        var records = 0
        for path in result.archives {
            let name = (path as NSString).lastPathComponent
            let (recs, stats, problems) = try decode(path)
            XCTAssertEqual(stats.skippedRecords, 0, name)
            XCTAssertEqual(stats.skippedBytes, 0, name)
            XCTAssertEqual(problems, [], name)
            XCTAssertGreaterThan(recs.count, 0, name)
            records += recs.count
            if path == result.ribFile {
                guard case .peerIndexTable(let t) = recs.first?.message else {
                    return XCTFail("RIB must open with a PEER_INDEX_TABLE")
                }
                XCTAssertEqual(t.peers.count, result.peers.count)
                XCTAssertTrue(recs.allSatisfy { $0.header.timestamp == Self.t0 && $0.header.type == .tableDumpV2 })
            } else {
                let i = UInt32(result.updateFiles.firstIndex(of: path)!)
                let start = Self.t0 + (i >= 8 ? i + 1 : i) * 900  // file 8 (02:00) is missing
                XCTAssertEqual(name, Simulator.fileName("updates", start))
                var last: UInt32 = 0
                for r in recs {
                    XCTAssertTrue(
                        (start..<start + 900).contains(r.header.timestamp), "\(name): record at \(r.header.timestamp)")
                    XCTAssertGreaterThanOrEqual(r.header.timestamp, last, "\(name): records in time order")
                    last = r.header.timestamp
                    XCTAssertEqual(r.header.type, .bgp4mp)
                    XCTAssertTrue([BGP4MPSubtype.messageAS4, BGP4MPSubtype.stateChangeAS4].contains(r.header.subtype))
                }
            }
        }
        XCTAssertGreaterThan(records, 3000)
    }

    func testBgpdumpReadsEveryFileExactlyAsVantage() throws {
        guard let bgpdump = which("bgpdump") else {
            throw XCTSkip("bgpdump is not installed (apt-get install bgpdump): comparison skipped")
        }
        let (_, result) = try sharedRun()
        for path in result.archives {
            var formatter = BGPDumpFormatter()
            var ours: [UInt8] = []
            var problems: [BGPDumpFormatter.Problem] = []
            for r in try decode(path).records { formatter.format(r, into: &ours, problems: &problems) }
            XCTAssertTrue(problems.isEmpty, path)
            let theirs = try runTool(bgpdump, ["-m", path])
            XCTAssertGreaterThan(theirs.count, 0, path)
            XCTAssert(
                ours == theirs,
                "\(path): bgpdump -m and vantage dump -m differ (\(theirs.count) vs \(ours.count) bytes)")
        }
    }

    // MARK: Events in the archives

    func testEventsAppearInTheArchivesAsSpecified() throws {
        let (_, result) = try sharedRun()
        var all: [RouteElement] = []
        for path in result.updateFiles { all += try elements(path) }
        let full4 = result.peers.filter { $0.fullFeed && $0.afi == .ipv4 }
        XCTAssertEqual(full4.count, 4)
        let kp = Set((176...179).map { IPPrefix("175.45.\($0).0/24")! })
        func kpElements(_ kind: RouteElement.Kind, in range: Range<UInt32>) -> [RouteElement] {
            all.filter { $0.kind == kind && range.contains($0.timestamp) && $0.prefix.map(kp.contains) == true }
        }
        // Withdraw at 00:20: every full-feed IPv4 session withdraws the four /24s 2–12 s later, each
        // peer its own delay; re-announced 12–36 s after 00:40 through AS4837.
        let withdrawAt = Self.t0 + 20 * 60
        let w = kpElements(.withdrawal, in: withdrawAt..<withdrawAt + 60)
        for p in full4 {
            let mine = w.filter { $0.peerAddress == p.address }
            XCTAssertEqual(Set(mine.compactMap(\.prefix)), kp, "\(p.address) withdraws all four")
            XCTAssertTrue(mine.allSatisfy { (withdrawAt + 2...withdrawAt + 12).contains($0.timestamp) }, "\(p.address)")
        }
        XCTAssertGreaterThan(Set(w.map(\.timestamp)).count, 1, "peers react seconds apart, not all at once")
        let backAt = Self.t0 + 40 * 60
        let a = kpElements(.announcement, in: backAt..<backAt + 60)
        for p in full4 {
            let mine = a.filter { $0.peerAddress == p.address }
            XCTAssertEqual(Set(mine.compactMap(\.prefix)), kp)
            XCTAssertTrue(mine.allSatisfy { (backAt + 12...backAt + 36).contains($0.timestamp) })
            for e in mine { XCTAssertEqual(Array(flat(e).suffix(2)), [4837, 131279]) }
        }
        // Flap 00:50–01:20 with reach 0.5: each flap withdraws at two of the four full-feed sessions.
        let flaps = kpElements(.withdrawal, in: Self.t0 + 50 * 60..<Self.t0 + 80 * 60)
        let flapPeers = Set(flaps.map(\.peerAddress))
        XCTAssertGreaterThanOrEqual(flaps.count, 8)
        XCTAssertGreaterThan(flapPeers.count, 2, "different flaps reach different peers")
        for t in Set(flaps.map { $0.timestamp / 60 }) {
            let burst = flaps.filter { $0.timestamp / 60 == t || $0.timestamp / 60 == t + 1 }
            XCTAssertLessThanOrEqual(Set(burst.map(\.peerAddress)).intersection(full4.map(\.address)).count, 2)
        }
        // Peer reset of AS3356 (IPv4 and IPv6 sessions) at 01:10 for 3 minutes, then the table again.
        let resetAt = Self.t0 + 70 * 60
        let states = all.filter { $0.kind == .peerState }
        XCTAssertEqual(Set(states.map(\.peerASN)), [3356])
        XCTAssertEqual(Set(states.map(\.peerAddress)).count, 2)
        for addr in Set(states.map(\.peerAddress)) {
            let mine = states.filter { $0.peerAddress == addr }
            XCTAssertEqual(mine.map { [$0.oldState!, $0.newState!] }, [[6, 1], [1, 2], [2, 4], [4, 5], [5, 6]])
            XCTAssertEqual(mine.map(\.timestamp), [resetAt] + Array(repeating: resetAt + 180, count: 4))
            let table = result.peers.firstIndex { $0.address == addr }!
            let expected = try ribRoutes(of: addr)
            let resent = Set(
                all.filter {
                    $0.peerAddress == addr && $0.kind == .announcement
                        && (resetAt + 180...resetAt + 300).contains($0.timestamp)
                }.compactMap(\.prefix))
            // The whole table is sent again (less what background churn had withdrawn at that moment).
            XCTAssertGreaterThan(
                Double(expected.intersection(resent).count), 0.97 * Double(expected.count), "session \(table)")
            XCTAssertTrue(
                all.filter { $0.peerAddress == addr && (resetAt + 1..<resetAt + 180).contains($0.timestamp) }.isEmpty,
                "silent while down")
        }
        // Rehome at 01:30: AS131279 behind AS20485; back behind AS4837 at 02:00.
        let rehomed = kpElements(.announcement, in: Self.t0 + 90 * 60..<Self.t0 + 91 * 60)
        XCTAssertGreaterThanOrEqual(rehomed.count, 16)
        for e in rehomed {
            let path = flat(e)
            XCTAssertEqual(Array(path.suffix(2)), [20485, 131279])
            XCTAssertFalse(path.contains(4837))
        }
        // Announce 02:20–02:40: a new prefix from AS64500 behind AS4837, withdrawn at 02:40.
        let new = IPPrefix("198.51.100.0/24")!
        let announced = all.filter { $0.prefix == new && $0.kind == .announcement }
        XCTAssertGreaterThanOrEqual(announced.count, 4)
        XCTAssertTrue(
            announced.allSatisfy { Array(flat($0).suffix(2)) == [4837, 64500] && $0.timestamp >= Self.t0 + 140 * 60 })
        XCTAssertTrue(
            all.filter { $0.prefix == new && $0.kind == .withdrawal }.allSatisfy { $0.timestamp >= Self.t0 + 160 * 60 })
        // Withdraw one /24 at 02:30: only that one.
        let single = kpElements(.withdrawal, in: Self.t0 + 150 * 60..<Self.t0 + 151 * 60)
        XCTAssertEqual(Set(single.compactMap(\.prefix)), [IPPrefix("175.45.177.0/24")!])
        // Background churn: every session speaks in every file.
        for path in result.updateFiles {
            let speakers = Set(try elements(path).map(\.peerAddress))
            XCTAssertEqual(speakers.count, result.peers.count, (path as NSString).lastPathComponent)
        }
    }

    func flat(_ e: RouteElement) -> [UInt32] {
        (e.attributes?.effectiveASPath?.segments ?? []).flatMap(\.asns)
    }

    func ribRoutes(of peer: IPAddress) throws -> Set<IPPrefix> {
        let (_, result) = try sharedRun()
        return Set(try elements(result.ribFile).filter { $0.peerAddress == peer }.compactMap(\.prefix))
    }

    // MARK: Encoding

    /// The hand-written fast paths produce what BGPWire's encoders produce.
    func testFastEncodingMatchesBGPWireEncoders() throws {
        let v4 = SimPeer(
            asn: 3356, address: .v4(IPv4Address(192, 0, 2, 10)), bgpID: IPv4Address(192, 0, 2, 10), fullFeed: true,
            synthetic: false,
            tagsCommunities: true, sendsMED: true)
        let v6 = SimPeer(
            asn: 4_200_000_001, address: .v6(IPv6Address(high: 0x2001_0db8_0000_0000, low: 0x10)),
            bgpID: IPv4Address(192, 0, 2, 10),
            fullFeed: true, synthetic: false, tagsCommunities: false, sendsMED: false)
        // Two AS_SEQUENCE segments and an extended-length AS_PATH.
        let path: [UInt32] = [3356, 1239, 4837] + Array(repeating: 131279, count: 300)
        var fast = WireWriter()
        MRTEncoder.attributes(&fast, peer: v4, path: path, originCode: 2, ribIPv6: false)
        let h = SimRandom.hash(UInt64(path.count), UInt64(path.last!), UInt64(path[1]))
        let reference: [PathAttributeValue] = [
            .origin(.incomplete), .asPath(ASPath([ASPathSegment(.sequence, path)])),
            .nextHop(IPv4Address(192, 0, 2, 10)),
            .multiExitDisc(UInt32(h % 3) * 10),
            .communities([Community(rawValue: 3356 << 16 | UInt32(1000 + h % 7)), Community(rawValue: 3356 << 16 | 2)]),
        ]
        let ctx = AttributeContext(asnWidth: .four)
        XCTAssertEqual(fast.bytes, PathAttributes.encode(reference.compactMap(PathAttribute.init), context: ctx))

        var rib6 = WireWriter()
        MRTEncoder.attributes(&rib6, peer: v6, path: [4_200_000_001, 3356, 64500], originCode: 0, ribIPv6: true)
        let nh = (0..<16).map { i -> UInt8 in
            UInt8(truncatingIfNeeded: (i < 8 ? UInt64(0x2001_0db8_0000_0000) : 0x10) >> (56 - 8 * (i % 8)))
        }
        let reference6: [PathAttributeValue] = [
            .origin(.igp), .asPath(ASPath([ASPathSegment(.sequence, [4_200_000_001, 3356, 64500])])),
            .mpReach(MPReach(afi: .ipv6, safi: .unicast, nextHopBytes: nh, nlri: [], isAbbreviated: true)),
        ]
        XCTAssertEqual(rib6.bytes, PathAttributes.encode(reference6.compactMap(PathAttribute.init), context: ctx))

        // Whole UPDATE records, IPv4 and IPv6, announcements and withdrawals.
        let p4 = [IPPrefix("175.45.176.0/24")!, IPPrefix("10.0.0.0/8")!]
        let p6 = [IPPrefix("2001:db8:1::/48")!, IPPrefix("2400::/12")!]
        let cases: [(SimPeer, [IPPrefix], Bool)] = [(v4, p4, false), (v4, p4, true), (v6, p6, false), (v6, p6, true)]
        for (peer, prefixes, withdraw) in cases {
            var w = WireWriter()
            let path: [UInt32] = [peer.asn, 4837, 131279]
            MRTEncoder.update(
                &w, time: 1_419_264_900, peer: peer, withdrawn: withdraw ? prefixes : [],
                announced: withdraw ? [] : prefixes, path: path, originCode: 0)
            var attrs: [PathAttributeValue] = []
            var withdrawn: [NLRI] = []
            var announced: [NLRI] = []
            let nlri = prefixes.map { NLRI($0) }
            if peer.afi == .ipv4 {
                if withdraw { withdrawn = nlri } else { announced = nlri }
                if !withdraw {
                    var a = WireWriter()
                    MRTEncoder.attributes(&a, peer: peer, path: path, originCode: 0, ribIPv6: false)
                    attrs = try PathAttributes(decoding: a.bytes[...], context: ctx).attributes.map(\.value)
                }
            } else if withdraw {
                attrs = [.mpUnreach(MPUnreach(afi: .ipv6, safi: .unicast, withdrawn: nlri))]
            } else {
                attrs = [
                    .origin(.igp), .asPath(ASPath([ASPathSegment(.sequence, path)])),
                    .mpReach(MPReach(afi: .ipv6, safi: .unicast, nextHopBytes: nh, nlri: nlri)),
                ]
            }
            let update = BGPUpdate(
                withdrawn: withdrawn, attributes: attrs.compactMap(PathAttribute.init), announced: announced,
                context: MessageContext(asnWidth: .four))
            let local: IPAddress = peer.afi == .ipv4 ? .v4(MRTEncoder.localV4) : .v6(MRTEncoder.localV6)
            let message = BGP4MPMessage(
                peerAS: peer.asn, localAS: MRTEncoder.localAS, peerAddress: peer.address, localAddress: local,
                message: .update(update))
            let record = MRTRecord(timestamp: 1_419_264_900, message: .bgp4mpMessage(message))!
            XCTAssertEqual(w.bytes, record.encode(), "\(peer.afi) \(withdraw ? "withdrawal" : "announcement")")
        }
    }

    func testBzip2WriterRoundTrips() throws {
        var rng = SimRandom(seed: 9)
        let data = (0..<300_000).map { _ in UInt8(truncatingIfNeeded: rng.below(7) * 37) }
        for input in [data, [], Array("x".utf8)] {
            let compressed = try Bzip2Writer.compress(input)
            XCTAssertEqual(Array(compressed.prefix(3)), Array("BZh".utf8))
            XCTAssertEqual(try readAll(openArchive(bytes: compressed, name: "test")), input)
        }
    }

    // MARK: The built-in world

    func testBuiltinWorldHoldsNorthKoreasRealFactsAndPassesTheFullFeedFloor() throws {
        let spec = WorldSpec()
        let world = BuiltinWorld.build(spec, seed: 20_141_222, start: UTC.time(2014, 12, 20))
        let kp = world.resolve(Target(country: "KP"))
        XCTAssertEqual(
            kp.map { world.prefixes[Int($0)].description },
            ["175.45.176.0/24", "175.45.177.0/24", "175.45.178.0/24", "175.45.179.0/24"])
        XCTAssertTrue(kp.allSatisfy { world.origin[Int($0)] == 131279 && world.originCode[Int($0)] == 0 })
        for (i, p) in world.peers.enumerated() where p.afi == .ipv4 && p.fullFeed {
            for x in kp {
                XCTAssertEqual(
                    Array(world.store[world.base[i][Int(x)]].suffix(2)), [4837, 131279], "AS4837 is the only upstream")
            }
        }
        XCTAssertEqual(world.country(ofASN: 4837), "CN")
        XCTAssertEqual(world.country(ofASN: 131279), "KP")
        let registry = String(decoding: world.registryFiles[0].bytes, as: UTF8.self)
        XCTAssertTrue(registry.contains("\napnic|KP|ipv4|175.45.176.0|1024|20091221|allocated\n"))
        XCTAssertTrue(registry.contains("\napnic|KP|asn|131279|1|20091221|allocated\n"))
        XCTAssertTrue(registry.contains("|CN|asn|4837|1|"))
        let file = DelegationFile(bytes: world.registryFiles[0].bytes)
        XCTAssertEqual(file.problems.count, 0)
        let reg = Registry(delegations: [file])
        XCTAssertEqual(reg.country(of: IPPrefix("175.45.178.0/24")!), "KP")
        // Size and shape: ≥ 30 countries, hundreds of ASes, stubs with 1–3 upstreams.
        let countries = Set(file.records.map(\.country))
        XCTAssertGreaterThanOrEqual(countries.count, 40)
        let asns = Set(world.origin)
        XCTAssertGreaterThan(asns.count, 500)
        let v4 = world.prefixes.filter { $0.afi == .ipv4 }.count
        XCTAssertTrue((spec.ipv4Prefixes...spec.ipv4Prefixes + 1000).contains(v4), "\(v4)")
        // Prefixes are delegated to the country of their origin AS.
        for i in stride(from: 0, to: world.prefixes.count, by: 97) {
            XCTAssertEqual(
                reg.country(of: world.prefixes[i]), world.country(ofASN: world.origin[i]), "\(world.prefixes[i])")
        }
        // Every full-feed table is at least the observatory's full-feed minimum, and partial ones are not full.
        let config = ObservatoryConfig()
        for (i, p) in world.peers.enumerated() {
            let n = world.base[i].filter { $0 >= 0 }.count
            let floor = config.fullFeedMinPrefixes[p.afi] ?? 0
            if p.fullFeed {
                XCTAssertGreaterThanOrEqual(n, floor, "AS\(p.asn) \(p.address)")
            } else {
                XCTAssertLessThan(
                    Double(n), 0.9 * Double(p.afi == .ipv4 ? v4 : world.prefixes.count - v4), "AS\(p.asn) \(p.address)")
            }
        }
        // Upstreams per stub (the AS before the origin on full-feed paths) stay within 1…3 (+1 tier-1 at most).
        var ups: [UInt32: Set<UInt32>] = [:]
        for (i, p) in world.peers.enumerated() where p.fullFeed && p.afi == .ipv4 {
            for x in stride(from: 0, to: world.prefixes.count, by: 13) where world.base[i][x] >= 0 {
                let path = world.store[world.base[i][x]]
                let u = World.upstreamIndex(path)
                if u >= 0 { ups[world.origin[x], default: []].insert(path[u]) }
            }
        }
        XCTAssertLessThanOrEqual(ups.values.map(\.count).max() ?? 0, 6)
        XCTAssertGreaterThan(
            ups.values.filter { $0.count > 1 }.count, 50, "multi-homed networks are reached through several upstreams")
    }

    // MARK: Helpers

    func which(_ tool: String) -> String? { ExternalTool.which(tool) }
    func runTool(_ tool: String, _ args: [String]) throws -> [UInt8] { try ExternalTool.run(tool, args).output }
}
