import VantageCore
import XCTest

final class TextTests: XCTestCase {
    func testFNV1aKnownVectors() {
        // Published FNV-1a 64 test vectors.
        XCTAssertEqual(FNV1a.hex(""), "cbf29ce484222325")
        XCTAssertEqual(FNV1a.hex("a"), "af63dc4c8601ec8c")
        XCTAssertEqual(FNV1a.hex("foobar"), "85944171f73967e8")
        var h = FNV1a()
        h.add("foo")
        h.add([UInt8]("bar".utf8))
        XCTAssertEqual(h.hex, "85944171f73967e8")
    }

    func testPathSegmentEncoding() {
        XCTAssertEqual(percentEncodedPathSegment("outage:country:KP:ipv4:1419264906"), "outage:country:KP:ipv4:1419264906")
        XCTAssertEqual(percentEncodedPathSegment("outage:prefix:175.45.176.0/24:ipv4:1"), "outage:prefix:175.45.176.0%2F24:ipv4:1")
        XCTAssertEqual(percentEncodedPathSegment("a b?#%é"), "a%20b%3F%23%25%C3%A9")
        XCTAssertEqual(grouped(1_234_567), "1,234,567")
        XCTAssertEqual(grouped(-1000), "-1,000")
    }
}
