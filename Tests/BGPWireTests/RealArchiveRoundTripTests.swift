import BGPWire
import Foundation
import XCTest

/// decode → encode → decode on the records of every real archive in ../shared/data/mrt.
///
/// Files of more than 20,000 records are sampled (every 50th record of the RouteViews RIB, every 5th
/// elsewhere) to keep debug runs near ten seconds; BGPWIRE_FULL_ROUNDTRIP=1 checks every record.
final class RealArchiveRoundTripTests: XCTestCase {
    struct Tally {
        var records = 0, identical = 0, structural = 0, undecodable = 0, knownDecoderGap = 0
        var blocks = 0, blocksIdentical = 0
        var recordTypes: Set<String> = []
        var attributeTypes: Set<UInt8> = []
        var features: Set<String> = []

        mutating func add(_ t: Tally) {
            records += t.records
            identical += t.identical
            structural += t.structural
            undecodable += t.undecodable
            knownDecoderGap += t.knownDecoderGap
            blocks += t.blocks
            blocksIdentical += t.blocksIdentical
            recordTypes.formUnion(t.recordTypes)
            attributeTypes.formUnion(t.attributeTypes)
            features.formUnion(t.features)
        }

        var summary: String {
            "\(records) records: \(identical) byte-identical, \(structural) structurally equal (damaged input), "
                + "\(knownDecoderGap) RIB_GENERIC decoder gap, \(undecodable) undecodable; "
                + "attribute blocks \(blocksIdentical)/\(blocks) byte-identical"
        }
    }

    static let expectedRecordTypes: Set<String> = [
        "BGP4MP/ENTRY", "BGP4MP/MESSAGE", "BGP4MP/MESSAGE_AS4", "BGP4MP/MESSAGE_AS4_ADDPATH", "BGP4MP/STATE_CHANGE",
        "BGP4MP/STATE_CHANGE_AS4", "TABLE_DUMP/AFI_IP", "TABLE_DUMP/AFI_IP6", "TABLE_DUMP_V2/PEER_INDEX_TABLE",
        "TABLE_DUMP_V2/RIB_GENERIC", "TABLE_DUMP_V2/RIB_IPV4_UNICAST", "TABLE_DUMP_V2/RIB_IPV4_UNICAST_ADDPATH",
        "TABLE_DUMP_V2/RIB_IPV6_UNICAST", "TABLE_DUMP_V2/RIB_IPV6_UNICAST_ADDPATH",
    ]
    /// ORIGIN … CLUSTER_LIST, MP_REACH/MP_UNREACH, EXTENDED_COMMUNITIES, AS4_PATH, AS4_AGGREGATOR,
    /// LARGE_COMMUNITIES, and an unassigned code (128) kept raw.
    static let expectedAttributeTypes: Set<UInt8> = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32, 128]
    static let expectedFeatures: Set<String> = [
        "abbreviated MP_REACH", "extended length", "malformed AGGREGATOR", "damaged NLRI", "damaged MP_REACH NLRI",
    ]

    func testRealRecordsRoundTrip() throws {
        let full = ProcessInfo.processInfo.environment["BGPWIRE_FULL_ROUNDTRIP"] == "1"
        var total = Tally()
        for url in try RealData.mrtFiles() {
            let bytes = try RealData.contents(url)
            let records = RealData.split(bytes)
            let step = full ? 1 : url.lastPathComponent.contains(".ribs.") ? 50 : records.count > 20_000 ? 5 : 1
            var t = Tally()
            for (i, range) in records.enumerated() where i % step == 0 {
                roundTrip(bytes[range], at: range.lowerBound, file: url.lastPathComponent, into: &t)
            }
            print("\(url.lastPathComponent) (every \(step)): \(t.summary)")
            total.add(t)
        }
        print("TOTAL: \(total.summary)")
        XCTAssertEqual(total.undecodable, 0)
        XCTAssertEqual(total.recordTypes.intersection(Self.expectedRecordTypes), Self.expectedRecordTypes)
        XCTAssertEqual(total.attributeTypes.intersection(Self.expectedAttributeTypes), Self.expectedAttributeTypes)
        XCTAssertEqual(total.features.intersection(Self.expectedFeatures), Self.expectedFeatures)
    }

    func roundTrip(_ original: ArraySlice<UInt8>, at offset: Int, file: String, into t: inout Tally) {
        t.records += 1
        guard let first = try? MRTRecord(decoding: original, offset: offset) else {
            t.undecodable += 1
            return
        }
        let name = first.header.name
        let at = "\(file) @\(offset) \(name)"
        t.recordTypes.insert(name)
        let encoded = first.encode()
        // The decoder drops RIB_GENERIC's sequence, AFI and SAFI (7 bytes) when it keeps the body of an
        // uninterpreted family as `.unsupported`; this branch stops being taken once that is fixed.
        if case .unsupported = first.message, first.header.type == .tableDumpV2, encoded.count == original.count - 7,
            encoded[12...].elementsEqual(original.dropFirst(19))
        {
            t.knownDecoderGap += 1
            return
        }
        let second: MRTRecord
        do {
            second = try MRTRecord(decoding: encoded[...])
        } catch {
            return XCTFail("\(at): re-encoded record does not decode: \(error)")
        }
        if let d = Diff.record(first, second) { XCTFail("\(at): \(d)") }
        let damaged = !first.warnings.isEmpty
        if encoded.elementsEqual(original) {
            t.identical += 1
        } else if damaged {
            t.structural += 1  // bytes past a damaged NLRI entry are not kept
        } else {
            XCTFail("\(at): sound record re-encodes to different bytes")
        }
        if damaged {
            for w in first.warnings {
                t.features.insert(w.contains("MP_REACH NLRI") ? "damaged MP_REACH NLRI" : "damaged NLRI")
            }
        }
        for block in Diff.attributeBlocks(first) { attributeRoundTrip(block, at: at, into: &t) }
    }

    /// Re-encodes a block from its decoded attributes (the record encoder copies the stored bytes).
    func attributeRoundTrip(_ block: PathAttributes, at: String, into t: inout Tally) {
        t.blocks += 1
        let attrs = block.attributes
        for a in attrs {
            t.attributeTypes.insert(a.type.rawValue)
            switch a.value {
            case .mpReach(let m) where m.isAbbreviated: t.features.insert("abbreviated MP_REACH")
            case .malformed: t.features.insert("malformed \(a.type)")
            default: break
            }
            if a.flags.contains(.extendedLength) { t.features.insert("extended length") }
        }
        let bytes = PathAttributes.encode(attrs, context: block.context)
        if bytes.elementsEqual(block.raw) {
            t.blocksIdentical += 1
        } else if block.problems.isEmpty {
            XCTFail("\(at): sound attribute block re-encodes to different bytes")
        }
        do {
            let again = try PathAttributes(decoding: bytes[...], context: block.context)
            if let d = Diff.attributes(block, again) { XCTFail("\(at): attribute block: \(d)") }
        } catch {
            XCTFail("\(at): re-encoded attribute block does not decode: \(error)")
        }
    }
}
