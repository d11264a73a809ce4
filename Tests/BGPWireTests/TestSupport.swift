import BGPWire
import Foundation
import XCTest

/// Locates ../shared/data beside the package root and reads MRT files from it.
enum RealData {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let root = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")

    /// Every file under mrt/ (lab captures included), sorted by path.
    static func mrtFiles() throws -> [URL] {
        let dir = root.appendingPathComponent("mrt")
        guard FileManager.default.fileExists(atPath: dir.path) else {
            throw XCTSkip("../shared/data not found: real-archive tests skipped")
        }
        let walker = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey])
        var out: [URL] = []
        while let u = walker?.nextObject() as? URL {
            if (try? u.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true { out.append(u) }
        }
        return out.sorted { $0.path < $1.path }
    }

    /// The file's bytes, decompressed by /bin/gzip or /bin/bzip2 (the test target links BGPWire only).
    static func contents(_ url: URL) throws -> [UInt8] {
        let tool = url.pathExtension == "gz" ? "/bin/gzip" : url.pathExtension == "bz2" ? "/bin/bzip2" : nil
        guard let tool else { return [UInt8](try Data(contentsOf: url)) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = ["-dc", url.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw XCTSkip("\(tool) failed on \(url.lastPathComponent)") }
        return [UInt8](data)
    }

    /// Record boundaries: a 12-byte header whose length field counts the rest (for BGP4MP_ET, the
    /// 4-byte microsecond field too). A record cut by the end of the file is left out.
    static func split(_ bytes: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var at = 0
        while at + 12 <= bytes.count {
            let len = bytes[at + 8..<at + 12].reduce(0) { $0 << 8 | Int($1) }
            guard at + 12 + len <= bytes.count else { break }
            out.append(at..<at + 12 + len)
            at += 12 + len
        }
        return out
    }
}

/// Structural comparison of decoded values (the codec's record types are not Equatable because
/// PathAttributes is a view over bytes). Each function returns nil when equal, else the first difference.
enum Diff {
    static func check(_ ok: Bool, _ what: @autoclosure () -> String) -> String? { ok ? nil : what() }

    static func attributes(_ a: PathAttributes, _ b: PathAttributes) -> String? {
        if a.context != b.context { return "attribute context" }
        let (x, y) = (a.attributes, b.attributes)
        guard x != y else { return nil }
        guard x.count == y.count else { return "attribute count \(x.count) vs \(y.count)" }
        for (p, q) in zip(x, y) where p != q { return "attribute \(p.type): \(p) vs \(q)" }
        return nil
    }

    static func update(_ a: BGPUpdate, _ b: BGPUpdate) -> String? {
        check(a.withdrawn == b.withdrawn, "withdrawn") ?? check(a.announced == b.announced, "announced")
            ?? attributes(a.attributes, b.attributes)
    }

    static func message(_ a: BGPMessage, _ b: BGPMessage) -> String? {
        switch (a, b) {
        case (.open(let x), .open(let y)): return check(x == y, "OPEN \(x) vs \(y)")
        case (.update(let x), .update(let y)): return update(x, y)
        case (.notification(let x), .notification(let y)): return check(x == y, "NOTIFICATION")
        case (.keepalive, .keepalive): return nil
        case (.routeRefresh(let x), .routeRefresh(let y)): return check(x == y, "ROUTE-REFRESH")
        case (.unknown(let t, let x), .unknown(let u, let y)): return check(t == u && x == y, "unknown message")
        default: return "message type \(a.type) vs \(b.type)"
        }
    }

    static func ribEntry(_ a: RIBEntry, _ b: RIBEntry) -> String? {
        check(a.peerIndex == b.peerIndex && a.originatedTime == b.originatedTime && a.pathID == b.pathID, "RIB entry")
            ?? attributes(a.attributes, b.attributes)
    }

    static func record(_ a: MRTRecord, _ b: MRTRecord) -> String? {
        let (h, k) = (a.header, b.header)
        if h.timestamp != k.timestamp || h.type != k.type || h.subtype != k.subtype || h.microseconds != k.microseconds
        {
            return "header \(h) vs \(k)"
        }
        switch (a.message, b.message) {
        case (.tableDump(let x), .tableDump(let y)):
            return check(
                x.viewNumber == y.viewNumber && x.sequence == y.sequence && x.prefix == y.prefix && x.status == y.status
                    && x.originatedTime == y.originatedTime && x.peerAddress == y.peerAddress && x.peerAS == y.peerAS,
                "TABLE_DUMP fields") ?? attributes(x.attributes, y.attributes)
        case (.peerIndexTable(let x), .peerIndexTable(let y)): return check(x == y, "PEER_INDEX_TABLE")
        case (.rib(let x), .rib(let y)):
            guard x.subtype == y.subtype, x.sequence == y.sequence, x.afi == y.afi, x.safi == y.safi,
                x.prefix == y.prefix, x.entries.count == y.entries.count
            else { return "RIB fields" }
            for (e, f) in zip(x.entries, y.entries) { if let d = ribEntry(e, f) { return d } }
            return nil
        case (.bgp4mpStateChange(let x), .bgp4mpStateChange(let y)): return check(x == y, "STATE_CHANGE")
        case (.bgp4mpMessage(let x), .bgp4mpMessage(let y)):
            return check(
                x.subtype == y.subtype && x.peerAS == y.peerAS && x.localAS == y.localAS
                    && x.interfaceIndex == y.interfaceIndex && x.afi == y.afi && x.peerAddress == y.peerAddress
                    && x.localAddress == y.localAddress, "BGP4MP fields") ?? message(x.message, y.message)
        case (.legacyBGP(let x), .legacyBGP(let y)):
            guard x.subtype == y.subtype, x.peerAS == y.peerAS, x.peerAddress == y.peerAddress, x.localAS == y.localAS,
                x.localAddress == y.localAddress, x.oldState == y.oldState, x.newState == y.newState, x.body == y.body
            else { return "legacy BGP fields" }
            switch (x.update, y.update) {
            case (nil, nil): return nil
            case (let u?, let v?): return update(u, v)
            default: return "legacy BGP update presence"
            }
        case (.unsupported(let x), .unsupported(let y)): return check(x == y, "unsupported body")
        default: return "message kind"
        }
    }

    /// Every attribute block a record holds.
    static func attributeBlocks(_ r: MRTRecord) -> [PathAttributes] {
        switch r.message {
        case .tableDump(let t): return [t.attributes]
        case .rib(let rib): return rib.entries.map(\.attributes)
        case .bgp4mpMessage(let m): if case .update(let u) = m.message { return [u.attributes] }
        case .legacyBGP(let l): if let u = l.update { return [u.attributes] }
        default: break
        }
        return []
    }
}

/// Field helpers for hand-built test bytes.
func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
let bgpMarker = [UInt8](repeating: 0xFF, count: 16)

/// A BGP message: marker, length (19 + body), type, body.
func bgpMessage(type: UInt8, _ body: [UInt8]) -> [UInt8] { bgpMarker + be16(UInt16(19 + body.count)) + [type] + body }

/// An MRT record: timestamp, type, subtype, length, body (the body of ET types starts with microseconds).
func mrtRecord(time: UInt32, type: UInt16, subtype: UInt16, _ body: [UInt8]) -> [UInt8] {
    be32(time) + be16(type) + be16(subtype) + be32(UInt32(body.count)) + body
}

/// Decodes `bytes` as one record, re-encodes it, and checks the bytes and the second decode match.
@discardableResult
func assertRecordRoundTrip(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> MRTRecord {
    let rec = try MRTRecord(decoding: bytes[...])
    let again = rec.encode()
    XCTAssertEqual(again, bytes, "re-encoded bytes", file: file, line: line)
    XCTAssertNil(Diff.record(rec, try MRTRecord(decoding: again[...])), file: file, line: line)
    return rec
}

/// Decodes `bytes` as one BGP message, re-encodes it, and checks the bytes match.
@discardableResult
func assertMessageRoundTrip(
    _ bytes: [UInt8], _ ctx: MessageContext, file: StaticString = #filePath, line: UInt = #line
) throws -> BGPMessage {
    let msg = try BGPMessage(decoding: bytes[...], context: ctx)
    let again = msg.encode(context: ctx)
    XCTAssertEqual(again, bytes, "re-encoded bytes", file: file, line: line)
    XCTAssertNil(Diff.message(msg, try BGPMessage(decoding: again[...], context: ctx)), file: file, line: line)
    return msg
}

/// Concatenates fields written one per argument.
func fields(_ parts: [UInt8]...) -> [UInt8] { parts.flatMap { $0 } }

/// A path attribute: flags, type, then a 1-byte length, or 2 bytes when flags has extended length (0x10).
func attribute(_ flags: UInt8, _ type: UInt8, _ value: [UInt8]) -> [UInt8] {
    flags & 0x10 != 0 ? [flags, type] + be16(UInt16(value.count)) + value : [flags, type, UInt8(value.count)] + value
}

/// The 16 bytes of an IPv6 address written in text.
func v6(_ text: String) -> [UInt8] { IPv6Address(text)!.groups.flatMap(be16) }

/// Expects `body` to throw a WireError of `kind` about `field`.
func assertWireError<T>(
    _ kind: WireError.Kind, _ field: String, file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws(WireError) -> T
) {
    do {
        _ = try body()
        XCTFail("no error thrown", file: file, line: line)
    } catch {
        XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
        XCTAssertEqual(error.field, field, "\(error)", file: file, line: line)
    }
}
