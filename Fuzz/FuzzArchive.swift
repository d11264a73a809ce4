// libFuzzer target: openArchive(bytes:) and MRTRecordReader (framing, resync after damage); byte 0
// picks one or two bzip2 threads. Built and run by scripts/fuzz.sh with Sources/FuzzTargets/ArchiveHarness.swift.
import ArchiveIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ArchiveFuzzHarness.archive(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
