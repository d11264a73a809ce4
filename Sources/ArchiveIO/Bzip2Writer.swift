import CBZip2
import Foundation

/// bzip2 compression through libbz2 (the inverse of ``openArchive(path:threads:)`` for bzip2 files): one
/// stream, blocks of `blockSize100k` × 100 kB (9 is what `bzip2 -9`, RouteViews and RIPE RIS use).
/// Deterministic: the same bytes and block size always give the same output.
public enum Bzip2Writer {
    /// Compresses `data` into a single bzip2 stream.
    public static func compress(_ data: [UInt8], blockSize100k: Int32 = 9) throws -> [UInt8] {
        precondition((1...9).contains(blockSize100k), "bzip2 block size must be 1…9")
        var stream = bz_stream()
        var status = BZ2_bzCompressInit(&stream, blockSize100k, 0, 0)
        guard status == BZ_OK else { throw failure("cannot start compression", status) }
        defer { BZ2_bzCompressEnd(&stream) }
        // bzip2's documented worst case: 1 % larger plus 600 bytes; grown on demand anyway.
        var out = [UInt8](repeating: 0, count: data.count + data.count / 100 + 600)
        var produced = 0
        try data.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutableRawPointer(mutating: input.baseAddress)?.assumingMemoryBound(to: CChar.self)
            var remaining = input.count
            repeat {
                // libbz2 counts in UInt32: feed at most 1 GiB per call.
                let chunk = min(remaining, 1 << 30)
                stream.avail_in = UInt32(chunk)
                let last = chunk == remaining
                while true {
                    if produced == out.count {
                        out.append(contentsOf: repeatElement(0, count: max(1 << 16, out.count / 4)))
                    }
                    status = out.withUnsafeMutableBufferPointer { o in
                        stream.next_out = UnsafeMutableRawPointer(o.baseAddress! + produced).assumingMemoryBound(
                            to: CChar.self)
                        stream.avail_out = UInt32(min(o.count - produced, Int(UInt32.max)))
                        let before = stream.avail_out
                        let s = BZ2_bzCompress(&stream, last ? BZ_FINISH : BZ_RUN)
                        produced += Int(before - stream.avail_out)
                        return s
                    }
                    if last {
                        if status == BZ_STREAM_END { break }
                        guard status == BZ_FINISH_OK else { throw failure("compression failed", status) }
                    } else {
                        guard status == BZ_RUN_OK else { throw failure("compression failed", status) }
                        if stream.avail_in == 0 { break }
                    }
                }
                remaining -= chunk
            } while remaining > 0
        }
        out.removeSubrange(produced...)
        return out
    }

    /// Compresses `data` and writes it to `path` (replacing the file).
    public static func write(_ data: [UInt8], to path: String, blockSize100k: Int32 = 9) throws {
        let bytes = try compress(data, blockSize100k: blockSize100k)
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw ArchiveError(file: path, compressedOffset: nil, message: "cannot write")
        }
    }

    private static func failure(_ what: String, _ status: Int32) -> ArchiveError {
        ArchiveError(file: "-", compressedOffset: nil, message: "bzip2: \(what) (libbz2 status \(status))")
    }
}
