import CZlib

/// gzip through zlib's inflate, member after member: concatenated members decode as one stream, and anything after a
/// member that is not another gzip header is an error.
final class GzipStream: ByteStream {
    private let input: InputBuffer
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private var finished = false
    /// Raised after the bytes decoded before it were returned; thrown by the next read.
    private var pendingError: (any Error)?

    init(source: InputSource) throws {
        input = InputBuffer(source: source)
        stream.initialize(to: z_stream())
        // 16 + MAX_WBITS: gzip wrapper only, so a zlib or raw deflate header after a member counts as garbage.
        guard inflateInit2_(stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            throw ArchiveError(file: source.name, compressedOffset: 0, message: "cannot initialise zlib")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    var kind: CompressionKind { .gzip }
    var compressedBytesRead: UInt64 { input.offset }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let error = pendingError {
            pendingError = nil
            finished = true
            throw error
        }
        guard !finished, !buffer.isEmpty else { return 0 }
        let capacity = min(buffer.count, Int(UInt32.max))
        stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_out = UInt32(capacity)
        do {
            try inflateSome()
        } catch {
            finished = true
            if stream.pointee.avail_out == capacity { throw error }
            pendingError = error
        }
        return capacity - Int(stream.pointee.avail_out)
    }

    /// Inflates until the output is full, the input ends, or more input is needed after some output was produced.
    private func inflateSome() throws {
        let capacity = stream.pointee.avail_out
        while true {
            if input.available == 0 { try input.fill() }
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.unread.baseAddress)
            stream.pointee.avail_in = UInt32(input.available)
            let status = inflate(stream, Z_NO_FLUSH)
            input.start = input.end - Int(stream.pointee.avail_in)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                if stream.pointee.avail_out == 0 { return }
                if input.available == 0 && input.atEOF { throw failure(gzipCutMessage) }
                // Hand over what is decoded before blocking on more input.
                if input.available == 0 && stream.pointee.avail_out < capacity { return }
            case Z_STREAM_END:
                try input.ensure(2)
                let next = Array(input.unread.prefix(2))
                if next.isEmpty {
                    finished = true
                    return
                }
                if next == [0x1f] { throw failure(gzipCutMessage) }
                if next != [0x1f, 0x8b] { throw failure("trailing garbage after gzip member") }
                inflateReset(stream)
                if stream.pointee.avail_out == 0 { return }
            case Z_MEM_ERROR:
                throw failure("out of memory in zlib")
            default:
                let detail = stream.pointee.msg.map { String(cString: $0) } ?? "code \(status)"
                throw failure("gzip data error: \(detail)")
            }
        }
    }

    private func failure(_ message: String) -> ArchiveError {
        ArchiveError(file: input.source.name, compressedOffset: input.offset, message: message)
    }
}

private let gzipCutMessage = "gzip stream is cut short (unexpected end of file)"
