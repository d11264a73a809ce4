import CBZip2

/// bzip2 through libbz2 on the calling thread, stream after stream: concatenated streams decode as one, and anything
/// after a stream that is not another "BZh" header is an error.
final class Bzip2Stream: ByteStream {
    private let input: InputBuffer
    private var decoder: Bzip2Decoder
    private var finished = false
    /// Raised after the bytes decoded before it were returned; thrown by the next read.
    private var pendingError: (any Error)?

    init(source: InputSource) throws {
        input = InputBuffer(source: source)
        guard let decoder = Bzip2Decoder() else {
            throw ArchiveError(file: source.name, compressedOffset: 0, message: bzip2Message(BZ_MEM_ERROR))
        }
        self.decoder = decoder
    }

    var kind: CompressionKind { .bzip2 }
    var compressedBytesRead: UInt64 { input.offset }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let error = pendingError {
            pendingError = nil
            finished = true
            throw error
        }
        guard !finished, !buffer.isEmpty else { return 0 }
        let capacity = min(buffer.count, Int(UInt32.max))
        decoder.stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: CChar.self)
        decoder.stream.pointee.avail_out = UInt32(capacity)
        do {
            try decompressSome()
        } catch {
            finished = true
            if decoder.stream.pointee.avail_out == capacity { throw error }
            pendingError = error
        }
        return capacity - Int(decoder.stream.pointee.avail_out)
    }

    /// Decompresses until the output is full, the input ends, or more input is needed after some output was produced.
    private func decompressSome() throws {
        let capacity = decoder.stream.pointee.avail_out
        while true {
            let stream = decoder.stream
            if input.available == 0 { try input.fill() }
            stream.pointee.next_in = UnsafeMutableRawPointer(mutating: input.unread.baseAddress)?
                .assumingMemoryBound(to: CChar.self)
            stream.pointee.avail_in = UInt32(input.available)
            let status = BZ2_bzDecompress(stream)
            input.start = input.end - Int(stream.pointee.avail_in)
            switch status {
            case BZ_OK:
                if stream.pointee.avail_out == 0 { return }
                if input.available == 0 && input.atEOF { throw failure(bzip2CutMessage) }
                // Hand over what is decoded before blocking on more input.
                if input.available == 0 && stream.pointee.avail_out < capacity { return }
            case BZ_STREAM_END:
                try input.ensure(3)
                let next = Array(input.unread.prefix(3))
                if next.isEmpty {
                    finished = true
                    return
                }
                if next != Array("BZh".utf8) {
                    let cut = input.atEOF && Array("BZh".utf8).starts(with: next)
                    throw failure(cut ? bzip2CutMessage : "trailing garbage after bzip2 stream")
                }
                guard let fresh = Bzip2Decoder() else { throw failure(bzip2Message(BZ_MEM_ERROR)) }
                fresh.stream.pointee.next_out = stream.pointee.next_out
                fresh.stream.pointee.avail_out = stream.pointee.avail_out
                decoder = fresh
            default:
                throw failure(bzip2Message(status))
            }
        }
    }

    private func failure(_ message: String) -> ArchiveError {
        ArchiveError(file: input.source.name, compressedOffset: input.offset, message: message)
    }
}

/// One libbz2 decompression stream at a fixed address (libbz2 keeps a pointer back to it).
final class Bzip2Decoder {
    let stream = UnsafeMutablePointer<bz_stream>.allocate(capacity: 1)

    init?() {
        stream.initialize(to: bz_stream())
        guard BZ2_bzDecompressInit(stream, 0, 0) == BZ_OK else {
            stream.deallocate()
            return nil
        }
    }

    deinit {
        BZ2_bzDecompressEnd(stream)
        stream.deallocate()
    }
}

let bzip2CutMessage = "bzip2 stream is cut short (unexpected end of file)"

func bzip2Message(_ status: Int32) -> String {
    switch status {
    case BZ_DATA_ERROR: "bzip2 data error (corrupt block or CRC mismatch)"
    case BZ_DATA_ERROR_MAGIC: "bzip2 data error: bad stream header"
    case BZ_MEM_ERROR: "out of memory in libbz2"
    default: "libbz2 error \(status)"
    }
}
