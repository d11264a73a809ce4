// libFuzzer target: MRTRecord(decoding:) on a whole record, then BGPDumpFormatter, elements(peerTable:) and warnings.
// Built and run by scripts/fuzz.sh together with Sources/FuzzTargets/Harness.swift (see FuzzHarness.mrt).
import BGPWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzHarness.mrt(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
