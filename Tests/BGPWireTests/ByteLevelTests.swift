import BGPWire
import XCTest

/// Messages built field by field for cases the real archives lack: decoded, checked, re-encoded
/// byte for byte, and (where the API allows) rebuilt from values.
final class ByteLevelTests: XCTestCase {
    let time: UInt32 = 1_419_265_800  // 2014-12-22 16:30 UTC
    let ipA = IPv4Address(192, 0, 2, 1)
    let ipB = IPv4Address(192, 0, 2, 2)

    func testASPathSetsAndConfederationSegments() throws {
        let value = fields(
            [2],  // segment type AS_SEQUENCE
            [2],  // segment length: 2 ASNs
            be32(65001),  // ASN
            be32(4_200_000_000),  // ASN above 65535
            [1],  // segment type AS_SET
            [2],  // 2 ASNs
            be32(3),  // ASN
            be32(4),  // ASN
            [3],  // segment type AS_CONFED_SEQUENCE
            [1],  // 1 ASN
            be32(64512),  // ASN
            [4],  // segment type AS_CONFED_SET
            [2],  // 2 ASNs
            be32(64513),  // ASN
            be32(64514))  // ASN
        let block = attribute(0x40, 2, value)  // well-known transitive AS_PATH
        let ctx = AttributeContext(asnWidth: .four)
        let attrs = try PathAttributes(decoding: block[...], context: ctx)
        XCTAssertEqual(attrs.problems, [])
        let path = try XCTUnwrap(attrs.asPath)
        XCTAssertEqual(
            path.segments,
            [
                ASPathSegment(.sequence, [65001, 4_200_000_000]), ASPathSegment(.set, [3, 4]),
                ASPathSegment(.confedSequence, [64512]), ASPathSegment(.confedSet, [64513, 64514]),
            ])
        XCTAssertEqual(path.hopCount, 5)
        XCTAssertEqual(path.description, "65001 4200000000 {3,4} (64512) [64513,64514]")
        XCTAssertNil(path.origin)
        XCTAssertEqual(PathAttributes.encode(attrs.attributes, context: ctx), block)
        XCTAssertEqual(PathAttribute(.asPath(path))?.encode(context: ctx), block)

        // The same path in 2-byte form: the 4-byte ASN becomes AS_TRANS (RFC 6793 §4.2.2).
        var w = WireWriter()
        path.encode(into: &w, width: .two)
        XCTAssertEqual(
            w.bytes,
            fields(
                [2, 2], be16(65001), be16(23456), [1, 2], be16(3), be16(4), [3, 1], be16(64512), [4, 2], be16(64513),
                be16(64514)))

        // A sequence of 300 ASNs is written as segments of 255 and 45.
        var long = WireWriter()
        ASPath([ASPathSegment(.sequence, Array(1...300))]).encode(into: &long, width: .four)
        XCTAssertEqual(long.count, 2 + 255 * 4 + 2 + 45 * 4)
        XCTAssertEqual(try ASPath(decoding: long.bytes[...], width: .four).segments.map(\.asns.count), [255, 45])
    }

    /// A 2-byte BGP4MP MESSAGE whose UPDATE carries AS4_PATH and AS4_AGGREGATOR (RFC 6793 §4.2.3).
    func testAS4PathMergeAndAS4Aggregator() throws {
        let attrs = fields(
            attribute(0x40, 1, [0]),  // ORIGIN IGP
            attribute(0x40, 2, fields([2], [4], be16(65001), be16(23456), be16(23456), be16(300))),  // AS_PATH
            attribute(0x40, 3, [192, 0, 2, 1]),  // NEXT_HOP
            attribute(0xC0, 7, fields(be16(23456), [10, 0, 0, 1])),  // AGGREGATOR: AS_TRANS, 10.0.0.1
            attribute(0xC0, 17, fields([2], [3], be32(70000), be32(80000), be32(300))),  // AS4_PATH
            attribute(0xC0, 18, fields(be32(70000), [10, 0, 0, 1])))  // AS4_AGGREGATOR
        let update = fields(
            be16(0),  // withdrawn routes length
            be16(UInt16(attrs.count)),  // total path attribute length
            attrs,  // path attributes
            [24, 198, 51, 100])  // NLRI 198.51.100.0/24
        let record = mrtRecord(
            time: time, type: 16, subtype: 1,  // BGP4MP MESSAGE
            fields(
                be16(65001),  // peer AS
                be16(65000),  // local AS
                be16(0),  // interface index
                be16(1),  // AFI IPv4
                [192, 0, 2, 1],  // peer address
                [192, 0, 2, 2],  // local address
                bgpMessage(type: 2, update)))  // UPDATE
        let rec = try assertRecordRoundTrip(record)
        guard case .bgp4mpMessage(let m) = rec.message, case .update(let u) = m.message else {
            return XCTFail("not an UPDATE")
        }
        XCTAssertEqual(m.peerAS, 65001)
        XCTAssertEqual(m.peerAddress, .v4(ipA))
        XCTAssertEqual(u.announced, [NLRI(IPPrefix("198.51.100.0/24")!)])
        XCTAssertEqual(u.attributes.asPath?.description, "65001 23456 23456 300")
        XCTAssertEqual(u.attributes.as4Path?.description, "70000 80000 300")
        XCTAssertEqual(u.attributes.effectiveASPath?.description, "65001 70000 80000 300")
        XCTAssertEqual(u.attributes.effectiveASPath?.hopCount, 4)
        XCTAssertEqual(u.attributes.aggregator, Aggregator(asn: 23456, address: IPv4Address(10, 0, 0, 1)))
        XCTAssertEqual(u.attributes.as4Aggregator, Aggregator(asn: 70000, address: IPv4Address(10, 0, 0, 1)))
        XCTAssertEqual(u.attributes.effectiveAggregator?.asn, 70000)
        XCTAssertEqual(PathAttributes.encode(u.attributes.attributes, context: u.attributes.context), attrs)
    }

    func testCommunitiesExtendedLargeAndReflectionAttributes() throws {
        let attrs = fields(
            attribute(0x40, 1, [0]),  // ORIGIN IGP
            attribute(0x40, 2, fields([2], [1], be32(65001))),  // AS_PATH 65001
            attribute(0x40, 3, [192, 0, 2, 1]),  // NEXT_HOP
            attribute(0xC0, 8, fields(be32(65000 << 16 | 1), be32(0xFFFF_FF01))),  // COMMUNITIES 65000:1 no-export
            attribute(0x80, 9, [192, 0, 2, 10]),  // ORIGINATOR_ID
            attribute(0x80, 10, fields([192, 0, 2, 20], [192, 0, 2, 21])),  // CLUSTER_LIST
            attribute(
                0xC0, 16,  // EXTENDED_COMMUNITIES
                fields(
                    [0x00, 0x02], be16(65000), be32(100),  // route target 65000:100 (2-octet AS specific)
                    [0x01, 0x03], [192, 0, 2, 1], be16(7))),  // route origin 192.0.2.1:7 (IPv4 specific)
            attribute(0xC0, 32, fields(be32(4_200_000_000), be32(1), be32(2))))  // LARGE_COMMUNITIES
        let ctx = MessageContext(asnWidth: .four)
        let msg = try assertMessageRoundTrip(
            bgpMessage(type: 2, fields(be16(0), be16(UInt16(attrs.count)), attrs)), ctx)
        guard case .update(let u) = msg else { return XCTFail("not an UPDATE") }
        let a = u.attributes
        XCTAssertEqual(a.problems, [])
        XCTAssertEqual(a.communities, [Community(asn: 65000, value: 1), .noExport])
        XCTAssertEqual(a.originatorID, IPv4Address(192, 0, 2, 10))
        XCTAssertEqual(a.clusterList, [IPv4Address(192, 0, 2, 20), IPv4Address(192, 0, 2, 21)])
        XCTAssertEqual(a.extendedCommunities, [0x0002_FDE8_0000_0064, 0x0103_C000_0201_0007])
        XCTAssertEqual(a.largeCommunities, [LargeCommunity(4_200_000_000, 1, 2)])
        XCTAssertEqual(
            a.attributes.map(\.type),
            [
                .origin, .asPath, .nextHop, .communities, .originatorID, .clusterList,
                .extendedCommunities, .largeCommunities,
            ])
        // Rebuilt from values with the standard flags, the block is the same.
        let rebuilt = a.attributes.map { PathAttribute($0.value)! }
        XCTAssertEqual(PathAttributes.encode(rebuilt, context: a.context), attrs)
        XCTAssertEqual(u.endOfRIB?.afi, nil)
    }

    func testRouteRefreshNotificationKeepalive() throws {
        let ctx = MessageContext(asnWidth: .four)
        let refresh = try assertMessageRoundTrip(
            bgpMessage(
                type: 5,  // ROUTE-REFRESH
                fields(
                    be16(2),  // AFI IPv6
                    [1],  // subtype: BoRR (RFC 7313)
                    [1])),  // SAFI unicast
            ctx)
        guard case .routeRefresh(let r) = refresh else { return XCTFail("not a ROUTE-REFRESH") }
        XCTAssertEqual(r, RouteRefresh(afi: .ipv6, subtype: 1, safi: .unicast))

        let shutdown = Array("maintenance".utf8)
        let notification = try assertMessageRoundTrip(
            bgpMessage(
                type: 3,  // NOTIFICATION
                fields(
                    [6],  // error code: Cease
                    [2],  // subcode: Administrative Shutdown
                    [UInt8(shutdown.count)],  // shutdown communication length (RFC 9003)
                    shutdown)),  // shutdown communication
            ctx)
        guard case .notification(let n) = notification else { return XCTFail("not a NOTIFICATION") }
        XCTAssertEqual(n.code, 6)
        XCTAssertEqual(n.subcode, 2)
        XCTAssertEqual(n.data, [11] + shutdown)

        let keepalive = try assertMessageRoundTrip(bgpMessage(type: 4, []), ctx)
        XCTAssertEqual(keepalive.type, .keepalive)
        XCTAssertEqual(BGPMessage.keepalive.encode(context: ctx).count, 19)
        let unknown = try assertMessageRoundTrip(bgpMessage(type: 9, [1, 2, 3]), ctx)
        XCTAssertEqual(unknown.type.rawValue, 9)
    }

    func testOpenWithCapabilities() throws {
        let caps = fields(
            [1], [4],  // capability multiprotocol, length 4
            be16(1), [0], [1],  // AFI IPv4, reserved, SAFI unicast
            [1], [4],  // capability multiprotocol, length 4
            be16(2), [0], [1],  // AFI IPv6, reserved, SAFI unicast
            [2], [0],  // capability route refresh, length 0
            [65], [4],  // capability 4-octet AS, length 4
            be32(4_200_000_000),  // the speaker's ASN
            [69], [4],  // capability ADD-PATH, length 4
            be16(1), [1], [3],  // AFI IPv4, SAFI unicast, send/receive both
            [64], [2],  // capability graceful restart (kept raw), length 2
            [0x00, 0x78])  // restart time 120 s
        let params = fields(
            [2],  // parameter type: capabilities
            [UInt8(caps.count)],  // parameter length
            caps)
        let bytes = bgpMessage(
            type: 1,  // OPEN
            fields(
                [4],  // version
                be16(23456),  // my AS: AS_TRANS
                be16(180),  // hold time
                [192, 0, 2, 1],  // BGP identifier
                [UInt8(params.count)],  // optional parameters length
                params))
        let msg = try assertMessageRoundTrip(bytes, MessageContext(asnWidth: .two))
        guard case .open(let o) = msg else { return XCTFail("not an OPEN") }
        XCTAssertEqual(o.version, 4)
        XCTAssertEqual(o.myAS, 23456)
        XCTAssertEqual(o.holdTime, 180)
        XCTAssertEqual(o.bgpIdentifier, ipA)
        let expected: [Capability] = [
            .multiprotocol(.ipv4, .unicast), .multiprotocol(.ipv6, .unicast), .routeRefresh,
            .fourOctetAS(4_200_000_000),
            .addPath([Capability.AddPathFamily(afi: .ipv4, safi: .unicast, sendReceive: 3)]),
            .other(code: 64, value: [0x00, 0x78]),
        ]
        XCTAssertEqual(o.capabilities, expected)
        XCTAssertEqual(o.fourOctetASN, 4_200_000_000)
        let rebuilt = BGPOpen(
            myAS: 23456, holdTime: 180, bgpIdentifier: ipA, parameters: [OptionalParameter(capabilities: expected)])
        XCTAssertEqual(BGPMessage.open(rebuilt).encode(context: MessageContext(asnWidth: .two)), bytes)
    }

    /// Parameters that do not fit 1-byte lengths use RFC 9072's extended form.
    func testOpenWithExtendedParameters() throws {
        let big = OptionalParameter(type: 2, value: (0..<100).flatMap { _ in [1, 1, 0, 1] as [UInt8] })  // 400 bytes
        let open = BGPOpen(myAS: 65001, holdTime: 90, bgpIdentifier: ipA, parameters: [big])
        let bytes = BGPMessage.open(open).encode(context: MessageContext(asnWidth: .four))
        XCTAssertEqual(
            Array(bytes[19..<39]),
            fields(
                [4], be16(65001), be16(90), [192, 0, 2, 1],  // version, my AS, hold time, BGP identifier
                [255],  // non-extended parameters length: 255
                [255],  // non-extended parameter type: 255 marks the extended form
                be16(403),  // extended parameters length
                [2],  // parameter type: capabilities
                be16(400),  // extended parameter length
                [1, 1, 0, 1]))  // first capability
        guard case .open(let back) = try BGPMessage(decoding: bytes[...], context: MessageContext(asnWidth: .four))
        else { return XCTFail("not an OPEN") }
        XCTAssertEqual(back, open)
    }

    func testBGP4MPETStateChangeWithMicroseconds() throws {
        let record = mrtRecord(
            time: time, type: 17, subtype: 5,  // BGP4MP_ET STATE_CHANGE_AS4
            fields(
                be32(250_000),  // microseconds (counted in the MRT length)
                be32(4_200_000_000),  // peer AS
                be32(65000),  // local AS
                be16(3),  // interface index
                be16(2),  // AFI IPv6
                v6("2001:db8::1"),  // peer address
                v6("2001:db8::2"),  // local address
                be16(5),  // old state OpenConfirm
                be16(6)))  // new state Established
        let rec = try assertRecordRoundTrip(record)
        XCTAssertEqual(rec.header.type, .bgp4mpET)
        XCTAssertEqual(rec.header.microseconds, 250_000)
        XCTAssertEqual(rec.header.size, 16)
        XCTAssertEqual(Int(rec.header.length), record.count - 16)
        guard case .bgp4mpStateChange(let s) = rec.message else { return XCTFail("not a STATE_CHANGE") }
        let expected = BGP4MPStateChange(
            peerAS: 4_200_000_000, localAS: 65000, interfaceIndex: 3, afi: .ipv6,
            peerAddress: IPAddress("2001:db8::1")!,
            localAddress: IPAddress("2001:db8::2")!, oldState: 5, newState: BGP4MPStateChange.established, isAS4: true)
        XCTAssertEqual(s, expected)
        let rebuilt = MRTRecord(timestamp: time, microseconds: 250_000, message: .bgp4mpStateChange(expected))
        XCTAssertEqual(rebuilt?.header, rec.header)
        XCTAssertEqual(rebuilt?.encode(), record)
        var w = WireWriter()
        rec.header.encode(into: &w)
        XCTAssertEqual(w.bytes, Array(record[0..<16]))
    }

    /// BGP4MP MESSAGE_AS4_ADDPATH (RFC 8050): path identifiers before withdrawn routes, NLRI and the
    /// prefixes inside MP_REACH/MP_UNREACH.
    func testAddPathBGP4MPMessage() throws {
        let mpReach = fields(
            be16(2),  // AFI IPv6
            [1],  // SAFI unicast
            [16],  // next-hop length
            v6("2001:db8::1"),  // next hop
            [0],  // reserved
            be32(1),  // path ID
            [32, 0x20, 0x01, 0x0D, 0xB8])  // 2001:db8::/32
        let mpUnreach = fields(
            be16(2),  // AFI IPv6
            [1],  // SAFI unicast
            be32(2),  // path ID
            [48, 0x20, 0x01, 0x0D, 0xB8, 0x00, 0x01])  // 2001:db8:1::/48
        let attrs = fields(
            attribute(0x40, 1, [0]),  // ORIGIN IGP
            attribute(0x40, 2, fields([2], [1], be32(65001))),  // AS_PATH 65001
            attribute(0x40, 3, [192, 0, 2, 1]),  // NEXT_HOP
            attribute(0x80, 14, mpReach),  // MP_REACH_NLRI
            attribute(0x80, 15, mpUnreach))  // MP_UNREACH_NLRI
        let update = fields(
            be16(7),  // withdrawn routes length
            be32(7), [16, 10, 1],  // path ID 7, 10.1.0.0/16
            be16(UInt16(attrs.count)),  // total path attribute length
            attrs,  // path attributes
            be32(5), [16, 10, 2],  // path ID 5, 10.2.0.0/16
            be32(6), [17, 10, 3, 128])  // path ID 6, 10.3.128.0/17
        let record = mrtRecord(
            time: time, type: 16, subtype: 9,  // BGP4MP MESSAGE_AS4_ADDPATH
            fields(
                be32(65001),  // peer AS
                be32(65000),  // local AS
                be16(0),  // interface index
                be16(1),  // AFI IPv4
                [192, 0, 2, 1],  // peer address
                [192, 0, 2, 2],  // local address
                bgpMessage(type: 2, update)))
        let rec = try assertRecordRoundTrip(record)
        guard case .bgp4mpMessage(let m) = rec.message, case .update(let u) = m.message else {
            return XCTFail("not an UPDATE")
        }
        XCTAssertTrue(m.isAddPath && m.isAS4 && !m.isLocal)
        let withdrawn = [NLRI(IPPrefix("10.1.0.0/16")!, pathID: 7)]
        let announced = [NLRI(IPPrefix("10.2.0.0/16")!, pathID: 5), NLRI(IPPrefix("10.3.128.0/17")!, pathID: 6)]
        let reach = MPReach(
            afi: .ipv6, safi: .unicast, nextHopBytes: v6("2001:db8::1"),
            nlri: [NLRI(IPPrefix("2001:db8::/32")!, pathID: 1)])
        let unreach = MPUnreach(afi: .ipv6, safi: .unicast, withdrawn: [NLRI(IPPrefix("2001:db8:1::/48")!, pathID: 2)])
        XCTAssertEqual(u.withdrawn, withdrawn)
        XCTAssertEqual(u.announced, announced)
        XCTAssertEqual(u.attributes.mpReach, reach)
        XCTAssertEqual(u.attributes.mpReach?.nextHops, [IPAddress("2001:db8::1")!])
        XCTAssertEqual(u.attributes.mpUnreach, unreach)

        // The same record built from values.
        let values: [PathAttributeValue] = [
            .origin(.igp), .asPath(ASPath([ASPathSegment(.sequence, [65001])])), .nextHop(ipA), .mpReach(reach),
            .mpUnreach(unreach),
        ]
        let ctx = MessageContext(asnWidth: .four, addPath: true)
        let built = BGP4MPMessage(
            peerAS: 65001, localAS: 65000, peerAddress: .v4(ipA), localAddress: .v4(ipB),
            message: .update(
                BGPUpdate(
                    withdrawn: withdrawn, attributes: values.map { PathAttribute($0)! }, announced: announced,
                    context: ctx)),
            addPath: true)
        XCTAssertEqual(built.subtype, BGP4MPSubtype.messageAS4AddPath)
        XCTAssertEqual(MRTRecord(timestamp: time, message: .bgp4mpMessage(built))?.encode(), record)
    }

    /// RIB_GENERIC (RFC 6396 §4.3.3) for IPv6 unicast with an abbreviated MP_REACH_NLRI, and its
    /// ADD-PATH form (RFC 8050 §4).
    func testRIBGeneric() throws {
        let attrs = fields(
            attribute(0x40, 1, [2]),  // ORIGIN INCOMPLETE
            attribute(0x50, 2, fields([2], [2], be32(65001), be32(65002))),  // AS_PATH, 2-byte length though short
            attribute(0x80, 14, fields([32], v6("2001:db8::1"), v6("fe80::1"))))  // MP_REACH: next-hop length, hops
        func body(addPath: Bool) -> [UInt8] {
            fields(
                be32(42),  // sequence number
                be16(2),  // AFI IPv6
                [1],  // SAFI unicast
                [32, 0x20, 0x01, 0x0D, 0xB8],  // NLRI 2001:db8::/32
                be16(1),  // entry count
                be16(3),  // peer index
                be32(time),  // originated time
                addPath ? be32(9) : [],  // path identifier (ADD-PATH subtype only)
                be16(UInt16(attrs.count)),  // attribute length
                attrs)
        }
        for addPath in [false, true] {
            let record = mrtRecord(time: time, type: 13, subtype: addPath ? 12 : 6, body(addPath: addPath))
            let rec = try assertRecordRoundTrip(record)
            guard case .rib(let rib) = rec.message else { return XCTFail("not a RIB record") }
            XCTAssertEqual(rib.isAddPath, addPath)
            XCTAssertEqual(rib.sequence, 42)
            XCTAssertEqual(rib.afi, .ipv6)
            XCTAssertEqual(rib.safi, .unicast)
            XCTAssertEqual(rib.prefix, IPPrefix("2001:db8::/32"))
            XCTAssertEqual(rib.entries.count, 1)
            let e = try XCTUnwrap(rib.entries.first)
            XCTAssertEqual(e.peerIndex, 3)
            XCTAssertEqual(e.originatedTime, time)
            XCTAssertEqual(e.pathID, addPath ? 9 : nil)
            XCTAssertEqual(e.attributes.origin, .incomplete)
            XCTAssertEqual(e.attributes.asPath?.description, "65001 65002")
            let reach = try XCTUnwrap(e.attributes.mpReach)
            XCTAssertTrue(reach.isAbbreviated)
            XCTAssertEqual(reach.nextHops, [IPAddress("2001:db8::1")!, IPAddress("fe80::1")!])

            let values = e.attributes.attributes
            XCTAssertEqual(values[1].flags, [.transitive, .extendedLength])
            let built = RIBRecord(
                sequence: 42, prefix: rib.prefix,
                entries: [
                    RIBEntry(
                        peerIndex: 3, originatedTime: time, pathID: addPath ? 9 : nil, attributes: values,
                        family: (.ipv6, .unicast))
                ],
                addPath: addPath, generic: true)
            XCTAssertEqual(built.subtype, rib.subtype)
            XCTAssertEqual(MRTRecord(timestamp: time, message: .rib(built))?.encode(), record)
        }
    }

    func testPeerIndexTable() throws {
        let record = mrtRecord(
            time: time, type: 13, subtype: 1,  // TABLE_DUMP_V2 PEER_INDEX_TABLE
            fields(
                [198, 51, 100, 1],  // collector BGP ID
                be16(4),  // view name length
                Array("main".utf8),  // view name
                be16(2),  // peer count
                [0],  // peer type: IPv4 address, 2-byte AS
                [192, 0, 2, 1],  // peer BGP ID
                [192, 0, 2, 1],  // peer address
                be16(65001),  // peer AS
                [3],  // peer type: IPv6 address, 4-byte AS
                [192, 0, 2, 2],  // peer BGP ID
                v6("2001:db8::2"),  // peer address
                be32(4_200_000_000)))  // peer AS
        let rec = try assertRecordRoundTrip(record)
        guard case .peerIndexTable(let table) = rec.message else { return XCTFail("not a PEER_INDEX_TABLE") }
        XCTAssertEqual(table.collectorID, IPv4Address(198, 51, 100, 1))
        XCTAssertEqual(table.viewName, Array("main".utf8))
        XCTAssertEqual(table.peers.map(\.asn), [65001, 4_200_000_000])
        // Peer type bits are derived from the address and ASN when building a table by hand.
        let loose = PeerIndexTable(
            collectorID: table.collectorID, viewName: table.viewName,
            peers: table.peers.map { PeerEntry(peerType: 0, bgpID: $0.bgpID, address: $0.address, asn: $0.asn) })
        XCTAssertEqual(MRTRecord(timestamp: time, message: .peerIndexTable(loose))?.encode(), record)
    }

    func testTableDumpV1BuiltFromValues() throws {
        let attrs: [PathAttribute] = [
            PathAttribute(.origin(.igp))!, PathAttribute(.asPath(ASPath([ASPathSegment(.sequence, [65001, 65002])])))!,
            PathAttribute(.nextHop(ipA))!,
        ]
        let entry = TableDumpEntry(
            sequence: 7, prefix: IPPrefix("203.0.113.0/24")!, originatedTime: time, peerAddress: .v4(ipA),
            peerAS: 65001,
            attributes: attrs)
        let bytes = try XCTUnwrap(MRTRecord(timestamp: time, message: .tableDump(entry))).encode()
        XCTAssertEqual(
            Array(bytes[0..<34]),
            fields(
                be32(time), be16(12), be16(1), be32(UInt32(bytes.count - 12)),  // header: TABLE_DUMP, AFI_IP
                be16(0),  // view number
                be16(7),  // sequence
                [203, 0, 113, 0],  // prefix (full address)
                [24],  // prefix length
                [1],  // status
                be32(time),  // originated time
                [192, 0, 2, 1],  // peer address
                be16(65001),  // peer AS
                be16(UInt16(bytes.count - 34))))  // attribute length
        let rec = try assertRecordRoundTrip(bytes)
        guard case .tableDump(let t) = rec.message else { return XCTFail("not TABLE_DUMP") }
        XCTAssertEqual(t.attributes.attributes, attrs)
        XCTAssertEqual(t.attributes.asPath?.description, "65001 65002")
    }

    /// Legacy MRTD BGP records (type 5, RFC 6396 Appendix B.2.1).
    func testLegacyBGPRecords() throws {
        let attrs = fields(
            attribute(0x40, 1, [0]),  // ORIGIN IGP
            attribute(0x40, 2, fields([2], [2], be16(65001), be16(65002))),  // AS_PATH, 2-byte ASNs
            attribute(0x40, 3, [192, 0, 2, 1]))  // NEXT_HOP
        let update = mrtRecord(
            time: time, type: 5, subtype: 1,  // BGP UPDATE
            fields(
                be16(65001),  // peer AS
                [192, 0, 2, 1],  // peer address
                be16(65000),  // local AS
                [192, 0, 2, 2],  // local address
                be16(0),  // withdrawn routes length
                be16(UInt16(attrs.count)),  // total path attribute length
                attrs,  // path attributes
                [24, 198, 51, 100]))  // NLRI 198.51.100.0/24
        let rec = try assertRecordRoundTrip(update)
        guard case .legacyBGP(let l) = rec.message, let u = l.update else { return XCTFail("not a legacy UPDATE") }
        XCTAssertEqual(l.peerAS, 65001)
        XCTAssertEqual(l.localAddress, ipB)
        XCTAssertEqual(u.attributes.asPath?.description, "65001 65002")
        XCTAssertEqual(u.announced, [NLRI(IPPrefix("198.51.100.0/24")!)])
        let built = LegacyBGPRecord(peerAS: 65001, peerAddress: ipA, localAS: 65000, localAddress: ipB, update: u)
        XCTAssertEqual(MRTRecord(timestamp: time, message: .legacyBGP(built))?.encode(), update)

        let state = mrtRecord(
            time: time, type: 5, subtype: 3,  // BGP STATE_CHANGE
            fields(
                be16(65001),  // peer AS
                [192, 0, 2, 1],  // peer address
                be16(1),  // old state Idle
                be16(2)))  // new state Connect
        let s = try assertRecordRoundTrip(state)
        guard case .legacyBGP(let sc) = s.message else { return XCTFail("not a legacy STATE_CHANGE") }
        XCTAssertEqual(sc.oldState, 1)
        XCTAssertEqual(sc.newState, 2)
        let builtState = LegacyBGPRecord(peerAS: 65001, peerAddress: ipA, oldState: 1, newState: 2)
        XCTAssertEqual(MRTRecord(timestamp: time, message: .legacyBGP(builtState))?.encode(), state)

        let keepalive = mrtRecord(
            time: time, type: 5, subtype: 7,  // BGP KEEPALIVE
            fields(
                be16(65001),  // peer AS
                [192, 0, 2, 1],  // peer address
                be16(65000),  // local AS
                [192, 0, 2, 2]))  // local address
        try assertRecordRoundTrip(keepalive)
    }

    func testWireWriterPrimitives() {
        var w = WireWriter()
        w.prefix(IPPrefix(.v4(IPv4Address(11, 13, 0, 0)), 13))  // bits past /13 kept, not masked
        w.prefix(IPPrefix("0.0.0.0/0")!)
        w.prefix(IPPrefix("2001:db8:8000::/33")!)
        XCTAssertEqual(w.bytes, [13, 11, 13, 0, 33, 0x20, 0x01, 0x0D, 0xB8, 0x80])

        var n = WireWriter()
        n.nlriList([NLRI(IPPrefix("10.0.0.0/8")!, pathID: 3), NLRI(IPPrefix("10.1.0.0/16")!)], addPath: true)
        XCTAssertEqual(n.bytes, fields(be32(3), [8, 10], be32(0), [16, 10, 1]))

        var l = WireWriter()
        l.lengthPrefixed(.u8) { $0.u16(0xABCD) }
        l.lengthPrefixed(.u16) { $0.u32(1) }
        l.lengthPrefixed(.u32) { $0.u64(2) }
        XCTAssertEqual(l.bytes, fields([2, 0xAB, 0xCD], be16(4), be32(1), be32(8), be32(0), be32(2)))

        var a = WireWriter()
        a.asn(70000, width: .two)
        a.asn(70000, width: .four)
        a.ip(IPAddress("2001:db8::1")!)
        XCTAssertEqual(a.bytes, fields(be16(23456), be32(70000), v6("2001:db8::1")))
    }

    /// A value over 255 bytes sets the extended-length flag; a flag already set keeps 2 bytes.
    func testAttributeExtendedLength() throws {
        let ctx = AttributeContext(asnWidth: .four)
        let many = (0..<70).map { Community(rawValue: UInt32($0)) }
        let long = PathAttribute(.communities(many))!.encode(context: ctx)
        XCTAssertEqual(Array(long[0..<4]), [0xD0, 8, 0x01, 0x18])  // optional transitive + extended, 280 bytes
        XCTAssertEqual(try PathAttributes(decoding: long[...], context: ctx).communities, many)

        let short = PathAttribute(
            flags: [.optional, .transitive, .extendedLength], type: .communities, value: .communities([.noExport]))
        XCTAssertEqual(short.encode(context: ctx), fields([0xD0, 8], be16(4), be32(0xFFFF_FF01)))
        XCTAssertEqual(
            PathAttribute(flags: .optional, type: AttributeType(rawValue: 99), value: .unknown([1, 2])).encode(
                context: ctx),
            [0x80, 99, 2, 1, 2])
    }
}
