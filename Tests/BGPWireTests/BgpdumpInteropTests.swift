import BGPWire
import Foundation
import XCTest

/// An archive built with the encoders is read by the reference decoder, `bgpdump -m`.
final class BgpdumpInteropTests: XCTestCase {
    let time: UInt32 = 1_419_265_800  // 2014-12-22 16:30 UTC
    let peerA = IPv4Address(192, 0, 2, 1)
    let localA = IPv4Address(192, 0, 2, 254)
    let peerB = IPAddress("2001:db8::2")!
    let localB = IPAddress("2001:db8::fe")!

    func archive() -> [UInt8] {
        let kp = IPPrefix("175.45.176.0/24")!
        let v4: [PathAttribute] = [
            PathAttribute(.origin(.igp))!,
            PathAttribute(.asPath(ASPath([ASPathSegment(.sequence, [4837, 131_279])])))!,
            PathAttribute(.nextHop(peerA))!, PathAttribute(.multiExitDisc(10))!,
            PathAttribute(.communities([Community(asn: 4837, value: 1)]))!,
        ]
        let v6Path = PathAttribute(.asPath(ASPath([ASPathSegment(.sequence, [4_200_000_000, 65001])])))!
        let abbreviated = MPReach(
            afi: .ipv6, safi: .unicast, nextHopBytes: v6("2001:db8::2"), nlri: [], isAbbreviated: true)
        let v6Hop = PathAttribute(.mpReach(abbreviated))!
        let peers = PeerIndexTable(
            collectorID: IPv4Address(198, 51, 100, 1), viewName: [],
            peers: [
                PeerEntry(peerType: 0, bgpID: peerA, address: .v4(peerA), asn: 4837),
                PeerEntry(peerType: 0, bgpID: IPv4Address(192, 0, 2, 2), address: peerB, asn: 4_200_000_000),
            ])
        let v4Entry = RIBEntry(peerIndex: 0, originatedTime: time - 60, attributes: v4, family: (.ipv4, .unicast))
        let v6Entry = RIBEntry(
            peerIndex: 1, originatedTime: time - 60, attributes: [PathAttribute(.origin(.incomplete))!, v6Path, v6Hop],
            family: (.ipv6, .unicast))
        var addPathEntry = v4Entry
        addPathEntry.pathID = 7

        let ctx = MessageContext(asnWidth: .four)
        let announce = BGPUpdate(
            withdrawn: [], attributes: v4, announced: [NLRI(IPPrefix("175.45.177.0/24")!)], context: ctx)
        let withdraw = BGPUpdate(withdrawn: [NLRI(kp)], attributes: [], announced: [], context: ctx)
        let reach = MPReach(
            afi: .ipv6, safi: .unicast, nextHopBytes: v6("2001:db8::2"),
            nlri: [NLRI(IPPrefix("2001:db8:1::/48")!, pathID: 3)])
        let v6Announce = BGPUpdate(
            withdrawn: [], attributes: [PathAttribute(.origin(.igp))!, v6Path, PathAttribute(.mpReach(reach))!],
            announced: [], context: MessageContext(asnWidth: .four, addPath: true))
        let messages: [(UInt32?, MRTMessage)] = [
            (nil, .peerIndexTable(peers)),
            (nil, .rib(RIBRecord(sequence: 0, prefix: kp, entries: [v4Entry]))),
            (nil, .rib(RIBRecord(sequence: 1, prefix: IPPrefix("2001:db8::/32")!, entries: [v6Entry]))),
            (nil, .rib(RIBRecord(sequence: 2, prefix: kp, entries: [addPathEntry], addPath: true))),
            (
                123_456,
                .bgp4mpMessage(
                    BGP4MPMessage(
                        peerAS: 4837, localAS: 65000, peerAddress: .v4(peerA), localAddress: .v4(localA),
                        message: .update(announce)))
            ),
            (
                nil,
                .bgp4mpMessage(
                    BGP4MPMessage(
                        peerAS: 4837, localAS: 65000, peerAddress: .v4(peerA), localAddress: .v4(localA),
                        message: .update(withdraw)))
            ),
            (
                nil,
                .bgp4mpMessage(
                    BGP4MPMessage(
                        peerAS: 4_200_000_000, localAS: 65000, peerAddress: peerB, localAddress: localB,
                        message: .update(v6Announce), addPath: true))
            ),
            (
                nil,
                .bgp4mpStateChange(
                    BGP4MPStateChange(
                        peerAS: 4837, localAS: 65000, interfaceIndex: 0, afi: .ipv4, peerAddress: .v4(peerA),
                        localAddress: .v4(localA), oldState: 6, newState: 1, isAS4: true))
            ),
            (
                nil,
                .tableDump(
                    TableDumpEntry(
                        sequence: 0, prefix: kp, originatedTime: time - 60, peerAddress: .v4(peerA), peerAS: 4837,
                        attributes: v4))
            ),
        ]
        var w = WireWriter()
        for (i, (micro, m)) in messages.enumerated() {
            MRTRecord(timestamp: time + UInt32(i), microseconds: micro, message: m)!.encode(into: &w)
        }
        return w.bytes
    }

    func testBgpdumpReadsEncodedArchive() throws {
        let tool = "/usr/bin/bgpdump"
        guard FileManager.default.isExecutableFile(atPath: tool) else { throw XCTSkip("bgpdump not installed") }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bgpwire-\(UUID().uuidString).mrt")
        try Data(archive()).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = ["-m", url.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let v4Tail = "IGP|192.0.2.1|0|10|4837:1|NAG||"  // origin, next hop, local pref, MED, communities, aggregation
        let v6Tail = "2001:db8::2|0|0||NAG||"
        XCTAssertEqual(
            text.split(separator: "\n").map(String.init),
            [
                "TABLE_DUMP2|1419265801|B|192.0.2.1|4837|175.45.176.0/24|4837 131279|" + v4Tail,
                "TABLE_DUMP2|1419265802|B|2001:db8::2|4200000000|2001:db8::/32|4200000000 65001|INCOMPLETE|" + v6Tail,
                "TABLE_DUMP2_AP|1419265803|B|192.0.2.1|4837|175.45.176.0/24|7|4837 131279|" + v4Tail,
                "BGP4MP_ET|1419265804.123456|A|192.0.2.1|4837|175.45.177.0/24|4837 131279|" + v4Tail,
                "BGP4MP|1419265805|W|192.0.2.1|4837|175.45.176.0/24",
                "BGP4MP_AP|1419265806|A|2001:db8::2|4200000000|2001:db8:1::/48|3|4200000000 65001|IGP|" + v6Tail,
                "BGP4MP|1419265807|STATE|192.0.2.1|4837|6|1",
                // TABLE_DUMP has 2-byte ASNs: 131279 is written as AS_TRANS.
                "TABLE_DUMP|1419265808|B|192.0.2.1|4837|175.45.176.0/24|4837 23456|" + v4Tail,
            ])
    }
}
