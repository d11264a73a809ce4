// libFuzzer target: BGPMessage(decoding:context:); byte 0 picks the ASN width, ADD-PATH and header synthesis.
// Built and run by scripts/fuzz.sh together with Sources/FuzzTargets/Harness.swift (see FuzzHarness.bgpMessage).
import BGPWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzHarness.bgpMessage(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
