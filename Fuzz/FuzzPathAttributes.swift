// libFuzzer target: PathAttributes(decoding:context:) and every accessor; byte 0 picks the context, RIB family included.
// Built and run by scripts/fuzz.sh together with Sources/FuzzTargets/Harness.swift (see FuzzHarness.pathAttributes).
import BGPWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzHarness.pathAttributes(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
