// libFuzzer target: WireReader.nlriListKeepingValid / nlriList; byte 0 picks the AFI and ADD-PATH.
// Built and run by scripts/fuzz.sh together with Sources/FuzzTargets/Harness.swift (see FuzzHarness.nlri).
import BGPWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzHarness.nlri(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
