import BGPWire
import XCTest

/// Damaged input gives a typed WireError (or, inside one attribute, an AttributeProblem), never a trap.
final class MalformedInputTests: XCTestCase {
    let update = fields(
        be16(0),  // withdrawn routes length
        be16(4),  // total path attribute length
        attribute(0x40, 1, [0]))  // ORIGIN IGP

    func bgp4mp(_ message: [UInt8]) -> [UInt8] {
        fields(
            be16(65001),  // peer AS
            be16(65000),  // local AS
            be16(0),  // interface index
            be16(1),  // AFI IPv4
            [192, 0, 2, 1],  // peer address
            [192, 0, 2, 2],  // local address
            message)
    }

    func testTruncatedHeader() {
        let header = fields(be32(1), be16(16), be16(1))  // timestamp, type, subtype; no length
        assertWireError(.truncated, "MRT length") { () throws(WireError) in try MRTRecord(decoding: header[...]) }
        var r = WireReader(header[...])
        assertWireError(.truncated, "MRT length") { () throws(WireError) in try MRTHeader(decoding: &r) }
        let et = fields(be32(1), be16(17), be16(1), be32(2))  // BGP4MP_ET length 2 cannot hold microseconds
        assertWireError(.invalid, "MRT length") { () throws(WireError) in try MRTRecord(decoding: et[...]) }
    }

    func testWrongMRTLength() {
        let body = bgp4mp(bgpMessage(type: 2, update))
        let good = mrtRecord(time: 1, type: 16, subtype: 1, body)
        XCTAssertNoThrow(try MRTRecord(decoding: good[...]))
        // Length larger than the bytes present.
        let long = fields(be32(1), be16(16), be16(1), be32(UInt32(body.count + 10)), body)
        assertWireError(.truncated, "MRT body") { () throws(WireError) in try MRTRecord(decoding: long[...]) }
        // Length that cuts the BGP message short.
        let short = fields(be32(1), be16(16), be16(1), be32(UInt32(body.count - 3)), body)
        assertWireError(.truncated, "BGP message body") { () throws(WireError) in try MRTRecord(decoding: short[...]) }
        // Length that cuts the peer address.
        let tiny = fields(be32(1), be16(16), be16(1), be32(10), body)
        assertWireError(.truncated, "peer address") { () throws(WireError) in try MRTRecord(decoding: tiny[...]) }
    }

    func testAttributeLengthPastEnd() {
        let attrs = fields(
            [0x40],  // flags
            [1],  // type ORIGIN
            [10],  // length 10, but one byte follows
            [0])
        let ctx = AttributeContext(asnWidth: .four)
        assertWireError(.truncated, "attribute value") { () throws(WireError) in
            try PathAttributes(decoding: attrs[...], context: ctx)
        }
        let msg = bgpMessage(type: 2, fields(be16(0), be16(UInt16(attrs.count)), attrs))
        assertWireError(.truncated, "attribute value") { () throws(WireError) in
            try BGPMessage(decoding: msg[...], context: MessageContext(asnWidth: .four))
        }
        // A total path attribute length past the message end.
        let cut = bgpMessage(type: 2, fields(be16(0), be16(40), attrs))
        assertWireError(.truncated, "path attributes") { () throws(WireError) in
            try BGPMessage(decoding: cut[...], context: MessageContext(asnWidth: .four))
        }
    }

    /// RFC 7606 §7.2: an AS_PATH segment running past the attribute is malformed; the UPDATE is
    /// treated as a withdrawal, not rejected.
    func testASPathSegmentOverrun() throws {
        let asPath = fields(
            [2],  // AS_SEQUENCE
            [5],  // 5 ASNs claimed
            be32(65001), be32(65002))  // only 2 present
        let attrs = fields(attribute(0x40, 1, [0]), attribute(0x40, 2, asPath), attribute(0x40, 3, [192, 0, 2, 1]))
        let ctx = AttributeContext(asnWidth: .four)
        let a = try PathAttributes(decoding: attrs[...], context: ctx)
        XCTAssertEqual(a.problems.count, 1)
        XCTAssertEqual(a.problems.first?.type, .asPath)
        XCTAssertEqual(a.problems.first?.action, .treatAsWithdraw)
        XCTAssertEqual(a.problems.first?.error.kind, .truncated)
        XCTAssertNil(a.asPath)
        XCTAssertEqual(a.origin, .igp)
        XCTAssertEqual(a.nextHop, IPv4Address(192, 0, 2, 1))
        XCTAssertEqual(a.attributes[1].value, .malformed(asPath))
        // The malformed value is written back as it came.
        XCTAssertEqual(PathAttributes.encode(a.attributes, context: ctx), attrs)
    }

    func testBadBGPMarker() {
        var msg = bgpMessage(type: 4, [])
        msg[5] = 0
        assertWireError(.invalid, "BGP marker") { () throws(WireError) in
            try BGPMessage(decoding: msg[...], context: MessageContext(asnWidth: .two))
        }
        let record = mrtRecord(time: 1, type: 16, subtype: 1, bgp4mp(msg))
        assertWireError(.invalid, "BGP marker") { () throws(WireError) in try MRTRecord(decoding: record[...]) }
        let tooShort = bgpMarker + be16(18) + [4]  // length below the 19-byte header
        assertWireError(.invalid, "BGP message length") { () throws(WireError) in
            try BGPMessage(decoding: tooShort[...], context: MessageContext(asnWidth: .two))
        }
    }

    func testTruncatedNLRIKeepsLeadingPrefixes() throws {
        let body = fields(
            be16(0),  // withdrawn routes length
            be16(0),  // total path attribute length
            [24, 198, 51, 100],  // 198.51.100.0/24
            [16, 10])  // /16 with one of its two bytes
        guard
            case .update(let u) = try BGPMessage(
                decoding: bgpMessage(type: 2, body)[...], context: .init(asnWidth: .two))
        else { return XCTFail("not an UPDATE") }
        XCTAssertEqual(u.announced, [NLRI(IPPrefix("198.51.100.0/24")!)])
        XCTAssertEqual(u.nlriProblems.map(\.kind), [.truncated])
    }
}
